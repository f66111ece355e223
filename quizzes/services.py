"""Writes for quiz attempts: start, autosave, submit, and time-limit expiry.

Every function validates fully before it writes, so a refused request
changes nothing. Finalisation locks the attempt row, so a double click,
a replayed POST or two tabs give exactly one grade.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .answers import InvalidAnswer, index_snapshot, parse_form, parse_selection, unanswered
from .grading import grade
from .models import Attempt, AttemptAnswer, AttemptStatus, Question
from .statistics_services import quiz_statistics_schedule

_sysrandom = random.SystemRandom()


class QuizError(Exception):
    status = 400


class AttemptNotAllowed(QuizError):
    status = 403


class AttemptClosed(QuizError):
    status = 409


class IncompleteSubmission(QuizError):
    def __init__(self, missing):
        self.missing = missing
        count = len(missing)
        super().__init__(
            f"Answer every question before submitting: {count} question{'s are' if count != 1 else ' is'} unanswered."
        )


def grace_period():
    return timedelta(seconds=getattr(settings, "QUIZ_TIME_GRACE_SECONDS", 30))


def is_expired(attempt, now):
    return attempt.deadline is not None and now > attempt.deadline + grace_period()


def _course_id_for(quiz):
    from courses.structure import course_structure_for_page

    if quiz.course_id:
        return quiz.course_id
    return course_structure_for_page(quiz.module).id


def _check_enrolled(user, course_id):
    from courses.models import Enrolment

    if not Enrolment.objects.filter(user=user, course_id=course_id).exists():
        raise AttemptNotAllowed("Enrol in the course to take this quiz.")


def start_rules(quiz, prior_attempts, now):
    """Why a new attempt may not start now, or None. ``prior_attempts`` are
    this learner's graded attempts, newest first."""
    if any(a.passed for a in prior_attempts):
        return "You have already passed this quiz."
    if quiz.max_attempts and len(prior_attempts) >= quiz.max_attempts:
        return f"You have used all {quiz.max_attempts} attempts allowed for this quiz."
    if quiz.wait_minutes and prior_attempts and prior_attempts[0].submitted_at:
        ready_at = prior_attempts[0].submitted_at + timedelta(minutes=quiz.wait_minutes)
        if now < ready_at:
            minutes = max(1, int((ready_at - now).total_seconds() // 60) + 1)
            return f"You can start another attempt in about {minutes} minute{'s' if minutes != 1 else ''}."
    return None


def draw_questions(pool, count, previous_ids, rng):
    """Pick ``count`` questions, preferring ones the previous attempt did not
    show, so consecutive attempts differ where the pool is large enough."""
    if not count or count >= len(pool):
        chosen = list(pool)
    else:
        fresh = [q for q in pool if q.id not in previous_ids]
        seen = [q for q in pool if q.id in previous_ids]
        chosen = rng.sample(fresh, min(count, len(fresh)))
        if len(chosen) < count:
            chosen += rng.sample(seen, count - len(chosen))
    rng.shuffle(chosen)
    return chosen


def build_snapshot(quiz, questions, course_id, rng):
    items = []
    for q in questions:
        choices = [{"id": c.id, "text": c.text, "correct": c.is_correct} for c in q.choices.all()]
        if quiz.shuffle_choices and q.type != "true_false":
            rng.shuffle(choices)
        items.append(
            {"id": q.id, "key": q.key, "type": q.type, "stem": q.stem, "explanation": q.explanation, "choices": choices}
        )
    return {
        "quiz_id": quiz.id,
        "course_id": course_id,
        "pass_mark": quiz.pass_mark,
        "review_policy": quiz.review_policy,
        "questions": items,
    }


def attempt_start(*, user, quiz, now=None, rng=None):
    """Return the learner's open attempt for ``quiz``, starting one if allowed."""
    now = now or timezone.now()
    rng = rng or _sysrandom
    course_id = _course_id_for(quiz)
    _check_enrolled(user, course_id)
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS).first()
    if open_attempt:
        if not is_expired(open_attempt, now):
            return open_attempt
        attempt_finalize(attempt_id=open_attempt.pk, now=now)
    prior = list(
        Attempt.objects.filter(user=user, quiz=quiz)
        .order_by("-number")
        .only("id", "number", "passed", "submitted_at", "snapshot")
    )
    reason = start_rules(quiz, prior, now)
    if reason:
        raise AttemptNotAllowed(reason)
    pool = list(Question.objects.filter(quiz=quiz, active=True).prefetch_related("choices"))
    if not pool:
        raise QuizError("This quiz has no questions yet.")
    previous_ids = {q["id"] for q in prior[0].snapshot["questions"]} if prior else set()
    questions = draw_questions(pool, quiz.questions_per_attempt, previous_ids, rng)
    limit = quiz.time_limit
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=(prior[0].number + 1) if prior else 1,
                snapshot=build_snapshot(quiz, questions, course_id, rng),
                started_at=now,
                deadline=now + limit if limit else None,
            )
    except IntegrityError:
        # A concurrent request (double click) started it first: resume that one.
        existing = Attempt.objects.filter(user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS).first()
        if existing is None:
            raise
        return existing


def _locked_attempt(user, attempt_id):
    """The attempt row, locked; DoesNotExist for anyone but its owner."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
    attempt.user = user  # spare a query when completion needs the user
    return attempt


def answer_save(*, user, attempt_id, question_id, choice_ids, now=None):
    """Autosave one question's selection. Raises Attempt.DoesNotExist for a
    foreign attempt, AttemptClosed once finalised or out of time."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user, attempt_id)
        if not attempt.is_open:
            raise AttemptClosed("This attempt has been submitted; its answers can no longer change.")
        if is_expired(attempt, now):
            raise AttemptClosed("Time is up for this attempt; answers saved before the deadline will be graded.")
        qid, ids = parse_selection(index_snapshot(attempt.snapshot), question_id, choice_ids)
        AttemptAnswer.objects.bulk_create(
            [AttemptAnswer(attempt=attempt, question_id=qid, choice_ids=ids, saved_at=now)],
            update_conflicts=True,
            unique_fields=["attempt", "question_id"],
            update_fields=["choice_ids", "saved_at"],
        )
    return qid, ids


def _finalize_locked(attempt, answers, now, timed_out):
    result = grade(attempt.snapshot, answers, attempt.snapshot["pass_mark"])
    attempt.status = AttemptStatus.GRADED
    attempt.submitted_at = now
    attempt.score = result.score
    attempt.passed = result.passed
    attempt.results = result.as_json()
    attempt.timed_out = timed_out
    attempt.save(update_fields=["status", "submitted_at", "score", "passed", "results", "timed_out"])
    quiz_statistics_schedule(quiz_id=attempt.quiz_id)  # debounced, after commit
    if result.passed:
        from courses.services import course_completion_check

        course_completion_check(user=attempt.user, course_id=attempt.snapshot["course_id"], now=now)
    return attempt


def _saved_answers(attempt):
    return dict(AttemptAnswer.objects.filter(attempt=attempt).values_list("question_id", "choice_ids"))


def attempt_submit(*, user, attempt_id, form_items, now=None):
    """Finalise an attempt from the submitted form. Returns (attempt, graded_now).

    A replay of an already graded attempt returns it unchanged with
    graded_now False. After the deadline plus grace only the answers saved
    in time count; before it, the form must answer every question.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user, attempt_id)
        if not attempt.is_open:
            return attempt, False
        if is_expired(attempt, now):
            return _finalize_locked(attempt, _saved_answers(attempt), now, timed_out=True), True
        answers = parse_form(attempt.snapshot, form_items)
        time_is_up = attempt.deadline is not None and now >= attempt.deadline
        missing = unanswered(attempt.snapshot, answers)
        if missing and not time_is_up:
            raise IncompleteSubmission(missing)
        if answers:
            AttemptAnswer.objects.bulk_create(
                [AttemptAnswer(attempt=attempt, question_id=q, choice_ids=c, saved_at=now) for q, c in answers.items()],
                update_conflicts=True,
                unique_fields=["attempt", "question_id"],
                update_fields=["choice_ids", "saved_at"],
            )
        return _finalize_locked(attempt, answers, now, timed_out=False), True


def attempt_finalize(*, attempt_id, now=None):
    """Grade an open attempt from its saved answers (time limit expiry)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("user").get(pk=attempt_id)
        if not attempt.is_open:
            return attempt
        return _finalize_locked(attempt, _saved_answers(attempt), now, timed_out=True)


def finalize_expired_attempts(*, now=None):
    now = now or timezone.now()
    ids = list(
        Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now - grace_period()).values_list(
            "id", flat=True
        )
    )
    for attempt_id in ids:
        attempt_finalize(attempt_id=attempt_id, now=now)
    return len(ids)


__all__ = [
    "AttemptClosed",
    "AttemptNotAllowed",
    "IncompleteSubmission",
    "InvalidAnswer",
    "QuizError",
    "answer_save",
    "attempt_finalize",
    "attempt_start",
    "attempt_submit",
    "finalize_expired_attempts",
]
