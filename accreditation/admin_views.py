"""The readiness checklist: each credit offering and what keeps it from
awarding its body's credit today (approval missing or expired, statements
empty, provider details unset). A ReportView, exportable as CSV or XLSX."""

import django_filters
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from core.errors import ApplicationError, http_status

from .forms import AuditPackForm
from .models import AuditPack, CreditClaim, CreditOffering
from .selectors import offering_readiness, roster_claims
from .services import audit_pack_request


class ReadinessReportView(ReportView):
    page_title = "CE credit readiness"
    header_icon = "tasks"
    results_template_name = "accreditation/admin/readiness_results.html"
    permission_policy = ModelPermissionPolicy(CreditOffering)
    permission_required = "view"
    paginate_by = 100
    list_export = ["course", "body", "max_hours", "status", "missing", "retention_years"]
    export_headings = {
        "course": "Course",
        "body": "Body",
        "max_hours": "Maximum hours",
        "status": "Status",
        "missing": "What is missing",
        "retention_years": "Course records kept (years)",
    }

    def get_filename(self):
        return "ce-credit-readiness"

    def get_queryset(self):
        return [
            {
                "offering": row.offering,
                "course": row.offering.course.title,
                "body": row.offering.body.short_name,
                "max_hours": row.offering.max_hours,
                "ready": row.ready,
                "status": "Ready" if row.ready else "Not ready",
                "missing": "; ".join(row.problems),
                "problems": row.problems,
                "retention_years": row.retention_years,
            }
            for row in offering_readiness()
        ]


class RosterFilterSet(WagtailFilterSet):
    offering = django_filters.ModelChoiceFilter(
        queryset=CreditOffering.objects.select_related("body", "course"), label="Offering"
    )
    completed = django_filters.DateFromToRangeFilter(
        field_name="completion__completed_at__date", label="Completed", widget=DateRangePickerWidget
    )

    class Meta:
        model = CreditClaim
        fields = ["offering", "completed"]


class RosterReportView(ReportView):
    """Every claim for an offering and period: who (name as printed, license),
    what (course, body, credit, hours), when, and under which approval, with
    the certificate's code and status. CSV or XLSX for a board's audit."""

    page_title = "CE credit roster"
    header_icon = "list-ul"
    results_template_name = "accreditation/admin/roster_results.html"
    permission_policy = ModelPermissionPolicy(CreditOffering)
    permission_required = "view"
    filterset_class = RosterFilterSet
    index_url_name = "credit_roster"
    index_results_url_name = "credit_roster_results"
    paginate_by = 100
    list_export = [
        "learner_name",
        "license_number",
        "license_jurisdiction",
        "course_title",
        "offering.body.short_name",
        "offering.printed_credit_type",
        "hours",
        "completed_on",
        "approval.approval_number",
        "certificate.code",
        "certificate.status",
        "claimed_at",
    ]
    export_headings = {
        "learner_name": "Name",
        "license_number": "License number",
        "license_jurisdiction": "License jurisdiction",
        "course_title": "Course",
        "offering.body.short_name": "Body",
        "offering.printed_credit_type": "Credit type",
        "hours": "Hours",
        "completed_on": "Completed",
        "approval.approval_number": "Approval number",
        "certificate.code": "Certificate code",
        "certificate.status": "Certificate status",
        "claimed_at": "Claimed",
    }

    def get_filename(self):
        return "ce-credit-roster"

    def get_queryset(self):
        return roster_claims()


def _may_build_packs(user) -> bool:
    # Packs hold license numbers and approval details: administrators only,
    # like the offerings themselves.
    return user.has_perm("accreditation.view_creditoffering")


class AuditPackAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not _may_build_packs(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class AuditPackIndexView(AuditPackAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """Request an audit pack for an offering and period; recent packs below."""

    template_name = "accreditation/admin/audit_packs.html"
    page_title = "CE audit packs"
    header_icon = "download"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or AuditPackForm()
        context["packs"] = AuditPack.objects.select_related("offering__body", "offering__course")[:20]
        return context

    def post(self, request):
        form = AuditPackForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            pack = audit_pack_request(
                offering=form.cleaned_data["offering"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=http_status(exc))
        return redirect("credit_audit_pack", pk=pack.pk)


class AuditPackStatusView(AuditPackAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """The pack's progress; the page reloads itself until it is ready or failed."""

    template_name = "accreditation/admin/audit_pack.html"
    header_icon = "download"

    def get_page_title(self):
        return f"Audit pack {self.kwargs['pk']}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pack"] = get_object_or_404(
            AuditPack.objects.select_related("offering__body", "offering__course"), pk=self.kwargs["pk"]
        )
        return context


def audit_pack_download(request, pk):
    if not _may_build_packs(request.user):
        return permission_denied(request)
    pack = get_object_or_404(AuditPack, pk=pk, status=AuditPack.Status.READY)
    if not pack.file:
        raise Http404("No file for this pack.")
    response = FileResponse(
        pack.file.open("rb"), content_type="application/zip", as_attachment=True, filename=f"audit-pack-{pack.pk}.zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response
