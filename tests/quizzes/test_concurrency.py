"""Exactly-once finalisation when several requests submit the same attempt."""

import threading

import pytest
from django.db import connection

from quizzes.models import Attempt, AttemptStatus, Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.factories import correct_form, learner, make_course

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_submits_grade_the_attempt_exactly_once():
    from courses.services import enrol

    course = make_course(modules=1, lessons=1, questions=6, final_questions=0)
    user = learner()
    enrol(user=user, course=course)
    quiz = Quiz.objects.get(module__in=course.get_children())
    attempt = attempt_start(user=user, quiz=quiz)
    form = correct_form(attempt)
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            _, graded_now = attempt_submit(user=user, attempt_id=attempt.pk, form_items=form)
            outcomes.append(graded_now)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert sorted(outcomes) == [False] * 7 + [True]
    graded = Attempt.objects.get(pk=attempt.pk)
    assert graded.status == AttemptStatus.GRADED and graded.score == 100
