"""Writes for quiz attempts: start, autosave, submit, and time-limit expiry.

Every function validates fully before it writes, so a refused request
changes nothing. Finalisation locks the attempt row, so a double click,
a replayed POST or two tabs give exactly one grade.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, Conflict, InvalidInput, NotAllowed

from . import hooks, rules, selectors
from .answers import InvalidAnswer, index_snapshot, parse_form, parse_selection, unanswered
from .grading import grade
from .models import Attempt, AttemptAnswer, AttemptGrant, AttemptStatus, Question
from .statistics_services import quiz_statistics_schedule


class QuizError(ApplicationError):
    """Any refused quiz action."""


class NoQuestions(QuizError, InvalidInput):
    pass


class AttemptNotAllowed(QuizError, NotAllowed):
    pass


class AttemptClosed(QuizError, Conflict):
    pass


class InvalidGrant(QuizError, InvalidInput):
    pass


class IncompleteSubmission(QuizError, InvalidInput):
    def __init__(self, missing):
        self.missing = missing
        count = len(missing)
        super().__init__(
            f"Answer every question before submitting: {count} question{'s are' if count != 1 else ' is'} unanswered.",
            extra={"missing": list(missing)},
        )


def attempt_start(*, user, quiz, now: datetime | None = None, rng=None) -> Attempt:
    """Return the learner's open attempt for ``quiz``, starting one if allowed."""
    now = now or timezone.now()
    rng = rng or rules.system_random
    host = hooks.host()
    course_id = host.course_for(quiz).id
    refusal = host.refusal(user=user, course_id=course_id)
    if refusal:
        raise AttemptNotAllowed(refusal)
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS).first()
    if open_attempt:
        if not rules.is_expired(open_attempt.deadline, now):
            return open_attempt
        attempt_finalize(attempt_id=open_attempt.pk, now=now)
    prior = list(
        Attempt.objects.filter(user=user, quiz=quiz)
        .order_by("-number")
        .only("id", "number", "passed", "submitted_at", "snapshot")
    )
    # Grants only matter where the quiz limits attempts (saves a query otherwise).
    extra = selectors.extra_attempts(user=user, quiz=quiz) if quiz.max_attempts else 0
    reason = rules.start_refusal(quiz, prior, now, extra)
    if reason:
        raise AttemptNotAllowed(reason)
    pool = list(Question.objects.filter(quiz=quiz, active=True).prefetch_related("choices"))
    if not pool:
        raise NoQuestions("This quiz has no questions yet.")
    previous_ids = {q["id"] for q in prior[0].snapshot["questions"]} if prior else set()
    questions = rules.draw_questions(pool, quiz.questions_per_attempt, previous_ids, rng)
    limit = quiz.time_limit
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=(prior[0].number + 1) if prior else 1,
                snapshot=rules.build_snapshot(quiz, questions, course_id, rng),
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


def answer_save(*, user, attempt_id: int, question_id, choice_ids, now: datetime | None = None):
    """Autosave one question's selection. Raises Attempt.DoesNotExist for a
    foreign attempt, AttemptClosed once finalised or out of time."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user, attempt_id)
        if not attempt.is_open:
            raise AttemptClosed("This attempt has been submitted; its answers can no longer change.")
        if rules.is_expired(attempt.deadline, now):
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
        hooks.host().attempt_passed(user=attempt.user, course_id=attempt.snapshot["course_id"], now=now)
    return attempt


def _saved_answers(attempt):
    return dict(AttemptAnswer.objects.filter(attempt=attempt).values_list("question_id", "choice_ids"))


def attempt_submit(*, user, attempt_id: int, form_items, now: datetime | None = None) -> tuple[Attempt, bool]:
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
        if rules.is_expired(attempt.deadline, now):
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


def attempt_finalize(*, attempt_id: int, now: datetime | None = None) -> Attempt:
    """Grade an open attempt from its saved answers (time limit expiry)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("user").get(pk=attempt_id)
        if not attempt.is_open:
            return attempt
        return _finalize_locked(attempt, _saved_answers(attempt), now, timed_out=True)


def attempt_grant(*, user, quiz, granted_by, reason: str, extra_attempts: int = 1, now: datetime | None = None):
    """Allow ``user`` more attempts at ``quiz`` than its limit; the row is the
    audit record (who, when, why)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidGrant("Say why this learner gets another attempt; the reason is kept for audit.")
    if not quiz.max_attempts:
        raise InvalidGrant("This quiz allows unlimited attempts; there is nothing to grant.")
    if Attempt.objects.filter(user=user, quiz=quiz, passed=True).exists():
        raise InvalidGrant("This learner has already passed this quiz.")
    return AttemptGrant.objects.create(
        user=user,
        quiz=quiz,
        extra_attempts=extra_attempts,
        reason=reason,
        granted_by=granted_by,
        granted_at=now or timezone.now(),
    )


def finalize_expired_attempts(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(
        Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now - rules.grace_period()).values_list(
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
