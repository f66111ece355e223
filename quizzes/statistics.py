"""Pure item and test statistics over a matrix of item marks.

No database: rows are attempts, columns are items, each cell the mark the
attempt earned on the item (0..max_mark, fractions allowed) or ``None``
when the attempt was not shown the item (a pool drawn at random).

Definitions follow Moodle's quiz statistics report
(question/classes/statistics/questions/calculator.php and
mod/quiz/report/statistics/classes/calculator.php), with sample (n - 1)
variances, each item taken over the attempts that saw it:

- facility index: mean mark / max mark;
- SD: sample standard deviation of the item's marks / max mark;
- discrimination index: 100 x correlation of the item's mark with the rest of
  the test (the attempt's total minus this item), cov(x, y) / sqrt(var x var y);
- discriminative efficiency: 100 x cov(x, y) / cov_max(x, y), where cov_max
  pairs the item's marks and the rest-of-test marks each sorted ascending
  (the largest covariance those two distributions allow);
- effective weight: 100 x sqrt(cov(x, T)) / sum over items of sqrt(cov(x_j, T)),
  T the attempt's total; undefined for an item whose cov(x, T) is negative
  (its root is then also left out of the sum, as in Moodle).

Test statistics are over attempt totals T: mean, median, SD, skewness and
kurtosis (Moodle's k-statistics G1 and G2), and the coefficient of internal
consistency CIC = 100 k/(k-1) (1 - sum var_i / var T): Cronbach's alpha,
which equals KR-20 for 0/1 items. Error ratio ER = 100 sqrt(1 - CIC/100)
and standard error SE = ER x SD / 100 (in marks).

Where items are drawn at random (cells missing), k is the mean number of
items per attempt and sum var_i weights each item's variance by the share of
attempts that saw it (the expected sum for one drawn form). With every item
shown to every attempt both reduce to Moodle's fixed-slot formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

Matrix = Sequence[Sequence[float | None]]


@dataclass(frozen=True)
class ItemStatistics:
    index: int
    attempts: int  # attempts that saw the item
    mean_mark: float | None
    facility: float | None  # 0..1
    sd: float | None  # fraction of the max mark
    discrimination_index: float | None  # percent, -100..100
    discriminative_efficiency: float | None  # percent
    effective_weight: float | None  # percent of the test's total weight

    def as_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class SummaryStatistics:
    attempts: int
    items_per_attempt: float
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    alpha: float | None  # CIC in percent (Cronbach's alpha x 100)
    error_ratio: float | None  # percent
    standard_error: float | None  # marks

    def as_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class Statistics:
    items: tuple[ItemStatistics, ...]
    test: SummaryStatistics


def _median(sorted_values):
    n = len(sorted_values)
    if not n:
        return None
    mid = n // 2
    return float(sorted_values[mid]) if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


def summary_statistics(
    totals: Sequence[float], *, items_per_attempt: float, sum_item_variance: float
) -> SummaryStatistics:
    """Moodle's quiz-level figures from the attempts' total marks."""
    s = len(totals)
    mean = sum(totals) / s if s else None
    median = _median(sorted(totals))
    sd = skewness = kurtosis = alpha = error_ratio = standard_error = None
    if s > 1:
        d = [t - mean for t in totals]
        p2 = sum(v * v for v in d)
        sd = math.sqrt(p2 / (s - 1))
        if s > 2:
            m2, m3, m4 = p2 / s, sum(v**3 for v in d) / s, sum(v**4 for v in d) / s
            k2 = s * m2 / (s - 1)
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            if k2 > 0:
                skewness = k3 / k2**1.5
                if s > 3:
                    k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                    kurtosis = k4 / (k2 * k2)
                k = items_per_attempt
                if k > 1:
                    alpha = 100 * k / (k - 1) * (1 - sum_item_variance / k2)
                    error_ratio = 100 * math.sqrt(max(0.0, 1 - alpha / 100))
                    standard_error = error_ratio * sd / 100
    return SummaryStatistics(
        attempts=s,
        items_per_attempt=items_per_attempt,
        mean=mean,
        median=median,
        sd=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        alpha=alpha,
        error_ratio=error_ratio,
        standard_error=standard_error,
    )


def compute_statistics(matrix: Matrix, *, max_marks: Sequence[float] | None = None) -> Statistics:
    """Item and test statistics for ``matrix`` (attempts x items, None = not shown).

    ``max_marks`` gives each item's maximum mark (1 when omitted). Two passes
    over the data (means, then deviations), so memory is the matrix plus two
    number lists per item for the sorted covariance.
    """
    n_items = len(max_marks) if max_marks is not None else (len(matrix[0]) if matrix else 0)
    maxes = list(max_marks) if max_marks is not None else [1.0] * n_items
    totals = []
    shown = [0] * n_items
    sum_x = [0.0] * n_items
    sum_t = [0.0] * n_items
    item_cells = 0
    for row in matrix:
        total = 0.0
        for j, x in enumerate(row):
            if x is not None:
                total += x
                shown[j] += 1
                sum_x[j] += x
                item_cells += 1
        totals.append(total)
        for j, x in enumerate(row):
            if x is not None:
                sum_t[j] += total
    n = len(totals)
    mean_x = [sum_x[j] / shown[j] if shown[j] else 0.0 for j in range(n_items)]
    mean_t = [sum_t[j] / shown[j] if shown[j] else 0.0 for j in range(n_items)]
    mean_y = [mean_t[j] - mean_x[j] for j in range(n_items)]

    sxx = [0.0] * n_items
    syy = [0.0] * n_items
    sxy = [0.0] * n_items
    sxt = [0.0] * n_items
    xs = [[] for _ in range(n_items)]
    ys = [[] for _ in range(n_items)]
    for row, total in zip(matrix, totals, strict=True):
        for j, x in enumerate(row):
            if x is None:
                continue
            y = total - x
            dx, dy, dt = x - mean_x[j], y - mean_y[j], total - mean_t[j]
            sxx[j] += dx * dx
            syy[j] += dy * dy
            sxy[j] += dx * dy
            sxt[j] += dx * dt
            xs[j].append(x)
            ys[j].append(y)

    partial = []
    for j in range(n_items):
        s = shown[j]
        if s > 1:
            var_x, var_y, cov = sxx[j] / (s - 1), syy[j] / (s - 1), sxy[j] / (s - 1)
            cov_t = sxt[j] / (s - 1)
            xs[j].sort()
            ys[j].sort()
            cov_max = sum((a - mean_x[j]) * (b - mean_y[j]) for a, b in zip(xs[j], ys[j], strict=True)) / (s - 1)
            di = 100 * cov / math.sqrt(var_x * var_y) if var_x * var_y > 0 else None
            de = 100 * cov / cov_max if cov_max else None
            sd = math.sqrt(var_x) / maxes[j] if maxes[j] else None
        else:
            var_x = cov_t = di = de = sd = None
        xs[j] = ys[j] = None  # free as we go
        partial.append((var_x, cov_t, di, de, sd))

    root_sum = sum(math.sqrt(p[1]) for p in partial if p[1] is not None and p[1] >= 0)
    items = []
    for j, (_var_x, cov_t, di, de, sd) in enumerate(partial):
        weight = 100 * math.sqrt(cov_t) / root_sum if root_sum and cov_t is not None and cov_t >= 0 else None
        items.append(
            ItemStatistics(
                index=j,
                attempts=shown[j],
                mean_mark=mean_x[j] if shown[j] else None,
                facility=mean_x[j] / maxes[j] if shown[j] and maxes[j] else None,
                sd=sd,
                discrimination_index=di,
                discriminative_efficiency=de,
                effective_weight=weight,
            )
        )
    # Expected sum of item variances on one form: each item weighted by exposure.
    sum_var = sum(p[0] * shown[j] / n for j, p in enumerate(partial) if p[0] is not None) if n else 0.0
    test = summary_statistics(totals, items_per_attempt=item_cells / n if n else 0.0, sum_item_variance=sum_var)
    return Statistics(items=tuple(items), test=test)


# --- distractors -------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceCount:
    choice_id: int
    overall: int
    top: int
    bottom: int


def score_groups(scores: Sequence[float]) -> tuple[set[int], set[int]]:
    """Row indexes of the top and bottom thirds of scorers (floor(n/3) each;
    ties at a boundary go by row order, so the groups are always the same size)."""
    n = len(scores)
    third = n // 3
    order = sorted(range(n), key=lambda i: scores[i])
    return set(order[n - third :]) if third else set(), set(order[:third])


def distractor_counts(
    selections: Sequence[dict[int, Sequence[int]]], scores: Sequence[float], choices: dict[int, Sequence[int]]
) -> dict[int, list[ChoiceCount]]:
    """How often each choice was picked, overall and by the top and bottom
    thirds of scorers. ``selections[i]`` maps item id to the choice ids row i
    selected; ``choices`` lists each item's choice ids (a choice nobody picked
    still gets a zero row)."""
    top, bottom = score_groups(scores)
    counts = {item: {c: [0, 0, 0] for c in ids} for item, ids in choices.items()}
    for i, picked in enumerate(selections):
        in_top, in_bottom = i in top, i in bottom
        for item, ids in picked.items():
            per_item = counts.setdefault(item, {})
            for c in ids:
                cell = per_item.setdefault(c, [0, 0, 0])
                cell[0] += 1
                cell[1] += in_top
                cell[2] += in_bottom
    return {item: [ChoiceCount(c, *v) for c, v in per_item.items()] for item, per_item in counts.items()}


# --- flags -----------------------------------------------------------------------

TOO_EASY = 0.90  # facility above this: nearly everyone gets it right
TOO_HARD = 0.30  # facility below this: most get it wrong
LOW_DISCRIMINATION = 20.0  # discrimination index (percent) below this
MIN_ATTEMPTS_FOR_FLAGS = 10  # fewer attempts than this say too little to flag


def item_flags(
    item: ItemStatistics,
    choice_counts: Sequence[ChoiceCount],
    correct_ids: set[int],
    texts: dict[int, str] | None = None,
) -> list[str]:
    """Plain-language warnings an editor can act on; ``texts`` names the choices."""
    texts = texts or {}
    if item.attempts < MIN_ATTEMPTS_FOR_FLAGS:
        return []
    flags = []
    if item.facility is not None and item.facility > TOO_EASY:
        flags.append("too easy")
    if item.facility is not None and item.facility < TOO_HARD:
        flags.append("too hard")
    di = item.discrimination_index
    if di is not None and di < 0:
        flags.append("negative discrimination")
    elif di is not None and di < LOW_DISCRIMINATION:
        flags.append("low discrimination")
    for c in choice_counts:
        if c.choice_id in correct_ids:
            continue
        if c.overall == 0:
            flags.append(f"distractor never picked: {texts.get(c.choice_id, c.choice_id)}")
        elif c.top > c.bottom:
            flags.append(
                f"distractor picked more by the top third than the bottom: {texts.get(c.choice_id, c.choice_id)}"
            )
    return flags


def objective_mastery(
    learner_marks: dict[int, dict[str, list[float]]], *, threshold: float = 0.75
) -> dict[str, dict[str, float | int]]:
    """Per objective: how many learners were assessed on it, their mean
    share of marks, and the share of learners at or above ``threshold``.
    ``learner_marks[learner][objective]`` is the list of that learner's item
    marks (0..1) on the objective."""
    per_objective: dict[str, list[float]] = {}
    for marks_by_objective in learner_marks.values():
        for objective, marks in marks_by_objective.items():
            if marks:
                per_objective.setdefault(objective, []).append(sum(marks) / len(marks))
    return {
        objective: {
            "learners": len(shares),
            "mean": sum(shares) / len(shares),
            "mastered": sum(1 for s in shares if s >= threshold) / len(shares),
        }
        for objective, shares in sorted(per_objective.items())
    }
