from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from core.models import SitePage

from .blocks import LessonStreamBlock, PlannerBlock


class LearningObjective(Orderable):
    """A measurable objective of a course or module; quiz items point at it."""

    page = ParentalKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="objectives")
    key = models.SlugField(max_length=20, help_text="Short stable id, e.g. m3-o2 or co1.")
    text = models.CharField(max_length=400)

    panels = [FieldPanel("key"), FieldPanel("text")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "key"], name="objective_key_unique_per_page")]

    def __str__(self):
        return f"{self.key}: {self.text}"


class CourseIndexPage(SitePage):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1


class CoursePage(SitePage):
    summary = models.TextField()
    ce_hours = models.DecimalField(max_digits=4, decimal_places=1, validators=[MinValueValidator(0)])
    format = models.CharField(max_length=200, default="Online, self-paced")
    target_audience = models.TextField(blank=True)
    accreditation_statement = models.TextField(blank=True)
    participation_percent = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Share of a lesson's estimated minutes it must be open (by the server's clock) before it can be "
        "marked complete; 0 turns the check off.",
    )
    disclosure = models.TextField(blank=True, help_text="Educational-use and commercial-support disclosure.")
    # CE disclosures (shown on the course page; the curriculum loader requires them)
    instructional_level = models.CharField(max_length=40, blank=True)
    release_date = models.DateField(null=True, blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    hours_method = models.TextField(blank=True, help_text="How the CE hours were calculated.")
    planners = StreamField([("person", PlannerBlock())], blank=True, help_text="Planners, authors and reviewers.")
    commercial_support = models.TextField(blank=True)
    accommodations = models.TextField(blank=True, help_text="How to request accessibility accommodations.")
    grievance = models.TextField(blank=True, help_text="How to raise a complaint or grievance.")
    evidence_limits = models.TextField(blank=True, help_text="Limits of the evidence behind the course.")

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("ce_hours"),
                FieldPanel("hours_method"),
                FieldPanel("format"),
                FieldPanel("instructional_level"),
                FieldPanel("release_date"),
                FieldPanel("next_review_date"),
                FieldPanel("accreditation_statement"),
                FieldPanel("participation_percent"),
            ],
            heading="Continuing education",
        ),
        FieldPanel("target_audience"),
        MultiFieldPanel(
            [
                FieldPanel("planners"),
                FieldPanel("commercial_support"),
                FieldPanel("disclosure"),
                FieldPanel("evidence_limits"),
                FieldPanel("accommodations"),
                FieldPanel("grievance"),
            ],
            heading="Disclosures",
        ),
        InlinePanel("objectives", heading="Course learning objectives", min_num=1),
        InlinePanel("evaluation_questions", heading="Course evaluation questions"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]


class ModulePage(SitePage):
    summary = models.TextField(blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        InlinePanel("objectives", heading="Module learning objectives", min_num=1),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]


class LessonPage(SitePage):
    summary = models.CharField(max_length=300, blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(default=10)
    free_preview = models.BooleanField(default=False, help_text="Anyone may read this lesson without enrolling.")
    body = StreamField(LessonStreamBlock())

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("free_preview"),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []


class EvaluationQuestion(Orderable):
    class Kind(models.TextChoices):
        LIKERT = "likert", "Agreement (1-5)"
        TEXT = "text", "Free text"

    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="evaluation_questions")
    key = models.SlugField(max_length=40)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LIKERT)
    required = models.BooleanField(default=True)

    panels = [FieldPanel("key"), FieldPanel("text"), FieldPanel("kind"), FieldPanel("required")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="evaluation_key_unique_per_course")]

    def __str__(self):
        return self.text


class Enrolment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_enrolment_per_course")]

    def __str__(self):
        return f"{self.user_id} in {self.course_id}"


class LessonVisit(models.Model):
    """When a learner first opened a lesson, by the server's clock: the start
    of the time that counts towards marking it complete."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_visits")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="visits")
    first_opened_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_visit_record_per_lesson")]

    @staticmethod
    def flag_key(user_id, lesson_id):
        """The cache flag saying this visit is recorded (courses.services.lesson_visit_record)."""
        return f"courses:lesson-visit:{user_id}:{lesson_id}"


class LessonCompletion(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)
    seconds_spent = models.PositiveIntegerField(
        null=True, blank=True, help_text="Server-measured time from first opening the lesson to completing it."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_completion_per_lesson")]


class EvaluationResponse(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="evaluation_responses")
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_evaluation_per_course")]


class CourseCompletion(models.Model):
    """Recorded once, when the last requirement is met; certificates build on it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="course_completions")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_completion_per_course")]


class Source(models.Model):
    """An entry of the course bibliography. Lessons and quiz items cite it by
    ``key``; the curriculum loader keeps the rows in step with sources.yaml."""

    class Kind(models.TextChoices):
        WEB_ARTICLE = "web_article", "Web article"
        PEER_REVIEWED = "peer_reviewed", "Peer-reviewed"
        REGULATORY = "regulatory", "Regulatory"

    key = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    short = models.CharField(max_length=160, help_text="What learners see where the source is cited.")
    citation = models.TextField(help_text="The full citation shown in the bibliography.")
    promotional = models.BooleanField(default=False, help_text="Published by someone selling the service.")
    doi = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    panels = [
        FieldPanel("key"),
        FieldPanel("kind"),
        FieldPanel("short"),
        FieldPanel("citation"),
        FieldPanel("promotional"),
        FieldPanel("doi"),
        FieldPanel("note"),
    ]

    class Meta:
        ordering = ["sort_order", "key"]

    def __str__(self):
        return self.short

    @property
    def kind_label(self):
        if self.kind == self.Kind.WEB_ARTICLE and self.promotional:
            return "Promotional web article"
        return self.get_kind_display()


class CurriculumImport(models.Model):
    """What ``load_curriculum`` last wrote for each curriculum item, by content
    hash: an unchanged file is skipped, so re-running changes nothing and
    editors' admin revisions survive until the file itself changes."""

    key = models.CharField(max_length=120, unique=True)
    sha256 = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.key
