"""The audit pack: the pure ZIP builder, and a pack for a small course built
by a real Celery worker, requested and downloaded through the admin."""

import csv
import datetime
import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.audit_pack import AuditPackData, EvaluationItem, build_audit_pack, evaluation_summary
from accreditation.models import AuditPack
from accreditation.services import credit_claim
from tests.factories import UserFactory, complete_course, learner, make_course
from tests.worker import wait_for

from .helpers import approval, offering, ready_provider

FILES = {
    "README.txt",
    "roster.csv",
    "evaluation_summary.csv",
    "evaluation_comments.csv",
    "posttest_summary.csv",
    "course.json",
    "approval.json",
    "manifest.json",
}


def test_evaluation_summary_means_distribution_and_comments():
    items = [EvaluationItem("relevance", "Relevant.", "likert"), EvaluationItem("comments", "Comments", "text")]
    answers = [
        {"relevance": "5", "comments": "Useful tables."},
        {"relevance": "4", "comments": ""},
        {"relevance": "5"},
        {"relevance": "x"},  # not a point on the scale: not counted
    ]
    rows, comments = evaluation_summary(items, answers)
    assert rows == [["relevance", "Relevant.", 3, "4.67", 0, 0, 0, 1, 2]]
    assert comments == [["comments", "Comments", "Useful tables."]]


def pack_data(**changes):
    base = {
        "generated_at": datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC),
        "start": datetime.date(2026, 1, 1),
        "end": datetime.date(2026, 4, 30),
        "offering": {"body": "APA", "credit_type": "CE credits"},
        "approval": [{"approval_number": "APA-1"}],
        "course": {"title": "Course", "version": {"revision_id": 7}},
        "roster": [{"name": "=cmd|' /C calc'!A0", "hours": "1.50", "certificate_code": "AAAAA-BBBBB-CCCCC"}],
        "evaluation_items": [EvaluationItem("relevance", "Relevant.", "likert")],
        "evaluation_answers": [{"relevance": "4"}],
        "exam_scores": [(Decimal("80.00"), True), (Decimal("60.00"), False)],
    }
    return AuditPackData(**(base | changes))


def test_the_zip_holds_every_file_with_a_manifest_and_is_deterministic():
    seen = []
    content = build_audit_pack(pack_data(), progress=seen.append)
    assert content == build_audit_pack(pack_data())
    assert seen == sorted(seen) and seen[-1] == 95
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert set(zf.namelist()) == FILES
        manifest = json.loads(zf.read("manifest.json"))
        assert all(hashlib.sha256(zf.read(name)).hexdigest() == digest for name, digest in manifest.items())
        roster = list(csv.DictReader(io.StringIO(zf.read("roster.csv").decode())))
        assert roster[0]["name"] == "'=cmd|' /C calc'!A0"  # neutralised for spreadsheets
        posttest = dict(csv.reader(io.StringIO(zf.read("posttest_summary.csv").decode())))
        assert posttest["pass rate (%)"] == "50.0" and posttest["mean score (%)"] == "70.00"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pack_for_a_seeded_course_built_by_the_worker(celery_worker, client):
    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=2, title="Audit course")
    approval("apa", retention_years=7)
    apa = offering(course, "apa")
    claims = []
    for i, hours in enumerate(("1.5", "2", "0.25")):
        user = learner(email=f"audit{i}@example.org", legal_name=f"Audit Learner {i}")
        complete_course(user, course)
        claims.append(
            credit_claim(
                user=user,
                course_id=course.pk,
                offering_id=apa.pk,
                hours=hours,
                license_number=f"L-{i}",
                license_jurisdiction="Ohio",
                attested=True,
            )
        )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    today = timezone.localdate()
    response = client.post(
        reverse("credit_audit_packs"),
        {"offering": apa.pk, "start": (today - datetime.timedelta(days=1)).isoformat(), "end": today.isoformat()},
    )
    pack = AuditPack.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("credit_audit_pack", args=[pack.pk])
    pack = wait_for(
        lambda: AuditPack.objects.filter(pk=pack.pk, status=AuditPack.Status.READY).first(), message="pack built"
    )
    assert pack.progress == 100
    page = client.get(reverse("credit_audit_pack", args=[pack.pk])).content.decode()
    assert "Download audit pack" in page
    download = client.get(reverse("credit_audit_pack_download", args=[pack.pk]))
    content = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert set(zf.namelist()) == FILES
        roster = list(csv.DictReader(io.StringIO(zf.read("roster.csv").decode())))
        assert sorted((r["name"], r["license_number"], r["hours"], r["certificate_code"]) for r in roster) == sorted(
            (c.certificate.learner_name, c.license_number, str(c.hours), c.certificate.code) for c in claims
        )
        summary = list(csv.DictReader(io.StringIO(zf.read("evaluation_summary.csv").decode())))
        assert summary[0]["item"] == "relevance" and summary[0]["responses"] == "3" and summary[0]["mean"] == "5.00"
        posttest = dict(csv.reader(io.StringIO(zf.read("posttest_summary.csv").decode())))
        assert posttest["graded attempts"] == "3" and posttest["pass rate (%)"] == "100.0"
        course_json = json.loads(zf.read("course.json"))
        assert course_json["title"] == "Audit course"
        assert course_json["version"]["revision_id"] == course.live_revision_id
        assert "disclosures" in course_json
        assert json.loads(zf.read("approval.json"))["approval"][0]["retention_years"] == 7


@pytest.mark.django_db
def test_a_period_in_the_wrong_order_is_400_and_builds_nothing(client, media_root):
    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    apa = offering(course, "apa")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("credit_audit_packs"), {"offering": apa.pk, "start": "2026-05-01", "end": "2026-01-01"}
    )
    assert response.status_code == 400 and "must end on or after" in response.content.decode()
    assert not AuditPack.objects.exists()
