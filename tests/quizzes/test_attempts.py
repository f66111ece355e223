"""Attempt lifecycle, bad input, integrity and query counts."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt, AttemptAnswer, AttemptStatus, Quiz, ReviewPolicy
from quizzes.services import (
    AttemptClosed,
    AttemptNotAllowed,
    IncompleteSubmission,
    answer_save,
    attempt_start,
    attempt_submit,
    finalize_expired_attempts,
)
from tests.factories import correct_form, learner, make_course, make_question, wrong_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(course):
    return Quiz.objects.filter(module__isnull=False).order_by("pk").first()


def snapshot_text(attempt):
    return str(attempt.snapshot)


# --- lifecycle ------------------------------------------------------------


def test_start_snapshots_questions_and_resumes_the_open_attempt(quiz, enrolled):
    attempt = attempt_start(user=enrolled, quiz=quiz)
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.number == 1
    assert len(attempt.snapshot["questions"]) == 4
    assert attempt_start(user=enrolled, quiz=quiz).pk == attempt.pk


def test_one_open_attempt_per_learner_and_quiz_is_a_database_constraint(quiz, enrolled):
    attempt = attempt_start(user=enrolled, quiz=quiz)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(user=enrolled, quiz=quiz, number=2, snapshot=attempt.snapshot, started_at=timezone.now())


def test_editing_the_quiz_never_changes_a_past_grade(quiz, enrolled):
    attempt = attempt_start(user=enrolled, quiz=quiz)
    attempt, _ = attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=correct_form(attempt))
    # Move every key to another choice (rotating the flags keeps each item valid).
    for question in quiz.questions.all():
        choices = list(question.choices.order_by("sort_order"))
        flags = [c.is_correct for c in choices]
        for choice, flag in zip(choices, flags[-1:] + flags[:-1], strict=True):
            choice.is_correct = flag
            choice.save()
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.passed
    response_snapshot = attempt.snapshot["questions"][0]["choices"]
    assert any(c["correct"] for c in response_snapshot)


def test_answers_autosave_and_survive_a_reload(client, quiz, enrolled):
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    question = attempt.snapshot["questions"][0]
    choice_id = question["choices"][1]["id"]
    response = client.post(
        reverse("attempt_answer", args=[attempt.pk]),
        {"question_id": question["id"], "choice_ids": [choice_id]},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["saved"]
    page = client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert f'value="{choice_id}" checked' in page


def test_submission_is_graded_once_and_a_replay_returns_the_same_grade(client, quiz, enrolled):
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    data = {name: values for name, values in correct_form(attempt)}
    url = reverse("attempt_submit", args=[attempt.pk])
    first = client.post(url, data)
    assert first.status_code == 303
    graded = Attempt.objects.get(pk=attempt.pk)
    replay = client.post(url, {name: [wrong] for name, wrong in wrong_form(attempt)})
    assert replay.status_code == 303
    again = Attempt.objects.get(pk=attempt.pk)
    assert (again.score, again.submitted_at, again.results) == (graded.score, graded.submitted_at, graded.results)
    assert Attempt.objects.filter(user=enrolled, quiz=quiz).count() == 1


def test_failed_attempt_then_retake_with_a_different_draw(course, enrolled):
    quiz = Quiz.objects.filter(module__isnull=False).first()
    for _ in range(6):
        make_question(quiz)  # pool of 10
    quiz.questions_per_attempt = 5
    quiz.save()
    first = attempt_start(user=enrolled, quiz=quiz)
    first, _ = attempt_submit(user=enrolled, attempt_id=first.pk, form_items=wrong_form(first))
    assert not first.passed
    second = attempt_start(user=enrolled, quiz=quiz)
    assert second.number == 2
    ids = lambda a: {q["id"] for q in a.snapshot["questions"]}  # noqa: E731
    assert ids(first).isdisjoint(ids(second))


def test_passing_closes_the_quiz(quiz, enrolled):
    attempt = attempt_start(user=enrolled, quiz=quiz)
    attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=correct_form(attempt))
    with pytest.raises(AttemptNotAllowed, match="already passed"):
        attempt_start(user=enrolled, quiz=quiz)


# --- rules and bad input ----------------------------------------------------


def test_maximum_attempts(quiz, enrolled):
    quiz.max_attempts = 1
    quiz.save()
    attempt = attempt_start(user=enrolled, quiz=quiz)
    attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=wrong_form(attempt))
    with pytest.raises(AttemptNotAllowed, match="used all 1 attempts"):
        attempt_start(user=enrolled, quiz=quiz)
    assert Attempt.objects.filter(user=enrolled).count() == 1


def test_waiting_time_between_attempts(client, quiz, enrolled):
    quiz.wait_minutes = 30
    quiz.save()
    attempt = attempt_start(user=enrolled, quiz=quiz)
    attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=wrong_form(attempt))
    client.force_login(enrolled)
    response = client.post(reverse("attempt_start", args=[quiz.pk]))
    assert response.status_code == 403
    assert "You can start another attempt in about 30 minutes" in response.content.decode()
    assert Attempt.objects.filter(user=enrolled).count() == 1
    later = timezone.now() + timedelta(minutes=31)
    assert attempt_start(user=enrolled, quiz=quiz, now=later).number == 2


def test_learner_not_enrolled_cannot_start(client, quiz):
    stranger = learner()
    client.force_login(stranger)
    response = client.post(reverse("attempt_start", args=[quiz.pk]))
    assert response.status_code == 403 and b"Enrol in the course" in response.content
    assert not Attempt.objects.exists()


def test_missing_answers_are_refused_without_change_and_selections_are_kept(client, quiz, enrolled):
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    first = correct_form(attempt)[0]
    response = client.post(reverse("attempt_submit", args=[attempt.pk]), {first[0]: first[1]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "3 questions are unanswered" in body
    assert f'value="{first[1][0]}" checked' in body
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and not AttemptAnswer.objects.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: {"q_999999": ["1"]},  # question not in the attempt
        lambda a: {f"q_{a.snapshot['questions'][0]['id']}": ["999999"]},  # unknown choice
        lambda a: {f"q_{a.snapshot['questions'][0]['id']}": [str(a.snapshot["questions"][1]["choices"][0]["id"])]},
        lambda a: {f"q_{a.snapshot['questions'][0]['id']}": ["abc"]},  # wrong type
        lambda a: next(
            {f"q_{q['id']}": [str(c["id"]) for c in q["choices"]]}
            for q in a.snapshot["questions"]
            if q["type"] == "single"
        ),
    ],
    ids=["foreign-question", "unknown-choice", "choice-of-other-question", "not-a-number", "two-for-single"],
)
def test_tampered_submissions_are_refused_without_change(client, quiz, enrolled, tamper):
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    data = {name: values for name, values in correct_form(attempt)}
    data.update(tamper(attempt))
    response = client.post(reverse("attempt_submit", args=[attempt.pk]), data)
    assert response.status_code == 400
    assert b"Nothing was submitted" in response.content
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and not AttemptAnswer.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"question_id": 999999, "choice_ids": []},
        {"question_id": "x", "choice_ids": []},
        {"question_id": None},
        {"question_id": 1, "choice_ids": "not-a-list"},
        [],
    ],
)
def test_bad_autosave_payloads_get_a_clear_4xx(client, quiz, enrolled, payload):
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    if isinstance(payload, dict) and payload.get("question_id") == 1:
        payload["question_id"] = attempt.snapshot["questions"][0]["id"]
    response = client.post(reverse("attempt_answer", args=[attempt.pk]), payload, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    assert not AttemptAnswer.objects.exists()


def test_answers_to_a_finalised_attempt_are_refused(client, quiz, enrolled):
    attempt = attempt_start(user=enrolled, quiz=quiz)
    attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=correct_form(attempt))
    client.force_login(enrolled)
    question = attempt.snapshot["questions"][0]
    response = client.post(
        reverse("attempt_answer", args=[attempt.pk]),
        {"question_id": question["id"], "choice_ids": [question["choices"][0]["id"]]},
        content_type="application/json",
    )
    assert response.status_code == 409 and "submitted" in response.json()["error"]


def test_another_learners_attempt_is_a_404_everywhere(client, quiz, enrolled):
    attempt = attempt_start(user=enrolled, quiz=quiz)
    client.force_login(learner())
    for name in ("attempt_detail", "attempt_result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), dict(correct_form(attempt))).status_code == 404
    question = attempt.snapshot["questions"][0]
    response = client.post(
        reverse("attempt_answer", args=[attempt.pk]),
        {"question_id": question["id"], "choice_ids": [question["choices"][0]["id"]]},
        content_type="application/json",
    )
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and not AttemptAnswer.objects.exists()


def test_every_quiz_form_is_csrf_protected(quiz, enrolled):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    assert client.post(reverse("attempt_start", args=[quiz.pk])).status_code == 403
    attempt = attempt_start(user=enrolled, quiz=quiz)
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), dict(correct_form(attempt))).status_code == 403
    assert client.post(reverse("attempt_answer", args=[attempt.pk]), {}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


# --- integrity: nothing on the page tells the answer ------------------------


def test_attempt_page_contains_no_correctness_data(client, quiz, enrolled):
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    body = client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode().lower()
    for marker in ("correct", "is_correct", "explanation", "because the evidence"):
        assert marker not in body, marker
    # The choices appear in snapshot order with nothing that distinguishes the right one.
    for question in attempt.snapshot["questions"]:
        for choice in question["choices"]:
            assert f'name="q_{question["id"]}" value="{choice["id"]}"' in body


# --- review policy ----------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "passed", "shown"),
    [
        (ReviewPolicy.ALWAYS, False, True),
        (ReviewPolicy.AFTER_PASS, False, False),
        (ReviewPolicy.AFTER_PASS, True, True),
        (ReviewPolicy.NEVER, True, False),
    ],
)
def test_review_follows_the_policy(client, quiz, enrolled, policy, passed, shown):
    quiz.review_policy = policy
    quiz.save()
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    form = correct_form(attempt) if passed else wrong_form(attempt)
    attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=form)
    body = client.get(reverse("attempt_result", args=[attempt.pk])).content.decode()
    assert ("Because the evidence says so." in body) is shown
    assert ("correct answer" in body) is shown


def test_the_full_review_cites_each_items_sources_linked_to_the_bibliography(client, quiz, enrolled):
    from courses.models import Source

    Source.objects.create(key="rush2006", kind="peer_reviewed", short="Rush et al., 2006 (STAR*D)", citation="...")
    Source.objects.create(key="daly2019", kind="peer_reviewed", short="Daly et al., 2019", citation="...")
    quiz.review_policy = ReviewPolicy.ALWAYS
    quiz.save()
    # Two keys, one unknown to the bibliography (left out, not shown raw).
    quiz.questions.update(source="daly2019; rush2006; not-a-source")
    client.force_login(enrolled)
    attempt = attempt_start(user=enrolled, quiz=quiz)
    attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=wrong_form(attempt))
    body = client.get(reverse("attempt_result", args=[attempt.pk])).content.decode()
    bibliography = reverse("bibliography")
    assert body.count(f'<a href="{bibliography}#src-daly2019">Daly et al., 2019</a>; ') == 4
    assert body.count(f'<a href="{bibliography}#src-rush2006">Rush et al., 2006 (STAR*D)</a>') == 4
    assert "not-a-source" not in body

    # Where the policy hides the key, it hides the sources with the explanation.
    quiz.review_policy = ReviewPolicy.AFTER_PASS
    quiz.save()
    second = attempt_start(user=enrolled, quiz=quiz)
    attempt_submit(user=enrolled, attempt_id=second.pk, form_items=wrong_form(second))
    hidden = client.get(reverse("attempt_result", args=[second.pk])).content.decode()
    assert "#src-daly2019" not in hidden and "Because the evidence says so." not in hidden


# --- server-owned time limit ------------------------------------------------


def save_first_answer(user, attempt, form, now):
    (field, choice_ids) = form[0]
    answer_save(user=user, attempt_id=attempt.pk, question_id=field[2:], choice_ids=choice_ids, now=now)


def test_time_limit_is_enforced_by_the_server(quiz, enrolled):
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now()
    attempt = attempt_start(user=enrolled, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=10)
    good = correct_form(attempt)
    save_first_answer(enrolled, attempt, good, now=start + timedelta(minutes=9))
    late = start + timedelta(minutes=10, seconds=31)  # past deadline plus the 30 s grace
    with pytest.raises(AttemptClosed, match="Time is up"):
        answer_save(user=enrolled, attempt_id=attempt.pk, question_id=good[1][0][2:], choice_ids=good[1][1], now=late)
    # A submission arriving after the grace grades only what was saved in time.
    attempt, graded_now = attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=good, now=late)
    assert graded_now and attempt.timed_out
    assert attempt.score == 25


def test_within_grace_a_timed_out_form_is_accepted_even_if_incomplete(quiz, enrolled):
    quiz.time_limit_minutes = 5
    quiz.save()
    start = timezone.now()
    attempt = attempt_start(user=enrolled, quiz=quiz, now=start)
    good = correct_form(attempt)[:2]
    just_after = start + timedelta(minutes=5, seconds=10)
    attempt, _ = attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=good, now=just_after)
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 50 and not attempt.timed_out


def test_unsubmitted_expired_attempts_are_finalised_by_the_sweep(quiz, enrolled):
    quiz.time_limit_minutes = 5
    quiz.save()
    start = timezone.now() - timedelta(minutes=20)
    attempt = attempt_start(user=enrolled, quiz=quiz, now=start)
    good = correct_form(attempt)
    save_first_answer(enrolled, attempt, good, now=start + timedelta(minutes=1))
    assert finalize_expired_attempts() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.timed_out and attempt.score == 25
    assert finalize_expired_attempts() == 0


def test_before_the_deadline_an_incomplete_form_is_refused(quiz, enrolled):
    quiz.time_limit_minutes = 5
    quiz.save()
    attempt = attempt_start(user=enrolled, quiz=quiz)
    with pytest.raises(IncompleteSubmission):
        attempt_submit(user=enrolled, attempt_id=attempt.pk, form_items=correct_form(attempt)[:1])


# --- query counts -----------------------------------------------------------


def _quiz_with(n_questions):
    course = make_course(modules=1, lessons=1, questions=n_questions, final_questions=0)
    return course, Quiz.objects.get(module__in=course.get_children())


@pytest.mark.parametrize("n", [10, 40])
def test_attempt_page_and_submission_query_counts_do_not_grow_with_questions(client, n):
    from courses.services import enrol

    course, quiz = _quiz_with(n)
    user = learner()
    enrol(user=user, course=course)
    client.force_login(user)
    attempt = attempt_start(user=user, quiz=quiz)
    url = reverse("attempt_detail", args=[attempt.pk])
    client.get(url)  # warm the course-structure cache
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as submit:
        response = client.post(reverse("attempt_submit", args=[attempt.pk]), dict(wrong_form(attempt)))
    assert response.status_code == 303
    # page: user, attempt+quiz, saved answers.
    # submit (failing grade): user, savepoint, locked attempt, answer upsert, attempt update, release.
    # (The session comes from the cache: SESSION_ENGINE is cached_db.)
    assert (len(page.captured_queries), len(submit.captured_queries)) == (3, 6)
