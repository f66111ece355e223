"""Revocation, the certification listing and uploaded CE as their users see
them, at desktop and phone width: the learner uploads another provider's
certificate and sees its status; an editor finds it in the admin listing and
sees the certification's audit log; a revoked certification's program page.
Screenshots kept in docs/screenshots; learner pages checked with axe."""

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from certification import services
from certification.models import ExternalCE
from home.services import EDITORS_GROUP, ensure_editor_group
from tests.browser.helpers import DESKTOP, PHONE, axe_violations, describe_violations, horizontal_overflow, login
from tests.browser.helpers import screenshot as save
from tests.browser.test_item_statistics_screens import admin_login
from tests.certification.test_expiry import certify
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def check(page, name):
    assert horizontal_overflow(page) <= 0, name
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    save(page, name)


def test_upload_listing_and_revocation_screens(site, new_page, tmp_path):
    program, user, certification, _ = certify()
    ensure_editor_group()
    editor = UserFactory(email="editor@example.org", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    editor.user_permissions.add(Permission.objects.get(codename="revoke_certification"))
    pdf = tmp_path / "nw-psych-ce.pdf"
    pdf.write_bytes(PDF)
    not_pdf = tmp_path / "scan.pdf"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\nnot a pdf")

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_page(viewport)
        login(page, site, user.email)
        page.goto(f"{site}/certification/programs/{program.slug}/")
        page.get_by_text("Upload a certificate").click()
        page.get_by_label("Provider").fill("Northwest Psychology CE")
        page.get_by_label("Course title").fill(f"Measurement-based care{suffix}")
        page.get_by_label("CE hours").fill("3.25")
        page.get_by_label("Completion date").fill("2026-10-02")
        page.get_by_label("Certificate (PDF)").set_input_files(str(not_pdf))
        page.get_by_role("button", name="Upload for review").click()
        expect(page.get_by_text(services.MSG_CE_NOT_PDF)).to_be_visible()
        page.get_by_label("Provider").scroll_into_view_if_needed()
        save(page, f"certification-ce-upload-form{suffix}", full_page=False)
        page.get_by_label("Certificate (PDF)").set_input_files(str(pdf))
        page.get_by_role("button", name="Upload for review").click()
        expect(page.get_by_text("Certificate uploaded")).to_be_visible()
        expect(page.get_by_text("Waiting for review").first).to_be_visible()
        page.get_by_role("heading", name="CE from other providers").scroll_into_view_if_needed()
        check(page, f"certification-ce-upload{suffix}")

    first = ExternalCE.objects.order_by("pk").first()
    services.external_ce_review(reviewer=editor, upload_id=first.pk, decision="accept", note="")

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        admin = new_page(viewport)
        admin_login(admin, site, editor.email)
        admin.goto(f"{site}/admin/certifications/?q=Rita")
        expect(admin.get_by_text(certification.code)).to_be_visible()
        save(admin, f"certification-admin-list{suffix}")
        admin.goto(f"{site}/admin/certifications/inspect/{certification.pk}/")
        expect(admin.get_by_role("heading", name="Audit log")).to_be_visible()
        save(admin, f"certification-admin-audit{suffix}")
        if viewport is DESKTOP:
            admin.goto(f"{site}/admin/external_ce/")
            expect(admin.get_by_text("Measurement-based care-phone")).to_be_visible()
            save(admin, "certification-admin-uploads")
            admin.goto(f"{site}/admin/certification/awards/{certification.pk}/revoke/")
            admin.get_by_label("Reason").fill("Licence suspended by the state board.")
            admin.get_by_role("button", name="Revoke certification").click()
            expect(admin.get_by_text("Certification revoked").first).to_be_visible()
            save(admin, "certification-admin-revoked")

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_page(viewport)
        login(page, site, user.email)
        page.goto(f"{site}/certification/programs/{program.slug}/")
        expect(page.get_by_text("cannot be renewed")).to_be_visible()
        save(page, f"certification-revoked{suffix}", full_page=False)
