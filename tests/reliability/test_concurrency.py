"""Twenty threads racing on one attempt, and on one course completion,
each with its own PostgreSQL connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from certificates.models import Certificate, CertificateStatus
from courses.models import CourseCompletion, EvaluationResponse
from courses.services import CourseActionError, course_completion_check, enrol, evaluation_submit
from quizzes.models import Attempt, AttemptAnswer, AttemptStatus, Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.factories import complete_all_but_evaluation, correct_form, learner, make_course
from tests.worker import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 20


def race(fn, n=THREADS):
    """Run ``fn(i)`` in ``n`` threads released together; return results or
    exceptions, in thread order. Each thread closes its own connection."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return fn(i)
        except Exception as exc:  # collected and asserted on by the caller
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_twenty_threads_submitting_one_attempt_give_one_grade():
    course = make_course(modules=1, lessons=1, questions=4, final_questions=2)
    user = learner()
    enrol(user=user, course=course)
    quiz = Quiz.objects.get(module__in=course.get_children())
    attempt = attempt_start(user=user, quiz=quiz)
    form = correct_form(attempt)

    def submit(i):
        owner = get_user_model().objects.get(pk=user.pk)  # one instance per thread
        graded, graded_now = attempt_submit(user=owner, attempt_id=attempt.pk, form_items=form)
        return graded_now, graded.submitted_at, graded.score

    results = race(submit)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert [graded_now for graded_now, _, _ in results].count(True) == 1
    assert len({(submitted_at, score) for _, submitted_at, score in results}) == 1  # every thread saw the same grade
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.passed
    assert Attempt.objects.filter(user=user, quiz=quiz).count() == 1
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(attempt.snapshot["questions"])


@pytest.mark.worker
def test_twenty_threads_completing_one_course_give_one_certificate_code_and_email(celery_worker):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner()
    complete_all_but_evaluation(user, course)
    assert not Certificate.objects.filter(user=user).exists()

    def complete(i):
        owner = get_user_model().objects.get(pk=user.pk)
        if i % 2:  # half re-check completion, half submit the evaluation (the last requirement)
            return course_completion_check(user=owner, course_id=course.pk)
        return evaluation_submit(user=owner, course=course, answers={"relevance": "5", "comments": f"thread {i}"})

    results = race(complete)

    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, CourseActionError) for r in refused), refused
    assert len(refused) == THREADS // 2 - 1  # every evaluation but one is refused as a duplicate
    assert EvaluationResponse.objects.filter(user=user, course=course).count() == 1
    completions = {r.pk for r in results if isinstance(r, CourseCompletion)}
    assert len(completions) == 1 and CourseCompletion.objects.filter(user=user, course=course).count() == 1

    (certificate,) = Certificate.objects.filter(user=user, course=course)
    wait_for(
        lambda: Certificate.objects.filter(
            pk=certificate.pk, status=CertificateStatus.ISSUED, emailed_at__isnull=False
        ),
        message="certificate issued and e-mailed",
    )
    assert Certificate.objects.filter(user=user).values_list("code", flat=True).distinct().count() == 1
    assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    mails = celery_worker.mails()
    assert len(mails) == 1 and certificate.code in mails[0].read_text()
