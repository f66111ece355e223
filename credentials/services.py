"""Writes for credentials: issue (build, sign, store), revoke and reinstate
(flip the status bit, re-sign the list). Callers pass plain data; every
write runs inside the caller's transaction, so a certificate and its
credential change together or not at all."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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


def status_list_cache_key(*, pk: int) -> str:
    """Where a status list's signed document is cached (selectors read it)."""
    return STATUS_LIST_CACHE_KEY.format(pk=pk)


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


@dataclass(frozen=True)
class CredentialRequest:
    """What one credential attests, as its caller states it."""

    reference: str
    recipient: Recipient
    achievement: building.AchievementInfo
    awarded_at: datetime
    valid_until: datetime | None = None
    replaces_reference: str | None = None


class _Signed(NamedTuple):
    """A credential signed and waiting to be stored, with what re-signing it needs."""

    request: CredentialRequest
    replaces: Credential | None
    related: building.ReplacedCredential | None
    credential: Credential


class CredentialBatch:
    """Credentials issued together, in the caller's transaction: ``sign``
    builds and signs each one (CPU only, once the batch has read its status
    list), ``store`` writes them all with a few statements, whatever their
    number: one insert, one read back, one count on the list. A caller that
    issues many (the certificates' issue task) pays the database round trips
    once per batch instead of once per credential.

    Each credential takes a random free bit of the open status list (herd
    privacy: neighbouring bits say nothing about issue order). A bit a
    concurrent issue took first is skipped by the insert (``ON CONFLICT DO
    NOTHING``) instead of aborting the caller's transaction; that credential
    draws again and is signed again."""

    MAX_DRAWS = 20

    def __init__(self, *, now: datetime | None = None, key: SigningKey | None = None):
        self.now = now or timezone.now()
        self.options = _proof_options(self.now, key)
        self.issuer = issuer_profile()
        self.status_list = _open_status_list(self.now)
        self.list_url = status_list_url(status_list_id=self.status_list.pk)
        self._drawn = set()
        self._pending: dict[str, _Signed] = {}

    def sign(self, request: CredentialRequest) -> None:
        """Build and sign the credential for ``request``; stored by ``store``."""
        replaces = related = None
        if request.replaces_reference:
            replaces = Credential.objects.filter(reference=request.replaces_reference).first()
        if replaces is not None:
            related = building.ReplacedCredential(
                id=credential_url(credential=replaces),
                digest_sri=building.digest_sri(building.credential_json(replaces.document)),
            )
        self._pending[request.reference] = self._signed(request, replaces, related)

    def _signed(self, request, replaces, related) -> _Signed:
        index = self._draw()
        # A reissue keeps the original award date.
        awarded_at = replaces.awarded_at if replaces is not None else request.awarded_at
        salt = building.new_salt()
        credential = Credential(
            reference=request.reference,
            identity_salt=salt,
            awarded_at=awarded_at,
            issued_at=self.now,
            valid_until=request.valid_until,
            status_list=self.status_list,
            status_index=index,
            replaces=replaces,
        )
        award = building.Award(
            credential_id=credential.urn,
            recipient_name=request.recipient.name,
            recipient_email=request.recipient.email,
            identity_salt=salt,
            awarded_at=awarded_at,
            valid_from=self.now,
            valid_until=request.valid_until,
            status=bitstring.entry(list_url=self.list_url, index=index),
            replaces=related,
        )
        document = building.build_credential(issuer=self.issuer, achievement=request.achievement, award=award)
        credential.document = signing.sign(document, private_key=signing_key().private_key, options=self.options)
        return _Signed(request, replaces, related, credential)

    def _draw(self) -> int:
        while True:
            index = secrets.randbelow(StatusList.SIZE_BITS)
            if index not in self._drawn:
                self._drawn.add(index)
                return index

    def store(self) -> dict[str, Credential]:
        """Insert every signed credential; return each reference's credential.
        A reference that already had one keeps it and gets it back
        (idempotent: the unique reference refuses a second). The insert is a
        bulk one and sends no ``post_save``: a caller that caches what it
        shows by reference forgets it itself."""
        stored, inserted = {}, 0
        for _ in range(self.MAX_DRAWS):
            if not self._pending:
                break
            # In bit order, so two batches that clash on two bits wait on
            # each other in the same order and cannot deadlock.
            rows = sorted((signed.credential for signed in self._pending.values()), key=lambda c: c.status_index)
            Credential.objects.bulk_create(rows, ignore_conflicts=True)
            found = Credential.objects.filter(reference__in=self._pending).only("pk", "reference", "uuid")
            for row in found:
                credential = self._pending.pop(row.reference).credential
                if row.uuid == credential.uuid:
                    credential.pk = row.pk
                    stored[row.reference] = credential
                    inserted += 1
                else:
                    stored[row.reference] = row
            for reference, signed in list(self._pending.items()):
                # Its bit was taken by another issue: draw again.
                self._pending[reference] = self._signed(signed.request, signed.replaces, signed.related)
        if self._pending:
            raise CredentialError("No free status index found; the status list is unexpectedly full.")
        if inserted:
            StatusList.objects.filter(pk=self.status_list.pk).update(issued_count=F("issued_count") + inserted)
        return stored


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
    """Build, sign and store one credential (a CredentialBatch of one).
    Idempotent: an existing credential for the reference is returned
    unchanged. ``key``: the signing key as publish_current_key returned it,
    for a caller that publishes it once for many; by default it is
    published (checked) here."""
    batch = CredentialBatch(now=now, key=key)
    batch.sign(
        CredentialRequest(
            reference=reference,
            recipient=recipient,
            achievement=achievement,
            awarded_at=awarded_at,
            valid_until=valid_until,
            replaces_reference=replaces_reference,
        )
    )
    return batch.store()[reference]


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
    key = status_list_cache_key(pk=status_list.pk)
    transaction.on_commit(lambda: cache.delete(key))
    return credential


def credential_revoke(*, reference: str, reason: str, now: datetime | None = None) -> Credential | None:
    """Set the credential's revocation bit and re-sign its status list, in
    the caller's transaction. None if no credential was issued for it."""
    return _set_status(reference=reference, revoked=True, reason=reason, now=now or timezone.now())


def credential_reinstate(*, reference: str, now: datetime | None = None) -> Credential | None:
    return _set_status(reference=reference, revoked=False, reason="", now=now or timezone.now())
