"""Claiming board credit in the browser, at desktop and phone width, and the
credit transcript; the APA and AMA certificates rendered to images. The
screenshots are kept in test-artifacts/screenshots (and copied to
docs/screenshots when they change)."""

import subprocess

import pytest
from playwright.sync_api import expect

from accreditation.models import CreditClaim
from certificates.services import certificate_issue
from tests.accreditation.helpers import approval, offering, ready_provider
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    login,
    save_artifact,
    screenshot,
)
from tests.factories import complete_course, learner, make_course
from tests.worker import purge_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_learner_claims_apa_and_ama_credit_and_reads_the_transcript(site, new_page, tmp_path):
    ready_provider()
    course = make_course(
        modules=1, lessons=1, questions=1, final_questions=1, title="Treatment-Resistant Depression: Ketamine and TMS"
    )
    user = learner(email="credit@example.org", legal_name="Zoë Ngata")
    complete_course(user, course)
    for code in ("apa", "accme-ama", "nbcc"):
        approval(code)
    apa = offering(course, "apa", max_hours="2.00")
    ama = offering(course, "accme-ama", max_hours="2.00")
    offering(course, "nbcc")
    purge_queue()

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_page(viewport)
        login(page, site, user.email)
        page.goto(f"{site}/learning/credit/{course.pk}/claim/")
        expect(page.get_by_role("heading", name="Claim CE credit")).to_be_visible()
        # The psychologist's own board is chosen for them; the license comes from the profile.
        expect(page.get_by_label("APA: CE credits")).to_be_checked()
        expect(page.get_by_label("License number")).to_have_value("PSY-123456")
        assert horizontal_overflow(page) <= 0
        screenshot(page, f"credit-claim{suffix}")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    page = new_page(DESKTOP)
    login(page, site, user.email)
    page.goto(f"{site}/learning/credit/{course.pk}/claim/")
    page.get_by_label("Hours you spent").fill("2.5")
    page.get_by_label("I attest").check()
    page.get_by_role("button", name="Claim credit").click()
    expect(page.get_by_role("alert")).to_contain_text("You can claim at most 2.0 hours")
    expect(page.get_by_label("Hours you spent")).to_have_value("2.5")  # nothing typed is lost
    screenshot(page, "credit-claim-refused")
    page.get_by_label("Hours you spent").fill("1.75")
    page.get_by_role("button", name="Claim credit").click()
    page.wait_for_url(f"{site}/learning/credit/transcript/")
    expect(page.get_by_text("APA credit claimed: 1.75 hours.")).to_be_visible()

    page.goto(f"{site}/learning/credit/{course.pk}/claim/")
    page.get_by_label("ACCME/AMA: AMA PRA Category 1 Credits\u2122").check()
    page.get_by_label("Hours you spent").fill("2")
    page.get_by_label("I attest").check()
    page.get_by_role("button", name="Claim credit").click()
    page.wait_for_url(f"{site}/learning/credit/transcript/")
    purge_queue()
    claims = {c.offering_id: c for c in CreditClaim.objects.all()}
    for c in claims.values():
        certificate_issue(certificate_id=c.certificate_id)

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_page(viewport)
        login(page, site, user.email)
        page.goto(f"{site}/learning/credit/transcript/?start=2020-01-01&end=2030-12-31")
        expect(page.get_by_text("APA: 1.75 CE credits (1 issued)")).to_be_visible()
        expect(page.get_by_text("ACCME/AMA: 2.0 AMA PRA Category 1 Credits\u2122 (1 issued)")).to_be_visible()
        assert horizontal_overflow(page) <= 0
        screenshot(page, f"credit-transcript{suffix}")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    for name, off in (("certificate-apa", apa), ("certificate-ama", ama)):
        certificate = claims[off.pk].certificate
        certificate.refresh_from_db()
        out = tmp_path / name
        subprocess.run(
            ["pdftoppm", "-png", "-singlefile", "-scale-to-x", "1280", "-scale-to-y", "-1", certificate.pdf.path, out],
            check=True,
        )
        save_artifact(f"{out}.png", name)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF", exact=True).click()
    pdf = tmp_path / "transcript.pdf"
    download.value.save_as(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-singlefile", "-scale-to-x", "1280", "-scale-to-y", "-1", pdf, tmp_path / "tr"],
        check=True,
    )
    save_artifact(tmp_path / "tr.png", "credit-transcript-pdf")
