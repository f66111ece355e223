from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import (
    REVIEW_PERMISSION,
    CertificationIndexView,
    CertificationInspectView,
    ExternalCEIndexView,
    ExternalCEInspectView,
    ReadOnlyPolicy,
    ReviewQueueView,
    ReviewView,
    RevokeView,
)
from .models import Certification, ExternalCE, Program


class ProgramViewSet(SnippetViewSet):
    """Programs are authored here: requirements, rubric, validity and
    renewal are fields and inline rows, so a new program needs no code."""

    model = Program
    icon = "list-ul"
    menu_label = "Certification programs"
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["title", "live", "validity_months"]
    search_fields = ["title"]


register_snippet(ProgramViewSet)


class CertificationViewSet(ModelViewSet):
    """Every certification with its status and current period end; the
    inspect page shows the audit log and, for holders of the revoke
    permission, the Revoke action. Nothing else is editable here."""

    model = Certification
    name = "certifications"
    icon = "success"
    menu_label = "Certifications"
    menu_order = 315
    add_to_admin_menu = True
    index_view_class = CertificationIndexView
    inspect_view_class = CertificationInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["in_registry"]  # required by ModelViewSet; the policy refuses every form
    list_display = [
        "code",
        Column("legal_name", label="Learner"),
        Column("program_title", label="Program"),
        Column("state_label", label="Status"),
        Column("valid_until", label="Current period ends"),
    ]
    inspect_view_fields = [
        "code",
        "learner",
        "program_title",
        "state_label",
        "valid_until",
        "period",
        "awarded_at",
        "in_registry",
    ]
    list_filter = ["status", "program"]
    # A database filter (the model is not in the search index): by the
    # learner's name as printed, the profile name, e-mail or code.
    search_fields = ["code", "snapshot__legal_name", "user__profile__legal_name", "user__email"]
    ordering = ["-awarded_at"]


class ExternalCEViewSet(ModelViewSet):
    """Other providers' CE certificates, pending first; accept or reject on
    the inspect page."""

    model = ExternalCE
    name = "external_ce"
    icon = "doc-full-inverse"
    menu_label = "Uploaded CE"
    menu_order = 316
    add_to_admin_menu = True
    index_view_class = ExternalCEIndexView
    inspect_view_class = ExternalCEInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["review_note"]  # required by ModelViewSet; the policy refuses every form
    list_display = ["course_title", "learner_name", "provider_name", "hours", "completed_on", "status", "uploaded_at"]
    inspect_view_fields = ["learner", "provider_name", "course_title", "hours", "completed_on", "uploaded_at", "status"]
    list_filter = ["status"]
    search_fields = ["course_title", "provider_name", "enrolment__user__profile__legal_name", "enrolment__user__email"]
    ordering = ["status", "-uploaded_at"]


register_permission_policy(Certification, ReadOnlyPolicy(Certification), exact_class=True)
register_permission_policy(ExternalCE, ReadOnlyPolicy(ExternalCE), exact_class=True)


@hooks.register("register_admin_viewset")
def certification_viewsets():
    return [CertificationViewSet(), ExternalCEViewSet()]


@hooks.register("register_admin_urls")
def certification_admin_urls():
    return [
        path("certification/reviews/", ReviewQueueView.as_view(), name="certification_review_queue"),
        path("certification/reviews/<id:pk>/", ReviewView.as_view(), name="certification_review"),
        path("certification/awards/<id:pk>/revoke/", RevokeView.as_view(), name="certification_revoke"),
    ]


class ReviewerMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(REVIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def review_queue_menu_item():
    return ReviewerMenuItem("Capstone review", reverse("certification_review_queue"), icon_name="tasks", order=320)
