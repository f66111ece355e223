"""Computing and storing a quiz's item-analysis report.

``quiz_statistics_refresh`` reads every graded attempt's results (never the
bulky snapshots), builds the mark matrix and the choice selections, runs the
pure functions of ``quizzes.statistics`` and stores one JSON report per quiz.
``quiz_statistics_schedule`` is called when an attempt is graded: the first
call in a window enqueues one refresh ``QUIZ_STATISTICS_DEBOUNCE_SECONDS``
later, so a burst of submissions costs one computation, not one each.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from .models import Attempt, AttemptStatus, Choice, Question, Quiz, QuizStatistics
from .queue import enqueue_statistics_refresh
from .statistics import compute_statistics, distractor_counts, item_flags, objective_mastery

MASTERY_THRESHOLD = 0.75
logger = logging.getLogger(__name__)


def debounce_seconds() -> int:
    return getattr(settings, "QUIZ_STATISTICS_DEBOUNCE_SECONDS", 60)


def _pending_key(quiz_id: int) -> str:
    return f"quiz-statistics-pending:{quiz_id}"


def quiz_statistics_schedule(*, quiz_id: int) -> bool:
    """Enqueue one refresh after the current transaction commits, unless one
    is already waiting for this quiz. Returns whether it enqueued."""
    delay = debounce_seconds()
    try:
        if not cache.add(_pending_key(quiz_id), 1, timeout=delay + 300):
            return False
    except Exception:  # noqa: BLE001 - cache down: never fail a grading for it; the sweep catches up
        logger.warning("quiz statistics: cache unavailable, refresh of quiz %s left to the sweep", quiz_id)
        return False

    def enqueue():
        try:
            enqueue_statistics_refresh(quiz_id, countdown=delay)
        except Exception:  # noqa: BLE001 - broker down: the periodic sweep catches up
            cache.delete(_pending_key(quiz_id))

    transaction.on_commit(enqueue)
    return True


def _build(quiz: Quiz):
    """Read what the report needs; returns the inputs of the pure functions."""
    questions = list(Question.objects.filter(quiz=quiz).select_related("objective").order_by("sort_order", "pk"))
    choices = {}
    for c in Choice.objects.filter(question__quiz=quiz).order_by("question_id", "sort_order", "pk"):
        choices.setdefault(c.question_id, []).append(c)
    column = {q.id: j for j, q in enumerate(questions)}
    n_items = len(questions)
    rows, selections, scores, users = [], [], [], []
    last_id = 0
    attempts = (
        Attempt.objects.filter(quiz=quiz, status=AttemptStatus.GRADED)
        .order_by("id")
        .values_list("id", "user_id", "results")
    )
    for attempt_id, user_id, results in attempts.iterator(chunk_size=5000):
        row = [None] * n_items
        picked = {}
        total = shown = 0
        for qid_text, outcome in (results or {}).items():
            j = column.get(int(qid_text))
            if j is None:
                continue  # an item deleted since: it no longer has a row to report on
            mark = 1 if outcome.get("correct") else 0
            row[j] = mark
            total += mark
            shown += 1
            picked[int(qid_text)] = outcome.get("selected") or ()
        rows.append(row)
        selections.append(picked)
        scores.append(total / shown if shown else 0.0)
        users.append(user_id)
        last_id = attempt_id
    return questions, choices, rows, selections, scores, users, last_id


def quiz_statistics_compute(*, quiz: Quiz) -> tuple[dict, int, int]:
    """The report as JSON-ready data, the attempt count and the newest attempt id."""
    questions, choices, rows, selections, scores, users, last_id = _build(quiz)
    result = compute_statistics(rows, max_marks=[1.0] * len(questions))
    counts = distractor_counts(selections, scores, {q.id: [c.id for c in choices.get(q.id, [])] for q in questions})
    del selections

    # Mastery: each learner's latest attempt, marks grouped by objective.
    latest_row = {}
    for i, user_id in enumerate(users):
        latest_row[user_id] = i  # rows are in id order, so the last one wins
    learner_marks = {}
    for user_id, i in latest_row.items():
        per_objective = {}
        for j, mark in enumerate(rows[i]):
            if mark is not None and questions[j].objective_id:
                per_objective.setdefault(questions[j].objective.key, []).append(mark)
        learner_marks[user_id] = per_objective
    mastery = objective_mastery(learner_marks, threshold=MASTERY_THRESHOLD)
    objective_text = {q.objective.key: q.objective.text for q in questions if q.objective_id}

    items = []
    for q, stats in zip(questions, result.items, strict=True):
        item_choices = choices.get(q.id, [])
        texts = {c.id: c.text for c in item_choices}
        correct = {c.id for c in item_choices if c.is_correct}
        by_id = {c.choice_id: c for c in counts.get(q.id, [])}
        flags = item_flags(stats, list(by_id.values()), correct, texts)
        items.append(
            {
                "question_id": q.id,
                "key": q.key,
                "stem": q.stem,
                "type": q.type,
                "active": q.active,
                "objective": q.objective.key if q.objective_id else "",
                **{k: v for k, v in stats.as_dict().items() if k != "index"},
                "flags": flags,
                "choices": [
                    {
                        "id": c.id,
                        "text": c.text,
                        "correct": c.is_correct,
                        "overall": by_id[c.id].overall if c.id in by_id else 0,
                        "top": by_id[c.id].top if c.id in by_id else 0,
                        "bottom": by_id[c.id].bottom if c.id in by_id else 0,
                    }
                    for c in item_choices
                ],
            }
        )
    report = {
        "quiz_id": quiz.id,
        "quiz_title": quiz.title,
        "attempts": len(rows),
        "learners": len(latest_row),
        "top_third": len(rows) // 3,
        "test": result.test.as_dict(),
        "items": items,
        "objectives": [{"key": key, "text": objective_text.get(key, ""), **values} for key, values in mastery.items()],
        "mastery_threshold": MASTERY_THRESHOLD,
    }
    return report, len(rows), last_id


def quiz_statistics_refresh(*, quiz_id: int) -> QuizStatistics:
    """Recompute and store one quiz's report (idempotent: the same attempts give the same row)."""
    cache.delete(_pending_key(quiz_id))  # attempts graded from now on schedule another run
    quiz = Quiz.objects.get(pk=quiz_id)
    started = time.perf_counter()
    report, attempts, last_id = quiz_statistics_compute(quiz=quiz)
    seconds = time.perf_counter() - started
    now = timezone.now()
    report["computed_at"] = now.isoformat()
    stored, _ = QuizStatistics.objects.update_or_create(
        quiz_id=quiz_id,
        defaults={
            "computed_at": now,
            "attempts": attempts,
            "last_attempt_id": last_id,
            "seconds": seconds,
            "report": report,
        },
    )
    return stored


def stale_quiz_ids() -> list[int]:
    """Quizzes with graded attempts newer than their stored report (for the sweep)."""
    # Count as well as the newest id: an older attempt graded late (a time-out)
    # does not raise the newest id but does change the count.
    current = {
        quiz_id: (count, newest)
        for quiz_id, count, newest in Attempt.objects.filter(status=AttemptStatus.GRADED)
        .values("quiz_id")
        .annotate(count=Count("id"), newest=Max("id"))
        .values_list("quiz_id", "count", "newest")
    }
    stored = {
        q: (n, last) for q, n, last in QuizStatistics.objects.values_list("quiz_id", "attempts", "last_attempt_id")
    }
    return sorted(q for q, figures in current.items() if stored.get(q) != figures)
