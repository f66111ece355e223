from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from .building import credential_json as credential_bytes
from .forms import CredentialFileForm
from .selectors import (
    DID_DOCUMENT_CACHE_SECONDS,
    credential_by_uuid,
    credential_verify,
    served_did_document,
    status_list_document,
)

VERIFY_FILE_RATE = "30/m"
JSON_LD = "application/ld+json"


def _client_ip(group, request):
    from allauth.account.adapter import get_adapter

    return get_adapter(request).get_client_ip(request)


def did_json(request):
    response = JsonResponse(served_did_document(), content_type="application/did+json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={DID_DOCUMENT_CACHE_SECONDS}"
    return response


def status_list(request, pk):
    """Verifiers must see a revocation at once: always revalidate."""
    document = status_list_document(pk=pk)
    if document is None:
        raise Http404("No such status list.")
    response = JsonResponse(document, content_type=JSON_LD)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


def credential_json(request, uuid):
    """The signed credential, public like the certificate's verification page
    (its id is an unguessable UUID; the e-mail address in it is hashed)."""
    credential = credential_by_uuid(uuid=uuid)
    if credential is None:
        raise Http404("No such credential.")
    response = HttpResponse(credential_bytes(credential.document), content_type=JSON_LD)
    response["Access-Control-Allow-Origin"] = "*"
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="credential-{credential.reference}.json"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key=_client_ip, rate=VERIFY_FILE_RATE, method="POST", block=False)
def verify_file(request):
    if getattr(request, "limited", False):
        return render(request, "certificates/rate_limited.html", status=429)
    verdict = None
    if request.method == "POST":
        form = CredentialFileForm(request.POST, request.FILES)
        if form.is_valid():
            verdict = credential_verify(document=form.cleaned_data["file"])
    else:
        form = CredentialFileForm()
    status = 400 if form.errors else 200
    return render(request, "credentials/verify_file.html", {"form": form, "verdict": verdict}, status=status)
