"""Reads for quiz pages. Correctness data leaves the snapshot only through
``attempt_review``, and only for a graded attempt whose policy allows it."""

from django.db.models import Count, Q
from django.utils import timezone

from .models import Attempt, AttemptAnswer, AttemptStatus, Question, Quiz, ReviewPolicy
from .services import is_expired, start_rules


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


def quiz_overview(*, user, quiz, now=None):
    """The start page: rules, this learner's attempts, and whether they may start."""
    now = now or timezone.now()
    attempts = list(Attempt.objects.filter(user=user, quiz=quiz).order_by("-number").defer("snapshot", "results"))
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS and not is_expired(a, now)), None)
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    return {
        "attempts": attempts,
        "open_attempt": open_attempt,
        "passed": any(a.passed for a in graded),
        "best_score": max((a.score for a in graded), default=None),
        "blocked_reason": None if open_attempt else start_rules(quiz, graded, now),
        "pool_size": Question.objects.filter(quiz=quiz, active=True).count(),
    }


def user_has_passed(user, quiz_id):
    return Attempt.objects.filter(user=user, quiz_id=quiz_id, passed=True).exists()


def quiz_pass_rates():
    """Every quiz with its graded attempts, passes and pass rate: one
    aggregate query, so the list stays fast however many attempts there are."""
    graded = Q(attempts__status=AttemptStatus.GRADED)
    quizzes = (
        Quiz.objects.select_related("module", "course")
        .annotate(
            graded=Count("attempts", filter=graded), passes=Count("attempts", filter=graded & Q(attempts__passed=True))
        )
        .order_by("pk")
    )
    return [
        {
            "quiz": q,
            "attempts": q.graded,
            "passed": q.passes,
            "pass_rate": round(100 * q.passes / q.graded, 1) if q.graded else None,
        }
        for q in quizzes
    ]
