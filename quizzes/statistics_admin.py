"""The item-statistics report in the Wagtail admin: a ReportView over the
stored report (one row read, however many attempts), with CSV and XLSX
export from ``list_export``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin.views.reports import ReportView

from .models import Quiz, QuizStatistics
from .queue import enqueue_statistics_refresh


def _pct(value, digits=1):
    return None if value is None else round(value * 100, digits)


def _round(value, digits=1):
    return None if value is None else round(value, digits)


def report_rows(report):
    """One row per item, with the figures as an editor reads them (percent)."""
    rows = []
    for item in report.get("items", []):
        rows.append(
            item
            | {
                "facility_pct": _pct(item["facility"]),
                "sd_pct": _pct(item["sd"]),
                "di": _round(item["discrimination_index"]),
                "de": _round(item["discriminative_efficiency"]),
                "ew": _round(item["effective_weight"], 2),
                "flags_text": "; ".join(item["flags"]),
                "choices_text": " | ".join(
                    f"{'*' if c['correct'] else ''}{c['text']}: {c['overall']} (top {c['top']}, bottom {c['bottom']})"
                    for c in item["choices"]
                ),
            }
        )
    return rows


class QuizStatisticsReportView(ReportView):
    template_name = "quizzes/admin/statistics.html"
    results_template_name = "quizzes/admin/statistics_results.html"
    header_icon = "list-ol"
    paginate_by = 200
    list_export = [
        "key",
        "stem",
        "type",
        "objective",
        "active",
        "attempts",
        "facility_pct",
        "sd_pct",
        "di",
        "de",
        "ew",
        "flags_text",
        "choices_text",
    ]
    export_headings = {
        "key": "Item key",
        "stem": "Stem",
        "type": "Type",
        "objective": "Objective",
        "active": "Active",
        "attempts": "Attempts",
        "facility_pct": "Facility index (%)",
        "sd_pct": "SD (%)",
        "di": "Discrimination index (%)",
        "de": "Discriminative efficiency (%)",
        "ew": "Effective weight (%)",
        "flags_text": "Flags",
        "choices_text": "Choices: picks overall (top third, bottom third); * = key",
    }

    def dispatch(self, request, pk):
        if not request.user.has_perm("quizzes.view_quiz"):
            raise PermissionDenied
        self.quiz = get_object_or_404(Quiz, pk=pk)
        self.stored = QuizStatistics.objects.filter(quiz=self.quiz).first()
        return super().dispatch(request, pk=pk)

    def get_page_title(self):
        return f"Item statistics: {self.quiz.title}"

    def get_filename(self):
        return f"quiz-{self.quiz.pk}-item-statistics"

    def get_queryset(self):
        return report_rows(self.stored.report) if self.stored else []

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("quiz_report_index"), "label": "Quiz reports"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.stored.report if self.stored else {}
        context.update(
            quiz=self.quiz,
            stored=self.stored,
            test=report.get("test"),
            objectives=report.get("objectives", []),
            mastery_threshold=_pct(report.get("mastery_threshold")),
            flagged=sum(1 for item in report.get("items", []) if item["flags"]),
            refresh_url=reverse("quiz_statistics_refresh", args=[self.quiz.pk]),
            no_results_message="No statistics yet: they are computed shortly after the first graded attempt.",
        )
        return context


@require_POST
def refresh_statistics(request, pk):
    """Queue a recomputation now (for an editor who cannot wait for the debounce)."""
    if not request.user.has_perm("quizzes.view_quiz"):
        raise PermissionDenied
    quiz = get_object_or_404(Quiz, pk=pk)
    try:
        enqueue_statistics_refresh(quiz.pk, countdown=0)
    except Exception:  # noqa: BLE001 - broker unreachable: say so instead of a 500
        messages.error(request, "The task queue is unreachable; the statistics will refresh once it is back.")
    else:
        messages.success(request, "The statistics are being recomputed; reload this page in a minute.")
    return redirect("quiz_report", pk=quiz.pk)
