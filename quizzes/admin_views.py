"""Editor reports: the list of quizzes with attempts and pass rate (each
quiz's item statistics are in statistics_admin.py)."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .selectors import quiz_pass_rates


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
            row | {"detail_url": reverse("quiz_report", args=[row["quiz"].pk])} for row in quiz_pass_rates()
        ]
        return context
