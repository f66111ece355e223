import hashlib
import pickle
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.formats import date_format

from core.caching import ProcessLRU, cached_row, forget_rows, prefetch
from courses.selectors import lesson_minutes_by_course
from credentials.selectors import credential_for_reference, status_list_cache_key

from .codes import normalize_code
from .models import Certificate, CertificateStatus


def certificate_by_code(*, raw_code: str):
    """The certificate a typed code names, or None (malformed codes included)."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    return Certificate.objects.filter(code=code).first()


# Entries are forgotten whenever the certificate or its credential is saved.
VERIFICATION_KEY = "certificate-verification:{code}"
VERIFICATION_TTL = 60 * 60 * 24


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    replacement: Certificate | None
    credential: object | None  # credentials.models.Credential
    # A digest of the three rows as read: anything shown from them changes
    # it, so a page rendered from them can be kept under it (views.verify).
    digest: str = ""


def certificate_verification(*, raw_code: str) -> Verification | None:
    """What the public verification page shows of the certificate a typed
    code names: the certificate, its replacement once superseded, and its
    credential. QR scans hit this page, so it is cached per code until either
    row changes (``forget_verification``); unknown codes are never cached, so
    typed URLs cannot fill the cache. The credential's status is not part of
    it: it is read from the published status list on every request."""
    code = normalize_code(raw_code)
    if code is None:
        return None

    def load():
        certificate = Certificate.objects.select_related("replaced_by").filter(code=code).first()
        if certificate is None:
            return None
        superseded = certificate.status == CertificateStatus.SUPERSEDED
        replacement = getattr(certificate, "replaced_by", None) if superseded else None
        rows = (certificate, replacement, credential_for_reference(reference=code))
        return Verification(*rows, digest=hashlib.sha256(pickle.dumps(rows)).hexdigest())

    key = VERIFICATION_KEY.format(code=code)
    # The page also shows the credential's status, read from its status list:
    # the list this process saw for the code last time is read along. A wrong
    # guess only costs the list's own read later.
    list_id = _status_list_of_code.get(code)
    prefetch(key, *([status_list_cache_key(pk=list_id)] if list_id is not None else []))
    found = cached_row(key, load, VERIFICATION_TTL)
    if found is not None and found.credential is not None:
        _status_list_of_code.put(code, found.credential.status_list_id)
    return found


# A code and a list id: under 1 MB per process when full.
_status_list_of_code = ProcessLRU(maxsize=10_000)


def forget_verification(*, code: str) -> None:
    forget_verifications(codes=[code])


def forget_verifications(*, codes) -> None:
    forget_rows(VERIFICATION_KEY.format(code=code) for code in codes)


def certificate_for_download(*, user, raw_code):
    """Owner or staff only; everyone else gets None (a 404, not a 403)."""
    certificate = certificate_by_code(raw_code=raw_code)
    if certificate is None or certificate.status != CertificateStatus.ISSUED or not certificate.pdf:
        return None
    if certificate.user_id != user.id and not user.is_staff:
        return None
    return certificate


def transcript(*, user):
    """Every certificate the learner has held, with its real status: a revoked
    one is listed as revoked and a superseded one names its replacement, so
    the page never claims a certificate that is no longer valid, nor hides
    one that was. Only issued certificates count towards the hours."""
    certificates = list(
        Certificate.objects.filter(user=user)
        .select_related("replaced_by")
        .order_by("-completed_at", "-created_at")
        .only(
            "id",
            "code",
            "status",
            "snapshot",
            "completed_at",
            "issued_at",
            "revoked_at",
            "course_id",
            "credit",
            "replaced_by__code",
            "replaced_by__status",
        )
    )
    # Board-credit certificates restate hours of the same completion for
    # another board; counting them here would count one course twice. Their
    # totals are per body, on the credit transcript.
    total = sum(float(c.ce_hours or 0) for c in certificates if c.status == CertificateStatus.ISSUED and not c.credit)
    # Time on lessons by the server's clock, beside the hours claimed, so a
    # learner (and later an auditor) can see the two side by side.
    minutes = lesson_minutes_by_course(user=user, course_ids={c.course_id for c in certificates})
    for c in certificates:
        c.lesson_minutes = minutes.get(c.course_id)
    return {"certificates": certificates, "total_hours": f"{total:.1f}"}


def certificate_status(*, user, course_id):
    return (
        Certificate.objects.filter(
            user=user,
            course_id=course_id,
            credit="",
            status__in=[CertificateStatus.PENDING, CertificateStatus.ISSUED],
        )
        .only("id", "code", "status")
        .first()
    )


def ce_hours_between(*, user, start, end) -> Decimal:
    """CE hours of the courses the learner completed in [start, end], each
    counted once (certification renewal reads this). Only certificates of
    completion count: a board-credit certificate for the same completion
    restates those hours for one body, and counting it too would double them."""
    snapshots = Certificate.objects.filter(
        user=user, credit="", status=CertificateStatus.ISSUED, completed_at__gte=start, completed_at__lte=end
    ).values_list("snapshot", flat=True)
    return sum((Decimal(str(s.get("ce_hours") or 0)) for s in snapshots), Decimal("0"))


__all__ = ["ce_hours_between", "certificate_by_code", "certificate_for_download", "certificate_status", "transcript"]


@dataclass(frozen=True)
class CertificateRef:
    code: str
    status: str
    revoked_at: object = None

    @property
    def revoked(self):
        return self.status == CertificateStatus.REVOKED


def enrolment_certificate_annotations(*, user):
    """The learner's newest certificate for each enrolment's course, whatever
    its status, as subqueries inside courses' one enrolment query (see
    courses/hooks.py): after a revoke the pages must say so rather than fall
    back to "complete"; after a reissue the newest is the replacement."""
    newest = Certificate.objects.filter(user=user, course=OuterRef("course_id"), credit="").order_by(
        "-created_at", "-pk"
    )
    return {
        "certificate_code": Subquery(newest.values("code")[:1]),
        "certificate_status": Subquery(newest.values("status")[:1]),
        "certificate_revoked_at": Subquery(newest.values("revoked_at")[:1]),
    }


def enrolment_certificate(*, row):
    if not row.certificate_code:
        return None
    return CertificateRef(
        code=row.certificate_code, status=row.certificate_status, revoked_at=row.certificate_revoked_at
    )


def export_certificates(*, user):
    """The learner's data export (registered with accounts in CertificatesConfig.ready)."""
    return [
        {
            "code": c.code,
            "status": c.status,
            "course": c.course_title,
            "ce_hours": c.ce_hours,
            "completed_at": c.completed_at.isoformat(),
            "issued_at": c.issued_at.isoformat() if c.issued_at else None,
            "printed_name": c.learner_name,
        }
        for c in Certificate.objects.filter(user=user).order_by("created_at")
    ]


def closure_keepsakes(*, user):
    """The learner's issued certificate PDFs, listed on the account-closure page
    (registered with accounts in CertificatesConfig.ready): after closing, the
    learner can no longer sign in to download them."""
    from accounts.hooks import Keepsake

    certificates = (
        Certificate.objects.filter(user=user, status=CertificateStatus.ISSUED)
        .exclude(pdf="")
        .order_by("-completed_at")
        .only("id", "code", "snapshot", "completed_at")
    )
    return [
        Keepsake(
            label=f"{c.course_title} (PDF)",
            url=reverse("certificate_download", args=[c.code]),
            detail=f"completed {date_format(c.completed_at, 'j M Y')} · code {c.code}",
        )
        for c in certificates
    ]
