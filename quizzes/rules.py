"""Attempt rules that need no database: who may start, which questions are
drawn, what an attempt records, when its time is up.

Beside ``grading.py`` and ``answers.py``: plain values in, plain values out,
so every rule can be tested without a request or a row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

# Draws and shuffles that learners cannot predict.
system_random = random.SystemRandom()

MSG_ALREADY_PASSED = "You have already passed this quiz."
MSG_ASK_FOR_ATTEMPT = (
    "If you need another attempt, contact the provider's CE administrator (the course page's disclosures say "
    "how): an editor can grant one after reviewing your situation."
)


def attempts_allowed(quiz, extra_attempts: int = 0) -> int | None:
    """How many graded attempts this learner may have in all (None: no limit)."""
    return quiz.max_attempts + extra_attempts if quiz.max_attempts else None


def start_refusal(quiz, prior_attempts, now: datetime, extra_attempts: int = 0) -> str | None:
    """Why a new attempt may not start now, or None. ``prior_attempts`` are
    this learner's graded attempts, newest first; ``extra_attempts`` are what
    editors granted on top of the quiz's limit."""
    if any(a.passed for a in prior_attempts):
        return MSG_ALREADY_PASSED
    allowed = attempts_allowed(quiz, extra_attempts)
    if allowed is not None and len(prior_attempts) >= allowed:
        return f"You have used all {allowed} attempts allowed for this quiz. {MSG_ASK_FOR_ATTEMPT}"
    if quiz.wait_minutes and prior_attempts and prior_attempts[0].submitted_at:
        ready_at = prior_attempts[0].submitted_at + timedelta(minutes=quiz.wait_minutes)
        if now < ready_at:
            minutes = max(1, int((ready_at - now).total_seconds() // 60) + 1)
            return f"You can start another attempt in about {minutes} minute{'s' if minutes != 1 else ''}."
    return None


@dataclass(frozen=True)
class StartDecision:
    """What the quiz and result pages offer next. ``action`` is one of
    "enrol", "resume", "passed", "blocked" or "start"; only "start" shows a
    button that starts an attempt, so no page offers one that would be refused."""

    action: str
    reason: str = ""
    open_attempt_id: int | None = None

    @property
    def can_start(self):
        return self.action == "start"


MSG_PASSED = "You have passed this quiz."


def start_decision(quiz, *, refusal: str | None, attempts, now: datetime, extra_attempts: int = 0) -> StartDecision:
    """Whether this learner may start an attempt now, and if not, why: the one
    place the pages ask; ``attempt_start`` applies the same rules.
    ``refusal`` is the host's reason the learner may not take the course's
    quizzes at all (not enrolled); ``attempts`` are all of the learner's
    attempts at ``quiz``, newest first."""
    if refusal:
        return StartDecision("enrol", refusal)
    open_attempt = next(
        (a for a in attempts if a.status == "in_progress" and not is_expired(a.deadline, now)), None
    )
    if open_attempt:
        return StartDecision("resume", open_attempt_id=open_attempt.pk)
    graded = [a for a in attempts if a.status == "graded"]
    if any(a.passed for a in graded):
        return StartDecision("passed", MSG_PASSED)
    reason = start_refusal(quiz, graded, now, extra_attempts)
    if reason:
        return StartDecision("blocked", reason)
    return StartDecision("start")


def draw_questions(pool, count: int, previous_ids, rng):
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


def source_keys(source: str) -> list[str]:
    """An item's ``source`` field as bibliography keys ("a; b" lists several)."""
    return [key.strip() for key in source.split(";") if key.strip()]


def build_snapshot(quiz, questions, course_id: int | None, rng) -> dict:
    """What an attempt records of its quiz: later edits to the quiz or its
    items never change an attempt already started or graded."""
    items = []
    for q in questions:
        choices = [{"id": c.id, "text": c.text, "correct": c.is_correct} for c in q.choices.all()]
        if quiz.shuffle_choices and q.type != "true_false":
            rng.shuffle(choices)
        items.append(
            {
                "id": q.id,
                "key": q.key,
                "type": q.type,
                "stem": q.stem,
                "explanation": q.explanation,
                "sources": source_keys(q.source),
                "choices": choices,
            }
        )
    return {
        "quiz_id": quiz.id,
        "course_id": course_id,
        "pass_mark": quiz.pass_mark,
        "review_policy": quiz.review_policy,
        "questions": items,
    }


def grace_period() -> timedelta:
    """Slack after a deadline for a submit still on the network (a setting)."""
    return timedelta(seconds=getattr(settings, "QUIZ_TIME_GRACE_SECONDS", 30))


REVIEW_FULL, REVIEW_WRONG_ITEMS, REVIEW_NONE = "full", "wrong_items", "none"


def review_level(policy: str, *, graded: bool, quiz_passed: bool) -> str:
    """How much of a graded attempt its learner may see: the full key
    (choices marked, explanations), only which items were missed, or nothing."""
    if not graded or policy == "never":
        return REVIEW_NONE
    if policy == "always" or quiz_passed:
        return REVIEW_FULL
    if policy == "wrong_items":
        return REVIEW_WRONG_ITEMS
    return REVIEW_NONE


def is_expired(deadline: datetime | None, now: datetime, grace: timedelta | None = None) -> bool:
    """Past the deadline plus the grace that covers a slow network on submit."""
    grace = grace_period() if grace is None else grace
    return deadline is not None and now > deadline + grace
