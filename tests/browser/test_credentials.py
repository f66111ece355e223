"""A learner downloads their credential from the dashboard; anyone checks the
file on the "verify a credential file" page, on a desktop and a phone."""

import json

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate
from certificates.services import certificate_issue
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    login,
    screenshot,
)
from tests.factories import complete_course, learner, make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def holder(site):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2, title="Combined Care Basics")
    user = learner(email="holder@example.org", legal_name="Aiyana Redcloud-Smith")
    complete_course(user, course)
    return user, certificate_issue(certificate_id=Certificate.objects.get(user=user).pk)


def test_learner_downloads_the_credential_and_a_verifier_checks_it(site, new_page, holder, tmp_path):
    user, certificate = holder
    page = new_page(DESKTOP)
    login(page, site, user.email)
    page.goto(f"{site}/learning/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Digital credential (.json)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"credential-{certificate.code}.json"
    document = json.loads(path.read_text())

    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        verifier = new_page(viewport)
        verifier.goto(f"{site}/credentials/verify/")
        verifier.get_by_label("Credential file (.json)").set_input_files(str(path))
        verifier.get_by_role("button", name="Verify the file").click()
        expect(verifier.locator(".verify-verdict")).to_have_text("Valid")
        assert horizontal_overflow(verifier) <= 0, name
        violations = axe_violations(verifier)
        assert violations == [], describe_violations(violations)
        screenshot(verifier, f"credential-verify-valid-{name}")

    tampered = tmp_path / "tampered.json"
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 60.0
    tampered.write_text(json.dumps(document))
    verifier = new_page(PHONE)
    verifier.goto(f"{site}/credentials/verify/")
    verifier.get_by_label("Credential file (.json)").set_input_files(str(tampered))
    verifier.get_by_role("button", name="Verify the file").click()
    expect(verifier.locator(".verify-verdict")).to_have_text("Not valid")
    expect(verifier.get_by_role("status")).to_contain_text("Signature")
    screenshot(verifier, "credential-verify-tampered-phone")

    public = new_page(DESKTOP)
    public.goto(f"{site}/verify/{certificate.code}/")
    expect(public.get_by_text("Digital credential")).to_be_visible()
    screenshot(public, "certificate-verify-with-credential")
