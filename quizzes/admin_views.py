"""Editor reports: the list of quizzes with attempts and pass rate (each
quiz's item statistics are in statistics_admin.py)."""

from django.urls import reverse
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from .models import Quiz
from .selectors import quiz_pass_rates


class QuizReportIndexView(ReportView):
    """Every quiz with its graded attempts and pass rate, exportable as CSV
    or XLSX; open to whoever may view quizzes."""

    page_title = "Quiz reports"
    header_icon = "list-ol"
    results_template_name = "quizzes/admin/report_index_results.html"
    permission_policy = ModelPermissionPolicy(Quiz)
    permission_required = "view"
    paginate_by = 100
    list_export = ["quiz.title", "attempts", "passed", "pass_rate"]
    export_headings = {
        "quiz.title": "Quiz",
        "attempts": "Graded attempts",
        "passed": "Passed",
        "pass_rate": "Pass rate (%)",
    }

    def get_filename(self):
        return "quiz-pass-rates"

    def get_queryset(self):
        return [row | {"detail_url": reverse("quiz_report", args=[row["quiz"].pk])} for row in quiz_pass_rates()]
