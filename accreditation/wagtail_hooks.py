from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import (
    AuditPackIndexView,
    AuditPackStatusView,
    ReadinessReportView,
    RosterReportView,
    audit_pack_download,
)
from .models import AccreditingBody, CreditOffering, ProviderApproval


class AccreditingBodyViewSet(SnippetViewSet):
    model = AccreditingBody
    icon = "group"
    menu_label = "Accrediting bodies"
    list_display = ["short_name", "name", "credit_type", "profession", "hours_increment"]
    search_fields = ["name", "short_name", "code"]
    inspect_view_enabled = False


class ProviderApprovalViewSet(SnippetViewSet):
    model = ProviderApproval
    icon = "success"
    menu_label = "Provider approvals"
    list_display = ["body", "approval_number", "valid_from", "valid_to", "retention_years"]
    list_filter = ["body"]
    inspect_view_enabled = False


class CreditOfferingViewSet(SnippetViewSet):
    model = CreditOffering
    icon = "doc-full-inverse"
    menu_label = "Credit offerings"
    list_display = ["course", "body", "max_hours", "active"]
    list_filter = ["body", "active"]
    inspect_view_enabled = False


class CECreditGroup(SnippetViewSetGroup):
    """Provider-level records (approval numbers, board statements): like the
    certificate settings, for administrators, not the editors' group."""

    menu_label = "CE credit"
    menu_icon = "tasks"
    menu_order = 320
    items = (AccreditingBodyViewSet, ProviderApprovalViewSet, CreditOfferingViewSet)


register_snippet(CECreditGroup)


@hooks.register("register_admin_urls")
def accreditation_admin_urls():
    return [
        path("ce-credit/readiness/", ReadinessReportView.as_view(), name="credit_readiness"),
        path("ce-credit/roster/", RosterReportView.as_view(), name="credit_roster"),
        path("ce-credit/roster/results/", RosterReportView.as_view(results_only=True), name="credit_roster_results"),
        path("ce-credit/audit-packs/", AuditPackIndexView.as_view(), name="credit_audit_packs"),
        path("ce-credit/audit-packs/<id:pk>/", AuditPackStatusView.as_view(), name="credit_audit_pack"),
        path("ce-credit/audit-packs/<id:pk>/download/", audit_pack_download, name="credit_audit_pack_download"),
    ]


class ReadinessMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("accreditation.view_creditoffering")


@hooks.register("register_reports_menu_item")
def readiness_menu_item():
    return ReadinessMenuItem("CE credit readiness", reverse("credit_readiness"), icon_name="tasks", order=710)


@hooks.register("register_reports_menu_item")
def roster_menu_item():
    return ReadinessMenuItem("CE credit roster", reverse("credit_roster"), icon_name="list-ul", order=711)


@hooks.register("register_reports_menu_item")
def audit_pack_menu_item():
    return ReadinessMenuItem("CE audit packs", reverse("credit_audit_packs"), icon_name="download", order=712)
