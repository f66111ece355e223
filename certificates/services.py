"""Writes for certificates: request on completion, issue (render, store,
e-mail) idempotently, revoke and reissue. Every change leaves an audit event."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from core.errors import InvalidInput
from credentials.building import AchievementInfo
from credentials.services import Recipient, credential_issue, credential_revoke, publish_current_key

from .models import Certificate, CertificateEvent, CertificateSettings, CertificateStatus
from .pdf import CertificatePrint, render_certificate
from .queue import enqueue_change_email, enqueue_issue, enqueue_issue_on_commit
from .selectors import forget_verification

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


def _issue_credential(certificate, now, batch=None):
    """The certificate's Open Badges credential, from the same snapshot the
    PDF prints (name, course, hours), in the issuing transaction."""
    s = certificate.snapshot
    batch = batch or IssueBatch(publish_key=False)
    course = batch.course(certificate)
    return credential_issue(
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
        now=now,
        key=batch.key,
    )


def certificate_issue(*, certificate_id, now=None, skip_locked=False, batch=None):
    """Render, store, e-mail and mark issued, in one transaction. Safe to run
    any number of times: the row lock and the status check make every run
    after the first a no-op. With ``skip_locked``, a certificate another
    transaction holds is left alone and None returned (as for one that does
    not exist). ``batch`` (an IssueBatch) shares its reads across a batch.

    The e-mail is sent inside the transaction that marks it sent, before
    the commit: a crash or an error after sending rolls the issue back and
    the retry sends it again (at least once, never lost). It is sent before
    the credential, whose status-list counter stays locked until the commit,
    so the other workers never wait on a mail server. A mail that cannot be
    sent does not hold the certificate back: it is issued without
    ``emailed_at`` and the task sends it alone (certificate_send_email)."""
    now = now or timezone.now()
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("user")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None:
            if skip_locked:
                return None
            raise Certificate.DoesNotExist(f"certificate {certificate_id}")
        if certificate.status == CertificateStatus.PENDING:
            _render_and_store(certificate)
            try:
                _send_issued_email(certificate)
                emailed = True
            except Exception:
                logger.exception("certificate %s: the e-mail could not be sent; it will be retried", certificate.pk)
                emailed = False
            _issue_credential(certificate, now, batch)
            certificate.status = CertificateStatus.ISSUED
            certificate.issued_at = now
            certificate.emailed_at = now if emailed else None
            certificate.last_error = ""
            # A queryset update: Certificate.save's post_save re-reads the row
            # for Wagtail's reference index (four queries), and issuing never
            # changes what it references.
            Certificate.objects.filter(pk=certificate.pk).update(
                pdf=certificate.pdf.name,
                pdf_sha256=certificate.pdf_sha256,
                status=certificate.status,
                issued_at=now,
                emailed_at=certificate.emailed_at,
                last_error="",
            )
            # The update sends no post_save: tell the verification page's cache.
            forget_verification(code=certificate.code)
            kinds = [CertificateEvent.Kind.ISSUED] + ([CertificateEvent.Kind.EMAILED] if emailed else [])
            CertificateEvent.objects.bulk_create(CertificateEvent(certificate=certificate, kind=k) for k in kinds)
    return certificate


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


def _send_issued_email(certificate):
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
    """Issue and e-mail a batch of certificates (the issue task's message),
    one transaction each; return the ids to try again later.

    Each certificate is first claimed with ``FOR UPDATE SKIP LOCKED``: two
    workers given the same batch (a message redelivered while the first is
    still at work, the sweep re-enqueueing a backlog) split it between them
    instead of one queueing behind the other's locks. Those another
    transaction held are then waited for, one by one, so a message is
    acknowledged only once each of its certificates is issued or has its
    failure recorded; the row lock and the status check still make every
    certificate's issue happen once. A failing certificate records its
    failure and is returned for a retry; the others go on."""
    batch = IssueBatch()
    retry, held = [], []
    for certificate_id in certificate_ids:
        outcome = _issue_and_email(certificate_id, batch, skip_locked=True)
        if outcome == "held":
            held.append(certificate_id)
        elif outcome == "retry":
            retry.append(certificate_id)
    for certificate_id in held:
        if _issue_and_email(certificate_id, batch, skip_locked=False) == "retry":
            retry.append(certificate_id)
    return retry


def _issue_and_email(certificate_id, batch, *, skip_locked):
    """Returns "done", "held" (by another transaction) or "retry"."""
    try:
        certificate = certificate_issue(certificate_id=certificate_id, skip_locked=skip_locked, batch=batch)
    except Certificate.DoesNotExist:
        return "done"
    except Exception as exc:
        certificate_record_failure(certificate_id=certificate_id, error=exc)
        return "retry"
    if certificate is None:
        return "held"
    if certificate.status == CertificateStatus.ISSUED and certificate.emailed_at is None:
        try:  # issued, but the e-mail has not gone out: once more now, then with backoff
            certificate_send_email(certificate_id=certificate_id)
        except Exception:
            logger.exception("certificate %s: the e-mail could not be sent; it will be retried", certificate_id)
            return "retry"
    return "done"


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
