"""Certification programs (authored in the CMS as data), a learner's
progress through one (practice log, supervisor attestations, capstone
submissions), the award with its periods of validity, and the reminders
sent before a period ends.

No patient data is stored anywhere here: the practice log holds only
choices and numbers, and free text (capstone, comments) is screened for
anything that looks like an identifier before it is saved (identifiers.py).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from certificates.codes import generate_code
from core.storage import private_storage


class ProgramForm(WagtailAdminModelForm):
    """The admin form: the pass mark must be reachable with the rubric as
    edited (the inline rows are only in the formset until saved)."""

    def clean(self):
        cleaned = super().clean()
        criteria = self.formsets.get("criteria")
        if cleaned.get("capstone_required") and criteria is not None and criteria.is_valid():
            rows = [f.cleaned_data for f in criteria.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            total = sum(row.get("max_score") or 0 for row in rows)
            if not rows:
                self.add_error("capstone_required", "Add at least one rubric criterion for the capstone.")
            elif (cleaned.get("capstone_pass_score") or 0) > total:
                self.add_error("capstone_pass_score", f"The rubric's criteria add up to only {total}.")
        return cleaned


class Program(ClusterableModel):
    """A certification program. Everything a learner must do is a field or an
    inline row here, so a second program is authored, not programmed."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField(help_text="What the certification attests, shown on the program page.")
    live = models.BooleanField(default=False, help_text="Learners can see and enrol only in live programs.")
    practice_cases_required = models.PositiveSmallIntegerField(
        default=5, validators=[MaxValueValidator(200)], help_text="Supervised cases in the practice log; 0 for none."
    )
    attestation_required = models.BooleanField(
        default=True, help_text="A supervisor must attest the practice log through an e-mailed link."
    )
    capstone_required = models.BooleanField(default=True)
    capstone_brief = models.TextField(blank=True, help_text="What the capstone case formulation must cover.")
    capstone_pass_score = models.PositiveSmallIntegerField(
        default=0, help_text="Total rubric score needed to pass (every criterion must also meet its own minimum)."
    )
    code_of_conduct = models.TextField(blank=True, help_text="Learners agree to this text; empty means no agreement.")
    validity_months = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    renewal_ce_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="CE hours earned within the period that renewal requires.",
    )
    renewal_attestation_required = models.BooleanField(default=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("live"),
        InlinePanel("courses", heading="Courses to complete", label="Course"),
        MultiFieldPanel(
            [FieldPanel("practice_cases_required"), FieldPanel("attestation_required")], heading="Supervised practice"
        ),
        MultiFieldPanel(
            [FieldPanel("capstone_required"), FieldPanel("capstone_brief"), FieldPanel("capstone_pass_score")],
            heading="Capstone",
        ),
        InlinePanel("criteria", heading="Capstone rubric", label="Criterion"),
        FieldPanel("code_of_conduct"),
        MultiFieldPanel(
            [FieldPanel("validity_months"), FieldPanel("renewal_ce_hours"), FieldPanel("renewal_attestation_required")],
            heading="Validity and renewal",
        ),
    ]

    base_form_class = ProgramForm

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class ProgramCourse(Orderable):
    program = ParentalKey(Program, on_delete=models.CASCADE, related_name="courses")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("course")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["program", "course"], name="program_course_once")]


class RubricCriterion(Orderable):
    program = ParentalKey(Program, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=30, help_text="Short stable id, e.g. formulation.")
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, help_text="What earns full marks.")
    max_score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    min_score = models.PositiveSmallIntegerField(default=0, help_text="Lowest score on this criterion that can pass.")

    panels = [
        FieldPanel("key"),
        FieldPanel("title"),
        FieldPanel("guidance"),
        FieldPanel("max_score"),
        FieldPanel("min_score"),
    ]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["program", "key"], name="criterion_key_once_per_program")]

    def __str__(self):
        return f"{self.title} (0–{self.max_score})"


class ProgramEnrolment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="program_enrolments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_at = models.DateTimeField()
    conduct_agreed_at = models.DateTimeField(null=True, blank=True)
    conduct_text = models.TextField(blank=True, help_text="The code of conduct exactly as agreed.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "program"], name="one_enrolment_per_program")]

    def __str__(self):
        return f"{self.user_id} in {self.program_id}"


class AgeBand(models.TextChoices):
    A18_25 = "18-25", "18–25"
    A26_40 = "26-40", "26–40"
    A41_64 = "41-64", "41–64"
    A65 = "65+", "65 or older"


class Setting(models.TextChoices):
    OUTPATIENT = "outpatient", "Outpatient clinic"
    PRIVATE = "private", "Private practice"
    TMS_CLINIC = "tms_clinic", "TMS clinic"
    KETAMINE_CLINIC = "ketamine_clinic", "Ketamine or esketamine clinic"
    INPATIENT = "inpatient", "Inpatient or partial hospital"
    TELEHEALTH = "telehealth", "Telehealth"


class Treatment(models.TextChoices):
    TMS = "tms", "TMS"
    KETAMINE = "ketamine", "IV ketamine"
    ESKETAMINE = "esketamine", "Esketamine nasal spray"
    ECT = "ect", "ECT"
    MEDICATION = "medication", "Antidepressant medication"
    PSYCHOTHERAPY = "psychotherapy", "Psychotherapy"


class Measure(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9 (0–27)"
    QIDS = "qids_sr16", "QIDS-SR16 (0–27)"
    MADRS = "madrs", "MADRS (0–60)"
    BDI2 = "bdi2", "BDI-II (0–63)"


MEASURE_MAX = {Measure.PHQ9: 27, Measure.QIDS: 27, Measure.MADRS: 60, Measure.BDI2: 63}


class TherapistRole(models.TextChoices):
    PRIMARY = "primary", "Primary therapist"
    CO_THERAPIST = "co_therapist", "Co-therapist"
    INTEGRATION = "integration", "Preparation and integration sessions"
    MONITORING = "monitoring", "Monitoring during treatment sessions"


class Coordinated(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber or psychiatrist"
    TMS_TEAM = "tms_team", "TMS team"
    NURSING = "nursing", "Nursing staff"
    PRIMARY_CARE = "primary_care", "Primary care"
    FAMILY = "family", "Family or carers (with consent)"
    NONE = "none", "No one"


class PracticeLogEntry(models.Model):
    """One supervised case, described only by categories and numbers."""

    enrolment = models.ForeignKey(ProgramEnrolment, on_delete=models.CASCADE, related_name="log_entries")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    setting = models.CharField(max_length=20, choices=Setting.choices)
    treatments = models.JSONField(help_text="Treatment choices involved.")
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(200)])
    measure = models.CharField(max_length=12, choices=Measure.choices)
    measure_before = models.PositiveSmallIntegerField()
    measure_after = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20, choices=TherapistRole.choices)
    coordinated_with = models.JSONField(help_text="Coordination choices.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def treatment_labels(self):
        return [Treatment(t).label for t in self.treatments]

    def coordinated_labels(self):
        return [Coordinated(c).label for c in self.coordinated_with]


def new_nonce():
    return secrets.token_urlsafe(16)


class Attestation(models.Model):
    """A request to a named supervisor and its answer. The e-mailed link is
    signed, expires, and names this row and its nonce; answering clears the
    nonce, so a link works once."""

    class Purpose(models.TextChoices):
        INITIAL = "initial", "Certification"
        RENEWAL = "renewal", "Renewal"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the supervisor"
        ATTESTED = "attested", "Attested"
        DECLINED = "declined", "Declined"

    enrolment = models.ForeignKey(ProgramEnrolment, on_delete=models.CASCADE, related_name="attestations")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.INITIAL)
    period = models.PositiveSmallIntegerField(default=0, help_text="For a renewal: the period being renewed.")
    supervisor_name = models.CharField(max_length=150)
    supervisor_license = models.CharField(max_length=64)
    supervisor_email = models.EmailField()
    nonce = models.CharField(max_length=32, default=new_nonce, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    entry_ids = models.JSONField(default=list, help_text="The log entries the supervisor was shown.")
    comment = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "purpose", "period"],
                condition=Q(status="pending"),
                name="one_pending_attestation",
            )
        ]


class CapstoneSubmission(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for review"
        PASSED = "passed", "Passed"
        RETURNED = "returned", "Returned with comments"

    enrolment = models.ForeignKey(ProgramEnrolment, on_delete=models.CASCADE, related_name="capstones")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        permissions = [("review_capstone", "Can review capstone submissions")]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "number"], name="capstone_number_once"),
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(status="submitted"), name="one_capstone_under_review"
            ),
        ]

    def __str__(self):
        return f"Capstone {self.number} of {self.enrolment.program}"


class Certification(models.Model):
    """The award: one per learner and program (the constraint is the
    exactly-once guarantee). ``valid_until`` is the end of the latest issued
    period, kept here so the registry and the reminder sweep read one row."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        ISSUED = "issued", "Issued"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certifications")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="certifications")
    code = models.CharField(max_length=20, unique=True, default=generate_code, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    snapshot = models.JSONField(help_text="Name, profession, jurisdiction and program title at award.")
    awarded_at = models.DateTimeField()
    period = models.PositiveSmallIntegerField(default=1, help_text="Number of the latest period.")
    valid_until = models.DateTimeField(null=True, blank=True)
    in_registry = models.BooleanField(default=False)
    registry_name = models.CharField(max_length=150, blank=True)
    registry_jurisdiction = models.CharField(max_length=100, blank=True)
    practice_website = models.URLField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        permissions = [("revoke_certification", "Can revoke certifications")]
        constraints = [models.UniqueConstraint(fields=["user", "program"], name="one_certification_per_program")]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="certification_status_until"),
            models.Index(fields=["in_registry", "registry_jurisdiction"], name="certification_registry"),
        ]

    def __str__(self):
        return f"{self.code} ({self.program_id})"

    @property
    def legal_name(self):
        """The learner's name as printed at award."""
        return self.snapshot.get("legal_name", "")

    @property
    def program_title(self):
        return self.snapshot.get("program_title", "")

    def state_label(self):
        """Status as every public surface shows it (expiry from the clock)."""
        from django.utils import timezone

        from .rules import STATE_LABELS, public_status

        return STATE_LABELS[public_status(status=self.status, valid_until=self.valid_until, now=timezone.now())]

    state_label.short_description = "Status"


class CertificationPeriod(models.Model):
    """One period of validity: the first from the award, one more per renewal.
    Each has its own PDF and its own credential (a signed credential never
    changes, so a new ``validUntil`` needs a new one)."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    issued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="certifications/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["certification", "number"], name="period_number_once")]

    @property
    def reference(self):
        """The credential's opaque reference in credentials/."""
        return f"{self.certification.code}/P{self.number}"


class ReminderSent(models.Model):
    """A reminder that went out (or was passed over because a tighter one was
    due): the unique row is what makes each threshold fire once per period."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="reminders")
    period = models.PositiveSmallIntegerField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certification", "period", "days_before"], name="reminder_once")]


class CertificationEvent(models.Model):
    """Audit log of everything that happens in a learner's program."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        CONDUCT_AGREED = "conduct_agreed", "Agreed to the code of conduct"
        LOG_ADDED = "log_added", "Practice case logged"
        ATTESTATION_REQUESTED = "attestation_requested", "Attestation requested"
        ATTESTATION_EMAILED = "attestation_emailed", "Attestation link e-mailed"
        ATTESTATION_VIEWED = "attestation_viewed", "Attestation link opened"
        ATTESTATION_REFUSED_LINK = "attestation_bad_link", "Attestation link refused"
        ATTESTED = "attested", "Supervisor attested"
        DECLINED = "declined", "Supervisor declined"
        CAPSTONE_SUBMITTED = "capstone_submitted", "Capstone submitted"
        CAPSTONE_PASSED = "capstone_passed", "Capstone passed"
        CAPSTONE_RETURNED = "capstone_returned", "Capstone returned"
        AWARDED = "awarded", "Certification awarded"
        PERIOD_ISSUED = "period_issued", "Period issued"
        RENEWED = "renewed", "Renewed"
        REMINDED = "reminded", "Expiry reminder sent"
        REGISTRY_JOINED = "registry_joined", "Joined the registry"
        REGISTRY_LEFT = "registry_left", "Left the registry"
        REVOKED = "revoked", "Certification revoked"
        CE_UPLOADED = "ce_uploaded", "Other provider's CE certificate uploaded"
        CE_ACCEPTED = "ce_accepted", "Uploaded CE accepted"
        CE_REJECTED = "ce_rejected", "Uploaded CE rejected"

    enrolment = models.ForeignKey(ProgramEnrolment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=200, blank=True, help_text="Who acted without an account.")
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class ExternalCE(models.Model):
    """A CE certificate from another provider, uploaded by the learner. It
    counts towards renewal only once an editor accepts it. The PDF is kept
    in private storage (never under MEDIA_ROOT) and downloaded only by its
    owner or staff."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Not accepted"

    enrolment = models.ForeignKey(ProgramEnrolment, on_delete=models.CASCADE, related_name="external_ce")
    provider_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=300)
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    completed_on = models.DateField()
    pdf = models.FileField(storage=private_storage, upload_to="ce-uploads/%Y/%m/")
    pdf_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    uploaded_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = "CE certificate from another provider"
        verbose_name_plural = "CE certificates from other providers"
        indexes = [models.Index(fields=["status", "uploaded_at"], name="external_ce_status")]

    def __str__(self):
        return f"{self.course_title} ({self.provider_name}, {self.hours} h)"

    def learner_name(self):
        return self.enrolment.user.profile.legal_name

    learner_name.short_description = "Learner"
