"""The production Content Security Policy blocks nothing the site needs.

A live server runs in this process under the production settings (HSTS,
secure cookies, CSP; see tests/security/production.py) and Debian's
Chromium walks the learner's pages, the public verification pages and the
editor's admin screens, answering a quiz and uploading nothing. Chromium
reports every CSP violation on the console; there must be none, and no
script error either."""

from contextlib import contextmanager

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connection
from django.test import override_settings
from django.test.testcases import LiveServerThread
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright
from wagtail.models import Site

from certificates.models import Certificate
from certificates.services import certificate_issue
from courses.models import LessonPage
from courses.services import enrol
from quizzes.models import Quiz
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, PASSWORD, login
from tests.factories import UserFactory, complete_course, learner, make_course
from tests.reliability.helpers import admin_connection
from tests.security.production import production_overrides
from tests.worker import purge_queue, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@contextmanager
def production_live_server():
    """A live server whose middleware and settings are production's. The
    browser reaches it over plain HTTP on localhost and says, as the TLS
    proxy would, that the request came in over HTTPS."""
    connection.ensure_connection()
    own_pid = connection.connection.info.backend_pid  # this test's session; the server's are the others
    thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
    overrides = production_overrides()
    with override_settings(**overrides):
        thread.daemon = True
        thread.start()
        thread.is_ready.wait(timeout=30)
        if thread.error:
            raise thread.error
        url = f"http://localhost:{thread.port}"
        # Form posts come from this (http) origin while Django sees https.
        with override_settings(CSRF_TRUSTED_ORIGINS=[url]):
            try:
                yield url
            finally:
                thread.terminate()
                thread.join(timeout=10)
                # Request threads close their database sessions once the
                # browser has closed its connections; wait for that.
                wait_for(lambda: other_sessions(own_pid) == 0, timeout=20, message="live server sessions to close")
    assert overrides["CONTENT_SECURITY_POLICY"] and overrides["SESSION_COOKIE_SECURE"]


def other_sessions(own_pid):
    with admin_connection() as admin:
        return admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
            [connection.settings_dict["NAME"], own_pid],
        ).fetchone()[0]


class Watch:
    """Console CSP reports and uncaught script errors of a page."""

    def __init__(self, page):
        self.problems = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: script error: {error}"))
        self.page = page

    def console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"{self.page.url}: {text}")

    def visit(self, url):
        response = self.page.goto(url, wait_until="networkidle")
        assert response.status < 400, (url, response.status)
        assert "content-security-policy" in response.headers, url
        return response


@contextmanager
def chromium():
    """Started after the test's database work: Playwright's sync API switches
    execution contexts, and an ORM call made after that would open a second
    database connection that outlives the test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield lambda: browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
        finally:
            browser.close()


def test_production_csp_blocks_nothing_learners_and_editors_use(media_root):
    course = make_course(modules=1, lessons=2, questions=2, final_questions=2)
    user = learner()
    enrol(user=user, course=course)
    quiz = Quiz.objects.get(module__in=course.get_children())
    lesson = LessonPage.objects.live().descendant_of(course).last()
    graduate = learner()
    complete_course(graduate, make_course(modules=1, lessons=1, questions=2, final_questions=2))
    purge_queue()
    certificate = Certificate.objects.get(user=graduate)
    certificate_issue(certificate_id=certificate.pk)
    admin = UserFactory(is_staff=True, is_superuser=True)
    site = Site.objects.get(is_default_site=True)
    learner_urls = [
        "/",
        course.url,
        lesson.url,
        reverse("dashboard"),
        reverse("profile"),
        reverse("transcript"),
        reverse("certificate_verify_form"),
        reverse("certificate_verify", args=[certificate.code]),
    ]
    admin_urls = [
        "/admin/",
        f"/admin/pages/{course.pk}/",
        f"/admin/pages/{course.pk}/edit/",
        f"/admin/pages/{lesson.pk}/edit/",  # the StreamField editor: the busiest admin script
        "/admin/images/",
        "/admin/images/add/",
        reverse("wagtailsnippets_quizzes_quiz:edit", args=[quiz.pk]),
        reverse("wagtailsnippets_certificates_certificate:list"),
        reverse("certificate_manage", args=[certificate.pk]),
        reverse("quiz_report", args=[quiz.pk]),
        f"/admin/settings/certificates/certificatesettings/{site.pk}/",
        "/admin/users/",
    ]

    with production_live_server() as base, chromium() as browser_context:
        context = browser_context()
        learner_page = context.new_page()
        watch = Watch(learner_page)
        login(learner_page, base, user.email)
        for url in learner_urls:
            watch.visit(base + url)
        # Take the quiz: autosave runs from quiz.js on every change.
        watch.visit(base + reverse("quiz_detail", args=[quiz.pk]))
        learner_page.locator("form[action$='/start/'] button").click()
        for fieldset in learner_page.locator("fieldset[data-question-id]").all():
            fieldset.locator("input").first.check()
        expect(learner_page.locator("[data-save-status]")).to_have_text("All answers saved.")
        learner_page.locator("form.quiz-form button[type=submit]").last.click()
        learner_page.wait_for_url("**/result/")
        # The public verification pages.
        watch.visit(base + reverse("certificate_verify_form"))
        learner_page.get_by_label("Certificate code").fill(certificate.code.lower())
        learner_page.get_by_label("Certificate code").press("Enter")
        learner_page.wait_for_url(f"**/verify/{certificate.code}/")
        context.close()

        context = browser_context()
        editor_page = context.new_page()
        editor_watch = Watch(editor_page)
        editor_page.goto(f"{base}/admin/login/")  # hands over to the site's log-in form
        editor_page.get_by_label("Email").fill(admin.email)
        editor_page.get_by_label("Password").fill(PASSWORD)
        editor_page.get_by_role("button", name="Sign In").click()
        expect(editor_page.get_by_role("navigation", name="Main menu")).to_be_visible()
        for url in admin_urls:
            editor_watch.visit(base + url)
        # The lesson body's rich text is drawn by the StreamField and Draftail scripts.
        editor_watch.visit(base + admin_urls[3])
        expect(editor_page.locator("[data-text=true]", has_text="Lesson text.")).to_be_visible()  # Draftail
        context.close()

    assert watch.problems + editor_watch.problems == []
