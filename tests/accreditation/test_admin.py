"""Administrators manage bodies, approvals and offerings in the Wagtail
admin and see a readiness checklist; editors and learners do not."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accreditation.models import AccreditingBody, CreditOffering, ProviderApproval
from accreditation.services import BODY_SEEDS
from tests.factories import UserFactory, make_course

from .helpers import approval, body, offering, ready_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_seed_command_is_idempotent_and_keeps_edits(db):
    call_command("seed_accrediting_bodies")
    AccreditingBody.objects.filter(code="apa").update(credit_type="CE credits (edited)")
    call_command("seed_accrediting_bodies")
    assert AccreditingBody.objects.count() == len(BODY_SEEDS) == 6
    assert AccreditingBody.objects.get(code="apa").credit_type == "CE credits (edited)"
    assert AccreditingBody.objects.get(code="accme-ama").hours_increment == 0.25


def test_readiness_lists_what_is_missing(admin_client, media_root):
    ready_provider(provider_address="")
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1, title="Ketamine in practice")
    today = timezone.localdate()
    approval("apa")
    approval("nbcc", valid_from=today - datetime.timedelta(days=900), valid_to=today - datetime.timedelta(days=1))
    offering(course, "apa")
    offering(course, "nbcc")
    offering(course, "ancc", statement="")
    response = admin_client.get(reverse("credit_readiness"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ketamine in practice" in html
    assert "The approval has expired" in html
    assert "No approval by this body is recorded" in html
    assert "The course&#x27;s statement for this body is empty" in html
    assert "The provider&#x27;s address is not set" in html
    export = admin_client.get(reverse("credit_readiness"), {"export": "csv"})
    assert export.status_code == 200
    lines = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "What is missing" in lines and "the approval has expired" in lines


def test_ready_offering_shows_ready(admin_client, media_root):
    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    approval("apa")
    offering(course, "apa")
    html = admin_client.get(reverse("credit_readiness")).content.decode()
    assert "Ready" in html and "Not ready" not in html


def test_admin_creates_an_approval_and_an_offering(admin_client, media_root):
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    apa = body("apa")
    response = admin_client.post(
        reverse("wagtailsnippets_accreditation_providerapproval:add"),
        {
            "body": apa.pk,
            "approval_number": "APA-9",
            "statement": "Approved by APA.",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "retention_years": "6",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProviderApproval.objects.get().approval_number == "APA-9"
    response = admin_client.post(
        reverse("wagtailsnippets_accreditation_creditoffering:add"),
        {
            "course": course.pk,
            "body": apa.pk,
            "credit_type": "",
            "max_hours": "2.00",
            "statement": "2 CE credits.",
            "requires_evaluation": "on",
            "pass_mark_percent": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CreditOffering.objects.get().body == apa


def test_an_approval_ending_before_it_starts_is_refused_by_the_form(admin_client, db):
    apa = body("apa")
    response = admin_client.post(
        reverse("wagtailsnippets_accreditation_providerapproval:add"),
        {"body": apa.pk, "valid_from": "2026-01-01", "valid_to": "2025-01-01", "retention_years": "6"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not ProviderApproval.objects.exists()


def test_roster_csv_matches_the_claims(admin_client, media_root):
    import csv
    import io

    from accreditation.services import credit_claim
    from tests.factories import complete_course, learner

    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1, title="Roster course")
    approval("apa")
    approval("accme-ama")
    apa, ama = offering(course, "apa"), offering(course, "accme-ama")
    made = []
    for i, (off, hours) in enumerate(((apa, "1.5"), (apa, "2"), (ama, "0.75"))):
        user = learner(email=f"roster{i}@example.org", legal_name=f"Roster Learner {i}")
        complete_course(user, course)
        made.append(
            credit_claim(
                user=user,
                course_id=course.pk,
                offering_id=off.pk,
                hours=hours,
                license_number=f"=LIC-{i}",
                license_jurisdiction="Ohio",
                attested=True,
            )
        )
    response = admin_client.get(reverse("credit_roster"), {"offering": apa.pk, "export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    got = sorted((r["Name"], r["License number"], r["Hours"], r["Body"], r["Certificate code"]) for r in rows)
    want = sorted(
        (c.certificate.learner_name, f"'={c.license_number[1:]}", str(c.hours), "APA", c.certificate.code)
        for c in made[:2]
    )
    assert got == want
    html = admin_client.get(reverse("credit_roster"), {"offering": ama.pk}).content.decode()
    assert "Roster Learner 2" in html and "Roster Learner 0" not in html
    today = timezone.localdate()
    later = {"completed_from": (today + datetime.timedelta(days=1)).isoformat(), "offering": apa.pk}
    assert "Roster Learner 0" not in admin_client.get(reverse("credit_roster"), later).content.decode()


def test_course_records_are_kept_for_the_longest_approval_period(admin_client, media_root):
    from accreditation.selectors import course_retention_years

    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    other = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    approval("apa", retention_years=5)
    approval("accme-ama", retention_years=6)
    approval("nbcc", retention_years=9)  # the course has no NBCC offering: it does not count
    offering(course, "apa")
    offering(course, "accme-ama")
    assert course_retention_years(course_id=course.pk) == 6
    assert course_retention_years(course_id=other.pk) is None
    html = admin_client.get(reverse("credit_readiness")).content.decode()
    assert "6 years" in html and "9 years" not in html
