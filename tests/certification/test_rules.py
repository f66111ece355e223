"""The pure rules: months, rubric scores, status, reminders, renewal window,
identifier screening and the supervisor's link."""

from datetime import UTC, datetime, timedelta

import pytest

from certification import rules
from certification.identifiers import find_identifiers
from certification.tokens import MSG_LINK_EXPIRED, MSG_LINK_TAMPERED, LinkError, make_token, read_token

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
CRITERIA = [rules.Criterion("formulation", "Formulation", 10, 5), rules.Criterion("coordination", "Coordination", 10)]


def test_add_months_clamps_to_the_last_day_of_the_month():
    assert rules.add_months(NOW, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert rules.add_months(NOW, 24) == datetime(2028, 1, 31, 12, 0, tzinfo=UTC)
    assert rules.add_months(datetime(2027, 1, 29, tzinfo=UTC), 13) == datetime(2028, 2, 29, tzinfo=UTC)


def test_scores_within_range_are_parsed():
    assert rules.parse_scores(criteria=CRITERIA, raw={"formulation": "7", "coordination": " 0 "}) == {
        "formulation": 7,
        "coordination": 0,
    }


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"formulation": "11", "coordination": "1"}, "from 0 to 10"),
        ({"formulation": "-1", "coordination": "1"}, "from 0 to 10"),
        ({"formulation": "7.5", "coordination": "1"}, "from 0 to 10"),
        ({"formulation": "1e3", "coordination": "1"}, "from 0 to 10"),
        ({"formulation": "99999999999", "coordination": "1"}, "from 0 to 10"),
        ({"formulation": "", "coordination": "1"}, "Give a score"),
        ({"coordination": "1"}, "Give a score"),
        ({"formulation": "1", "coordination": "1", "bonus": "5"}, "Unknown rubric criteria"),
    ],
)
def test_bad_scores_are_refused_with_a_message(raw, message):
    with pytest.raises(rules.ScoreError, match=message):
        rules.parse_scores(criteria=CRITERIA, raw=raw)


def test_pass_needs_the_total_and_every_criterion_minimum():
    assert rules.capstone_passes(criteria=CRITERIA, scores={"formulation": 5, "coordination": 7}, pass_score=12)
    assert not rules.capstone_passes(criteria=CRITERIA, scores={"formulation": 4, "coordination": 10}, pass_score=12)
    assert not rules.capstone_passes(criteria=CRITERIA, scores={"formulation": 6, "coordination": 5}, pass_score=12)


def test_public_status_reads_expiry_from_the_clock():
    until = NOW + timedelta(days=1)
    assert rules.public_status(status="issued", valid_until=until, now=NOW) == "active"
    assert rules.public_status(status="issued", valid_until=until, now=until) == "expired"
    assert rules.public_status(status="pending", valid_until=None, now=NOW) == "pending"
    assert rules.public_status(status="revoked", valid_until=until, now=NOW) == "revoked"


@pytest.mark.parametrize(
    "days_left, due", [(120, None), (90, 90), (89.5, 90), (60, 60), (55, 60), (30, 30), (8, 30), (7, 7), (0.5, 7)]
)
def test_due_reminder_is_the_tightest_threshold_reached(days_left, due):
    assert rules.due_reminder(valid_until=NOW + timedelta(days=days_left), now=NOW) == due


def test_no_reminder_after_expiry():
    assert rules.due_reminder(valid_until=NOW, now=NOW) is None


def test_renewal_window_opens_before_expiry_and_stays_open_after():
    until = NOW + timedelta(days=200)
    assert not rules.renewal_open(valid_until=until, now=NOW, window_days=180)
    assert rules.renewal_open(valid_until=until, now=NOW + timedelta(days=20), window_days=180)
    assert rules.renewal_open(valid_until=until, now=NOW + timedelta(days=400), window_days=180)
    assert rules.next_period_start(valid_until=until, now=NOW) == until
    assert rules.next_period_start(valid_until=NOW, now=until) == until


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Mrs. Garcia was referred by her GP.", "a person's name"),
        ("The client, named Ana, began TMS.", "a person's name"),
        ("Call her on 503-555-0199 if needed.", "a phone number"),
        ("Reach the family at +44 20 7946 0958.", "a phone number"),
        ("Started treatment on 12/03/2024.", "a date"),
        ("Started treatment on 2024-03-12.", "a date"),
        ("First seen on 3 March and again later.", "a date"),
        ("Contact: client@example.org", "an e-mail address"),
        ("MRN 4432211 in the chart.", "a record or ID number"),
        ("Chart no. A12345 notes the plan.", "a record or ID number"),
        ("See www.example.org/patient for notes.", "a web address"),
    ],
)
def test_identifier_like_text_is_found(text, kind):
    assert kind in find_identifiers(text)


@pytest.mark.parametrize(
    "text",
    [
        "The client, an adult in their fifties, scored 21 on the PHQ-9 before TMS and 9 after 36 sessions.",
        "QIDS-SR16 fell from 18 to 9; MADRS and BDI-II agreed. DSM-5 major depressive disorder, F33.2.",
        "We coordinated with the prescriber and the TMS team twice a week.",
    ],
)
def test_clinical_text_without_identifiers_passes(text):
    assert find_identifiers(text) == []


def test_a_link_round_trips():
    token = make_token(attestation_id=7, nonce="abc")
    assert read_token(token=token, max_age=60) == (7, "abc")


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "A" + t[1:], lambda t: "", lambda t: "x" * 400])
def test_a_tampered_link_is_refused(mangle):
    with pytest.raises(LinkError, match=MSG_LINK_TAMPERED.split(".")[0]):
        read_token(token=mangle(make_token(attestation_id=7, nonce="abc")), max_age=60)


def test_an_expired_link_is_refused():
    with pytest.raises(LinkError) as info:
        read_token(token=make_token(attestation_id=7, nonce="abc"), max_age=-1)
    assert str(info.value) == MSG_LINK_EXPIRED


def test_a_link_signed_for_another_purpose_is_refused():
    from django.core import signing

    forged = signing.dumps({"a": 7, "n": "abc"}, salt="some.other.purpose")
    with pytest.raises(LinkError):
        read_token(token=forged, max_age=60)
