"""Reads for quiz pages. Correctness data leaves the snapshot only through
``attempt_review``, and only for a graded attempt whose policy allows it."""

from collections import defaultdict

from django.utils import timezone

from .models import Attempt, AttemptAnswer, AttemptStatus, Question, Quiz, ReviewPolicy
from .services import start_decision


def attempt_for_owner(*, user, attempt_id):
    """Raises Attempt.DoesNotExist for anyone but the owner (views turn it into 404)."""
    return Attempt.objects.select_related("quiz", "quiz__module").get(pk=attempt_id, user=user)


def _hint(question):
    """How to answer, unless the stem already says it."""
    if question["type"] == "multiple" and "select all" not in question["stem"].lower():
        return "Select all that apply."
    return ""


def attempt_questions(attempt):
    """The questions as the learner sees them while answering: stems, choice
    ids and texts, and their saved selections. No correctness, no explanation."""
    saved = dict(AttemptAnswer.objects.filter(attempt=attempt).values_list("question_id", "choice_ids"))
    return [
        {
            "id": q["id"],
            "number": number,
            "type": q["type"],
            "stem": q["stem"],
            "hint": _hint(q),
            "choices": [
                {"id": c["id"], "text": c["text"], "selected": c["id"] in saved.get(q["id"], ())} for c in q["choices"]
            ],
        }
        for number, q in enumerate(attempt.snapshot["questions"], start=1)
    ]


def questions_with_selection(snapshot, selections):
    """Like ``attempt_questions`` but from in-memory selections (a refused submit)."""
    return [
        {
            "id": q["id"],
            "number": number,
            "type": q["type"],
            "stem": q["stem"],
            "hint": _hint(q),
            "missing": not selections.get(q["id"]),
            "choices": [
                {"id": c["id"], "text": c["text"], "selected": c["id"] in selections.get(q["id"], ())}
                for c in q["choices"]
            ],
        }
        for number, q in enumerate(snapshot["questions"], start=1)
    ]


def review_allowed(attempt, user_has_passed):
    policy = attempt.snapshot.get("review_policy", ReviewPolicy.ALWAYS)
    if attempt.status != AttemptStatus.GRADED or policy == ReviewPolicy.NEVER:
        return False
    return policy == ReviewPolicy.ALWAYS or user_has_passed


def attempt_review(attempt):
    """Per-question review of a graded attempt: what was chosen, what was right, why."""
    results = attempt.results or {}
    review = []
    for number, q in enumerate(attempt.snapshot["questions"], start=1):
        outcome = results.get(str(q["id"]), {"correct": False, "selected": []})
        selected = set(outcome["selected"])
        review.append(
            {
                "number": number,
                "stem": q["stem"],
                "type": q["type"],
                "correct": outcome["correct"],
                "explanation": q["explanation"],
                "choices": [
                    {"text": c["text"], "selected": c["id"] in selected, "correct": c["correct"]} for c in q["choices"]
                ],
            }
        )
    return review


def _attempts(user, quiz):
    return list(Attempt.objects.filter(user=user, quiz=quiz).order_by("-number").defer("snapshot", "results"))


def _enrolled(user, course_id):
    from courses.models import Enrolment

    return Enrolment.objects.filter(user=user, course_id=course_id).exists()


def quiz_next_action(*, user, quiz, course_id, now=None):
    """May this learner start an attempt now? (see ``services.start_decision``)"""
    now = now or timezone.now()
    return start_decision(quiz, enrolled=_enrolled(user, course_id), attempts=_attempts(user, quiz), now=now)


def quiz_overview(*, user, quiz, course_id, now=None):
    """The start page: rules, this learner's attempts, and what they may do next."""
    now = now or timezone.now()
    attempts = _attempts(user, quiz)
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    return {
        "attempts": attempts,
        "best_score": max((a.score for a in graded), default=None),
        "decision": start_decision(quiz, enrolled=_enrolled(user, course_id), attempts=attempts, now=now),
        "pool_size": Question.objects.filter(quiz=quiz, active=True).count(),
    }


def user_has_passed(user, quiz_id):
    return Attempt.objects.filter(user=user, quiz_id=quiz_id, passed=True).exists()


def quiz_report(quiz):
    """Attempts, pass rate and per-question percent correct (item analysis)."""
    graded = Attempt.objects.filter(quiz=quiz, status=AttemptStatus.GRADED)
    total = graded.count()
    passed = graded.filter(passed=True).count()
    shown = defaultdict(int)
    right = defaultdict(int)
    for results in graded.values_list("results", flat=True).iterator(chunk_size=2000):
        for qid, outcome in (results or {}).items():
            shown[int(qid)] += 1
            right[int(qid)] += 1 if outcome.get("correct") else 0
    items = [
        {
            "question": q,
            "shown": shown.get(q.id, 0),
            "correct": right.get(q.id, 0),
            "percent": round(100 * right[q.id] / shown[q.id], 1) if shown.get(q.id) else None,
        }
        for q in Question.objects.filter(quiz=quiz).order_by("sort_order", "pk")
    ]
    return {
        "quiz": quiz,
        "attempts": total,
        "passed": passed,
        "pass_rate": round(100 * passed / total, 1) if total else None,
        "items": items,
    }


def quizzes_for_report():
    return Quiz.objects.select_related("module", "course").order_by("pk")
