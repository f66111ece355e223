"""The readiness checklist: each credit offering and what keeps it from
awarding its body's credit today (approval missing or expired, statements
empty, provider details unset). A ReportView, exportable as CSV or XLSX."""

from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from .models import CreditOffering
from .selectors import offering_readiness


class ReadinessReportView(ReportView):
    page_title = "CE credit readiness"
    header_icon = "tasks"
    results_template_name = "accreditation/admin/readiness_results.html"
    permission_policy = ModelPermissionPolicy(CreditOffering)
    permission_required = "view"
    paginate_by = 100
    list_export = ["course", "body", "max_hours", "status", "missing"]
    export_headings = {
        "course": "Course",
        "body": "Body",
        "max_hours": "Maximum hours",
        "status": "Status",
        "missing": "What is missing",
    }

    def get_filename(self):
        return "ce-credit-readiness"

    def get_queryset(self):
        return [
            {
                "offering": row.offering,
                "course": row.offering.course.title,
                "body": row.offering.body.short_name,
                "max_hours": row.offering.max_hours,
                "ready": row.ready,
                "status": "Ready" if row.ready else "Not ready",
                "missing": "; ".join(row.problems),
                "problems": row.problems,
            }
            for row in offering_readiness()
        ]
