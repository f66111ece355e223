"""The pure grading function: no database."""

from decimal import Decimal

from quizzes.grading import grade

SNAPSHOT = {
    "questions": [
        {"id": 1, "type": "single", "choices": [{"id": 11, "correct": True}, {"id": 12, "correct": False}]},
        {"id": 2, "type": "true_false", "choices": [{"id": 21, "correct": False}, {"id": 22, "correct": True}]},
        {
            "id": 3,
            "type": "multiple",
            "choices": [{"id": 31, "correct": True}, {"id": 32, "correct": True}, {"id": 33, "correct": False}],
        },
        {"id": 4, "type": "single", "choices": [{"id": 41, "correct": False}, {"id": 42, "correct": True}]},
    ]
}


def test_all_correct_scores_100_and_passes():
    result = grade(SNAPSHOT, {1: [11], 2: [22], 3: [31, 32], 4: [42]}, pass_mark=75)
    assert result.score == Decimal("100.00")
    assert result.passed and result.correct_count == 4 and result.question_count == 4


def test_select_all_is_all_or_nothing():
    partial = grade(SNAPSHOT, {3: [31]}, 75).questions[2]
    too_many = grade(SNAPSHOT, {3: [31, 32, 33]}, 75).questions[2]
    exact = grade(SNAPSHOT, {3: [32, 31]}, 75).questions[2]
    assert (partial.correct, too_many.correct, exact.correct) == (False, False, True)


def test_unanswered_questions_score_zero():
    result = grade(SNAPSHOT, {1: [11]}, pass_mark=75)
    assert result.score == Decimal("25.00")
    assert [q.correct for q in result.questions] == [True, False, False, False]
    assert result.questions[1].selected == ()


def test_pass_mark_is_inclusive_and_rounding_is_half_up():
    three_of_four = grade(SNAPSHOT, {1: [11], 2: [22], 3: [31, 32]}, pass_mark=75)
    assert three_of_four.score == Decimal("75.00") and three_of_four.passed
    two_of_three = grade({"questions": SNAPSHOT["questions"][:3]}, {1: [11], 2: [22]}, pass_mark=67)
    assert two_of_three.score == Decimal("66.67") and not two_of_three.passed


def test_duplicate_selections_count_once_and_result_serialises():
    result = grade(SNAPSHOT, {1: [11, 11]}, pass_mark=75)
    assert result.questions[0].correct
    assert result.as_json()["1"] == {"correct": True, "selected": [11]}


def test_empty_snapshot_scores_zero_without_dividing_by_zero():
    result = grade({"questions": []}, {}, pass_mark=75)
    assert result.score == Decimal(0) and not result.passed
