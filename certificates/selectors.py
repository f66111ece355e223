from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from .codes import normalize_code
from .models import CURRENT_STATUSES, Certificate, CertificateStatus


def certificate_by_code(raw_code):
    """The certificate a typed code names, or None (malformed codes included)."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    return Certificate.objects.filter(code=code).first()


def certificate_for_download(*, user, raw_code):
    """Owner or staff only; everyone else gets None (a 404, not a 403)."""
    certificate = certificate_by_code(raw_code)
    if certificate is None or certificate.status != CertificateStatus.ISSUED or not certificate.pdf:
        return None
    if certificate.user_id != user.id and not user.is_staff:
        return None
    return certificate


def transcript(*, user):
    certificates = list(
        Certificate.objects.filter(user=user, status__in=[CertificateStatus.ISSUED, CertificateStatus.PENDING])
        .order_by("-completed_at")
        .only("id", "code", "status", "snapshot", "completed_at", "issued_at", "course_id")
    )
    total = sum(float(c.ce_hours or 0) for c in certificates if c.status == CertificateStatus.ISSUED)
    return {"certificates": certificates, "total_hours": f"{total:.1f}"}


def certificate_status(*, user, course_id):
    return (
        Certificate.objects.filter(
            user=user, course_id=course_id, status__in=[CertificateStatus.PENDING, CertificateStatus.ISSUED]
        )
        .only("id", "code", "status")
        .first()
    )


__all__ = ["certificate_by_code", "certificate_for_download", "certificate_status", "transcript"]


@dataclass(frozen=True)
class CertificateRef:
    code: str
    status: str


def enrolment_certificate_annotations(user):
    """The learner's current certificate for each enrolment's course, as
    subqueries inside courses' one enrolment query (see courses/hooks.py)."""
    current = Certificate.objects.filter(user=user, course=OuterRef("course_id"), status__in=CURRENT_STATUSES)
    return {
        "certificate_code": Subquery(current.values("code")[:1]),
        "certificate_status": Subquery(current.values("status")[:1]),
    }


def enrolment_certificate(row):
    if not row.certificate_code:
        return None
    return CertificateRef(code=row.certificate_code, status=row.certificate_status)


def export_certificates(user):
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
