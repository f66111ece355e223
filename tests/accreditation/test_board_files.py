"""Files for CE trackers: CE Broker's roster upload and ACCME PARS learner
totals (pure builders), and an audit pack whose figures cover only the
learners who claimed that body's credit."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import LearnerProfile, Profession
from accreditation.audit_pack import build_audit_pack
from accreditation.board_files import CEBrokerCourse, cebroker_roster, us_state_code
from accreditation.models import AuditPack, CreditOffering
from accreditation.selectors import audit_pack_data
from accreditation.services import credit_claim
from tests.factories import complete_all_but_evaluation, complete_course, learner, make_course

from .helpers import approval, body, offering
from .test_audit_pack import FILES, pack_data

COURSE = CEBrokerCourse(course_number="20345", profession_code="PSY", subject_area="", max_hours=Decimal("2.00"))


def roster_row(**changes):
    return {
        "name": "Ada Núñez",
        "license_number": "PY1234",
        "license_jurisdiction": "Florida",
        "hours": "2.00",
        "completed": "2026-03-07",
        "certificate_code": "AAAAA-BBBBB-CCCCC",
        "certificate_status": "issued",
        "cebroker_provider_number": "50123",
    } | changes


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("FL", "FL"),
        ("fl", "FL"),
        ("Florida", "FL"),
        ("  new   york ", "NY"),
        ("US-TX", "TX"),
        ("District of Columbia", "DC"),
        ("Puerto Rico", "PR"),
        ("Ontario", None),
        ("Flor", None),
        ("", None),
    ],
)
def test_us_state_codes_from_what_learners_write(written, code):
    assert us_state_code(written) == code


def test_full_credit_rows_in_cebrokers_column_order_without_a_heading():
    upload, exceptions = cebroker_roster([roster_row()], COURSE)
    assert upload == [["50123", "20345", "", "", "PY1234", "3/7/2026", "State=FL", "Profession=PSY"]]
    assert exceptions == []


def test_partial_credit_needs_a_subject_area_and_then_reports_the_hours():
    partial = roster_row(hours="1.25")
    upload, exceptions = cebroker_roster([partial], COURSE)
    assert upload == [] and "subject area" in exceptions[0][-1]
    with_area = CEBrokerCourse(course_number="20345", profession_code="PSY", subject_area="GEN", max_hours=Decimal(2))
    upload, exceptions = cebroker_roster([partial, roster_row()], with_area)
    assert [line[8:] for line in upload] == [["GEN", "1.25"], ["GEN", "2.00"]] and exceptions == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"license_number": ""}, "no license number"),
        ({"license_jurisdiction": "Ontario"}, "not issued by a US state"),
        ({"certificate_status": "revoked"}, "certificate revoked"),
        ({"cebroker_provider_number": ""}, "no CE Broker provider tracking number"),
    ],
)
def test_a_completion_cebroker_cannot_take_is_listed_with_its_reason(change, reason):
    upload, exceptions = cebroker_roster(
        [roster_row(), roster_row(certificate_code="DDDDD-EEEEE-FFFFF", **change)], COURSE
    )
    assert len(upload) == 1
    assert exceptions[0][0] == "DDDDD-EEEEE-FFFFF" and reason in exceptions[0][-1]


def test_the_pack_holds_the_tracker_files_only_when_the_offering_has_them():
    data = pack_data(
        roster=[roster_row(), roster_row(license_number="")],
        cebroker=COURSE,
        pars_totals={"physician_learners": 3, "other_learners": 2, "credit_claims": 3},
    )
    with zipfile.ZipFile(io.BytesIO(build_audit_pack(data))) as zf:
        assert set(zf.namelist()) == FILES | {
            "cebroker_roster.csv",
            "cebroker_exceptions.csv",
            "pars_activity_totals.csv",
        }
        upload = list(csv.reader(io.StringIO(zf.read("cebroker_roster.csv").decode())))
        assert upload == [["50123", "20345", "", "", "PY1234", "3/7/2026", "State=FL", "Profession=PSY"]]
        exceptions = list(csv.DictReader(io.StringIO(zf.read("cebroker_exceptions.csv").decode())))
        assert [e["reason"] for e in exceptions] == ["no license number"]
        totals = dict(csv.reader(io.StringIO(zf.read("pars_activity_totals.csv").decode())))
        assert totals["physician learners"] == "3" and totals["other learners"] == "2"
        assert "cebroker_roster.csv" in zf.read("README.txt").decode()


def test_tracker_numbers_are_digits_without_the_prefix():
    field = CreditOffering._meta.get_field("cebroker_course_number")
    field.run_validators("20345")
    with pytest.raises(ValidationError, match="without the prefix"):
        field.run_validators("20-345")


def claim(user, course, credit, hours, jurisdiction="Florida"):
    return credit_claim(
        user=user,
        course_id=course.pk,
        offering_id=credit.pk,
        hours=hours,
        license_number=f"LIC-{user.pk}",
        license_jurisdiction=jurisdiction,
        attested=True,
    )


@pytest.mark.django_db
def test_a_pack_counts_only_its_claimants_and_reports_to_both_trackers(media_root):
    from .helpers import ready_provider

    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=2, title="Tracker course")
    board = body("other")
    board.cebroker_profession_code = "PSY"
    board.save()
    approval("other", cebroker_provider_number="50123")
    state = offering(course, "other", cebroker_course_number="20345")
    approval("accme-ama")
    ama = offering(course, "accme-ama")

    claimants = [learner(email=f"fl{i}@example.org") for i in range(2)]
    for user in claimants:
        complete_course(user, course)
    claim(claimants[0], course, state, "2.00")
    claim(claimants[1], course, state, "1.00", jurisdiction="Ontario")
    # A learner who completed and claimed another body's credit: not in the state board's figures.
    physician = learner(email="md@example.org")
    LearnerProfile.objects.filter(user=physician).update(profession=Profession.PHYSICIAN)
    complete_all_but_evaluation(physician, course)
    from courses.services import evaluation_submit

    evaluation_submit(user=physician, course=course, answers={"relevance": "1", "comments": "Too long."})
    claim(physician, course, ama, "2.00")

    today = timezone.localdate()
    pack = AuditPack.objects.create(offering=state, start=today - datetime.timedelta(days=1), end=today)
    data = audit_pack_data(pack=pack, now=timezone.now())
    assert len(data.roster) == 2 and len(data.evaluation_answers) == 2 and len(data.exam_scores) == 2
    assert all(a["relevance"] == "5" for a in data.evaluation_answers)
    assert data.pars_totals is None
    upload, exceptions = cebroker_roster(data.roster, data.cebroker)
    assert upload == [
        [
            "50123",
            "20345",
            "",
            "",
            f"LIC-{claimants[0].pk}",
            f"{today.month}/{today.day}/{today.year}",
            "State=FL",
            "Profession=PSY",
        ]
    ]
    assert [e[-1] for e in exceptions] == ["license not issued by a US state (CE Broker tracks US state boards)"]

    ama_pack = AuditPack.objects.create(offering=ama)
    ama_data = audit_pack_data(pack=ama_pack, now=timezone.now())
    assert ama_data.cebroker is None
    assert ama_data.pars_totals == {"physician_learners": 1, "other_learners": 2, "credit_claims": 1}
    assert [a["relevance"] for a in ama_data.evaluation_answers] == ["1"]


@pytest.mark.django_db
def test_the_pack_reads_a_fixed_number_of_queries_whatever_the_number_of_claims(media_root):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .helpers import ready_provider

    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    approval("accme-ama", cebroker_provider_number="50123")
    ama = offering(course, "accme-ama", cebroker_course_number="20345")
    board = body("accme-ama")
    board.cebroker_profession_code = "MD"
    board.save()
    pack = AuditPack.objects.create(offering=ama)
    counts = []
    for n in (1, 4):
        while ama.claims.count() < n:
            user = learner(email=f"md{ama.claims.count()}@example.org")
            complete_course(user, course)
            claim(user, course, ama, "2.00")
        audit_pack_data(pack=AuditPack.objects.get(pk=pack.pk), now=timezone.now())  # warm caches
        fresh = AuditPack.objects.get(pk=pack.pk)
        with CaptureQueriesContext(connection) as queries:
            data = audit_pack_data(pack=fresh, now=timezone.now())
        assert len(data.roster) == n and data.cebroker is not None and data.pars_totals is not None
        counts.append(len(queries))
    # Offering, course page, roster (one cursor), body, approvals, objectives,
    # evaluation items, answers, exam scores, PARS completions (physicians,
    # all) and claims: 12, for one claim or four.
    assert counts == [12, 12], "\n".join(q["sql"][:100] for q in queries.captured_queries)
