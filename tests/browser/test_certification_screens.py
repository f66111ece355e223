"""Certification as its users see it, at desktop and phone width: the
learner's checklist, the supervisor's attestation page, the reviewers'
queue and the public registry (screenshots kept in docs/screenshots), each
checked with axe for serious accessibility faults."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from certification import services
from certification.models import Certification
from certification.tokens import make_token
from tests.browser.helpers import DESKTOP, PHONE, axe_violations, describe_violations, horizontal_overflow, login
from tests.browser.helpers import screenshot as save
from tests.browser.test_item_statistics_screens import admin_login
from tests.certification.helpers import CAPSTONE, everything_but_review, log_cleaned, make_program
from tests.factories import UserFactory, complete_course, learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def listed(name, jurisdiction, profession, days, website=""):
    user = learner(legal_name=name)
    return Certification.objects.create(
        user=user,
        program=services.Program.objects.get(),
        snapshot={"legal_name": name, "profession": profession, "program_title": "TRD combined-care therapist"},
        awarded_at=timezone.now() - timedelta(days=400),
        status="issued",
        valid_until=timezone.now() + timedelta(days=days),
        in_registry=True,
        registry_name=name,
        registry_jurisdiction=jurisdiction,
        practice_website=website,
    )


def check(page, name):
    assert horizontal_overflow(page) <= 0, name
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    save(page, name)


def test_certification_screens(site, new_page):
    program, course = make_program(cases=3)
    # A learner part-way: course done, conduct agreed, two of three cases, supervisor asked.
    user = learner(legal_name="Ada Núñez", email="ada@example.org")
    complete_course(user, course)
    services.program_enrol(user=user, program=program)
    services.conduct_agree(user=user, program=program)
    for measure in ("phq9", "madrs"):
        services.log_entry_add(
            user=user, program=program, data=log_cleaned(measure=measure, measure_before=20, measure_after=8)
        )
    services.log_entry_add(
        user=user, program=program, data=log_cleaned(setting="ketamine_clinic", treatments=["ketamine"])
    )
    attestation = services.attestation_request(
        user=user, program=program, name="Dr Sam Okafor", license="LPC-20931", email="sam@example.org"
    )
    token = make_token(attestation_id=attestation.pk, nonce=attestation.nonce)
    # Two capstones waiting for review.
    for name in ("Lena Fischer", "Tomás Rivera"):
        everything_but_review(learner(legal_name=name), program, course)
    reviewer = UserFactory(email="reviewer@example.org")
    reviewer.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    listed("Grace Ahn", "Oregon", "Psychologist", 500, "https://grace-ahn-therapy.example")
    listed("Grace Okoro", "Ontario", "Social worker", -20)
    listed("Graciela Moreno", "Oregon", "Counselor", 45)

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_page(viewport)
        login(page, site, user.email)
        page.goto(f"{site}/certification/programs/{program.slug}/")
        expect(page.get_by_role("heading", name="Requirements")).to_be_visible()
        expect(page.get_by_text("3 of 3 logged")).to_be_visible()
        check(page, f"certification-checklist{suffix}")

        supervisor = new_page(viewport)
        supervisor.goto(f"{site}/certification/attest/{token}/")
        expect(supervisor.get_by_role("heading", name="Confirm supervised practice")).to_be_visible()
        check(supervisor, f"certification-attestation{suffix}")

        admin = new_page(viewport)
        admin_login(admin, site, reviewer.email)
        admin.goto(f"{site}/admin/certification/reviews/")
        expect(admin.get_by_text("Lena Fischer")).to_be_visible()
        save(admin, f"certification-review-queue{suffix}")
        if viewport is DESKTOP:
            admin.get_by_role("link", name="Review", exact=True).first.click()
            expect(admin.get_by_text(CAPSTONE[:40])).to_be_visible()
            save(admin, "certification-review")

        public = new_page(viewport)
        public.goto(f"{site}/certification/registry/?name=grac&jurisdiction=")
        expect(public.get_by_text("3 results")).to_be_visible()
        check(public, f"certification-registry{suffix}")
