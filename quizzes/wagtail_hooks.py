from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import QuizReportIndexView, QuizReportView
from .models import Question, Quiz


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "list-ol"
    menu_label = "Quizzes"
    list_display = ["title", "module", "course", "pass_mark", "questions_per_attempt"]
    search_fields = ["title"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = "Questions"
    list_display = ["key", "stem", "type", "quiz", "active"]
    list_filter = ["quiz", "type", "active"]
    search_fields = ["stem", "key"]


class QuizGroup(SnippetViewSetGroup):
    menu_label = "Quizzes"
    menu_icon = "list-ol"
    menu_order = 250
    items = (QuizViewSet, QuestionViewSet)


register_snippet(QuizGroup)


@hooks.register("register_admin_urls")
def quiz_report_urls():
    return [
        path("quiz-reports/", QuizReportIndexView.as_view(), name="quiz_report_index"),
        path("quiz-reports/<id:pk>/", QuizReportView.as_view(), name="quiz_report"),
    ]


@hooks.register("register_reports_menu_item")
def quiz_reports_menu_item():
    return MenuItem("Quiz item analysis", reverse("quiz_report_index"), icon_name="list-ol", order=700)


@hooks.register("register_snippet_listing_buttons")
def quiz_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, Quiz):
        yield ListingButton("Preview", reverse("quiz_preview", args=[snippet.pk]), priority=20)
        yield ListingButton("Report", reverse("quiz_report", args=[snippet.pk]), priority=30)
