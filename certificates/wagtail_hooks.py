from django.contrib.auth import get_user_model
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.widgets import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import CertificateManageView
from .models import Certificate, CertificateSettings, provider_details_missing


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Certificates come only from completions and from audited reissues on
    the manage page: nobody, superusers included, gets the raw add, edit or
    delete forms, which would write a certificate without its audit trail."""

    FORM_ACTIONS = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.FORM_ACTIONS and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.FORM_ACTIONS]
        return super().users_with_any_permission(allowed) if allowed else get_user_model().objects.none()


register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate), exact_class=True)


class CertificateIndexView(SnippetIndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm("certificates.view_certificate"):
            buttons.append(ListingButton("Manage", reverse("certificate_manage", args=[instance.pk]), priority=5))
        return buttons


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    index_view_class = CertificateIndexView
    icon = "doc-full"
    menu_label = "Certificates"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["code", "learner_name", "course_title", "status", "completed_at", "issued_at"]
    list_filter = ["status"]
    # A database filter (the model is not in the search index): editors look
    # learners up by the name printed on the certificate, the name on the
    # profile, or the e-mail address, as well as by code.
    search_fields = ["code", "snapshot__legal_name", "user__profile__legal_name", "user__email"]
    ordering = ["-created_at"]
    inspect_view_enabled = False


register_snippet(CertificateViewSet)


@hooks.register("register_admin_urls")
def certificate_admin_urls():
    return [path("certificates/<id:pk>/manage/", CertificateManageView.as_view(), name="certificate_manage")]


class ProviderDetailsWarning(Component):
    """On the admin dashboard until the certificate's provider and signatory
    are real: certificates print whatever is set there."""

    template_name = "certificates/admin/provider_warning.html"
    order = 10

    def __init__(self, missing):
        self.missing = missing

    def get_context_data(self, parent_context):
        return {"missing": self.missing}


@hooks.register("construct_homepage_panels")
def provider_details_panel(request, panels):
    if not request.user.has_perm("certificates.view_certificate"):
        return
    missing = provider_details_missing(CertificateSettings.for_request(request))
    if missing:
        panels.insert(0, ProviderDetailsWarning(missing))
