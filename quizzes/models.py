from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index

from .forms import ChoicesPanel, QuestionForm
from .item_rules import item_problems


class ReviewPolicy(models.TextChoices):
    """What a learner sees of a graded attempt. Formative quizzes show the
    full key at once; a summative post-test shows at most which items were
    missed until it is passed, so a failed attempt cannot be turned into a
    pass by copying the key."""

    ALWAYS = "always", "Full answer key after every attempt"
    WRONG_ITEMS = "wrong_items", "Which items were wrong; the answer key once passed"
    AFTER_PASS = "after_pass", "Nothing until passed; then the answer key"
    NEVER = "never", "Never"


class Quiz(ClusterableModel, index.Indexed):
    """A module quiz (attached to a module) or a final exam (attached to a course)."""

    title = models.CharField(max_length=200)
    module = models.OneToOneField(
        "courses.ModulePage", null=True, blank=True, on_delete=models.PROTECT, related_name="quiz"
    )
    course = models.OneToOneField(
        "courses.CoursePage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="final_exam",
        help_text="Set for a course's final exam; leave empty for a module quiz.",
    )
    instructions = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    max_attempts = models.PositiveSmallIntegerField(default=0, help_text="0 means unlimited.")
    wait_minutes = models.PositiveIntegerField(default=0, help_text="Minutes a learner waits between attempts.")
    questions_per_attempt = models.PositiveSmallIntegerField(
        default=0, help_text="Questions drawn at random per attempt; 0 means the whole pool."
    )
    shuffle_choices = models.BooleanField(default=True)
    time_limit_minutes = models.PositiveSmallIntegerField(default=0, help_text="0 means no time limit.")
    review_policy = models.CharField(max_length=20, choices=ReviewPolicy.choices, default=ReviewPolicy.ALWAYS)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("module"), FieldPanel("course")]),
        FieldPanel("instructions"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("questions_per_attempt")]),
                FieldRowPanel([FieldPanel("max_attempts"), FieldPanel("wait_minutes")]),
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("shuffle_choices")]),
                FieldPanel("review_policy"),
            ],
            heading="Rules",
        ),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=(Q(module__isnull=False, course__isnull=True) | Q(module__isnull=True, course__isnull=False)),
                name="quiz_belongs_to_module_or_course",
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if bool(self.module_id) == bool(self.course_id):
            raise ValidationError("A quiz belongs either to a module (module quiz) or to a course (final exam).")

    @property
    def is_final_exam(self):
        return self.course_id is not None

    @property
    def time_limit(self):
        return timedelta(minutes=self.time_limit_minutes) if self.time_limit_minutes else None


class QuestionType(models.TextChoices):
    SINGLE = "single", "Single best answer"
    TRUE_FALSE = "true_false", "True or false"
    MULTIPLE = "multiple", "Select all that apply"


class Question(ClusterableModel, index.Indexed):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=40, unique=True, help_text="Stable id used by the curriculum files.")
    type = models.CharField(max_length=20, choices=QuestionType.choices, default=QuestionType.SINGLE)
    stem = models.TextField()
    explanation = models.TextField(help_text="Shown after the attempt, as the review policy allows.")
    objective = models.ForeignKey(
        "courses.LearningObjective", null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    source = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive items are never drawn.")
    sort_order = models.PositiveIntegerField(default=0)

    panels = [
        FieldPanel("quiz"),
        FieldRowPanel([FieldPanel("key"), FieldPanel("type"), FieldPanel("active")]),
        FieldPanel("stem"),
        ChoicesPanel("choices", heading="Choices", min_num=2, max_num=8),
        FieldPanel("explanation"),
        FieldRowPanel([FieldPanel("objective"), FieldPanel("source")]),
    ]
    search_fields = [index.SearchField("stem"), index.AutocompleteField("key"), index.FilterField("quiz")]
    base_form_class = QuestionForm

    class Meta:
        ordering = ["quiz", "sort_order", "pk"]

    def __str__(self):
        return f"{self.key}: {self.stem[:80]}"

    def save(self, *args, **kwargs):
        # The question row and its inline choices commit together: the item
        # rules trigger (migration 0002) checks them at commit, and in
        # autocommit the row alone would be checked before its choices exist.
        with transaction.atomic():
            return super().save(*args, **kwargs)

    def rule_problems(self):
        """The item rules applied to the choices as they stand on this
        instance (unsaved inline choices included)."""
        return item_problems(type=self.type, choices=self.choices.all())


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    def __str__(self):
        return self.text


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    GRADED = "graded", "Graded"


class Attempt(models.Model):
    """One sitting of a quiz. ``snapshot`` freezes the questions and choices
    exactly as shown, so later edits never change this attempt's grade."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    snapshot = models.JSONField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    results = models.JSONField(null=True, blank=True, help_text="Per-question correctness, set when graded.")
    timed_out = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(status="in_progress"),
                name="one_attempt_in_progress_per_quiz",
            ),
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_unique"),
        ]
        indexes = [models.Index(fields=["user", "quiz", "status"], name="attempt_user_quiz_status")]

    def __str__(self):
        return f"Attempt {self.number} on {self.quiz_id} by {self.user_id}"

    @property
    def is_open(self):
        return self.status == AttemptStatus.IN_PROGRESS


class AttemptGrant(models.Model):
    """An extra attempt an editor allowed one learner at one quiz, with who,
    when and why: the way out when the attempts allowed are used up."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempt_grants")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempt_grants")
    extra_attempts = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempt_grants_given"
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "quiz"], name="grant_user_quiz")]
        permissions = [("grant_attempt", "Can grant a learner an extra quiz attempt")]

    def __str__(self):
        return f"+{self.extra_attempts} attempt(s) on {self.quiz_id} for {self.user_id}"


class AttemptAnswer(models.Model):
    """The learner's current selection for one question of an attempt,
    saved as they go (upserted on every change)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question_id = models.BigIntegerField(help_text="Question id as it stands in the attempt's snapshot.")
    choice_ids = models.JSONField(default=list)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question_id"], name="one_answer_per_question")]


class QuizStatistics(models.Model):
    """The item-analysis report of a quiz, computed by a Celery task
    (quizzes.statistics_services) and stored, so opening the report reads
    one row however many attempts there are."""

    quiz = models.OneToOneField(Quiz, on_delete=models.CASCADE, related_name="statistics")
    computed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_id = models.BigIntegerField(default=0, help_text="Newest graded attempt included.")
    seconds = models.FloatField(default=0, help_text="How long the computation took.")
    report = models.JSONField(default=dict)

    class Meta:
        verbose_name_plural = "quiz statistics"

    def __str__(self):
        return f"Statistics of quiz {self.quiz_id} ({self.attempts} attempts)"
