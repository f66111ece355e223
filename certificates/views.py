from allauth.account.adapter import get_adapter
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from core.caching import ProcessLRU
from credentials.building import credential_json
from credentials.linkedin import add_to_profile_url
from credentials.selectors import credential_for_reference, credential_public_status

from .codes import normalize_code
from .forms import VerifyForm
from .models import CertificateStatus
from .selectors import (
    certificate_for_download,
    certificate_status,
    certificate_verification,
    transcript,
)
from .services import verification_url

VERIFY_RATE = "60/m"
# About 6 KB a page: at most a few MB per process.
ANONYMOUS_VERIFY_PAGES = ProcessLRU(maxsize=1000)


def client_ip(group, request):
    """The visitor's address as allauth resolves it: behind the TLS proxy the
    one the proxy appends to X-Forwarded-For, never a spoofable earlier entry."""
    return get_adapter(request).get_client_ip(request)


@login_required
@never_cache
def download(request, code):
    certificate = certificate_for_download(user=request.user, raw_code=code)
    if certificate is None:
        raise Http404("No certificate to download here.")
    response = FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"certificate-{certificate.code}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def credential_download(request, code):
    """The certificate's signed Open Badges credential, as a .json file."""
    certificate = certificate_for_download(user=request.user, raw_code=code)
    credential = certificate and credential_for_reference(reference=certificate.code)
    if credential is None:
        raise Http404("No credential to download here.")
    response = HttpResponse(credential_json(credential.document), content_type="application/ld+json")
    response["Content-Disposition"] = f'attachment; filename="credential-{certificate.code}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def add_to_linkedin(request, code):
    """Send the owner to LinkedIn's "add certification" form, filled in."""
    certificate = certificate_for_download(user=request.user, raw_code=code)
    if certificate is None or certificate.user_id != request.user.id:
        raise Http404("No certificate here.")
    url = add_to_profile_url(
        name=certificate.course_title,
        organization=certificate.snapshot.get("provider_name", ""),
        issued=certificate.issued_at.date(),
        cert_url=verification_url(code=certificate.code),
        cert_id=certificate.code,
    )
    return HttpResponseRedirect(url)


@ratelimit(key=client_ip, rate=VERIFY_RATE, block=False)
def verify_form(request):
    if getattr(request, "limited", False):
        return render(request, "certificates/rate_limited.html", status=429)
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        code = normalize_code(form.cleaned_data["code"])
        if code:
            return redirect("certificate_verify", code=code)
        form.add_error("code", "That is not a valid certificate code. Codes have 15 letters and digits.")
    return render(request, "certificates/verify_form.html", {"form": form}, status=400 if form.errors else 200)


@ratelimit(key=client_ip, rate=VERIFY_RATE, block=False)
def verify(request, code):
    if getattr(request, "limited", False):
        return render(request, "certificates/rate_limited.html", status=429)
    canonical = normalize_code(code)
    if canonical and canonical != code:
        return redirect("certificate_verify", code=canonical)
    found = certificate_verification(raw_code=code)
    if found is None:
        return render(request, "certificates/verify_unknown.html", {"code": code[:40]}, status=404)
    status = credential_public_status(credential=found.credential) if found.credential else None
    context = {
        "certificate": found.certificate,
        "replacement": found.replacement,
        "credential": found.credential,
        "credential_status": status,
    }
    if request.user.is_authenticated or len(get_messages(request)):
        return render(request, "certificates/verify.html", context)
    # QR scans make this the busiest public page. Every anonymous visitor
    # sees the same page for the same rows and status, so it is rendered
    # once per process for each (the rows' digest changes with any change).
    html = ANONYMOUS_VERIFY_PAGES.get_or_build(
        (found.digest, status), lambda: render_to_string("certificates/verify.html", context, request)
    )
    return HttpResponse(html)


@login_required
@never_cache
def status(request, course_id):
    """Polled by the course page and dashboard while a certificate is pending."""
    certificate = certificate_status(user=request.user, course_id=course_id)
    if certificate is None:
        return JsonResponse({"status": "none"}, status=404)
    body = {"status": certificate.status, "code": certificate.code}
    if certificate.status == CertificateStatus.ISSUED:
        body["download_url"] = reverse("certificate_download", kwargs={"code": certificate.code})
        body["verify_url"] = reverse("certificate_verify", kwargs={"code": certificate.code})
        body["credential_url"] = reverse("certificate_credential", kwargs={"code": certificate.code})
        body["linkedin_url"] = reverse("certificate_linkedin", kwargs={"code": certificate.code})
    return JsonResponse(body)


@login_required
@never_cache
def transcript_view(request):
    return render(request, "certificates/transcript.html", transcript(user=request.user))
