"""The reviewers' queue and the review form in the Wagtail admin."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import ApplicationError, http_status

from . import selectors, services
from .models import CapstoneSubmission

REVIEW_PERMISSION = "certification.review_capstone"


class ReviewerOnly:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ReviewQueueView(ReviewerOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "certification/admin/queue.html"
    page_title = "Capstone review queue"
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        return [{"url": reverse("wagtailadmin_home"), "label": "Home"}, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for submission in selectors.review_queue():
            conflict = services.reviewer_conflict(reviewer=self.request.user, submission=submission)
            rows.append({"submission": submission, "conflict": conflict})
        context["rows"] = rows
        return context


class ReviewView(ReviewerOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "certification/admin/review.html"
    header_icon = "tasks"

    def dispatch(self, request, pk):
        self.submission = get_object_or_404(
            CapstoneSubmission.objects.select_related("enrolment__program", "enrolment__user__profile"), pk=pk
        )
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"Review capstone {self.submission.number}: {self.submission.enrolment.program.title}"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("certification_review_queue"), "label": "Capstone review"},
            {"url": "", "label": f"Submission {self.submission.pk}"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        criteria = selectors.rubric(program=self.submission.enrolment.program)
        posted = kwargs.get("posted") or {}
        context.update(
            submission=self.submission,
            criteria=[{"c": c, "value": posted.get(f"score_{c.key}", "")} for c in criteria],
            comments=posted.get("comments", ""),
            error=kwargs.get("error"),
            conflict=services.reviewer_conflict(reviewer=self.request.user, submission=self.submission),
        )
        return context

    def post(self, request, pk):
        criteria = selectors.rubric(program=self.submission.enrolment.program)
        raw = {c.key: request.POST.get(f"score_{c.key}", "") for c in criteria}
        try:
            services.capstone_review(
                reviewer=request.user,
                submission_id=self.submission.pk,
                decision=request.POST.get("decision", ""),
                raw_scores=raw,
                comments=request.POST.get("comments", ""),
            )
        except ApplicationError as exc:
            context = self.get_context_data(posted=request.POST, error=str(exc))
            return self.render_to_response(context, status=http_status(exc))
        messages.success(request, "Review saved; the learner can see the outcome.")
        return redirect("certification_review_queue")
