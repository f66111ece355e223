"""An editor's work in the Wagtail admin, checked from the learner's and the
public's side: publish a lesson change, add a quiz question, revoke a
certificate."""

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate, CertificateStatus
from courses.models import LessonPage, ModulePage
from courses.services import enrol
from home.services import ensure_editor_group
from quizzes.models import Question, Quiz
from tests.browser.helpers import PASSWORD, login, screenshot
from tests.factories import UserFactory, complete_course, learner, make_course
from tests.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_SUMMARY = "Revised: how coil placement over the left dlPFC is chosen."


def admin_login(page, base, email):
    # The admin's log-in hands over to the site's (allauth's) form, then back.
    page.goto(f"{base}/admin/login/")
    page.wait_for_url("**/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()


def test_editor_publishes_a_lesson_adds_a_question_and_revokes_a_certificate(site, new_page, worker_factory):
    course = make_course(modules=1, lessons=2, questions=2, final_questions=2)
    lesson = LessonPage.objects.descendant_of(course).get(slug="lesson-1-1")
    module_quiz = Quiz.objects.get(module__in=ModulePage.objects.child_of(course))
    reader = learner(email="reader@example.org")
    enrol(user=reader, course=course)
    graduate = learner(email="graduate@example.org", legal_name="Jonas Whitfield")
    worker_factory()
    complete_course(graduate, course)
    editor = UserFactory(email="editor@example.org")
    editor.groups.add(ensure_editor_group())

    editor_page = new_page()
    admin_login(editor_page, site, editor.email)

    # Edit the lesson's summary and publish it.
    editor_page.goto(f"{site}/admin/pages/{lesson.pk}/edit/")
    editor_page.get_by_role("textbox", name="Summary").fill(NEW_SUMMARY)
    editor_page.locator("footer .w-dropdown__toggle").click()
    editor_page.locator("button[name=action-publish]").click()
    expect(editor_page.get_by_text(f"Page '{lesson.title}' has been published.")).to_be_visible()

    # The learner sees the published change.
    reader_page = new_page()
    login(reader_page, site, reader.email)
    reader_page.goto(site + lesson.url)
    expect(reader_page.locator(".lesson .lead")).to_have_text(NEW_SUMMARY)

    # Add a question to the module quiz through the Quizzes menu.
    editor_page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Quizzes").click()
    editor_page.get_by_role("link", name="Questions").click()
    editor_page.get_by_role("link", name="Add question").first.click()
    editor_page.get_by_role("button", name="Choose quiz").click()
    editor_page.locator(".modal").get_by_role("link", name=module_quiz.title, exact=True).click()
    expect(editor_page.locator("#id_quiz-title")).to_have_text(module_quiz.title)
    editor_page.get_by_role("textbox", name="Key").fill("tms-coil-target")
    editor_page.get_by_role("combobox", name="Type").select_option(label="Single best answer")
    editor_page.get_by_role("textbox", name="Stem").fill(
        "Which region do standard TMS protocols for depression target?"
    )
    editor_page.locator("#id_choices-0-text").fill("Left dorsolateral prefrontal cortex")
    editor_page.locator("#id_choices-0-is_correct").check()
    editor_page.locator("#id_choices-1-text").fill("Primary visual cortex")
    editor_page.get_by_role("button", name="Add choice").click()  # a single-answer item needs three
    editor_page.locator("#id_choices-2-text").fill("Cerebellar vermis")
    editor_page.get_by_role("textbox", name="Explanation").fill("Most protocols stimulate the left dlPFC.")
    screenshot(editor_page, "admin-question-add")
    editor_page.get_by_role("button", name="Save").click()
    expect(editor_page.locator(".messages")).to_contain_text("created")
    question = Question.objects.get(key="tms-coil-target")
    assert question.quiz_id == module_quiz.pk and question.type == "single"
    assert [(c.text, c.is_correct) for c in question.choices.order_by("sort_order")] == [
        ("Left dorsolateral prefrontal cortex", True),
        ("Primary visual cortex", False),
        ("Cerebellar vermis", False),
    ]

    # Revoke the graduate's (issued) certificate from the Certificates menu.
    certificate = wait_for(
        lambda: Certificate.objects.filter(user=graduate, status=CertificateStatus.ISSUED).first(),
        timeout=60,
        message="the graduate's certificate to be issued",
    )
    editor_page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Certificates").click()
    row = editor_page.locator("tr", has_text=certificate.code)
    row.get_by_role("link", name="Manage").click()
    reason = "Issued in error: the evaluation was submitted by someone else."
    editor_page.get_by_role("textbox", name="Reason").fill(reason)
    editor_page.get_by_role("button", name="Revoke certificate").click()
    # Nothing changes until the editor confirms.
    expect(editor_page.get_by_role("heading", name=f"Revoke certificate {certificate.code}?")).to_be_visible()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    editor_page.get_by_role("button", name=f"Yes, revoke {certificate.code}").click()
    expect(editor_page.get_by_text(f"Certificate {certificate.code} revoked.")).to_be_visible()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoked_reason == reason

    public_page = new_page()
    public_page.goto(f"{site}/verify/{certificate.code}/")
    expect(public_page.locator(".verify-verdict")).to_have_text("Revoked")
    expect(public_page.locator(".facts")).to_contain_text("Jonas Whitfield")
