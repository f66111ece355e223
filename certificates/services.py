"""Writes for certificates: request on completion, issue (render, store,
e-mail) idempotently, revoke and reissue. Every change leaves an audit event."""

import hashlib
import logging
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from .models import Certificate, CertificateEvent, CertificateSettings, CertificateStatus
from .pdf import CertificatePrint, render_certificate

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    pass


def verification_url(code):
    return settings.SITE_URL + reverse("certificate_verify", kwargs={"code": code})


def _provider_settings():
    site = Site.objects.filter(is_default_site=True).first()
    return CertificateSettings.for_site(site) if site else CertificateSettings()


def build_snapshot(*, user, course):
    """Freeze what the certificate prints; later edits never change it."""
    provider = _provider_settings()
    return {
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


def _enqueue(certificate_id):
    """Publish the issue task; if the broker is down, the sweep retries later."""
    from .tasks import issue_certificate

    try:
        issue_certificate.delay(certificate_id)
    except Exception:  # broker outage must not break the learner's request
        logger.warning("certificate %s: could not enqueue, the sweep will retry", certificate_id)


def certificate_request(*, user, course, completed_at, actor=None, replaces=None, note=""):
    """Create the pending row inside the caller's transaction; the task is
    enqueued only after that transaction commits."""
    certificate = Certificate.objects.create(
        user=user,
        course=course,
        snapshot=build_snapshot(user=user, course=course),
        completed_at=completed_at,
        replaces=replaces,
    )
    CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.CREATED, actor=actor, note=note)
    transaction.on_commit(lambda: _enqueue(certificate.pk))
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


def print_data(certificate):
    s = certificate.snapshot
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
        verify_url=verification_url(certificate.code),
        signature_image=_image_bytes(s.get("signature_image_id")),
        logo_image=_image_bytes(s.get("logo_image_id")),
    )


def certificate_issue(*, certificate_id, now=None):
    """Render, store and mark issued. Safe to run any number of times: the
    row lock and the status check make every run after the first a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.status != CertificateStatus.PENDING:
            return certificate
        pdf_bytes = render_certificate(print_data(certificate))
        # The name the field will store (upload_to adds its dated folder): a
        # file there was left by a run that died before committing, and would
        # otherwise make the storage pick another name beside it.
        filename = f"{certificate.code}.pdf"
        name = certificate.pdf.field.generate_filename(certificate, filename)
        storage = certificate.pdf.storage
        if storage.exists(name):
            storage.delete(name)
        certificate.pdf.save(filename, ContentFile(pdf_bytes), save=False)
        certificate.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        certificate.status = CertificateStatus.ISSUED
        certificate.issued_at = now
        certificate.last_error = ""
        certificate.save(update_fields=["pdf", "pdf_sha256", "status", "issued_at", "last_error"])
        CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.ISSUED)
    return certificate


def certificate_send_email(*, certificate_id, now=None):
    """E-mail the learner once. The lock and ``emailed_at`` make a repeated
    run a no-op; a crash between sending and committing can repeat the mail
    (at-least-once), never lose it."""
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update(of=("self",)).select_related("user").get(pk=certificate_id)
        if certificate.emailed_at or certificate.status != CertificateStatus.ISSUED:
            return False
        context = {
            "certificate": certificate,
            "download_url": settings.SITE_URL + reverse("certificate_download", kwargs={"code": certificate.code}),
            "verify_url": verification_url(certificate.code),
        }
        send_mail(
            subject=f"Your certificate for {certificate.course_title} is ready",
            message=render_to_string("certificates/email/issued.txt", context),
            from_email=None,
            recipient_list=[certificate.user.email],
        )
        certificate.emailed_at = now
        # A queryset update: no post_save work for a one-column change.
        Certificate.objects.filter(pk=certificate.pk).update(emailed_at=now)
        CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.EMAILED)
    return True


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
        CertificateEvent.objects.create(
            certificate=certificate, kind=CertificateEvent.Kind.REVOKED, actor=actor, note=reason
        )
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
        new = certificate_request(
            user=old.user, course=old.course, completed_at=old.completed_at, actor=actor, replaces=old, note=note
        )
        CertificateEvent.objects.create(
            certificate=old,
            kind=CertificateEvent.Kind.REISSUED,
            actor=actor,
            note=f"Replaced by {new.code}. {note}".strip(),
        )
    return new


def pending_for_sweep(now=None):
    grace = timezone.timedelta(seconds=settings.CERTIFICATE_PENDING_GRACE_SECONDS)
    now = now or timezone.now()
    return list(
        Certificate.objects.filter(status=CertificateStatus.PENDING, created_at__lt=now - grace)
        .order_by("created_at")
        .values_list("id", flat=True)[:500]
    )


def sweep_pending(now=None):
    ids = pending_for_sweep(now)
    for certificate_id in ids:
        _enqueue(certificate_id)
    return ids
