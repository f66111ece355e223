from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_grants import AttemptGrantViewSet
from .admin_views import QuizReportIndexView
from .interchange.admin_views import BankImportView, bank_download, bank_import_confirm
from .models import Question, Quiz
from .statistics_admin import QuizStatisticsReportView, refresh_statistics


class QuizIndexView(SnippetIndexView):
    """The quiz listing's own buttons: preview, item statistics, bank import
    and export (from the viewset, not a global hook that tests every snippet)."""

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            ListingButton("Preview", reverse("quiz_preview", args=[instance.pk]), priority=20),
            ListingButton("Report", reverse("quiz_report", args=[instance.pk]), priority=30),
            ListingButton("Import / export items", reverse("quiz_bank_import", args=[instance.pk]), priority=40),
        ]


class QuizViewSet(SnippetViewSet):
    model = Quiz
    index_view_class = QuizIndexView
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


@hooks.register("register_admin_viewset")
def register_attempt_grants():
    return AttemptGrantViewSet("attempt_grants")


@hooks.register("register_admin_urls")
def quiz_report_urls():
    return [
        path("quiz-reports/", QuizReportIndexView.as_view(), name="quiz_report_index"),
        path("quiz-reports/<id:pk>/", QuizStatisticsReportView.as_view(), name="quiz_report"),
        path("quiz-reports/<id:pk>/refresh/", refresh_statistics, name="quiz_statistics_refresh"),
        path("quiz-bank/<id:pk>/import/", BankImportView.as_view(), name="quiz_bank_import"),
        path("quiz-bank/<id:pk>/import/confirm/", bank_import_confirm, name="quiz_bank_import_confirm"),
        path("quiz-bank/<id:pk>/export/<str:fmt>/", bank_download, name="quiz_bank_export"),
    ]


@hooks.register("register_reports_menu_item")
def quiz_reports_menu_item():
    return MenuItem("Quiz item statistics", reverse("quiz_report_index"), icon_name="list-ol", order=700)
