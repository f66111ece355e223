"""axe-core audits of the pages learners and the public use most: no
serious or critical violations."""

import pytest
from playwright.sync_api import expect

from courses.models import LessonPage
from tests.browser.helpers import axe_violations, describe_violations, login, screenshot, start_quiz

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_key_pages_have_no_serious_or_critical_axe_violations(site, page, graduate):
    course, user = graduate.course, graduate.user
    lesson = LessonPage.objects.descendant_of(course).get(slug="lesson-1-2")

    found = {}

    def audit(name):
        expect(page.locator("main h1")).to_be_visible()
        found[name] = axe_violations(page)
        screenshot(page, f"a11y-{name}")

    page.goto(site + "/")
    audit("home")
    page.goto(f"{site}/accounts/signup/")
    audit("signup")

    login(page, site, user.email)
    page.goto(site + course.url)
    audit("course")
    page.goto(site + lesson.url)
    audit("lesson")
    # The failed attempt's result shows right and wrong answers.
    page.goto(f"{site}/quizzes/attempts/{graduate.failed_attempt.pk}/result/")
    audit("result")
    page.goto(f"{site}/quizzes/{graduate.next_quiz.pk}/")
    start_quiz(page, "Start the quiz")
    audit("quiz-attempt")
    page.goto(f"{site}/learning/")
    audit("dashboard")
    page.goto(f"{site}/verify/{graduate.certificate.code}/")
    expect(page.locator(".verify-verdict")).to_have_text("Valid")
    audit("verify")

    assert list(found) == ["home", "signup", "course", "lesson", "result", "quiz-attempt", "dashboard", "verify"]
    problems = {name: violations for name, violations in found.items() if violations}
    assert not problems, "\n".join(f"{name}:\n{describe_violations(v)}" for name, v in problems.items())


def test_the_audit_catches_known_violations(page):
    """Guards the check above: axe must really run and report in this setup."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>Broken</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#bbb;background:#fff">Hard to read</p></main></body></html>'
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "color-contrast"} <= found
