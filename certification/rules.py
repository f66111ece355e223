"""The rules of certification that need no database (pure functions)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

REMINDER_DAYS = (90, 60, 30, 7)
STATE_LABELS = {"active": "Active", "expired": "Expired", "revoked": "Revoked", "pending": "Being prepared"}


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    done: bool
    detail: str


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    max_score: int
    min_score: int = 0


class ScoreError(ValueError):
    """A rubric score that cannot be used (message for the reviewer)."""


def add_months(start: datetime, months: int) -> datetime:
    """``start`` plus whole calendar months, clamped to the month's last day
    (31 January + 1 month is 28 or 29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def parse_scores(*, criteria: list[Criterion], raw: dict[str, object]) -> dict[str, int]:
    """Every criterion's score as an integer within 0..max; anything missing,
    non-numeric, out of range or unknown is refused with a message."""
    unknown = set(raw) - {c.key for c in criteria}
    if unknown:
        raise ScoreError(f"Unknown rubric criteria: {', '.join(sorted(unknown))[:200]}.")
    scores = {}
    for c in criteria:
        value = raw.get(c.key)
        text = str(value).strip() if value is not None else ""
        if not text:
            raise ScoreError(f"Give a score for “{c.title}”.")
        if not text.isdigit() or len(text) > 3:
            raise ScoreError(f"The score for “{c.title}” must be a whole number from 0 to {c.max_score}.")
        score = int(text)
        if score > c.max_score:
            raise ScoreError(f"The score for “{c.title}” must be a whole number from 0 to {c.max_score}.")
        scores[c.key] = score
    return scores


def capstone_passes(*, criteria: list[Criterion], scores: dict[str, int], pass_score: int) -> bool:
    return sum(scores.values()) >= pass_score and all(scores[c.key] >= c.min_score for c in criteria)


def public_status(*, status: str, valid_until: datetime | None, now: datetime) -> str:
    """What every page, the registry and the dashboard call the certification:
    pending, active, expired or revoked. Expiry is read from the clock, so no
    job has to flip it on time."""
    if status == "revoked":
        return "revoked"
    if status == "pending" or valid_until is None:
        return "pending"
    return "active" if now < valid_until else "expired"


def due_reminder(*, valid_until: datetime, now: datetime, thresholds: tuple[int, ...] = REMINDER_DAYS) -> int | None:
    """The tightest threshold (in days before expiry) that ``now`` has
    reached, or None before the first and after expiry. A sweep that missed
    the 90-day mark at 55 days sends the 60-day reminder only."""
    if now >= valid_until:
        return None
    left = valid_until - now
    reached = [t for t in thresholds if left <= timedelta(days=t)]
    return min(reached) if reached else None


def renewal_open(*, valid_until: datetime | None, now: datetime, window_days: int) -> bool:
    """Renewal opens ``window_days`` before expiry and stays open after it
    (an expired certification is reinstated by renewing)."""
    return valid_until is not None and now >= valid_until - timedelta(days=window_days)


def next_period_start(*, valid_until: datetime, now: datetime) -> datetime:
    """Renewing early loses no time (the new period follows on); renewing
    after a lapse starts from the day of renewal."""
    return max(valid_until, now)


def hours_short(*, earned: Decimal, required: Decimal) -> Decimal:
    return max(Decimal("0"), required - earned)


CE_UPLOAD_MAX_HOURS = Decimal("40")
CE_UPLOAD_STEP = Decimal("0.25")


def ce_hours_valid(hours: Decimal) -> bool:
    """More than 0, at most 40, in quarter hours (how providers print them)."""
    return Decimal("0") < hours <= CE_UPLOAD_MAX_HOURS and hours % CE_UPLOAD_STEP == 0


def looks_like_pdf(head: bytes, tail: bytes) -> bool:
    """A PDF starts with a ``%PDF-1.x`` or ``%PDF-2.x`` header (within the
    first kilobyte, as readers allow) and ends with ``%%EOF`` near its end.
    A renamed image, office file or script has neither."""
    start = head.find(b"%PDF-")
    if start < 0 or start > 1024 - 8:
        return False
    version = head[start + 5 : start + 8]
    return version[:1] in (b"1", b"2") and version[1:2] == b"." and version[2:3].isdigit() and b"%%EOF" in tail
