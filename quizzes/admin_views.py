"""Editor reports: attempts, pass rate and item analysis per quiz, with CSV."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.spreadsheets import csv_writer

from .models import Quiz
from .selectors import quiz_report, quizzes_for_report


class _ReportPermission:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("quizzes.view_quiz"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class QuizReportIndexView(_ReportPermission, WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/report_index.html"
    page_title = "Quiz reports"
    header_icon = "list-ol"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            quiz_report(q) | {"detail_url": reverse("quiz_report", args=[q.pk])} for q in quizzes_for_report()
        ]
        return context


class QuizReportView(_ReportPermission, WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/report.html"
    header_icon = "list-ol"

    def get_page_title(self):
        return f"Item analysis: {self.quiz.title}"

    def dispatch(self, request, pk):
        self.quiz = get_object_or_404(Quiz, pk=pk)
        return super().dispatch(request, pk)

    def get(self, request, pk):
        if request.GET.get("format") == "csv":
            return self.csv_response()
        return super().get(request, pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = quiz_report(self.quiz)
        return context

    def csv_response(self):
        report = quiz_report(self.quiz)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="quiz-{self.quiz.pk}-item-analysis.csv"'
        writer = csv_writer(response)
        writer.writerow(["quiz", "attempts", "passed", "pass_rate_percent"])
        writer.writerow([self.quiz.title, report["attempts"], report["passed"], report["pass_rate"]])
        writer.writerow([])
        writer.writerow(["question_key", "stem", "times_shown", "times_correct", "percent_correct"])
        for item in report["items"]:
            question = item["question"]
            writer.writerow([question.key, question.stem, item["shown"], item["correct"], item["percent"]])
        return response
