"""The pure claim rules: hours, license text, readiness."""

import datetime
from decimal import Decimal

import pytest

from accreditation import rules
from core.errors import InvalidInput

MAX, STEP = Decimal("2.00"), Decimal("0.25")


@pytest.mark.parametrize(
    ("raw", "expected"), [("2", "2.00"), ("0.25", "0.25"), ("1.5", "1.50"), (" 1,75 ", "1.75"), ("2.00", "2.00")]
)
def test_hours_in_quarter_steps_up_to_the_maximum(raw, expected):
    assert rules.parse_hours(raw, max_hours=MAX, increment=STEP) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2.25", rules.MSG_HOURS_OVER_MAX.format(max="2.0")),
        ("-1", rules.MSG_HOURS_NOT_POSITIVE),
        ("0", rules.MSG_HOURS_NOT_POSITIVE),
        ("abc", rules.MSG_HOURS_NOT_A_NUMBER),
        ("", rules.MSG_HOURS_NOT_A_NUMBER),
        ("NaN", rules.MSG_HOURS_NOT_A_NUMBER),
        ("Infinity", rules.MSG_HOURS_NOT_A_NUMBER),
        ("1e400", rules.MSG_HOURS_OVER_MAX.format(max="2.0")),
        ("1.1", rules.MSG_HOURS_STEP.format(step="0.25", example="1.5")),
        ("0.000000000001", rules.MSG_HOURS_STEP.format(step="0.25", example="1.5")),
        (None, rules.MSG_HOURS_NOT_A_NUMBER),
    ],
)
def test_bad_hours_are_refused_with_a_message(raw, message):
    with pytest.raises(InvalidInput) as exc:
        rules.parse_hours(raw, max_hours=MAX, increment=STEP)
    assert exc.value.message == message


def test_format_hours():
    assert [rules.format_hours(Decimal(h)) for h in ("2.00", "1.50", "0.75", "10")] == ["2.0", "1.5", "0.75", "10.0"]


@pytest.mark.parametrize("number", ["PSY\t123", "PSY\x00123", "PSY\u202e321", "PSY\u200b123"])
def test_license_with_control_or_format_characters_is_refused(number):
    with pytest.raises(InvalidInput) as exc:
        rules.clean_license(number, "Oregon")
    assert exc.value.message == rules.MSG_LICENSE_CONTROL


def test_license_is_stripped_and_bounded():
    assert rules.clean_license("  PSY-1  ", " Oregon ") == ("PSY-1", "Oregon")
    with pytest.raises(InvalidInput):
        rules.clean_license("9" * 65, "Oregon")
    with pytest.raises(InvalidInput) as exc:
        rules.clean_license("PSY-1", "Ore\ngon")
    assert exc.value.message == rules.MSG_JURISDICTION_CONTROL


TODAY = datetime.date(2026, 6, 1)


def period(start, end, number="N-1", statement="Approved."):
    return rules.ApprovalPeriod(start, end, number, statement)


def problems(approvals, statement="Course statement.", active=True, provider_missing=()):
    return rules.readiness_problems(
        approvals=approvals,
        offering_statement=statement,
        active=active,
        provider_details_missing=list(provider_missing),
        today=TODAY,
    )


def test_readiness_ready():
    assert problems([period(datetime.date(2025, 1, 1), None)]) == []


def test_readiness_lists_every_gap():
    assert problems([]) == ["no approval by this body is recorded"]
    assert problems([period(datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))]) == ["the approval has expired"]
    assert problems([period(datetime.date(2026, 7, 1), None)]) == ["the approval has not started yet"]
    assert problems([period(datetime.date(2025, 1, 1), None, number=" ", statement="")]) == [
        "the approval number is empty",
        "the approval statement is empty",
    ]
    assert problems(
        [period(datetime.date(2025, 1, 1), None)],
        statement="",
        active=False,
        provider_missing=["the provider's address"],
    ) == [
        "the offering is switched off",
        "the course's statement for this body is empty",
        "the provider's address is not set",
    ]


def test_current_approval_prefers_the_latest_start():
    old = period(datetime.date(2024, 1, 1), datetime.date(2026, 12, 31), number="OLD")
    new = period(datetime.date(2026, 1, 1), None, number="NEW")
    assert rules.current_approval([old, new], TODAY).approval_number == "NEW"
    assert rules.current_approval([old, new], datetime.date(2025, 1, 1)).approval_number == "OLD"
    assert rules.current_approval([old], datetime.date(2027, 1, 1)) is None
