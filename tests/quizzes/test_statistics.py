"""The pure statistics: answers worked by hand, then cross-checks against an
independent computation (Python's statistics module, brute force over
pairings, textbook formulas written differently)."""

import itertools
import math
import random
import statistics as pystats

import pytest

from quizzes.statistics import (
    ChoiceCount,
    compute_statistics,
    distractor_counts,
    item_flags,
    objective_mastery,
    score_groups,
)

approx = pytest.approx

# Worked by hand (see the comments): four attempts, three 0/1 items in a
# perfect Guttman pattern, so every item is as efficient as it can be.
GUTTMAN = [
    [1, 1, 1],  # total 3
    [1, 1, 0],  # total 2
    [1, 0, 0],  # total 1
    [0, 0, 0],  # total 0
]


def test_item_statistics_worked_by_hand():
    items = compute_statistics(GUTTMAN).items
    # Item 1: x = 1,1,1,0 (mean .75); rest y = 2,1,0,0 (mean .75).
    # Sxx = .75 -> var .25, SD .5; Syy = 2.75 -> var 11/12; Sxy = .75 -> cov .25.
    # DI = 100 * .25 / sqrt(.25 * 11/12) = 52.22; sorted pairing gives the same cov -> DE 100.
    assert items[0].facility == 0.75 and items[0].sd == 0.5
    assert items[0].discrimination_index == approx(100 * 0.25 / math.sqrt(0.25 * 11 / 12))
    assert items[0].discrimination_index == approx(52.2233, abs=1e-4)
    assert items[0].discriminative_efficiency == approx(100)
    # Item 2: x = 1,1,0,0; y = 2,1,1,0: var x 1/3, var y 2/3, cov 1/3 -> DI 100/sqrt(2).
    assert items[1].facility == 0.5 and items[1].sd == approx(math.sqrt(1 / 3))
    assert items[1].discrimination_index == approx(100 / math.sqrt(2))
    # Item 3 mirrors item 1.
    assert items[2].facility == 0.25 and items[2].discrimination_index == approx(items[0].discrimination_index)
    # cov(x, T): .5, 2/3, .5 -> weights sqrt of each over their sum.
    roots = [math.sqrt(0.5), math.sqrt(2 / 3), math.sqrt(0.5)]
    assert [i.effective_weight for i in items] == approx([100 * r / sum(roots) for r in roots])
    assert [round(i.effective_weight, 2) for i in items] == [31.70, 36.60, 31.70]
    assert [i.attempts for i in items] == [4, 4, 4]


def test_test_statistics_worked_by_hand():
    test = compute_statistics(GUTTMAN).test
    # Totals 3,2,1,0: mean 1.5, median 1.5, sum of squared deviations 5 -> SD sqrt(5/3).
    assert (test.attempts, test.mean, test.median) == (4, 1.5, 1.5)
    assert test.sd == approx(math.sqrt(5 / 3))
    # Symmetric -> skewness 0. m2 = 1.25, m4 = 2.5625, k2 = 5/3,
    # k4 = 16 (5 * 2.5625 - 9 * 1.5625) / 6 = -10/3 -> kurtosis -10/3 / (25/9) = -1.2.
    assert test.skewness == approx(0, abs=1e-12) and test.kurtosis == approx(-1.2)
    # Item variances .25 + 1/3 + .25 = 5/6; alpha = 3/2 (1 - (5/6) / (5/3)) = .75 (KR-20 with
    # p q = .1875 + .25 + .1875 over population variance 1.25 gives the same .75).
    assert test.alpha == approx(75)
    # Error ratio 100 sqrt(1 - .75) = 50; standard error 50% of SD.
    assert test.error_ratio == approx(50) and test.standard_error == approx(0.5 * math.sqrt(5 / 3))


def test_a_reversed_item_gets_negative_discrimination_and_no_effective_weight():
    # Item 3 is right only for the weakest: the strongest get it wrong.
    matrix = [[1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]]
    items = compute_statistics(matrix).items
    assert items[2].discrimination_index < 0
    assert items[2].effective_weight is None
    assert sum(i.effective_weight for i in items[:2]) == approx(100)


def _independent_item(xs, ys):
    """Discrimination and efficiency from scratch: correlation by the
    statistics module, the maximum covariance by trying every pairing."""
    n = len(xs)
    di = 100 * pystats.correlation(xs, ys)
    cov = pystats.covariance(xs, ys)
    best = max(pystats.covariance(xs, list(p)) for p in set(itertools.permutations(ys)))
    return di, 100 * cov / best, pystats.stdev(xs), n


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cross_check_with_fractional_marks_against_an_independent_computation(seed):
    rng = random.Random(seed)
    # Seven attempts, four items with marks in steps of a quarter (partial credit).
    matrix = [[rng.choice([0, 0.25, 0.5, 0.75, 1]) for _ in range(4)] for _ in range(7)]
    result = compute_statistics(matrix)
    totals = [sum(r) for r in matrix]
    for j, item in enumerate(result.items):
        xs = [r[j] for r in matrix]
        ys = [t - x for t, x in zip(totals, xs, strict=True)]
        if pystats.pvariance(xs) == 0 or pystats.pvariance(ys) == 0:
            continue
        di, de, sd, n = _independent_item(xs, ys)
        assert item.facility == approx(pystats.mean(xs))
        assert item.sd == approx(sd)
        assert item.discrimination_index == approx(di)
        assert item.discriminative_efficiency == approx(de)
    # Cronbach's alpha, written the textbook way.
    k = 4
    item_vars = sum(pystats.variance([r[j] for r in matrix]) for j in range(k))
    alpha = k / (k - 1) * (1 - item_vars / pystats.variance(totals))
    assert result.test.alpha == approx(100 * alpha)
    # Skewness and kurtosis in the spreadsheet (SKEW, KURT) form, a different algebra.
    n, s = len(totals), pystats.stdev(totals)
    mean = pystats.mean(totals)
    skew = n / ((n - 1) * (n - 2)) * sum(((t - mean) / s) ** 3 for t in totals)
    kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum(((t - mean) / s) ** 4 for t in totals) - 3 * (
        n - 1
    ) ** 2 / ((n - 2) * (n - 3))
    assert result.test.skewness == approx(skew) and result.test.kurtosis == approx(kurt)
    assert result.test.median == approx(pystats.median(totals)) and result.test.sd == approx(s)


def test_kr20_for_zero_one_items():
    rng = random.Random(7)
    matrix = [[int(rng.random() < 0.3 + 0.1 * j + 0.05 * i % 0.4) for j in range(5)] for i in range(40)]
    result = compute_statistics(matrix)
    n, k = len(matrix), 5
    totals = [sum(r) for r in matrix]
    ps = [sum(r[j] for r in matrix) / n for j in range(k)]
    # KR-20 with sample variances (the n/(n-1) factors cancel against p q's).
    pq = sum(p * (1 - p) for p in ps) * n / (n - 1)
    kr20 = k / (k - 1) * (1 - pq / pystats.variance(totals))
    assert result.test.alpha == approx(100 * kr20)


def test_items_drawn_at_random_are_taken_over_the_attempts_that_saw_them():
    matrix = [
        [1, None, 0],
        [1, 1, None],
        [None, 0, 0],
        [0, 1, None],
        [1, None, 1],
    ]
    result = compute_statistics(matrix)
    assert [i.attempts for i in result.items] == [4, 3, 3]
    assert result.items[0].facility == 0.75 and result.items[1].facility == approx(2 / 3)
    # Item 1 against the rest of each attempt that saw it: x = 1,1,0,1; y = 0,1,1,1.
    assert result.items[0].discrimination_index == approx(100 * pystats.correlation([1, 1, 0, 1], [0, 1, 1, 1]))
    assert result.test.items_per_attempt == 2
    assert result.test.mean == approx(pystats.mean([1, 2, 0, 1, 2]))


def test_degenerate_inputs_give_none_not_errors():
    assert compute_statistics([]).test.mean is None
    one = compute_statistics([[1, 0]])
    assert one.items[0].sd is None and one.test.sd is None and one.test.alpha is None
    same = compute_statistics([[1, 1], [1, 1], [1, 1]])
    assert same.items[0].discrimination_index is None and same.test.alpha is None


# --- distractors, flags, mastery ------------------------------------------------------


def test_score_groups_are_thirds_by_score():
    top, bottom = score_groups([5, 1, 9, 3, 7, 2, 8])
    assert top == {2, 6} and bottom == {1, 5}  # floor(7/3) = 2 each


def test_distractor_counts_overall_and_by_thirds_including_unpicked_choices():
    scores = [9, 8, 7, 1, 2, 3]  # top third rows 0,1; bottom third rows 3,4
    selections = [{10: [100]}, {10: [100]}, {10: [101]}, {10: [102]}, {10: [102]}, {10: [100]}]
    counts = {c.choice_id: c for c in distractor_counts(selections, scores, {10: [100, 101, 102, 103]})[10]}
    assert counts[100] == ChoiceCount(100, overall=3, top=2, bottom=0)
    assert counts[102] == ChoiceCount(102, overall=2, top=0, bottom=2)
    assert counts[103] == ChoiceCount(103, overall=0, top=0, bottom=0)


def test_flags_name_every_problem_an_editor_can_act_on():
    from quizzes.statistics import ItemStatistics

    def item(facility, di):
        return ItemStatistics(0, 50, facility, facility, 0.3, di, 50.0, 10.0)

    counts = [ChoiceCount(1, 40, 15, 5), ChoiceCount(2, 0, 0, 0), ChoiceCount(3, 10, 6, 2)]
    flags = item_flags(item(0.95, 35.0), counts, {1}, {2: "Nobody", 3: "Tempting"})
    assert flags == [
        "too easy",
        "distractor never picked: Nobody",
        "distractor picked more by the top third than the bottom: Tempting",
    ]
    assert item_flags(item(0.1, -5.0), [], set()) == ["too hard", "negative discrimination"]
    assert item_flags(item(0.6, 10.0), [], set()) == ["low discrimination"]
    assert item_flags(ItemStatistics(0, 3, 1.0, 1.0, 0, None, None, None), counts, {1}) == []


def test_objective_mastery_is_per_learner():
    marks = {
        1: {"o1": [1, 1, 1, 0], "o2": [0, 0]},
        2: {"o1": [1, 0], "o2": [1, 1]},
        3: {"o1": [1, 1]},
    }
    mastery = objective_mastery(marks, threshold=0.75)
    assert mastery["o1"] == {"learners": 3, "mean": approx((0.75 + 0.5 + 1) / 3), "mastered": approx(2 / 3)}
    assert mastery["o2"] == {"learners": 2, "mean": 0.5, "mastered": 0.5}
