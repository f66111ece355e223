"""Writes for certificates: request on completion, issue (render, store,
e-mail) idempotently, revoke and reissue. Every change leaves an audit event."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Case, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from core.errors import InvalidInput
from credentials.building import AchievementInfo
from credentials.services import (
    CredentialBatch,
    CredentialRequest,
    Recipient,
    credential_revoke,
    publish_current_key,
)

from .models import Certificate, CertificateEvent, CertificateSettings, CertificateStatus
from .pdf import CertificatePrint, render_certificate
from .queue import enqueue_change_email, enqueue_issue, enqueue_issue_on_commit
from .selectors import forget_verifications

logger = logging.getLogger(__name__)


class CertificateError(InvalidInput):
    """An editor's certificate action that cannot be done (reason in the message)."""


def verification_url(*, code: str) -> str:
    return settings.SITE_URL + reverse("certificate_verify", kwargs={"code": code})


def provider_settings():
    site = Site.objects.filter(is_default_site=True).first()
    return CertificateSettings.for_site(site) if site else CertificateSettings()


def build_snapshot(*, user, course, credit: dict | None = None) -> dict:
    """Freeze what the certificate prints; later edits never change it.

    ``credit`` is what a board-credit certificate prints beyond the
    certificate of completion (body, credit type, hours claimed, approval
    number and statements, the learner's license): plain data handed down
    by the app that owns credit claims, so the layout needs no copy per body."""
    provider = provider_settings()
    snapshot = {
        "legal_name": user.profile.legal_name,
        "course_title": course.title,
        "ce_hours": str(course.ce_hours),
        "format": course.format,
        "provider_name": provider.provider_name,
        "accreditation_statement": course.accreditation_statement or provider.accreditation_statement,
        "signatory_name": provider.signatory_name,
        "signatory_title": provider.signatory_title,
        "signature_image_id": provider.signature_image_id,
        "logo_image_id": provider.logo_id,
    }
    if credit:
        snapshot["credit"] = dict(credit)
        # The hours a board counts are the hours claimed, not the course's.
        snapshot["ce_hours"] = str(credit["hours"])
        snapshot["provider_address"] = provider.provider_address
        # The body's statement verbatim, never the course's free text.
        snapshot["accreditation_statement"] = credit.get("approval_statement", "")
    return snapshot


def certificate_for_completion(*, completion) -> Certificate:
    """Courses' completion hook: the pending certificate, in the completion's
    transaction (registered in CertificatesConfig.ready)."""
    return certificate_request(user=completion.user, course=completion.course, completed_at=completion.completed_at)


def certificate_request(
    *, user, course, completed_at, actor=None, replaces=None, note="", credit_key: str = "", credit: dict | None = None
) -> Certificate:
    """Create the pending row inside the caller's transaction; the task is
    enqueued only after that transaction commits. ``credit_key`` and
    ``credit`` make it a board-credit certificate (see build_snapshot)."""
    certificate = Certificate.objects.create(
        user=user,
        course=course,
        credit=credit_key,
        snapshot=build_snapshot(user=user, course=course, credit=credit),
        completed_at=completed_at,
        replaces=replaces,
    )
    CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.CREATED, actor=actor, note=note)
    enqueue_issue_on_commit(certificate.pk)
    return certificate


def _image_bytes(image_id):
    if not image_id:
        return None
    from wagtail.images import get_image_model

    image = get_image_model().objects.filter(pk=image_id).first()
    if image is None:
        return None
    try:
        with image.file.open("rb") as fh:
            return fh.read()
    except OSError:
        return None


def print_data(*, certificate: Certificate) -> CertificatePrint:
    s = certificate.snapshot
    credit = s.get("credit") or {}
    completed = certificate.completed_at
    return CertificatePrint(
        legal_name=s["legal_name"],
        course_title=s["course_title"],
        completion_date=completed.date()
        if isinstance(completed, datetime)
        else date.fromisoformat(str(completed)[:10]),
        ce_hours=s["ce_hours"],
        format=s["format"],
        provider_name=s["provider_name"],
        accreditation_statement=s["accreditation_statement"],
        signatory_name=s["signatory_name"],
        signatory_title=s["signatory_title"],
        code=certificate.code,
        verify_url=verification_url(code=certificate.code),
        signature_image=_image_bytes(s.get("signature_image_id")),
        logo_image=_image_bytes(s.get("logo_image_id")),
        credit_type=credit.get("credit_type", ""),
        license_number=credit.get("license_number", ""),
        license_jurisdiction=credit.get("license_jurisdiction", ""),
        provider_address=s.get("provider_address", ""),
        approval_line=credit.get("approval_line", ""),
        credit_statement=credit.get("offering_statement", ""),
    )


@dataclass(frozen=True)
class _CourseFacts:
    """What a credential states about its course beyond the snapshot."""

    url: str
    summary: str
    objectives: tuple


class IssueBatch:
    """What the certificates of one batch share, read once per batch instead
    of once per certificate: the signing key, published when the batch
    starts (a rotated key is used from the next batch, seconds later), and
    the facts of each course. A batch lives for one task run; nothing is
    kept between runs, so an edited course shows in the next batch."""

    def __init__(self, *, publish_key=True):
        # Published in its own statement, before any certificate's transaction,
        # so a certificate that fails cannot roll the publication back.
        self.key = publish_current_key() if publish_key else None
        self._courses = {}

    def course(self, certificate) -> _CourseFacts:
        facts = self._courses.get(certificate.course_id)
        if facts is None:
            course = certificate.course
            url = course.url or ""
            facts = _CourseFacts(
                url=url if url.startswith("http") else settings.SITE_URL + url,
                summary=course.summary,
                objectives=tuple(course.objectives.values_list("key", "text")),
            )
            self._courses[certificate.course_id] = facts
        return facts


def _credential_request(certificate, batch) -> CredentialRequest:
    """The certificate's Open Badges credential, from the same snapshot the
    PDF prints (name, course, hours)."""
    s = certificate.snapshot
    course = batch.course(certificate)
    return CredentialRequest(
        reference=certificate.code,
        recipient=Recipient(name=s["legal_name"], email=certificate.user.email),
        achievement=AchievementInfo(
            id=course.url,
            name=s["course_title"],
            description=course.summary or s["course_title"],
            criteria=(
                "Completed every module and the final examination of this continuing-education course and "
                "submitted the course evaluation."
            ),
            credits_available=s["ce_hours"],
            objectives=course.objectives,
        ),
        awarded_at=certificate.completed_at,
        replaces_reference=certificate.replaces.code if certificate.replaces_id else None,
    )


def _sign_credential(credentials, certificate, batch):
    """Build and sign the certificate's credential into ``credentials`` (a
    CredentialBatch), which stores it with the rest of the batch."""
    credentials.sign(_credential_request(certificate, batch))


def _issue_credential(certificate, now, batch=None):
    """The credential of one certificate, in the caller's transaction."""
    batch = batch or IssueBatch(publish_key=False)
    credentials = CredentialBatch(now=now, key=batch.key)
    _sign_credential(credentials, certificate, batch)
    return credentials.store()[certificate.code]


class _BatchMail:
    """One mail connection for a batch's e-mails (one SMTP session instead of
    one per e-mail), opened at the first. A failed e-mail closes it, so the
    next one opens a fresh session instead of writing into a broken one."""

    def __init__(self):
        self.connection = None

    def send_issued(self, certificate) -> bool:
        try:
            if self.connection is None:
                self.connection = get_connection()
                self.connection.open()
            _send_issued_email(certificate, connection=self.connection)
        except Exception:
            logger.exception("certificate %s: the e-mail could not be sent; it will be retried", certificate.pk)
            self.close()
            return False
        return True

    def close(self):
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # the e-mails it sent are sent; a failed goodbye changes nothing
                logger.warning("the mail connection did not close cleanly", exc_info=True)


def _render_sign_and_mail(pending, credentials, batch, now):
    """The work of each certificate, before anything is written: returns the
    certificates ready to record and (id, exception) for those that failed."""
    issued, failed, mail = [], [], _BatchMail()
    try:
        for certificate in pending:
            try:
                _render_and_store(certificate)
                _sign_credential(credentials, certificate, batch)
            except Exception as exc:
                failed.append((certificate.pk, exc))
                continue
            certificate.emailed_at = now if mail.send_issued(certificate) else None
            certificate.status = CertificateStatus.ISSUED
            certificate.issued_at = now
            certificate.last_error = ""
            issued.append(certificate)
    finally:
        mail.close()
    return issued, failed


def _record_issued(issued, now):
    """Mark the certificates issued and write their events, two statements
    for the batch. One UPDATE with a CASE only for what differs per row
    (bulk_update's CASE for every column cost more to build than the
    statement takes to run), and no post_save: Certificate.save's post_save
    re-reads the row for Wagtail's reference index, and issuing never
    changes what a certificate references."""
    if not issued:
        return
    Certificate.objects.filter(pk__in=[certificate.pk for certificate in issued]).update(
        status=CertificateStatus.ISSUED,
        issued_at=now,
        last_error="",
        emailed_at=Case(When(pk__in=[c.pk for c in issued if not c.emailed_at], then=None), default=Value(now)),
        pdf=_per_row(issued, lambda certificate: certificate.pdf.name),
        pdf_sha256=_per_row(issued, lambda certificate: certificate.pdf_sha256),
    )
    CertificateEvent.objects.bulk_create(event for certificate in issued for event in _issue_events(certificate))
    # The update sends no post_save: tell the verification page's cache.
    forget_verifications(codes=[certificate.code for certificate in issued])


def _per_row(certificates, value):
    return Case(*(When(pk=certificate.pk, then=Value(value(certificate))) for certificate in certificates))


def _issue_events(certificate):
    yield CertificateEvent(certificate=certificate, kind=CertificateEvent.Kind.ISSUED)
    if certificate.emailed_at:
        yield CertificateEvent(certificate=certificate, kind=CertificateEvent.Kind.EMAILED)


@dataclass
class _Issued:
    """What one transaction of _issue_locked did."""

    claimed: list  # the certificates it locked, whatever their status
    failed: list  # (certificate id, the exception that stopped rendering or signing it)


def _issue_locked(certificate_ids, batch, *, skip_locked, now=None) -> _Issued:
    """Issue the pending certificates among ``certificate_ids`` in one
    transaction, with a fixed number of statements whatever their number.

    Claim them in one ``SELECT ... FOR UPDATE`` (with ``skip_locked``, those
    another transaction holds are left out); render and store each PDF, sign
    its credential and e-mail the learner; then write them all: the
    credentials in one insert (CredentialBatch.store), the certificates in
    one update, their events in one insert. A certificate that cannot be
    rendered or signed is left out and returned in ``failed``; the others go
    on. Safe to run any number of times: the row lock and the status check
    make every run after the first a no-op.

    Each e-mail is sent before the commit that records it: a crash or an
    error before the commit rolls the batch back, and the retry sends its
    e-mails again (at least once, never lost). A mail that cannot be sent
    does not hold its certificate back: it is issued without ``emailed_at``
    and sent again alone (certificate_send_email)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            Certificate.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("user")
            .filter(pk__in=certificate_ids)
            .order_by("pk")
        )
        pending = [c for c in claimed if c.status == CertificateStatus.PENDING]
        if not pending:
            return _Issued(claimed=claimed, failed=[])
        credentials = CredentialBatch(now=now, key=batch.key)
        issued, failed = _render_sign_and_mail(pending, credentials, batch, now)
        credentials.store()
        _record_issued(issued, now)
    return _Issued(claimed=claimed, failed=failed)


def certificate_issue(*, certificate_id, now=None):
    """Issue one certificate (a batch of one, see _issue_locked), waiting for
    a transaction that holds it; return it. Raises Certificate.DoesNotExist,
    or what stopped rendering or signing it (it then stays pending)."""
    done = _issue_locked([certificate_id], IssueBatch(), skip_locked=False, now=now)
    if done.failed:
        raise done.failed[0][1]
    if not done.claimed:
        raise Certificate.DoesNotExist(f"certificate {certificate_id}")
    return done.claimed[0]


def _render_and_store(certificate):
    pdf_bytes = render_certificate(print_data(certificate=certificate))
    # The name the field will store (upload_to adds its dated folder): a file
    # there was left by a run that died before committing, and would
    # otherwise make the storage pick another name beside it.
    filename = f"{certificate.code}.pdf"
    name = certificate.pdf.field.generate_filename(certificate, filename)
    storage = certificate.pdf.storage
    if storage.exists(name):
        storage.delete(name)
    certificate.pdf.save(filename, ContentFile(pdf_bytes), save=False)
    certificate.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()


def _send_issued_email(certificate, connection=None):
    context = {
        "certificate": certificate,
        "download_url": settings.SITE_URL + reverse("certificate_download", kwargs={"code": certificate.code}),
        "credential_url": settings.SITE_URL + reverse("certificate_credential", kwargs={"code": certificate.code}),
        "verify_url": verification_url(code=certificate.code),
    }
    send_mail(
        subject=f"Your certificate for {certificate.course_title} is ready",
        message=render_to_string("certificates/email/issued.txt", context),
        from_email=None,
        recipient_list=[certificate.user.email],
        connection=connection,
    )


def certificate_send_email(*, certificate_id, now=None):
    """E-mail the learner once, when certificate_issue could not. The lock
    and ``emailed_at`` make a repeated run a no-op; a crash between sending
    and committing can repeat the mail (at-least-once), never lose it."""
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update(of=("self",)).select_related("user").get(pk=certificate_id)
        if certificate.emailed_at or certificate.status != CertificateStatus.ISSUED:
            return False
        _send_issued_email(certificate)
        certificate.emailed_at = now
        # A queryset update: no post_save work for a one-column change.
        Certificate.objects.filter(pk=certificate.pk).update(emailed_at=now)
        CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.EMAILED)
    return True


def certificates_issue(*, certificate_ids) -> list[int]:
    """Issue and e-mail a batch of certificates (the issue task's message);
    return the ids to try again later.

    The batch is claimed with ``FOR UPDATE SKIP LOCKED`` and issued in one
    transaction (_issue_locked): two workers given the same batch (a message
    redelivered while the first is still at work, the sweep re-enqueueing a
    backlog) split it between them instead of one queueing behind the
    other's locks. Those another transaction held and are still pending are
    then waited for, so a message is acknowledged only once each of its
    certificates is issued or has its failure recorded. A certificate that
    failed records its failure and is returned for a retry; so is one whose
    e-mail could not be sent, once more, after the commit."""
    batch = IssueBatch()
    done = _issue_locked(certificate_ids, batch, skip_locked=True)
    claimed = {certificate.pk for certificate in done.claimed}
    held = list(
        Certificate.objects.filter(
            pk__in=[pk for pk in certificate_ids if pk not in claimed], status=CertificateStatus.PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if held:
        waited = _issue_locked(held, batch, skip_locked=False)
        done = _Issued(claimed=done.claimed + waited.claimed, failed=done.failed + waited.failed)
    retry = []
    for certificate_id, error in done.failed:
        certificate_record_failure(certificate_id=certificate_id, error=error)
        retry.append(certificate_id)
    for certificate in done.claimed:
        if certificate.status == CertificateStatus.ISSUED and certificate.emailed_at is None:
            try:  # issued, but the e-mail has not gone out: once more now, then with backoff
                certificate_send_email(certificate_id=certificate.pk)
            except Exception:
                logger.exception("certificate %s: the e-mail could not be sent; it will be retried", certificate.pk)
                retry.append(certificate.pk)
    return retry


def certificate_credentials_backfill(*, now=None):
    """Issue the credential of every issued certificate that has none (those
    issued before credentials existed). Idempotent; returns how many."""
    from credentials.models import Credential

    now = now or timezone.now()
    ids = list(
        Certificate.objects.filter(status=CertificateStatus.ISSUED)
        .exclude(code__in=Credential.objects.values("reference"))
        .values_list("id", flat=True)
    )
    for certificate_id in ids:
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
            if certificate.status == CertificateStatus.ISSUED:
                _issue_credential(certificate, now)
                # Stored in bulk, with no post_save: tell the verification page's cache.
                forget_verifications(codes=[certificate.code])
    return len(ids)


def certificate_send_change_email(*, certificate_id, kind):
    """Tell the learner their certificate was revoked or reissued, with the
    reason the editor gave."""
    certificate = Certificate.objects.select_related("user").prefetch_related("events").get(pk=certificate_id)
    replacement = None
    if kind == "revoked":
        reason = certificate.revoked_reason
    else:
        replacement = getattr(certificate, "replaced_by", None)
        notes = [e.note for e in certificate.events.all() if e.kind == CertificateEvent.Kind.REISSUED]
        reason = notes[-1] if notes else ""
        if replacement is not None:
            reason = reason.removeprefix(f"Replaced by {replacement.code}.").strip()
    context = {
        "certificate": certificate,
        "reason": reason or "none given",
        "replacement": replacement,
        "verify_url": verification_url(code=certificate.code),
    }
    subject = (
        f"Your certificate for {certificate.course_title} has been revoked"
        if kind == "revoked"
        else f"Your certificate for {certificate.course_title} has been reissued"
    )
    send_mail(
        subject=subject,
        message=render_to_string(f"certificates/email/{kind}.txt", context),
        from_email=None,
        recipient_list=[certificate.user.email],
    )


def certificate_record_failure(*, certificate_id, error):
    """Keep the certificate pending (the sweep and retries pick it up) and
    say why, without exposing the error to the learner."""
    message = f"{type(error).__name__}: {error}"[:300]
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        certificate.render_attempts += 1
        certificate.last_error = message
        certificate.save(update_fields=["render_attempts", "last_error"])
        CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.RENDER_FAILED, note=message)
    logger.error("certificate %s: render failed (%s)", certificate_id, type(error).__name__)


def certificate_revoke(*, certificate, actor, reason, now=None):
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give a reason for revoking this certificate.")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status not in (CertificateStatus.ISSUED, CertificateStatus.PENDING):
            raise CertificateError(
                f"A certificate that is {certificate.get_status_display().lower()} cannot be revoked."
            )
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = now or timezone.now()
        certificate.revoked_reason = reason
        certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
        credential_revoke(reference=certificate.code, reason=reason, now=certificate.revoked_at)
        CertificateEvent.objects.create(
            certificate=certificate, kind=CertificateEvent.Kind.REVOKED, actor=actor, note=reason
        )
        transaction.on_commit(lambda: enqueue_change_email(certificate.pk, "revoked"))
    return certificate


def certificate_reissue(*, certificate, actor, note=""):
    """Supersede ``certificate`` with a new one (new code, current profile
    name, same completion date), for example after a legal-name correction."""
    with transaction.atomic():
        old = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("user__profile", "course")
            .get(pk=certificate.pk)
        )
        if old.status not in (CertificateStatus.ISSUED, CertificateStatus.REVOKED):
            raise CertificateError("Only an issued or revoked certificate can be reissued.")
        if Certificate.objects.filter(replaces=old).exists():
            raise CertificateError("This certificate has already been reissued.")
        old.status = CertificateStatus.SUPERSEDED
        old.save(update_fields=["status"])
        # A board-credit certificate stays one: same body, same hours and
        # license as claimed; only the profile's details (the name) are fresh.
        new = certificate_request(
            user=old.user,
            course=old.course,
            completed_at=old.completed_at,
            actor=actor,
            replaces=old,
            note=note,
            credit_key=old.credit,
            credit=old.snapshot.get("credit"),
        )
        credential_revoke(reference=old.code, reason=f"Superseded by {new.code}. {note}".strip())
        CertificateEvent.objects.create(
            certificate=old,
            kind=CertificateEvent.Kind.REISSUED,
            actor=actor,
            note=f"Replaced by {new.code}. {note}".strip(),
        )
        transaction.on_commit(lambda: enqueue_change_email(old.pk, "reissued"))
    return new


def pending_for_sweep(*, now: datetime | None = None) -> list[int]:
    grace = timezone.timedelta(seconds=settings.CERTIFICATE_PENDING_GRACE_SECONDS)
    now = now or timezone.now()
    return list(
        Certificate.objects.filter(status=CertificateStatus.PENDING, created_at__lt=now - grace)
        .order_by("created_at")
        .values_list("id", flat=True)[:500]
    )


def sweep_pending(*, now: datetime | None = None) -> list[int]:
    ids = pending_for_sweep(now=now)
    enqueue_issue(ids)
    return ids
