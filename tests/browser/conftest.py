"""Fixtures for the browser suite: Debian's Chromium driven by Playwright's
sync API against pytest-django's live server (same process, test database),
with real Redis and, where a test needs one, a real Celery worker."""

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP


@pytest.fixture
def browser(monkeypatch):
    """A Chromium for one test, started after the test database is set up and
    stopped before it is torn down.

    While Playwright's sync API runs, an asyncio loop counts as running in this
    thread, so Django (a) refuses ORM calls as "async context" and (b) hands out
    a separate, context-local database connection. The tests call the ORM
    between browser steps on purpose, hence the env var; and pytest-django's
    setup and teardown (serialized rollback) must see the thread's own
    connection, hence a function-scoped browser rather than a shared one.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Close the context-local connection the test used, or it would keep
        # the test database open (and undroppable) until the process ends.
        connections.close_all()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh contexts (separate cookies: one per person)."""
    contexts = []

    def make(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def site(live_server, settings, media_root):
    """The live server's base URL; certificates' QR codes point at it and the
    live server and worker share one media folder."""
    settings.SITE_URL = live_server.url
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def worker_factory(site, tmp_path):
    """Start a real Celery worker on demand (after the test has set things
    up), pointed at the live server's URL; stopped at teardown."""
    from tests.worker import Worker

    workers = []

    def start():
        worker = Worker(tmp_path, SITE_URL=site).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(autouse=True)
def _empty_queue():
    """A task left queued by an earlier test must not reach this test's worker."""
    from tests.worker import purge_queue

    purge_queue()


@pytest.fixture
def graduate(site, worker_factory):
    """A learner who failed a module quiz once, then completed the course and
    holds an issued certificate; also enrolled in a second course whose quiz
    is still to take (a finished course's quizzes cannot be retaken)."""
    from types import SimpleNamespace

    from certificates.models import Certificate, CertificateStatus
    from courses.models import ModulePage
    from courses.services import enrol
    from quizzes.models import Quiz
    from quizzes.services import attempt_start, attempt_submit
    from tests.factories import complete_course, learner, make_course, wrong_form
    from tests.worker import wait_for

    course = make_course(modules=1, lessons=2, questions=4, final_questions=2, title="Combined Care Basics")
    user = learner(email="graduate@example.org", legal_name="Aiyana Redcloud-Smith")
    enrol(user=user, course=course)
    quiz = Quiz.objects.get(module__in=ModulePage.objects.child_of(course))
    failed = attempt_start(user=user, quiz=quiz)
    failed, _ = attempt_submit(user=user, attempt_id=failed.pk, form_items=wrong_form(failed))
    worker_factory()
    complete_course(user, course)
    certificate = wait_for(
        lambda: Certificate.objects.filter(user=user, status=CertificateStatus.ISSUED).first(),
        timeout=60,
        message="the certificate to be issued",
    )
    next_course = make_course(modules=1, lessons=1, questions=4, final_questions=0, title="Ketamine Pharmacology")
    enrol(user=user, course=next_course)
    return SimpleNamespace(
        user=user,
        course=course,
        certificate=certificate,
        failed_attempt=failed,
        next_quiz=Quiz.objects.get(module__in=ModulePage.objects.child_of(next_course)),
    )
