"""Database-free rules for credit claims: reading the hours a learner
attests, checking a license number, and what keeps an offering from being
claimable. Pure functions, tested without a database."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import InvalidInput

MSG_HOURS_NOT_A_NUMBER = "Enter the hours you spent as a number, for example 1.5."
MSG_HOURS_NOT_POSITIVE = "The hours you claim must be more than zero."
MSG_HOURS_OVER_MAX = "You can claim at most {max} hours for this credit."
MSG_HOURS_STEP = "Claim hours in steps of {step} hours (for example {example})."
MSG_LICENSE_CONTROL = "The license number contains characters that cannot be printed; type it again."
MSG_LICENSE_TOO_LONG = "The license number is too long (at most 64 characters)."
MSG_JURISDICTION_CONTROL = "The jurisdiction contains characters that cannot be printed; type it again."

MAX_LICENSE_CHARS = 64
MAX_JURISDICTION_CHARS = 100


def parse_hours(raw: object, *, max_hours: Decimal, increment: Decimal) -> Decimal:
    """The attested hours as a Decimal with two places, or InvalidInput.

    Refuses what a board would refuse: not a number (including NaN and
    infinity), zero or less, above the offering's maximum, or not a whole
    number of the body's increments (AMA credit is claimed in quarter hours)."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(MSG_HOURS_NOT_A_NUMBER) from None
    if not hours.is_finite():
        raise InvalidInput(MSG_HOURS_NOT_A_NUMBER)
    if hours <= 0:
        raise InvalidInput(MSG_HOURS_NOT_POSITIVE)
    if hours > max_hours:
        raise InvalidInput(MSG_HOURS_OVER_MAX.format(max=format_hours(max_hours)))
    if hours % increment != 0:
        example = format_hours(increment * 6)
        raise InvalidInput(MSG_HOURS_STEP.format(step=format_hours(increment), example=example))
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_hours(hours: Decimal) -> str:
    """Hours as printed: two places when quarters need them, else one (1.5, 0.75, 2.0)."""
    hours = Decimal(hours)
    text = f"{hours:.2f}"
    return text[:-1] if text.endswith("0") else text


def _has_unprintable(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text)


def clean_license(number: object, jurisdiction: object) -> tuple[str, str]:
    """The license number and jurisdiction, stripped; InvalidInput when they
    hold control or format characters (a tab or bidi override would print
    as something other than what the learner saw) or are too long."""
    number = str(number or "").strip()
    jurisdiction = str(jurisdiction or "").strip()
    if _has_unprintable(number):
        raise InvalidInput(MSG_LICENSE_CONTROL)
    if _has_unprintable(jurisdiction):
        raise InvalidInput(MSG_JURISDICTION_CONTROL)
    if len(number) > MAX_LICENSE_CHARS:
        raise InvalidInput(MSG_LICENSE_TOO_LONG)
    return number, jurisdiction[:MAX_JURISDICTION_CHARS]


@dataclass(frozen=True)
class ApprovalPeriod:
    valid_from: datetime.date
    valid_to: datetime.date | None
    approval_number: str
    statement: str

    def covers(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def approval_periods(approvals) -> list[ApprovalPeriod]:
    """Plain periods from approval rows (or anything with those attributes)."""
    return [ApprovalPeriod(a.valid_from, a.valid_to, a.approval_number, a.statement) for a in approvals]


def current_approval(approvals: list[ApprovalPeriod], day: datetime.date) -> ApprovalPeriod | None:
    """The approval in force on ``day`` (the latest-starting one if several)."""
    covering = [a for a in approvals if a.covers(day)]
    return max(covering, key=lambda a: a.valid_from) if covering else None


def readiness_problems(
    *,
    approvals: list[ApprovalPeriod],
    offering_statement: str,
    active: bool,
    provider_details_missing: list[str],
    today: datetime.date,
) -> list[str]:
    """What keeps an offering from awarding its body's credit, as phrases
    for the admin's checklist; empty when it is ready."""
    problems = []
    if not active:
        problems.append("the offering is switched off")
    approval = current_approval(approvals, today)
    if not approvals:
        problems.append("no approval by this body is recorded")
    elif approval is None:
        if any(a.valid_from > today for a in approvals):
            problems.append("the approval has not started yet")
        else:
            problems.append("the approval has expired")
    else:
        if not approval.approval_number.strip():
            problems.append("the approval number is empty")
        if not approval.statement.strip():
            problems.append("the approval statement is empty")
    if not offering_statement.strip():
        problems.append("the course's statement for this body is empty")
    problems.extend(f"{detail} is not set" for detail in provider_details_missing)
    return problems
