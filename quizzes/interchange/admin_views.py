"""Bank import and export in the Wagtail admin: upload, preview of what will
change, confirm; and a download per format.

The preview keeps the parsed items (not the upload) in the session; confirm
re-plans them against the bank as it is then and applies them in one
transaction, so an edit made between preview and confirm is never
overwritten silently: a refusal is shown and nothing is written.
"""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import Quiz
from .bank import MAX_UPLOAD_BYTES, BankError, BankItem
from .services import bank_export, bank_import, bank_plan, bank_read

SESSION_KEY = "bank-import-preview"
FORMAT_CHOICES = [
    ("qti", "QTI 3.0 package (.zip) or item (.xml)"),
    ("moodle", "Moodle XML (.xml)"),
    ("gift", "GIFT (.txt)"),
]


class BankUploadForm(forms.Form):
    format = forms.ChoiceField(choices=FORMAT_CHOICES)
    file = forms.FileField(help_text=f"At most {MAX_UPLOAD_BYTES // 2**20} MiB, UTF-8.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {MAX_UPLOAD_BYTES // 2**20} MiB. "
                "Nothing was imported."
            )
        return upload


def _can_import(user):
    return user.has_perm("quizzes.add_question") and user.has_perm("quizzes.change_question")


class BankImportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/bank_import.html"
    header_icon = "upload"

    def dispatch(self, request, pk):
        if not _can_import(request.user):
            raise PermissionDenied
        self.quiz = get_object_or_404(Quiz, pk=pk)
        self.page_title = f"Import items: {self.quiz.title}"
        return super().dispatch(request, pk)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailsnippets_quizzes_quiz:list"), "label": "Quizzes"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            quiz=self.quiz, upload_url=reverse("quiz_bank_import", args=[self.quiz.pk]), **kwargs
        )

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data(form=BankUploadForm()))

    def post(self, request, pk):
        form = BankUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        try:
            items = bank_read(data=upload.read(), fmt=form.cleaned_data["format"], filename=upload.name)
            changes = bank_plan(quiz=self.quiz, items=items)
        except BankError as exc:
            return self.render_to_response(self.get_context_data(form=form, problems=exc.problems), status=400)
        token = secrets.token_urlsafe(16)
        request.session[SESSION_KEY] = {
            "token": token,
            "quiz": self.quiz.pk,
            "filename": upload.name,
            "items": [i.as_json() for i in items],
        }
        self.template_name = "quizzes/admin/bank_preview.html"
        self.page_title = f"Preview import: {self.quiz.title}"
        counts = {a: sum(c.action == a for c in changes) for a in ("create", "update", "unchanged")}
        return self.render_to_response(
            self.get_context_data(
                changes=changes,
                counts=counts,
                filename=upload.name,
                token=token,
                confirm_url=reverse("quiz_bank_import_confirm", args=[self.quiz.pk]),
            )
        )


@require_POST
def bank_import_confirm(request, pk):
    if not _can_import(request.user):
        raise PermissionDenied
    quiz = get_object_or_404(Quiz, pk=pk)
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("quiz") != quiz.pk or pending.get("token") != request.POST.get("token"):
        messages.error(request, "That preview has expired or belongs to another upload; upload the file again.")
        return redirect("quiz_bank_import", pk=quiz.pk)
    try:
        changes = bank_import(quiz=quiz, items=[BankItem.from_json(i) for i in pending["items"]])
    except BankError as exc:
        messages.error(request, "Nothing was imported: " + "; ".join(exc.problems))
        return redirect("quiz_bank_import", pk=quiz.pk)
    del request.session[SESSION_KEY]
    created = sum(c.action == "create" for c in changes)
    updated = sum(c.action == "update" for c in changes)
    messages.success(request, f"Imported {pending['filename']}: {created} new, {updated} updated.")
    return redirect(reverse("wagtailsnippets_quizzes_question:list") + f"?quiz={quiz.pk}")


def bank_download(request, pk, fmt):
    if not request.user.has_perm("quizzes.view_quiz"):
        raise PermissionDenied
    quiz = get_object_or_404(Quiz, pk=pk)
    if fmt not in ("qti", "moodle", "gift"):
        return HttpResponse("Unknown format; use qti, moodle or gift.", status=404, content_type="text/plain")
    data, filename, content_type = bank_export(quiz=quiz, fmt=fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
