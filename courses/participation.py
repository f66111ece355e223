"""Participation rules that need no database: how long a lesson must have
been open (by the server's clock) before it can be marked complete, and how
much of that time is recorded.

The clock starts when an enrolled learner first opens the lesson; nothing the
browser sends is trusted. A tab left open overnight does not count as hours
of study: recorded time is capped at a multiple of the lesson's estimate.
"""

from __future__ import annotations

import math
from datetime import datetime

RECORDED_TIME_CAP = 3  # times the estimated minutes


def required_seconds(*, estimated_minutes: int, percent: int) -> int:
    return math.ceil(estimated_minutes * 60 * percent / 100)


def seconds_still_needed(
    *, first_opened_at: datetime | None, now: datetime, estimated_minutes: int, percent: int
) -> int:
    """0 when the lesson may be marked complete; otherwise the seconds left
    (the whole requirement when the lesson was never opened)."""
    needed = required_seconds(estimated_minutes=estimated_minutes, percent=percent)
    if needed == 0:
        return 0
    if first_opened_at is None:
        return needed
    elapsed = (now - first_opened_at).total_seconds()
    return max(0, math.ceil(needed - elapsed))


def recorded_seconds(*, first_opened_at: datetime | None, now: datetime, estimated_minutes: int) -> int | None:
    if first_opened_at is None:
        return None
    elapsed = max(0, int((now - first_opened_at).total_seconds()))
    return min(elapsed, estimated_minutes * 60 * RECORDED_TIME_CAP)


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"This lesson can be marked complete in about {minutes} minute{'s' if minutes != 1 else ''}: the course asks "
        "that each lesson be open for part of its estimated reading time."
    )
