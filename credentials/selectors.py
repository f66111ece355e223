"""Reads for credentials: the DID document, status lists, stored credentials,
and verification against what this site publishes."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.caching import cached_read

from . import did as did_module
from . import status_list as bitstring
from .keys import issuer_did, signing_key
from .models import Credential, PublishedKey, StatusList
from .services import publish_current_key, status_list_cache_key
from .verification import Verdict, verify_credential

# As long as the response's Cache-Control lets any HTTP cache keep it.
DID_DOCUMENT_CACHE_SECONDS = 300


def did_document() -> dict:
    """Every key ever used, current or retired, oldest first."""
    keys = list(PublishedKey.objects.values_list("public_key_multibase", flat=True))
    if not keys:  # nothing signed yet: publish the key that will sign
        publish_current_key()
        keys = list(PublishedKey.objects.values_list("public_key_multibase", flat=True))
    return did_module.did_document(issuer_did(), keys)


def served_did_document() -> dict:
    """The document as the public endpoint serves it, from the cache.

    Keyed by the current signing key and kept only once it lists that key,
    so a rotation is served as soon as the new key is published; a key
    removed by hand drops out within the max-age that HTTP caches already
    allow. Verification on this site reads the table (did_document)."""
    current = signing_key().public_key_multibase
    key = f"did-document:{current}"
    document = cache.get(key)
    if document is None:
        document = did_document()
        if any(m["publicKeyMultibase"] == current for m in document["verificationMethod"]):
            cache.set(key, document, DID_DOCUMENT_CACHE_SECONDS)
    return document


def status_list_document(*, pk: int) -> dict | None:
    key = status_list_cache_key(pk=pk)
    document = cached_read(key)
    if document is None:
        document = StatusList.objects.filter(pk=pk).values_list("document", flat=True).first()
        if document is None:
            return None
        cache.set(key, document, timeout=None)
    return document


def status_list_prefix() -> str:
    return settings.SITE_URL + reverse("credential_status_list", kwargs={"pk": 0}).rsplit("0/", 1)[0]


def _status_list_from_url(url: str) -> dict | None:
    prefix = status_list_prefix()
    tail = url[len(prefix) :].rstrip("/")
    if not url.startswith(prefix) or not tail.isdigit() or len(tail) > 12:
        return None
    return status_list_document(pk=int(tail))


def credential_by_uuid(*, uuid) -> Credential | None:
    return Credential.objects.filter(uuid=uuid).first()


def credential_for_reference(*, reference: str) -> Credential | None:
    return Credential.objects.filter(reference=reference).first()


@lru_cache(maxsize=16)
def _decoded(encoded_list: str) -> bytes:
    """This site's own lists (16 KB each), decoded once per process for each
    published state: every verification page reads its credential's bit."""
    return bitstring.decode(encoded_list)


def credential_public_status(*, credential: Credential) -> str:
    """What the published status list and the dates say: "revoked",
    "expired" or "active" (read from the list verifiers see, not the row)."""
    document = status_list_document(pk=credential.status_list_id)
    bits = _decoded(document["credentialSubject"]["encodedList"])
    if bitstring.get_bit(bits, credential.status_index):
        return "revoked"
    if credential.valid_until is not None and credential.valid_until <= timezone.now():
        return "expired"
    return "active"


def credential_verify(*, document) -> Verdict:
    """Check a credential file against the DID document and status lists
    this site publishes, exactly as an outside verifier would."""
    return verify_credential(
        document,
        did_document=did_document(),
        load_status_list=_status_list_from_url,
        status_list_prefix=status_list_prefix(),
    )
