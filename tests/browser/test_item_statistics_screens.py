"""The item-statistics report and the bank import preview as an editor sees
them, at desktop and phone width (screenshots kept in docs/screenshots)."""

import pytest
from playwright.sync_api import expect

from home.services import ensure_editor_group
from quizzes.interchange import export_gift
from quizzes.models import Question, Quiz
from quizzes.statistics_services import quiz_statistics_refresh
from tests.browser.helpers import DESKTOP, PASSWORD, PHONE, SCREENSHOTS, horizontal_overflow, screenshot
from tests.factories import UserFactory, make_course
from tests.quizzes.test_interchange import ITEMS
from tests.quizzes.test_statistics_report import _seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def admin_login(page, base, email):
    """Log in to the admin (works at phone width, where the menu is collapsed):
    the admin's log-in hands over to the site's (allauth's) form, then back."""
    page.goto(f"{base}/admin/login/")
    page.wait_for_url("**/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/admin/")


def test_editor_reads_the_item_statistics_and_previews_an_import(site, new_page, tmp_path):
    course = make_course(modules=1, lessons=1)
    quiz = Quiz.objects.filter(module__isnull=False).first()
    Question.objects.filter(quiz=quiz).delete()
    _seed(quiz, course.objectives.first())
    quiz_statistics_refresh(quiz_id=quiz.pk)
    editor = UserFactory(email="stats-editor@example.org")
    editor.groups.add(ensure_editor_group())

    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_page(viewport)
        admin_login(page, site, editor.email)
        page.goto(f"{site}/admin/quiz-reports/{quiz.pk}/")
        expect(page.get_by_role("heading", name="Whole test")).to_be_visible()
        expect(page.get_by_text("negative discrimination").first).to_be_visible()
        expect(page.get_by_text("distractor picked more by the top third than the bottom: lure C")).to_be_visible()
        assert horizontal_overflow(page) <= 0  # wide tables scroll inside their box, not the page
        screenshot(page, f"admin-item-statistics{suffix}")
        lure = page.locator("tr", has_text="lure-")
        lure.locator("summary").click()  # the choice counts, overall and by thirds
        expect(lure.get_by_text("lure C: 10 / 7 / 0")).to_be_visible()
        if viewport is DESKTOP:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            lure.screenshot(path=str(SCREENSHOTS / "admin-item-statistics-distractors.png"))

        final = Quiz.objects.get(course=course)
        bank = tmp_path / "bank.txt"
        bank.write_bytes(export_gift(ITEMS))
        page.goto(f"{site}/admin/quiz-bank/{final.pk}/import/")
        page.get_by_label("Format").select_option("gift")
        page.get_by_label("File").set_input_files(str(bank))
        page.get_by_role("button", name="Preview the import").click()
        expect(page.get_by_text("3 new items, 0 updated, 0 unchanged")).to_be_visible()
        assert horizontal_overflow(page) <= 0
        screenshot(page, f"admin-bank-import-preview{suffix}")
    assert not Question.objects.filter(key="rt-single").exists()  # previews wrote nothing
