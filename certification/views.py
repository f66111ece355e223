"""Thin views: parse the form, call one service, show the answer. Every
refusal is an ApplicationError whose kind gives the status code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from certificates.views import client_ip
from core.errors import ApplicationError, http_status
from credentials.building import credential_json
from credentials.selectors import credential_for_reference, credential_public_status

from . import rules, selectors, services
from .forms import (
    LOG_HELP,
    AttestationForm,
    CapstoneForm,
    ExternalCEForm,
    PracticeLogForm,
    RegistryForm,
    RegistrySearchForm,
    SupervisorForm,
)
from .models import CertificationPeriod

REGISTRY_RATE = "30/m"
VERIFY_RATE = "60/m"


def _program_or_404(slug):
    program = selectors.live_program(slug=slug)
    if program is None:
        raise Http404("No such program.")
    return program


def _page(request, program, *, status=200, **forms):
    context = selectors.program_page(user=request.user, program=program)
    context.update(
        log_form=forms.get("log_form") or PracticeLogForm(),
        log_help=LOG_HELP,
        supervisor_form=forms.get("supervisor_form") or SupervisorForm(),
        capstone_form=forms.get("capstone_form") or CapstoneForm(),
        registry_form=forms.get("registry_form") or RegistryForm(),
        ce_form=forms.get("ce_form") or ExternalCEForm(),
        error=forms.get("error"),
    )
    return render(request, "certification/program.html", context, status=status)


@login_required
@never_cache
def program_view(request, slug):
    return _page(request, _program_or_404(slug))


def _act(request, program, action, success, form_name=None, form=None):
    """Run ``action``; on success redirect back with ``success``; on a
    refusal show the page again with the message, the form as typed, and
    the refusal's status."""
    try:
        action()
    except ApplicationError as exc:
        forms = {form_name: form} if form_name else {}
        return _page(request, program, status=http_status(exc), error=str(exc), **forms)
    messages.success(request, success)
    return redirect("certification_program", slug=program.slug)


@login_required
@require_POST
def enrol_view(request, slug):
    program = _program_or_404(slug)
    return _act(
        request,
        program,
        lambda: services.program_enrol(user=request.user, program=program),
        f"You are enrolled in {program.title}.",
    )


@login_required
@require_POST
def conduct_view(request, slug):
    program = _program_or_404(slug)
    if request.POST.get("agree") != "yes":
        return _page(request, program, status=400, error="Tick the box to agree to the code of conduct.")
    return _act(
        request,
        program,
        lambda: services.conduct_agree(user=request.user, program=program),
        "Thank you: your agreement to the code of conduct is recorded.",
    )


@login_required
@require_POST
def log_view(request, slug):
    program = _program_or_404(slug)
    form = PracticeLogForm(request.POST)
    if not form.is_valid():
        return _page(request, program, status=400, log_form=form, error="Check the practice log entry below.")
    return _act(
        request,
        program,
        lambda: services.log_entry_add(user=request.user, program=program, data=form.cleaned_data),
        "Case added to your practice log.",
        "log_form",
        form,
    )


@login_required
@require_POST
def supervisor_view(request, slug):
    program = _program_or_404(slug)
    form = SupervisorForm(request.POST)
    if not form.is_valid():
        return _page(request, program, status=400, supervisor_form=form, error="Check your supervisor's details.")
    d = form.cleaned_data
    return _act(
        request,
        program,
        lambda: services.attestation_request(
            user=request.user, program=program, name=d["name"], license=d["license"], email=d["email"]
        ),
        f"We have e-mailed {d['name']} a link to attest your practice.",
        "supervisor_form",
        form,
    )


@login_required
@require_POST
def capstone_view(request, slug):
    program = _program_or_404(slug)
    form = CapstoneForm(request.POST)
    if not form.is_valid():
        return _page(request, program, status=400, capstone_form=form, error="Check your case formulation.")
    return _act(
        request,
        program,
        lambda: services.capstone_submit(user=request.user, program=program, text=form.cleaned_data["text"]),
        "Your capstone is submitted for review.",
        "capstone_form",
        form,
    )


@login_required
@require_POST
def ce_upload_view(request, slug):
    program = _program_or_404(slug)
    form = ExternalCEForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, program, status=400, ce_form=form, error="Check the certificate details below.")
    d = form.cleaned_data
    return _act(
        request,
        program,
        lambda: services.external_ce_upload(
            user=request.user,
            program=program,
            provider_name=d["provider_name"],
            course_title=d["course_title"],
            hours=d["hours"],
            completed_on=d["completed_on"],
            upload=d["pdf"],
        ),
        "Certificate uploaded: it counts towards renewal once an editor accepts it.",
        "ce_form",
        form,
    )


@login_required
@never_cache
def ce_download_view(request, pk):
    item = selectors.external_ce_for_owner(user=request.user, upload_id=pk)
    if item is None:
        raise Http404("Nothing to download here.")
    response = FileResponse(
        item.pdf.open("rb"), content_type="application/pdf", as_attachment=True, filename=f"ce-upload-{item.pk}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def renew_view(request, slug):
    program = _program_or_404(slug)
    return _act(
        request,
        program,
        lambda: services.renewal_submit(user=request.user, program=program),
        "Renewed: your new certificate and credential are being prepared.",
    )


@login_required
@require_POST
def registry_choice_view(request, slug):
    program = _program_or_404(slug)
    if request.POST.get("action") == "leave":
        return _act(
            request,
            program,
            lambda: services.registry_leave(user=request.user, program=program),
            "You have left the public registry.",
        )
    form = RegistryForm(request.POST)
    if not form.is_valid():
        return _page(request, program, status=400, registry_form=form, error="Check the website address.")
    return _act(
        request,
        program,
        lambda: services.registry_join(user=request.user, program=program, website=form.cleaned_data["website"]),
        "You are listed in the public registry.",
        "registry_form",
        form,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def attest_view(request, token):
    """The supervisor's page: no account, the signed link is the key."""
    form = AttestationForm(request.POST or None)
    try:
        if request.method == "POST" and form.is_valid():
            attestation = services.attestation_respond(
                token=token, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"]
            )
            return render(request, "certification/attest_done.html", {"attestation": attestation})
        attestation = services.attestation_open(token=token)
    except services.LINK_ERRORS as exc:
        return render(request, "certification/attest_refused.html", {"message": str(exc)}, status=http_status(exc))
    except ApplicationError as exc:
        # The answer was refused (the comment), not the link: show the form again.
        try:
            attestation = services.attestation_open(token=token)
        except services.LINK_ERRORS as link_exc:
            return render(
                request, "certification/attest_refused.html", {"message": str(link_exc)}, status=http_status(link_exc)
            )
        return _attest_page(request, attestation, form, status=http_status(exc), error=str(exc))
    return _attest_page(request, attestation, form, status=400 if form.errors else 200)


def _attest_page(request, attestation, form, status=200, error=None):
    entries = attestation.enrolment.log_entries.filter(pk__in=attestation.entry_ids)
    context = {
        "attestation": attestation,
        "entries": entries,
        "form": form,
        "error": error,
        "learner": attestation.enrolment.user.profile,
        "program": attestation.enrolment.program,
    }
    response = render(request, "certification/attest.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked sites
    return response


@ratelimit(key=client_ip, rate=REGISTRY_RATE, block=False)
def registry_view(request):
    if getattr(request, "limited", False):
        return render(request, "certificates/rate_limited.html", status=429)
    form = RegistrySearchForm(request.GET or None)
    results, status = None, 200
    if request.GET:
        if form.is_valid():
            results = selectors.registry_search(
                name=form.cleaned_data["name"], jurisdiction=form.cleaned_data["jurisdiction"]
            )
        else:
            status = 400
    return render(request, "certification/registry.html", {"form": form, "results": results}, status=status)


@ratelimit(key=client_ip, rate=VERIFY_RATE, block=False)
def verify_view(request, code):
    if getattr(request, "limited", False):
        return render(request, "certificates/rate_limited.html", status=429)
    certification = selectors.certification_by_code(code=code)
    if certification is None:
        return render(request, "certificates/verify_unknown.html", {"code": code[:40]}, status=404)
    period = selectors.current_period(certification=certification)
    credential = credential_for_reference(reference=period.reference) if period else None
    context = {
        "certification": certification,
        "state": rules.public_status(
            status=certification.status, valid_until=certification.valid_until, now=timezone.now()
        ),
        "period": period,
        "credential": credential,
        "credential_status": credential_public_status(credential=credential) if credential else None,
    }
    return render(request, "certification/verify.html", context)


def _owned_period(request, code):
    certification = selectors.certification_for_owner(user=request.user, code=code)
    period = certification and selectors.current_period(certification=certification)
    if not period:
        raise Http404("Nothing to download here.")
    return period


@login_required
@never_cache
def download_view(request, code):
    period: CertificationPeriod = _owned_period(request, code)
    response = FileResponse(
        period.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"certification-{period.certification.code}-P{period.number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def credential_view(request, code):
    period = _owned_period(request, code)
    credential = credential_for_reference(reference=period.reference)
    if credential is None:
        raise Http404("No credential yet.")
    response = HttpResponse(credential_json(credential.document), content_type="application/ld+json")
    response["Content-Disposition"] = f'attachment; filename="certification-{period.certification.code}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
