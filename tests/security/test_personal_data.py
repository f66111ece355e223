"""E-mail addresses and license numbers stay out of URLs, logs and error
reports, and pages that show them are never stored by a browser or proxy.

The learner journey runs through HTTP end to end (sign-up, e-mail
confirmation, profile, course, quizzes, evaluation, a certificate issued by a
real worker, downloads, export, log-out, a failed log-in, a password reset)
while every log record of the test process, at DEBUG, is captured; the
worker's own log is checked too."""

import logging
import re
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from accounts.models import LearnerProfile
from certificates.models import Certificate
from courses.models import LessonPage, ModulePage
from quizzes.models import Attempt, Quiz
from tests.factories import correct_form, make_course
from tests.security.production import production_settings
from tests.worker import wait_for

EMAIL = "ada.privacy-probe@example.org"
LICENSE = "LIC-7734-QXZ"
PASSWORD = "quiet lantern orchard"
SECRETS = (EMAIL, LICENSE, EMAIL.replace("@", "%40"))


class Capture(logging.Handler):
    """Every record reaching the root logger, before any handler's filters."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        line = f"{record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)


@pytest.fixture
def captured_logs():
    root = logging.getLogger()
    capture, level = Capture(), root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(capture)
    root.setLevel(level)


class Browser:
    """A test client that remembers every URL it was sent to and every page it got."""

    def __init__(self):
        self.client = Client()
        self.urls, self.pages = [], []

    def _record(self, response):
        for url, _status in response.redirect_chain:
            self.urls.append(url)
        request = response.request
        self.urls.append(request["PATH_INFO"] + ("?" + request["QUERY_STRING"] if request.get("QUERY_STRING") else ""))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.pages.append((self.urls[-1], response, body))
        return response

    def get(self, url, **kw):
        self.urls.append(url)
        return self._record(self.client.get(url, follow=True, **kw))

    def post(self, url, data=None, **kw):
        self.urls.append(url)
        return self._record(self.client.post(url, data or {}, follow=True, **kw))


def take_quiz(browser, user, quiz):
    browser.post(reverse("attempt_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=user, quiz=quiz, status="in_progress")
    form = dict(correct_form(attempt))
    browser.post(reverse("attempt_submit", args=[attempt.pk]), form)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_learner_journey_keeps_email_and_license_out_of_urls_and_logs(captured_logs, celery_worker):
    course = make_course(modules=1, lessons=2, questions=2, final_questions=2)
    browser = Browser()

    # Sign up and confirm the e-mail address from the link in the message.
    browser.get(reverse("account_signup"))
    browser.post(reverse("account_signup"), {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
    (confirmation,) = mail.outbox
    link = re.search(r"https?://testserver(/\S+)", confirmation.body).group(1)
    browser.get(link)
    browser.post(link)
    user = get_user_model().objects.get(email=EMAIL)

    # Profile with a license number, a refused edit, then the course.
    profile = {"legal_name": "Ada Núñez", "profession": "psychologist", "license_number": LICENSE}
    browser.post(reverse("profile"), {**profile, "license_jurisdiction": "Oregon"})
    browser.post(reverse("profile"), {**profile, "legal_name": "", "license_jurisdiction": "Oregon"})
    assert LearnerProfile.objects.get(user=user).license_number == LICENSE
    browser.post(reverse("course_enrol", args=[course.pk]))
    for lesson in LessonPage.objects.live().descendant_of(course):
        browser.get(lesson.url)
        browser.post(reverse("lesson_complete", args=[lesson.pk]))
    for quiz in Quiz.objects.filter(module__in=ModulePage.objects.child_of(course)):
        take_quiz(browser, user, quiz)
    take_quiz(browser, user, Quiz.objects.get(course=course))
    browser.post(reverse("course_evaluation", args=[course.pk]), {"relevance": "4", "comments": "Clear."})

    certificate = wait_for(
        lambda: Certificate.objects.filter(user=user, status="issued", emailed_at__isnull=False).first(),
        message="certificate issued",
    )
    for url in (
        course.url,
        reverse("dashboard"),
        reverse("transcript"),
        reverse("certificate_status", args=[course.pk]),
        reverse("certificate_download", args=[certificate.code]),
        reverse("certificate_verify", args=[certificate.code]),
        reverse("data_export"),
        reverse("account_email"),
        reverse("profile"),
        "/no-such-page/",
    ):
        browser.get(url)

    # Log out, fail to log in, ask for a password reset.
    browser.post(reverse("account_logout"))
    browser.post(reverse("account_login"), {"login": EMAIL, "password": "not the password"})
    browser.post(reverse("account_reset_password"), {"email": EMAIL})

    print(f"{len(browser.urls)} URLs, {len(captured_logs.lines)} log records and {len(browser.pages)} pages checked")
    leaks = [url for url in browser.urls if any(s in url for s in SECRETS)]
    assert leaks == []
    logs = captured_logs.lines + celery_worker.output().splitlines()
    assert len(captured_logs.lines) > 0  # the capture works: requests and tasks do log
    assert [line for line in logs if any(s in line for s in SECRETS)] == []

    # Every page that showed the e-mail address or the license number is no-store.
    showing = [(url, r) for url, r, body in browser.pages if any(s.encode() in body for s in (EMAIL, LICENSE))]
    assert {url for url, _ in showing} >= {reverse("data_export"), reverse("account_email")}
    assert [url for url, r in showing if "no-store" not in r.get("Cache-Control", "")] == []


@pytest.mark.django_db
def test_pages_with_personal_data_are_never_stored(client):
    from tests.factories import learner

    user = learner(email=EMAIL)
    LearnerProfile.objects.filter(user=user).update(license_number=LICENSE)
    client.force_login(user)
    for name in ("profile", "data_export", "account_email", "account_close", "account_change_password", "transcript"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "no-store" in response.get("Cache-Control", ""), name


@pytest.mark.django_db
def test_error_reports_leave_out_email_and_license_number():
    """What an error report (mail to admins, error tracker) would carry for a
    failing sign-up or profile request, with the production settings."""
    request = RequestFactory().post(
        "/account/profile/",
        {"email": EMAIL, "login": EMAIL, "license_number": LICENSE, "legal_name": "Ada Núñez", "password": PASSWORD},
    )

    def failing_view(email, license_number):
        raise RuntimeError("boom")

    get_default_exception_reporter_filter.cache_clear()  # Django caches the configured filter
    try:
        with production_settings():
            try:
                failing_view(EMAIL, LICENSE)
            except RuntimeError:
                report = ExceptionReporter(request, *sys.exc_info())
                text, html = report.get_traceback_text(), report.get_traceback_html()
    finally:
        get_default_exception_reporter_filter.cache_clear()
    assert "boom" in text and "license_number" in text  # the report itself is complete
    for secret in (EMAIL, LICENSE, PASSWORD):
        assert secret not in text and secret not in html
