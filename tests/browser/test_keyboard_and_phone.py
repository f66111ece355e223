"""The quiz works with the keyboard alone, and key pages fit a phone screen."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import LessonPage, ModulePage
from courses.services import enrol
from quizzes.models import Attempt, Quiz
from tests.browser.helpers import PHONE, horizontal_overflow, login, screenshot, start_quiz
from tests.factories import correct_form, learner, make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FOCUSED = """() => {
  const el = document.activeElement;
  return {tag: el.tagName, type: el.type || "", name: el.name || "", value: el.value || "",
          checked: !!el.checked, text: (el.innerText || "").trim(),
          outline: getComputedStyle(el).outlineStyle};
}"""


def tab_to(page, is_target, limit=60):
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if is_target(focused):
            return focused
    raise AssertionError(f"Tab never reached the target in {limit} presses")


def test_a_quiz_can_be_taken_with_the_keyboard_alone(site, page):
    course = make_course(modules=1, lessons=1, questions=4, final_questions=0)
    quiz = Quiz.objects.get(module__in=ModulePage.objects.child_of(course))
    user = learner()
    enrol(user=user, course=course)
    login(page, site, user.email)
    page.goto(f"{site}/quizzes/{quiz.pk}/")

    tab_to(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Start the quiz")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/$"))
    attempt = Attempt.objects.get(pk=int(re.search(r"/attempts/(\d+)/", page.url).group(1)))
    correct = {name: set(values) for name, values in correct_form(attempt)}

    # Tab through the form: Arrow keys pick within a radio group, Space ticks
    # a checkbox; stop at the submit button.
    visited = set()
    for _ in range(60):
        el = page.evaluate(FOCUSED)
        if el["tag"] == "BUTTON" and el["text"] == "Submit answers":
            break
        if el["name"] in correct:
            assert el["outline"] != "none", f"no visible focus on {el}"
            visited.add(el["name"])
            if el["type"] == "radio":
                for _ in range(8):
                    if el["value"] in correct[el["name"]]:
                        break
                    page.keyboard.press("ArrowDown")
                    el = page.evaluate(FOCUSED)
                if not el["checked"]:
                    page.keyboard.press("Space")
            elif el["type"] == "checkbox" and (el["value"] in correct[el["name"]]) != el["checked"]:
                page.keyboard.press("Space")
        page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never reached the submit button")
    assert visited == set(correct)
    expect(page.locator("[data-answered-count]")).to_have_text("4")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/result/$"))
    expect(page.get_by_role("heading", name="Passed: 100%")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100


def test_key_pages_fit_a_phone_screen_without_horizontal_scrolling(site, new_page, graduate):
    page = new_page(viewport=PHONE)
    lesson = LessonPage.objects.descendant_of(graduate.course).get(slug="lesson-1-1")
    widths = {}

    def measure(name):
        expect(page.locator("main h1")).to_be_visible()
        widths[name] = horizontal_overflow(page)
        screenshot(page, f"phone-{name}")

    page.goto(site + "/")
    measure("home")
    login(page, site, graduate.user.email)
    page.goto(site + graduate.course.url)
    measure("course")
    page.goto(site + lesson.url)
    measure("lesson")
    page.goto(f"{site}/quizzes/{graduate.next_quiz.pk}/")
    start_quiz(page, "Start the quiz")
    measure("quiz-attempt")
    page.goto(f"{site}/learning/")
    measure("dashboard")
    page.goto(f"{site}/verify/{graduate.certificate.code}/")
    measure("verify")

    assert list(widths) == ["home", "course", "lesson", "quiz-attempt", "dashboard", "verify"]
    too_wide = {name: px for name, px in widths.items() if px > 0}
    assert not too_wide, f"pages wider than the phone screen (extra CSS px): {too_wide}"
    # The measurement itself notices a page that is too wide.
    wide = "main => { main.appendChild(document.createElement('div')).style.cssText = 'width:600px;height:1px'; }"
    page.locator("main").evaluate(wide)
    assert horizontal_overflow(page) > 0
