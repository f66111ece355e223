"""Enrolment, lesson progress, module and course completion, the evaluation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.models import Certificate, CertificateStatus
from courses.models import CourseCompletion, Enrolment, LessonCompletion, LessonPage
from courses.selectors import course_outline
from courses.services import CourseActionError, NotEnrolled, enrol, evaluation_submit, lesson_mark_complete
from quizzes.models import Quiz
from tests.factories import (
    complete_all_but_evaluation,
    complete_course,
    learner,
    make_course,
    pass_quiz,
    sign_in_as_in_steady_state,
)

pytestmark = pytest.mark.django_db


def test_enrol_needs_a_profile_first(client, course):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("course_enrol", args=[course.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("profile"))
    assert not Enrolment.objects.exists()


def test_enrol_is_idempotent(client, course, learner_user):
    client.force_login(learner_user)
    for _ in range(2):
        assert client.post(reverse("course_enrol", args=[course.pk])).status_code == 302
    assert Enrolment.objects.filter(user=learner_user).count() == 1


def test_marking_a_lesson_complete_needs_enrolment(client, course, learner_user):
    lesson = LessonPage.objects.descendant_of(course).first()
    with pytest.raises(NotEnrolled):
        lesson_mark_complete(user=learner_user, lesson=lesson)
    client.force_login(learner_user)
    client.post(reverse("lesson_complete", args=[lesson.pk]))
    assert not LessonCompletion.objects.exists()


def test_module_completes_with_all_lessons_and_its_quiz(course, enrolled):
    module_lessons = LessonPage.objects.descendant_of(course).filter(slug__startswith="lesson-1-")
    for lesson in module_lessons:
        lesson_mark_complete(user=enrolled, lesson=lesson)
    progress = course_outline(course=course, user=enrolled)
    assert not progress.modules[0].complete and "Module 1: pass the quiz" in progress.remaining
    pass_quiz(enrolled, Quiz.objects.get(module__slug="module-1", module__path__startswith=course.path))
    progress = course_outline(course=course, user=enrolled)
    assert progress.modules[0].complete and not progress.modules[1].complete
    assert 0 < progress.percent < 100


def test_evaluation_opens_only_after_modules_and_final_exam(course, enrolled):
    with pytest.raises(CourseActionError, match="opens once"):
        evaluation_submit(user=enrolled, course=course, answers={"relevance": "5"})


def test_course_completes_once_with_a_pending_certificate(course, learner_user, django_capture_on_commit_callbacks):
    complete_all_but_evaluation(learner_user, course)
    assert not CourseCompletion.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        completion = evaluation_submit(user=learner_user, course=course, answers={"relevance": "4", "comments": ""})
    assert completion.completed_at is not None
    certificate = Certificate.objects.get(user=learner_user, course=course)
    assert certificate.status == CertificateStatus.PENDING and len(callbacks) == 1
    assert certificate.snapshot["legal_name"] == "Ada Núñez"
    assert certificate.snapshot["ce_hours"] == "2.0"
    with pytest.raises(CourseActionError, match="already submitted"):
        evaluation_submit(user=learner_user, course=course, answers={"relevance": "4"})
    assert CourseCompletion.objects.count() == 1 and Certificate.objects.count() == 1


def test_evaluation_form_names_the_missing_field(client, course, learner_user):
    complete_all_but_evaluation(learner_user, course)
    client.force_login(learner_user)
    response = client.post(reverse("course_evaluation", args=[course.pk]), {"comments": "x"})
    assert response.status_code == 400
    # Under its question (see test_evaluation_errors), without repeating it.
    assert (
        '<p class="field-error" id="id_relevance_error">Choose one of the five answers.</p>'
        in response.content.decode()
    )
    assert not CourseCompletion.objects.exists()


def _count(client, url):
    client.get(url)  # warm caches as in steady state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_and_outline_query_counts_do_not_grow(client):
    """Small learner: one small course. Large learner: three courses, one of
    them 6 modules x 5 lessons, with completions, attempts and a certificate."""
    small, large = learner(), learner()
    tiny = make_course(modules=1, lessons=1)
    enrol(user=small, course=tiny)
    big = make_course(modules=6, lessons=5)
    for course in (make_course(), big):
        complete_course(large, course)
    enrol(user=large, course=tiny)
    counts = {}
    for name, user, course in (("small", small, tiny), ("large", large, big)):
        sign_in_as_in_steady_state(client, user)
        counts[name] = (_count(client, reverse("dashboard")), _count(client, course.url))
    # dashboard: enrolments (with course, evaluation, completion and
    # certificate as subqueries), lesson completions, passed quizzes, program
    # enrolments (with their certification as subqueries; certification's section).
    # outline: the same three (the page itself is cached by path). (The
    # session and the user come from the cache: SESSION_ENGINE is cached_db,
    # and accounts/user_cache.py.)
    assert counts["small"] == counts["large"] == (4, 3)
