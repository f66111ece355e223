"""Admin views: the reviewers' queue and review form, the certification
listing with its audit log and the revoke action, and the review of CE
certificates uploaded from other providers."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy

from core.errors import ApplicationError, http_status

from . import selectors, services
from .models import CapstoneSubmission, Certification, ExternalCE

REVIEW_PERMISSION = "certification.review_capstone"


class ReviewerOnly:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ReviewQueueView(ReviewerOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "certification/admin/queue.html"
    page_title = "Capstone review queue"
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        return [{"url": reverse("wagtailadmin_home"), "label": "Home"}, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for submission in selectors.review_queue():
            conflict = services.reviewer_conflict(reviewer=self.request.user, submission=submission)
            rows.append({"submission": submission, "conflict": conflict})
        context["rows"] = rows
        return context


class ReviewView(ReviewerOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "certification/admin/review.html"
    header_icon = "tasks"

    def dispatch(self, request, pk):
        self.submission = get_object_or_404(
            CapstoneSubmission.objects.select_related("enrolment__program", "enrolment__user__profile"), pk=pk
        )
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"Review capstone {self.submission.number}: {self.submission.enrolment.program.title}"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("certification_review_queue"), "label": "Capstone review"},
            {"url": "", "label": f"Submission {self.submission.pk}"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        criteria = selectors.rubric(program=self.submission.enrolment.program)
        posted = kwargs.get("posted") or {}
        context.update(
            submission=self.submission,
            criteria=[{"c": c, "value": posted.get(f"score_{c.key}", "")} for c in criteria],
            comments=posted.get("comments", ""),
            error=kwargs.get("error"),
            conflict=services.reviewer_conflict(reviewer=self.request.user, submission=self.submission),
        )
        return context

    def post(self, request, pk):
        criteria = selectors.rubric(program=self.submission.enrolment.program)
        raw = {c.key: request.POST.get(f"score_{c.key}", "") for c in criteria}
        try:
            services.capstone_review(
                reviewer=request.user,
                submission_id=self.submission.pk,
                decision=request.POST.get("decision", ""),
                raw_scores=raw,
                comments=request.POST.get("comments", ""),
            )
        except ApplicationError as exc:
            context = self.get_context_data(posted=request.POST, error=str(exc))
            return self.render_to_response(context, status=http_status(exc))
        messages.success(request, "Review saved; the learner can see the outcome.")
        return redirect("certification_review_queue")


# --- certifications: listing, inspect (audit log) and revoke -----------------


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Certifications and uploads change only through their audited actions
    (revoke, accept or reject): nobody, superusers included, gets Wagtail's
    raw add, edit or delete forms."""

    FORM_ACTIONS = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.FORM_ACTIONS and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.FORM_ACTIONS]
        return super().users_with_any_permission(allowed) if allowed else get_user_model().objects.none()


class CertificationIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.admin_certifications()

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(services.REVOKE_PERMISSION) and instance.status == Certification.Status.ISSUED:
            buttons.append(ListingButton("Revoke", reverse("certification_revoke", args=[instance.pk]), priority=50))
        return buttons


class CertificationInspectView(generic.InspectView):
    template_name = "certification/admin/certification_inspect.html"

    def get_field_label(self, field_name, field):
        labels = {
            "learner": "Learner",
            "program_title": "Program",
            "state_label": "Status",
            "valid_until": "Current period ends",
        }
        return labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        if field_name == "learner":
            return f"{self.object.legal_name} ({self.object.user.email})"
        if field_name == "state_label":
            return self.object.state_label()
        return super().get_field_display_value(field_name, field)

    @cached_property
    def header_more_buttons(self):
        buttons = []
        if self.request.user.has_perm(services.REVOKE_PERMISSION) and self.object.status == Certification.Status.ISSUED:
            buttons.append(
                Button("Revoke", url=reverse("certification_revoke", args=[self.object.pk]), icon_name="cross")
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = selectors.audit_log(certification=self.object)
        return context


class RevokeView(WagtailAdminTemplateMixin, TemplateView):
    """Revoke with a reason. Only holders of certification.revoke_certification."""

    template_name = "certification/admin/revoke.html"
    header_icon = "cross"

    def dispatch(self, request, pk):
        if not request.user.has_perm(services.REVOKE_PERMISSION):
            raise PermissionDenied
        self.certification = get_object_or_404(Certification.objects.select_related("program"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"Revoke certification {self.certification.code}"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("certifications:index"), "label": "Certifications"},
            {"url": reverse("certifications:inspect", args=[self.certification.pk]), "label": self.certification.code},
            {"url": "", "label": "Revoke"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(certification=self.certification, reason=kwargs.get("reason", ""), error=kwargs.get("error"))
        return context

    def post(self, request, pk):
        reason = request.POST.get("reason", "")
        try:
            services.certification_revoke(actor=request.user, certification_id=self.certification.pk, reason=reason)
        except ApplicationError as exc:
            return self.render_to_response(
                self.get_context_data(reason=reason, error=str(exc)), status=http_status(exc)
            )
        messages.success(request, f"Certification {self.certification.code} revoked; the learner has been e-mailed.")
        return redirect("certifications:inspect", self.certification.pk)


# --- CE certificates from other providers: listing and review -----------------


class ExternalCEIndexView(generic.IndexView):
    def get_base_queryset(self):
        return ExternalCE.objects.select_related("enrolment__user__profile", "enrolment__program")


class ExternalCEInspectView(generic.InspectView):
    template_name = "certification/admin/external_ce_inspect.html"

    def get_field_label(self, field_name, field):
        return "Learner" if field_name == "learner" else super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        if field_name == "learner":
            user = self.object.enrolment.user
            return f"{user.profile.legal_name} ({user.email})"
        return super().get_field_display_value(field_name, field)

    @cached_property
    def header_more_buttons(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            upload=self.object,
            can_review=self.request.user.has_perm(services.CE_REVIEW_PERMISSION)
            and self.object.status == ExternalCE.Status.PENDING,
            note=kwargs.get("note", ""),
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, pk):
        """Accept or reject, from the form on this page."""
        note = request.POST.get("note", "")
        try:
            services.external_ce_review(
                reviewer=request.user, upload_id=self.object.pk, decision=request.POST.get("decision", ""), note=note
            )
        except ApplicationError as exc:
            return self.render_to_response(self.get_context_data(note=note, error=str(exc)), status=http_status(exc))
        messages.success(request, "Review saved; the learner sees the outcome on the program page.")
        return redirect("external_ce:index")
