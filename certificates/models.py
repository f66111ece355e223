from django.conf import settings
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .codes import generate_code


class CertificateStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    ISSUED = "issued", "Issued"
    REVOKED = "revoked", "Revoked"
    SUPERSEDED = "superseded", "Superseded"


CURRENT_STATUSES = (CertificateStatus.PENDING, CertificateStatus.ISSUED)


class Certificate(models.Model):
    """The database row is the source of truth; the PDF is derived from its
    ``snapshot``, which freezes everything printed at the time of issue.

    Not in Wagtail's search index: indexing on every save cost about a third
    of the issue task, and editors find certificates by code, which a
    database filter does exactly."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=20, unique=True, default=generate_code, editable=False)
    status = models.CharField(max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.PENDING)
    # Which credit this certificate awards: "" for the certificate of
    # completion every completion earns; an accrediting body's code (set by
    # the accreditation app above, passed down as plain text so this app
    # never imports it) for a credit claimed against that body.
    credit = models.CharField(max_length=40, blank=True, default="", editable=False)
    snapshot = models.JSONField(help_text="What is printed: name, course, hours, format, statement, signatory.")
    completed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    pdf = models.FileField(upload_to="certificates/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "credit"],
                condition=Q(status__in=["pending", "issued"]),
                name="one_current_certificate_per_course_credit",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="certificate_status_created")]
        # Certificates are never edited or deleted through forms: staff with
        # this permission revoke or reissue them through audited actions.
        permissions = [("manage_certificate", "Can revoke and reissue certificates")]

    def __str__(self):
        return f"{self.code} ({self.get_status_display()})"

    @property
    def learner_name(self):
        return self.snapshot.get("legal_name", "")

    @property
    def course_title(self):
        return self.snapshot.get("course_title", "")

    @property
    def ce_hours(self):
        return self.snapshot.get("ce_hours", "")

    @property
    def credit_info(self):
        """The board credit this certificate prints, or {} for a certificate of completion."""
        return self.snapshot.get("credit") or {}


class CertificateEvent(models.Model):
    """Audit log: every change to a certificate, with who and when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        ISSUED = "issued", "Issued"
        EMAILED = "emailed", "E-mailed"
        RENDER_FAILED = "render_failed", "Render failed"
        REVOKED = "revoked", "Revoked"
        REISSUED = "reissued", "Reissued"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]


# The values a fresh installation starts with. They print as placeholders, so
# the admin warns until someone with the provider's real details replaces them.
PLACEHOLDER_PROVIDER_NAME = "TRD Certify Clinical Education"
PLACEHOLDER_SIGNATORY_NAME = "Education Director"
PLACEHOLDER_SIGNATORY_TITLE = "Director of Clinical Education"


def provider_details_missing(settings):
    """Which provider details are still unset or placeholders, as phrases for
    the admin's warning; empty once all are real."""
    checks = [
        ("the provider's name", settings.provider_name, PLACEHOLDER_PROVIDER_NAME),
        ("the provider's address", settings.provider_address, ""),
        ("the signatory's name", settings.signatory_name, PLACEHOLDER_SIGNATORY_NAME),
        ("the signatory's title", settings.signatory_title, PLACEHOLDER_SIGNATORY_TITLE),
    ]
    return [label for label, value, placeholder in checks if not value.strip() or value.strip() == placeholder]


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """What every new certificate prints about the provider."""

    provider_name = models.CharField(max_length=200, default=PLACEHOLDER_PROVIDER_NAME)
    provider_address = models.TextField(
        blank=True, help_text="The CE provider's postal address, as accrediting bodies require on records."
    )
    accreditation_statement = models.TextField(
        blank=True, help_text="Printed when the course has no statement of its own."
    )
    signatory_name = models.CharField(max_length=150, default=PLACEHOLDER_SIGNATORY_NAME)
    signatory_title = models.CharField(max_length=150, default=PLACEHOLDER_SIGNATORY_TITLE)
    signature_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    panels = [
        FieldPanel("provider_name"),
        FieldPanel("provider_address"),
        FieldPanel("accreditation_statement"),
        MultiFieldPanel(
            [FieldPanel("signatory_name"), FieldPanel("signatory_title"), FieldPanel("signature_image")],
            heading="Signatory",
        ),
        FieldPanel("logo"),
    ]

    class Meta:
        verbose_name = "certificate settings"
