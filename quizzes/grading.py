"""Pure grading: from an attempt's snapshot and the learner's selections to a
result. No database access, so it is tested on its own.

Rule: every question is worth one point and is correct only when the set of
selected choices equals the set of correct choices. For select-all-that-apply
items this is all-or-nothing: no partial credit, so guessing every option
never earns a point. Unanswered questions score zero.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    correct: bool
    selected: tuple
    correct_choice_ids: tuple


@dataclass(frozen=True)
class GradeResult:
    score: Decimal  # percentage, two decimals
    passed: bool
    correct_count: int
    question_count: int
    questions: tuple

    def as_json(self):
        return {str(q.question_id): {"correct": q.correct, "selected": list(q.selected)} for q in self.questions}


def grade(snapshot, answers, pass_mark):
    """``snapshot`` is ``{"questions": [{"id", "choices": [{"id", "correct"}]}]}``;
    ``answers`` maps question id to an iterable of selected choice ids."""
    results = []
    for question in snapshot["questions"]:
        correct_ids = tuple(sorted(c["id"] for c in question["choices"] if c["correct"]))
        selected = tuple(sorted(set(answers.get(question["id"], ()))))
        results.append(
            QuestionResult(
                question_id=question["id"],
                correct=bool(selected) and selected == correct_ids,
                selected=selected,
                correct_choice_ids=correct_ids,
            )
        )
    total = len(results)
    right = sum(1 for r in results if r.correct)
    score = (Decimal(100 * right) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal(0)
    return GradeResult(
        score=score,
        passed=score >= Decimal(pass_mark),
        correct_count=right,
        question_count=total,
        questions=tuple(results),
    )
