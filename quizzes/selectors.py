"""Reads for quiz pages. Correctness data leaves the snapshot only through
``attempt_review``, and only for a graded attempt whose policy allows it."""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from . import hooks, rules
from .models import Attempt, AttemptAnswer, AttemptGrant, AttemptStatus, Question, Quiz, ReviewPolicy


def attempt_for_owner(*, user, attempt_id):
    """Raises Attempt.DoesNotExist for anyone but the owner (views turn it into 404)."""
    return Attempt.objects.select_related("quiz", "quiz__module").get(pk=attempt_id, user=user)


def _hint(question):
    """How to answer, unless the stem already says it."""
    if question["type"] == "multiple" and "select all" not in question["stem"].lower():
        return "Select all that apply."
    return ""


def attempt_questions(*, attempt):
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


def questions_with_selection(*, snapshot: dict, selections: dict) -> list:
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


def review_level(*, attempt, quiz_passed: bool) -> str:
    """``rules.REVIEW_FULL``, ``REVIEW_WRONG_ITEMS`` or ``REVIEW_NONE``, by the
    policy frozen in the attempt's snapshot."""
    policy = attempt.snapshot.get("review_policy", ReviewPolicy.ALWAYS)
    return rules.review_level(policy, graded=attempt.status == AttemptStatus.GRADED, quiz_passed=quiz_passed)


def review_allowed(*, attempt, quiz_passed: bool) -> bool:
    """May the learner see the full answer key for this attempt?"""
    return review_level(attempt=attempt, quiz_passed=quiz_passed) == rules.REVIEW_FULL


def attempt_review(*, attempt, level: str = rules.REVIEW_FULL) -> list:
    """Per-question review of a graded attempt. The full level shows what was
    chosen, what was right and why; the wrong-items level shows only whether
    each item was answered correctly (no choice marked right, no explanation,
    since either would give the key away)."""
    results = attempt.results or {}
    full = level == rules.REVIEW_FULL
    review = []
    host = hooks.host()
    for number, q in enumerate(attempt.snapshot["questions"], start=1):
        outcome = results.get(str(q["id"]), {"correct": False, "selected": []})
        selected = set(outcome["selected"])
        review.append(
            {
                "number": number,
                "stem": q["stem"],
                "type": q["type"],
                "correct": outcome["correct"],
                "explanation": q["explanation"] if full else "",
                # Where the keyed fact comes from: shown with the explanation only.
                "citations": host.citations(keys=q.get("sources", [])) if full else [],
                "choices": [
                    {"text": c["text"], "selected": c["id"] in selected, "correct": c["correct"] if full else None}
                    for c in q["choices"]
                ],
            }
        )
    return review


def extra_attempts(*, user, quiz) -> int:
    """Attempts editors granted this learner on top of the quiz's limit (no
    query for a quiz without a limit)."""
    if not quiz.max_attempts:
        return 0
    return AttemptGrant.objects.filter(user=user, quiz=quiz).aggregate(n=Sum("extra_attempts"))["n"] or 0


def _attempts(user, quiz):
    return list(Attempt.objects.filter(user=user, quiz=quiz).order_by("-number").defer("snapshot", "results"))


def _decision(*, user, quiz, course_id, attempts, extra, now):
    refusal = hooks.host().refusal(user=user, course_id=course_id)
    return rules.start_decision(quiz, refusal=refusal, attempts=attempts, now=now, extra_attempts=extra)


def quiz_next_action(*, user, quiz, course_id, now=None):
    """May this learner start an attempt now? (see ``rules.start_decision``)"""
    now = now or timezone.now()
    extra = extra_attempts(user=user, quiz=quiz)
    return _decision(user=user, quiz=quiz, course_id=course_id, attempts=_attempts(user, quiz), extra=extra, now=now)


def quiz_overview(*, user, quiz, course_id, now=None):
    """The start page: rules, this learner's attempts, and what they may do next."""
    now = now or timezone.now()
    attempts = _attempts(user, quiz)
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    extra = extra_attempts(user=user, quiz=quiz)
    return {
        "attempts": attempts,
        "best_score": max((a.score for a in graded), default=None),
        "decision": _decision(user=user, quiz=quiz, course_id=course_id, attempts=attempts, extra=extra, now=now),
        "attempts_allowed": rules.attempts_allowed(quiz, extra),
        "pool_size": Question.objects.filter(quiz=quiz, active=True).count(),
    }


def passed_quiz_ids(*, user, quiz_ids) -> frozenset:
    """Which of ``quiz_ids`` this learner has passed (one query, none if empty)."""
    if not quiz_ids:
        return frozenset()
    return frozenset(
        Attempt.objects.filter(user=user, quiz_id__in=quiz_ids, passed=True).values_list("quiz_id", flat=True)
    )


def export_quiz_attempts(*, user):
    """The learner's data export (registered with accounts in QuizzesConfig.ready)."""
    return [
        {
            "quiz": a.quiz.title,
            "number": a.number,
            "status": a.status,
            "started_at": a.started_at.isoformat(),
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
            "score": str(a.score) if a.score is not None else None,
            "passed": a.passed,
            "answers": {str(qid): ids for qid, ids in a.answers.values_list("question_id", "choice_ids")},
        }
        for a in Attempt.objects.filter(user=user).select_related("quiz").order_by("started_at")
    ]


def user_has_passed(*, user, quiz_id: int) -> bool:
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
