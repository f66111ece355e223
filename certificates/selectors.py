from .codes import normalize_code
from .models import Certificate, CertificateStatus


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
            "replaced_by__code",
            "replaced_by__status",
        )
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
