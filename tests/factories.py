"""Builders for test data. Tests build their own small courses; none depend
on the seeded flagship course."""

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from accounts.models import LearnerProfile
from courses.models import CourseIndexPage, CoursePage, EvaluationQuestion, LearningObjective, LessonPage, ModulePage
from home.services import ensure_home_page
from quizzes.models import Choice, Question, Quiz


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


def learner(email=None, legal_name="Ada Núñez", **extra):
    user = UserFactory(**({"email": email} if email else {}), **extra)
    LearnerProfile.objects.create(
        user=user,
        legal_name=legal_name,
        profession="psychologist",
        license_number="PSY-123456",
        license_jurisdiction="Oregon",
    )
    return user


def course_index():
    home = ensure_home_page()
    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="Courses", slug="courses")
        home.add_child(instance=index)
    return index


def _choices(kind, n_choices):
    """Choices that fit the item rules of each type."""
    if kind == "true_false":
        return [Choice(text="True", is_correct=True), Choice(text="False", is_correct=False)]
    if kind == "multiple":
        return [Choice(text=f"Option {i}", is_correct=i < 2) for i in range(n_choices)]
    return [Choice(text=f"Option {i}", is_correct=i == 0) for i in range(n_choices)]


class QuizFactory(factory.django.DjangoModelFactory):
    """A quiz; pass ``module=`` (module quiz) or ``course=`` (final exam)."""

    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"Quiz {n}")
    shuffle_choices = False


class QuestionFactory(factory.django.DjangoModelFactory):
    """A question with choices that fit its type (``n_choices`` for single
    and select-all); the choices are saved with it as a cluster."""

    class Meta:
        model = Question
        exclude = ("n_choices",)

    key = factory.Sequence(lambda n: f"t-q{n}")
    type = "single"
    stem = factory.LazyAttribute(lambda q: f"Stem of a {q.type} question?")
    explanation = "Because the evidence says so."
    n_choices = 4
    choices = factory.LazyAttribute(lambda q: _choices(q.type, q.n_choices))


class CoursePageFactory(factory.django.DjangoModelFactory):
    """A live course page under the course index, with one objective and a
    two-item evaluation; participation checks off unless asked for."""

    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Test course {n}")
    slug = factory.Sequence(lambda n: f"test-course-{n}")
    summary = "A small course for tests."
    ce_hours = Decimal("2.0")
    format = "Online, self-paced"
    accreditation_statement = "Approved for 2.0 hours."
    participation_percent = 0
    objectives = factory.LazyFunction(lambda: [LearningObjective(key="co1", text="Understand the test subject well.")])
    evaluation_questions = factory.LazyFunction(
        lambda: [
            EvaluationQuestion(key="relevance", text="Relevant to my practice.", kind="likert"),
            EvaluationQuestion(key="comments", text="Comments", kind="text", required=False),
        ]
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        course = model_class(**kwargs)
        course_index().add_child(instance=course)
        course.save_revision().publish()
        return course


def make_question(quiz, *, kind="single", n_choices=4, objective=None, order=0):
    return QuestionFactory(quiz=quiz, type=kind, n_choices=n_choices, objective=objective, sort_order=order)


def make_quiz(*, module=None, course=None, questions=4, kinds=("single", "true_false", "multiple"), **settings):
    quiz = QuizFactory(module=module, course=course, **settings)
    for i in range(questions):
        make_question(quiz, kind=kinds[i % len(kinds)], order=i)
    return quiz


def make_course(
    *, modules=2, lessons=2, questions=4, final_questions=4, title=None, quiz_settings=None, participation_percent=0
):
    """A live course with modules, lessons, one quiz per module, a final
    exam and a two-item evaluation. The participation check is off unless a
    test asks for it (tests mark lessons complete without waiting)."""
    course = CoursePageFactory(
        participation_percent=participation_percent, **({"title": title} if title else {})
    )
    for m in range(1, modules + 1):
        module = ModulePage(title=f"Module {m}", slug=f"module-{m}", summary=f"Module {m} summary.")
        module.objectives = [LearningObjective(key=f"m{m}-o1", text="Explain the module topic clearly.")]
        course.add_child(instance=module)
        for lesson_number in range(1, lessons + 1):
            lesson = LessonPage(
                title=f"Lesson {m}.{lesson_number}",
                slug=f"lesson-{m}-{lesson_number}",
                free_preview=(lesson_number == 1 and m == 1),
                body=[
                    ("heading", "Overview"),
                    ("paragraph", "<p>Lesson text.</p>"),
                    ("key_fact", {"text": "A fact.", "source": "Rush et al., 2006", "source_key": "rush2006"}),
                ],
            )
            module.add_child(instance=lesson)
        make_quiz(module=module, questions=questions, **(quiz_settings or {}))
    if final_questions:
        make_quiz(course=course, questions=final_questions, **(quiz_settings or {}))
    return CoursePage.objects.get(pk=course.pk)


def correct_form(attempt):
    """Form items answering every question of an attempt correctly."""
    return [
        (f"q_{q['id']}", [str(c["id"]) for c in q["choices"] if c["correct"]]) for q in attempt.snapshot["questions"]
    ]


def wrong_form(attempt):
    return [
        (f"q_{q['id']}", [str(next(c["id"] for c in q["choices"] if not c["correct"]))])
        for q in attempt.snapshot["questions"]
    ]


def pass_quiz(user, quiz):
    from quizzes.services import attempt_start, attempt_submit

    attempt = attempt_start(user=user, quiz=quiz)
    attempt, _ = attempt_submit(user=user, attempt_id=attempt.pk, form_items=correct_form(attempt))
    assert attempt.passed
    return attempt


def complete_all_but_evaluation(user, course):
    """Enrol, read every lesson and pass every quiz and the final exam."""
    from courses.services import enrol, lesson_mark_complete

    enrol(user=user, course=course)
    for lesson in LessonPage.objects.live().descendant_of(course):
        lesson_mark_complete(user=user, lesson=lesson)
    for quiz in Quiz.objects.filter(module__in=ModulePage.objects.child_of(course)):
        pass_quiz(user, quiz)
    pass_quiz(user, Quiz.objects.get(course=course))


def complete_course(user, course):
    from courses.services import evaluation_submit

    complete_all_but_evaluation(user, course)
    return evaluation_submit(user=user, course=course, answers={"relevance": "5", "comments": ""})


def sign_in_as_in_steady_state(client, user):
    """Log in, then empty the cached user's slot, as it is a little while
    after a log-in (which marks the row changed: accounts/user_cache.py), so
    that query counts show a signed-in learner's usual request."""
    from django.core.cache import cache

    from accounts.user_cache import KEY

    client.force_login(user)
    cache.delete(KEY.format(pk=user.pk))
    forget_change_marks_of_progress(user)


def forget_change_marks_of_progress(user):
    """Empty the slots of the learner's cached enrolment and completions, as
    they are a little while after their last change (which marks them
    changed: courses.selectors.progress_key), so that query counts show the
    usual request."""
    from django.core.cache import cache

    from courses.models import Enrolment
    from courses.selectors import progress_key

    paths = Enrolment.objects.filter(user=user).values_list("course__path", flat=True)
    cache.delete_many([progress_key(user_id=user.pk, course_path=path) for path in paths])
