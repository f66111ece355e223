"""Learner pages for CE credit: claim, and the transcript (HTML, CSV, PDF).
Thin: forms shape input, services and selectors decide."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from certificates.pdf import format_date
from certificates.services import provider_settings
from core.errors import ApplicationError, http_status
from core.spreadsheets import csv_writer

from .forms import ClaimForm, TranscriptFilterForm
from .rules import format_hours
from .selectors import claim_options, credit_transcript
from .services import credit_claim
from .transcript_pdf import TranscriptPrint, TranscriptRow, TranscriptTotal, render_transcript

FIELDS = ("offering", "hours", "license_number", "license_jurisdiction")


def _claim_form(options, posted=None):
    """The form, unbound: after a refusal it shows what was sent again, and
    the one message says what to fix (the service's, not a second opinion)."""
    choices = [
        (str(c.offering.pk), f"{c.offering.body.short_name}: {c.offering.printed_credit_type}")
        for c in options["choices"]
        if c.claimable
    ]
    initial = {
        "offering": str(options["default_offering_id"] or ""),
        "license_number": options["license_number"],
        "license_jurisdiction": options["license_jurisdiction"],
    }
    if posted is not None:
        initial = {name: posted.get(name, "")[:200] for name in FIELDS}
        initial["attested"] = posted.get("attested") == "on"
    hint = "In quarter hours, up to the maximum shown for the credit you choose."
    return ClaimForm(initial=initial, choices=choices, max_hours_hint=hint)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, course_id):
    options = claim_options(user=request.user, course_id=course_id)
    if options is None:
        raise Http404("No completed course here.")
    if request.method == "GET":
        return render(request, "accreditation/claim.html", {**options, "form": _claim_form(options)})
    posted = {name: request.POST.get(name, "")[:200] for name in FIELDS}
    try:
        result = credit_claim(
            user=request.user,
            course_id=course_id,
            offering_id=posted["offering"],
            hours=posted["hours"],
            license_number=posted["license_number"],
            license_jurisdiction=posted["license_jurisdiction"],
            attested=request.POST.get("attested") == "on",
        )
    except ApplicationError as exc:
        context = {**options, "form": _claim_form(options, request.POST), "error": exc.message}
        return render(request, "accreditation/claim.html", context, status=http_status(exc))
    messages.success(
        request,
        f"{result.offering.body.short_name} credit claimed: {format_hours(result.hours)} hours. "
        "Your certificate is being prepared.",
    )
    return redirect("credit_transcript")


def _transcript(request):
    form = TranscriptFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    return form, credit_transcript(
        user=request.user, start=data.get("start"), end=data.get("end"), body=data.get("body")
    )


def _period_text(transcript) -> str:
    if transcript.start and transcript.end:
        return f"{format_date(transcript.start)} to {format_date(transcript.end)}"
    if transcript.start:
        return f"from {format_date(transcript.start)}"
    if transcript.end:
        return f"up to {format_date(transcript.end)}"
    return "all dates"


@login_required
@never_cache
def transcript_view(request):
    form, transcript = _transcript(request)
    context = {"form": form, "transcript": transcript, "query": request.GET.urlencode()}
    if transcript is not None:
        context["period"] = _period_text(transcript)
    return render(request, "accreditation/transcript.html", context, status=200 if transcript else 400)


def _file_response(content, *, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def transcript_csv(request):
    form, transcript = _transcript(request)
    if transcript is None:
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=400)
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(["completed", "course", "board", "credit_type", "hours", "status", "certificate_code"])
    for c in transcript.certificates:
        info = c.credit_info
        writer.writerow(
            [
                c.completed_at.date().isoformat(),
                c.course_title,
                info.get("body_short_name", c.credit),
                info.get("credit_type", ""),
                info.get("hours", ""),
                c.status,
                c.code,
            ]
        )
    writer.writerow([])
    for total in transcript.totals:
        writer.writerow(["total issued", "", total.body_name, total.credit_type, format_hours(total.hours), "", ""])
    return _file_response(buf.getvalue(), content_type="text/csv; charset=utf-8", filename="ce-credit-transcript.csv")


@login_required
@never_cache
def transcript_pdf(request):
    form, transcript = _transcript(request)
    if transcript is None:
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=400)
    profile = getattr(request.user, "profile", None)
    data = TranscriptPrint(
        legal_name=profile.legal_name if profile else request.user.display_name,
        provider_name=provider_settings().provider_name,
        period=_period_text(transcript),
        board=transcript.body.short_name if transcript.body else "All boards",
        generated=timezone.localdate(),
        rows=tuple(
            TranscriptRow(
                completed=c.completed_at.date(),
                course_title=c.course_title,
                board=c.credit_info.get("body_short_name", c.credit),
                credit_type=c.credit_info.get("credit_type", ""),
                hours=c.credit_info.get("hours", ""),
                status=c.get_status_display(),
                code=c.code,
            )
            for c in transcript.certificates
        ),
        totals=tuple(TranscriptTotal(t.body_name, t.credit_type, format_hours(t.hours)) for t in transcript.totals),
    )
    return _file_response(render_transcript(data), content_type="application/pdf", filename="ce-credit-transcript.pdf")
