"""A learner's whole journey in a real browser: sign up, confirm the e-mail,
fill in the profile, enrol, read, fail and pass a quiz, finish the course,
watch the certificate arrive, download it and follow its QR code."""

import io
import re
import subprocess

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from pyzbar.pyzbar import decode as decode_qr

from certificates.models import Certificate, CertificateStatus
from courses.models import ModulePage
from quizzes.models import Attempt, Quiz
from tests.browser.helpers import answer_quiz, save_artifact, screenshot, start_quiz
from tests.factories import correct_form, make_course, wrong_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EMAIL = "mira.castellanos@example.org"
PASSWORD = "tms-and-ketamine-2024"
LEGAL_NAME = "Mira Castellanos-Núñez"


def test_learner_signs_up_completes_a_course_and_verifies_the_certificate(
    site, page, mailoutbox, worker_factory, tmp_path
):
    course = make_course(modules=1, lessons=2, questions=4, final_questions=2, title="Browser Journey Course")
    module_quiz = Quiz.objects.get(module__in=ModulePage.objects.child_of(course))

    # Sign up from the home page.
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.locator(".site-nav").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label(re.compile(r"^Password\s*\*?$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # Confirm the address through the link in the e-mail.
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [EMAIL]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    assert link.startswith(site)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # Confirmation signs the learner in; the profile comes next.
    page.locator(".site-nav").get_by_role("link", name="Profile").click()
    page.get_by_label("Legal name").fill(LEGAL_NAME)
    page.get_by_label("Profession").select_option(label="Psychologist")
    page.get_by_role("textbox", name="License number").fill("PSY-778899")
    page.get_by_label("License issued by").fill("Oregon")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()

    # Find the course and enrol.
    page.locator(".site-nav").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name=course.title).first.click()
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_text(f"You are enrolled in {course.title}.")).to_be_visible()

    # Read both lessons, marking each complete.
    page.get_by_role("link", name="Lesson 1.1").first.click()
    page.get_by_role("button", name="Mark lesson complete and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson 1.2")
    screenshot(page, "lesson")
    # The module's last lesson continues to the module quiz, not past it.
    page.get_by_role("button", name="Mark lesson complete and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(module_quiz.title)
    expect(page.get_by_text("Lesson marked complete.")).to_be_visible()

    # Fail the module quiz, read the review, then retake and pass.
    attempt = start_quiz(page, "Start the quiz")
    screenshot(page, "quiz-attempt")
    answer_quiz(page, wrong_form(attempt))
    expect(page.get_by_role("heading", name=re.compile(r"^Not passed: 0%"))).to_be_visible()
    review = page.locator(".review-item")
    expect(review).to_have_count(4)
    expect(review.first).to_contain_text("incorrect")
    expect(review.first).to_contain_text("Why: Because the evidence says so.")
    # The review marks every right option of the first question as it was shown.
    first_question = attempt.snapshot["questions"][0]
    right_options = sum(1 for choice in first_question["choices"] if choice["correct"])
    expect(review.first.locator(".tag-correct")).to_have_count(right_options)
    screenshot(page, "result-review")

    page.get_by_role("link", name="Try again").click()
    attempt = start_quiz(page, "Start a new attempt")
    assert attempt.number == 2
    answer_quiz(page, correct_form(attempt))
    expect(page.get_by_role("heading", name="Passed: 100%")).to_be_visible()

    # Pass the final exam.
    page.get_by_role("link", name="Course outline").click()
    final_exam = Quiz.objects.get(course=course)
    page.get_by_role("link", name=final_exam.title).click()
    attempt = start_quiz(page, "Start the quiz")
    answer_quiz(page, correct_form(attempt))
    expect(page.get_by_role("heading", name="Passed: 100%")).to_be_visible()

    # The evaluation is the last requirement; submitting it earns the certificate.
    page.get_by_role("link", name="Course outline").click()
    expect(page.locator(".remaining")).to_have_text("Complete the course evaluation")
    page.get_by_role("link", name="Complete the course evaluation").click()
    page.get_by_label("Strongly agree").check()
    page.get_by_label("Comments").fill("Clear and practical.")
    page.get_by_role("button", name="Submit evaluation").click()
    status_box = page.locator("[data-certificate-status]")
    expect(status_box).to_contain_text("Your certificate is being prepared.")
    assert Certificate.objects.get(user__email=EMAIL).status == CertificateStatus.PENDING

    # Only now does a worker start, so the page must change from pending to
    # ready by itself: a marker set in the window proves it never reloaded.
    page.evaluate("window.__notReloaded = true")
    worker = worker_factory()
    download_link = page.get_by_role("link", name="Download certificate (PDF)")
    expect(download_link).to_be_visible(timeout=60_000)
    assert page.evaluate("window.__notReloaded === true")
    certificate = Certificate.objects.get(user__email=EMAIL)
    assert certificate.status == CertificateStatus.ISSUED
    expect(status_box).to_contain_text(certificate.code)

    page.locator(".site-nav").get_by_role("link", name="My learning").click()
    expect(page.locator("progress")).to_have_attribute("value", "100")
    screenshot(page, "dashboard")

    # Download the PDF and read it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download certificate (PDF)").click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    text = PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()
    for expected in (LEGAL_NAME, course.title, certificate.code, "2.0"):
        assert expected in text, f"{expected!r} not in the certificate text:\n{text}"

    # The QR code printed on it leads to the public verification page.
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", pdf_path, tmp_path / "page"], check=True)
    (png,) = tmp_path.glob("page*.png")
    symbols = decode_qr(Image.open(png))
    assert len(symbols) == 1
    url = symbols[0].data.decode()
    assert url == f"{site}/verify/{certificate.code}/"
    save_artifact(png, "certificate")

    page.goto(url)
    expect(page.locator(".verify-verdict")).to_have_text("Valid")
    expect(page.locator(".facts")).to_contain_text(LEGAL_NAME)
    expect(page.locator(".facts")).not_to_contain_text("PSY-778899")
    screenshot(page, "verify")

    # The worker also e-mailed the learner once, with the same code.
    mails = worker.mails()
    assert len(mails) == 1 and certificate.code in mails[0].read_text()
    assert Attempt.objects.filter(user__email=EMAIL, quiz=module_quiz).count() == 2
