from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import REVIEW_PERMISSION, ReviewQueueView, ReviewView
from .models import Program


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


@hooks.register("register_admin_urls")
def certification_admin_urls():
    return [
        path("certification/reviews/", ReviewQueueView.as_view(), name="certification_review_queue"),
        path("certification/reviews/<id:pk>/", ReviewView.as_view(), name="certification_review"),
    ]


class ReviewerMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(REVIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def review_queue_menu_item():
    return ReviewerMenuItem("Capstone review", reverse("certification_review_queue"), icon_name="tasks", order=320)
