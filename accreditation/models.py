"""Accrediting bodies, the provider's approval by each, what each course
offers for each body, and the credit learners claim.

A claim is its own certificate (certificates.Certificate with ``credit`` set
to the body's code): the claim row keeps what the learner attested (time,
license) and which approval it relied on, for an audit; the certificate's
snapshot keeps what is printed. See docs/CE_CREDIT.md."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from accounts.models import Profession

# CE Broker's numbers are digits (its upload wants them without the "50-" or
# "20-" prefix); its profession and subject-area codes are letters and digits.
CEBROKER_NUMBER = RegexValidator(r"^[0-9]{1,12}$", "Digits only, without the prefix (50- or 20-).")
CEBROKER_CODE = RegexValidator(r"^[A-Za-z0-9]{1,20}$", "Letters and digits only, as CE Broker lists the code.")


class AccreditingBody(models.Model):
    """A board or accreditor whose credit a course can award (APA, NBCC...)."""

    code = models.SlugField(max_length=40, unique=True, help_text="Short fixed key, e.g. apa. Printed nowhere.")
    name = models.CharField(max_length=200, help_text="Full name, e.g. American Psychological Association.")
    short_name = models.CharField(max_length=40, help_text="As learners know it, e.g. APA.")
    credit_type = models.CharField(
        max_length=120, help_text="What the credit is called on certificates, e.g. CE credits or contact hours."
    )
    hours_increment = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.25"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Learners claim hours in steps of this size (AMA: quarter hours).",
    )
    license_required = models.BooleanField(
        default=True, help_text="The learner must give a license number and jurisdiction to claim."
    )
    profession = models.CharField(
        max_length=32,
        choices=Profession.choices,
        blank=True,
        help_text="Learners of this profession are offered this body's credit first.",
    )
    cebroker_profession_code = models.CharField(
        "CE Broker profession code",
        max_length=20,
        blank=True,
        validators=[CEBROKER_CODE],
        help_text="For a state board that tracks CE in CE Broker: the licensees' profession code in CE Broker's "
        "list (e.g. RN). Empty: no CE Broker roster for this body.",
    )
    reports_to_pars = models.BooleanField(
        "reports to ACCME PARS",
        default=False,
        help_text="Audit packs for this body include the activity's learner totals as ACCME's PARS asks for them.",
    )

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("credit_type"),
        FieldPanel("hours_increment"),
        FieldPanel("license_required"),
        FieldPanel("profession"),
        MultiFieldPanel(
            [FieldPanel("cebroker_profession_code"), FieldPanel("reports_to_pars")], heading="Reporting to trackers"
        ),
    ]

    class Meta:
        ordering = ["short_name"]
        verbose_name_plural = "accrediting bodies"

    def __str__(self):
        return self.short_name


class ProviderApproval(models.Model):
    """The provider's approval (or accreditation) by one body, for a period."""

    body = models.ForeignKey(AccreditingBody, on_delete=models.PROTECT, related_name="approvals")
    approval_number = models.CharField(max_length=80, blank=True, help_text="Approval or provider number.")
    statement = models.TextField(
        blank=True, help_text="The approval statement exactly as the body requires it; printed verbatim."
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Leave empty if the approval has no end date.")
    retention_years = models.PositiveSmallIntegerField(
        default=6, help_text="How many years the body requires attendance records to be kept."
    )
    cebroker_provider_number = models.CharField(
        "CE Broker provider tracking number",
        max_length=12,
        blank=True,
        validators=[CEBROKER_NUMBER],
        help_text="Without the 50- prefix. Empty if this approval is not tracked in CE Broker.",
    )

    panels = [
        FieldPanel("body"),
        FieldPanel("approval_number"),
        FieldPanel("statement"),
        MultiFieldPanel([FieldPanel("valid_from"), FieldPanel("valid_to")], heading="Valid"),
        FieldPanel("retention_years"),
        FieldPanel("cebroker_provider_number"),
    ]

    class Meta:
        ordering = ["body__short_name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="approval_ends_after_it_starts",
            )
        ]

    def __str__(self):
        until = self.valid_to.isoformat() if self.valid_to else "open"
        return (
            f"{self.body.short_name} {self.approval_number or '(no number)'} ({self.valid_from.isoformat()} to {until})"
        )

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CreditOffering(models.Model):
    """What one course awards for one body."""

    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="credit_offerings")
    body = models.ForeignKey(AccreditingBody, on_delete=models.PROTECT, related_name="offerings")
    credit_type = models.CharField(max_length=120, blank=True, help_text="Leave empty to use the body's credit type.")
    max_hours = models.DecimalField(max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))])
    statement = models.TextField(
        blank=True,
        help_text="This course's statement for this body (e.g. AMA's designation statement), printed verbatim "
        "after the approval statement.",
    )
    requires_evaluation = models.BooleanField(default=True, help_text="The course evaluation must be submitted.")
    pass_mark_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Lowest final-exam score that earns this credit; empty for the course's own."
    )
    active = models.BooleanField(default=True, help_text="Learners can claim this credit.")
    cebroker_course_number = models.CharField(
        "CE Broker course tracking number",
        max_length=12,
        blank=True,
        validators=[CEBROKER_NUMBER],
        help_text="Without the 20- prefix. With it and the body's CE Broker profession code, audit packs hold "
        "a CE Broker roster.",
    )
    cebroker_subject_area = models.CharField(
        "CE Broker subject area code",
        max_length=20,
        blank=True,
        validators=[CEBROKER_CODE],
        help_text="Needed to report partial credit (hours below the maximum) to CE Broker.",
    )

    panels = [
        FieldPanel("course"),
        FieldPanel("body"),
        FieldPanel("credit_type"),
        FieldPanel("max_hours"),
        FieldPanel("statement"),
        FieldPanel("requires_evaluation"),
        FieldPanel("pass_mark_percent"),
        FieldPanel("active"),
        MultiFieldPanel(
            [FieldPanel("cebroker_course_number"), FieldPanel("cebroker_subject_area")], heading="CE Broker"
        ),
    ]

    class Meta:
        ordering = ["course_id", "body__short_name"]
        constraints = [models.UniqueConstraint(fields=["course", "body"], name="one_offering_per_course_body")]

    def __str__(self):
        return f"{self.body.short_name}: {self.course.title}"

    @property
    def printed_credit_type(self) -> str:
        return self.credit_type or self.body.credit_type


class CreditClaim(models.Model):
    """What a learner attested when claiming credit, and what it relied on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_claims")
    completion = models.ForeignKey("courses.CourseCompletion", on_delete=models.PROTECT, related_name="credit_claims")
    offering = models.ForeignKey(CreditOffering, on_delete=models.PROTECT, related_name="claims")
    approval = models.ForeignKey(ProviderApproval, on_delete=models.PROTECT, related_name="claims")
    certificate = models.OneToOneField(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="credit_claim"
    )
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    license_number = models.CharField(max_length=64, blank=True)
    license_jurisdiction = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField()

    class Meta:
        ordering = ["-claimed_at"]
        indexes = [models.Index(fields=["offering", "claimed_at"], name="claim_offering_claimed")]

    def __str__(self):
        return f"{self.offering} · {self.hours} h"

    # What the roster prints, from the certificate's frozen snapshot (the name
    # as printed, not as the profile reads today).
    @property
    def learner_name(self) -> str:
        return self.certificate.learner_name

    @property
    def course_title(self) -> str:
        return self.certificate.course_title

    @property
    def completed_on(self):
        return self.completion.completed_at.date()


class AuditPack(models.Model):
    """A requested audit pack (a ZIP for one offering and period), built by a
    Celery task that reports its progress here."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    offering = models.ForeignKey(CreditOffering, on_delete=models.PROTECT, related_name="audit_packs")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # Stored like certificate PDFs: never served from the media URL, only
    # through the permission-checked admin download view.
    file = models.FileField(upload_to="audit-packs/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="audit_pack_period_in_order",
            )
        ]

    def __str__(self):
        return f"Audit pack {self.pk} ({self.get_status_display()})"
