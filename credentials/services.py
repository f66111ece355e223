"""Writes for credentials: issue (build, sign, store), revoke and reinstate
(flip the status bit, re-sign the list). Callers pass plain data; every
write runs inside the caller's transaction, so a certificate and its
credential change together or not at all."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from . import building, signing
from . import status_list as bitstring
from .keys import SigningKey, issuer_did, signing_key
from .models import Credential, PublishedKey, StatusList

STATUS_LIST_CACHE_KEY = "credentials:status-list:{pk}"
# A list is left for a new one once half its bits are taken, so random
# indexes keep finding a free bit quickly.
STATUS_LIST_FILL = StatusList.SIZE_BITS // 2


class CredentialError(Exception):
    pass


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


def issuer_profile() -> building.Issuer:
    return building.Issuer(
        id=issuer_did(),
        name=settings.CREDENTIAL_ISSUER_NAME,
        url=settings.SITE_URL + "/",
        email=settings.CREDENTIAL_ISSUER_EMAIL,
    )


def status_list_url(*, status_list_id: int) -> str:
    return settings.SITE_URL + reverse("credential_status_list", kwargs={"pk": status_list_id})


def credential_url(*, credential: Credential) -> str:
    return settings.SITE_URL + reverse("credential_json", kwargs={"uuid": credential.uuid})


def _proof_options(now: datetime, key: SigningKey | None = None) -> signing.ProofOptions:
    key = key or publish_current_key(now=now)
    return signing.ProofOptions(verification_method=key.verification_method, created=building.xsd_datetime(now))


def publish_current_key(*, now=None):
    """Make sure the DID document lists the key in use; any other key becomes
    retired (still listed, so what it signed keeps verifying)."""
    key = signing_key()
    row, created = PublishedKey.objects.get_or_create(public_key_multibase=key.public_key_multibase)
    if created or row.retired_at is not None:
        PublishedKey.objects.filter(pk=row.pk).update(retired_at=None)
        PublishedKey.objects.filter(retired_at__isnull=True).exclude(pk=row.pk).update(retired_at=now or timezone.now())
    return key


def _sign_status_list(status_list: StatusList, now: datetime) -> None:
    document = bitstring.status_list_credential(
        list_url=status_list_url(status_list_id=status_list.pk),
        issuer=issuer_did(),
        bits=bytes(status_list.bits),
        valid_from=building.xsd_datetime(now),
        purpose=status_list.purpose,
    )
    status_list.document = signing.sign(document, private_key=signing_key().private_key, options=_proof_options(now))


def _open_status_list(now: datetime) -> StatusList:
    # Only the id: the 16 KB bitstring and the signed list are not needed to issue.
    current = StatusList.objects.filter(purpose="revocation").order_by("-pk").only("pk", "issued_count").first()
    if current is not None and current.issued_count < STATUS_LIST_FILL:
        return current
    status_list = StatusList.objects.create(bits=bitstring.empty(StatusList.SIZE_BITS))
    _sign_status_list(status_list, now)
    status_list.save(update_fields=["document"])
    return status_list


def credential_issue(
    *,
    reference: str,
    recipient: Recipient,
    achievement: building.AchievementInfo,
    awarded_at: datetime,
    valid_until: datetime | None = None,
    replaces_reference: str | None = None,
    now: datetime | None = None,
    key: SigningKey | None = None,
) -> Credential:
    """Build, sign and store the credential for ``reference``. Idempotent:
    an existing credential for the reference is returned unchanged (found
    when its unique reference refuses the insert: callers issue once, after
    their own status check, so a read first would almost never find one).

    ``key``: the signing key as publish_current_key returned it, for a caller
    issuing many credentials in a row that publishes it once; by default it
    is published (checked) here."""
    now = now or timezone.now()
    replaces = None
    related = None
    if replaces_reference:
        replaces = Credential.objects.filter(reference=replaces_reference).first()
    if replaces is not None:
        awarded_at = replaces.awarded_at  # a reissue keeps the original award date
        related = building.ReplacedCredential(
            id=credential_url(credential=replaces),
            digest_sri=building.digest_sri(building.credential_json(replaces.document)),
        )
    status_list = _open_status_list(now)
    salt = building.new_salt()
    options = _proof_options(now, key)
    # Random free index (herd privacy: neighbouring bits say nothing about
    # issue order); a clash with a concurrent issue just draws again.
    for _ in range(20):
        index = secrets.randbelow(StatusList.SIZE_BITS)
        credential = Credential(
            reference=reference,
            identity_salt=salt,
            awarded_at=awarded_at,
            issued_at=now,
            valid_until=valid_until,
            status_list=status_list,
            status_index=index,
            replaces=replaces,
        )
        award = building.Award(
            credential_id=credential.urn,
            recipient_name=recipient.name,
            recipient_email=recipient.email,
            identity_salt=salt,
            awarded_at=awarded_at,
            valid_from=now,
            valid_until=valid_until,
            status=bitstring.entry(list_url=status_list_url(status_list_id=status_list.pk), index=index),
            replaces=related,
        )
        document = building.build_credential(issuer=issuer_profile(), achievement=achievement, award=award)
        credential.document = signing.sign(document, private_key=signing_key().private_key, options=options)
        try:
            with transaction.atomic():
                credential.save()
                StatusList.objects.filter(pk=status_list.pk).update(issued_count=F("issued_count") + 1)
            return credential
        except IntegrityError:  # the reference already has one, or the bit was just taken
            existing = Credential.objects.filter(reference=reference).first()
            if existing is not None:
                return existing
    raise CredentialError("No free status index found; the status list is unexpectedly full.")


@transaction.atomic
def _set_status(*, reference: str, revoked: bool, reason: str, now: datetime) -> Credential | None:
    credential = Credential.objects.filter(reference=reference).first()
    if credential is None or (credential.revoked_at is not None) == revoked:
        return credential  # none issued, or already in that state (keep the first reason)
    status_list = StatusList.objects.select_for_update().get(pk=credential.status_list_id)
    status_list.bits = bitstring.set_bit(bytes(status_list.bits), credential.status_index, revoked)
    _sign_status_list(status_list, now)
    status_list.save(update_fields=["bits", "document", "updated_at"])
    credential.revoked_at = now if revoked else None
    credential.revoked_reason = reason if revoked else ""
    credential.save(update_fields=["revoked_at", "revoked_reason"])
    # Dropped only once the change is committed: dropping it earlier would let
    # a concurrent request cache the old list again.
    key = STATUS_LIST_CACHE_KEY.format(pk=status_list.pk)
    transaction.on_commit(lambda: cache.delete(key))
    return credential


def credential_revoke(*, reference: str, reason: str, now: datetime | None = None) -> Credential | None:
    """Set the credential's revocation bit and re-sign its status list, in
    the caller's transaction. None if no credential was issued for it."""
    return _set_status(reference=reference, revoked=True, reason=reason, now=now or timezone.now())


def credential_reinstate(*, reference: str, now: datetime | None = None) -> Credential | None:
    return _set_status(reference=reference, revoked=False, reason="", now=now or timezone.now())
