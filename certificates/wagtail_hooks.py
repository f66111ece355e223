from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import CertificateManageView
from .models import Certificate


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = "Certificates"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["code", "learner_name", "course_title", "status", "completed_at", "issued_at"]
    list_filter = ["status"]
    search_fields = ["code"]
    ordering = ["-created_at"]
    inspect_view_enabled = False


register_snippet(CertificateViewSet)


@hooks.register("register_admin_urls")
def certificate_admin_urls():
    return [path("certificates/<id:pk>/manage/", CertificateManageView.as_view(), name="certificate_manage")]


@hooks.register("register_snippet_listing_buttons")
def certificate_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, Certificate) and user.has_perm("certificates.view_certificate"):
        yield ListingButton("Manage", reverse("certificate_manage", args=[snippet.pk]), priority=5)
