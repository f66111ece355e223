"""No page offers an action the server would refuse: "Try again" only when
an attempt may start now, enrolment before "Start the quiz", and one message
for a passed quiz. The pages read ``rules.start_decision``."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import ModulePage
from courses.services import enrol
from quizzes.models import Quiz
from quizzes.rules import start_decision
from quizzes.services import attempt_start, attempt_submit
from tests.factories import learner, make_course, pass_quiz, wrong_form

pytestmark = pytest.mark.django_db


def _quiz(**settings):
    course = make_course(modules=1, lessons=1, final_questions=0, quiz_settings=settings)
    return course, Quiz.objects.get(module__in=ModulePage.objects.child_of(course))


def _fail(user, quiz):
    attempt = attempt_start(user=user, quiz=quiz)
    attempt, _ = attempt_submit(user=user, attempt_id=attempt.pk, form_items=wrong_form(attempt))
    return attempt


def test_an_unenrolled_learner_is_sent_to_enrol_not_to_a_403(client):
    course, quiz = _quiz()
    client.force_login(learner())
    body = client.get(reverse("quiz_detail", args=[quiz.pk])).content.decode()
    assert "Start the quiz" not in body
    assert "Enrol in the course to take this quiz." in body
    assert f'href="{course.url}#enrol"' in body


def test_no_try_again_when_every_attempt_is_used(client):
    course, quiz = _quiz(max_attempts=1)
    user = learner()
    enrol(user=user, course=course)
    attempt = _fail(user, quiz)
    client.force_login(user)
    body = client.get(reverse("attempt_result", args=[attempt.pk])).content.decode()
    assert "Try again" not in body
    assert "You have used all 1 attempts allowed for this quiz." in body


def test_no_try_again_during_the_wait_and_it_returns_after_it(client):
    course, quiz = _quiz(wait_minutes=30)
    user = learner()
    enrol(user=user, course=course)
    attempt = _fail(user, quiz)
    client.force_login(user)
    url = reverse("attempt_result", args=[attempt.pk])
    body = client.get(url).content.decode()
    assert "Try again" not in body and "You can start another attempt in about 30 minutes." in body
    attempt.submitted_at = timezone.now() - timedelta(minutes=31)
    attempt.save(update_fields=["submitted_at"])
    assert "Try again" in client.get(url).content.decode()


def test_a_passed_quiz_says_so_once(client):
    course, quiz = _quiz()
    user = learner()
    enrol(user=user, course=course)
    pass_quiz(user, quiz)
    client.force_login(user)
    body = client.get(reverse("quiz_detail", args=[quiz.pk])).content.decode()
    assert body.count("passed this quiz") == 1
    assert "Start a new attempt" not in body


def test_the_decision_agrees_with_attempt_start():
    """Whenever the pages say "start", starting works; otherwise it is refused."""
    course, quiz = _quiz(max_attempts=2, wait_minutes=5)
    user = learner()
    now = timezone.now()
    assert start_decision(quiz, refusal="Enrol first.", attempts=[], now=now).action == "enrol"
    enrol(user=user, course=course)
    assert start_decision(quiz, refusal=None, attempts=[], now=now).can_start
    _fail(user, quiz)
    attempts = list(quiz.attempts.filter(user=user).order_by("-number"))
    assert start_decision(quiz, refusal=None, attempts=attempts, now=timezone.now()).action == "blocked"
    later = timezone.now() + timedelta(minutes=6)
    assert start_decision(quiz, refusal=None, attempts=attempts, now=later).can_start
    open_attempt = attempt_start(user=user, quiz=quiz, now=later)
    attempts = list(quiz.attempts.filter(user=user).order_by("-number"))
    decision = start_decision(quiz, refusal=None, attempts=attempts, now=later)
    assert (decision.action, decision.open_attempt_id) == ("resume", open_attempt.pk)
