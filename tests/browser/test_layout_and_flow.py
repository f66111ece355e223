"""Layout on a phone (375 px) and a desktop, and the flow from lesson to quiz
to the next module, as a learner meets them in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import LessonPage, ModulePage
from courses.services import enrol
from quizzes.models import Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.browser.helpers import DESKTOP, PHONE, answer_quiz, horizontal_overflow, login, screenshot, start_quiz
from tests.factories import correct_form, learner, make_course, wrong_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDE_TABLE = {
    "table_caption": "Response and remission rates reported across trials of each treatment, by follow-up week",
    "first_row_is_table_header": True,
    "first_col_is_header": True,
    "data": [
        ["Treatment", "Week 2 response", "Week 4 response", "Week 8 response", "Week 12 remission", "Dropout"],
        ["Esketamine with an oral antidepressant", "31%", "44%", "52%", "36%", "8%"],
        ["High-frequency rTMS over left dlPFC", "12%", "29%", "41%", "30%", "5%"],
    ],
}

RECT = "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def _box(page, selector):
    return page.locator(selector).first.evaluate(RECT)


def test_reading_in_order_reaches_each_quiz_and_then_the_next_module(site, page):
    course = make_course(modules=2, lessons=2, questions=4, final_questions=2, title="Flow Course")
    m1, m2 = ModulePage.objects.child_of(course).order_by("path")
    quiz = Quiz.objects.get(module=m1)
    user = learner()
    enrol(user=user, course=course)
    login(page, site, user.email)
    page.goto(site + LessonPage.objects.get(slug="lesson-1-1", path__startswith=course.path).url)

    page.get_by_role("button", name="Mark lesson complete and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson 1.2")
    page.get_by_role("button", name="Mark lesson complete and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(quiz.title)

    attempt = start_quiz(page, "Start the quiz")
    answer_quiz(page, correct_form(attempt))
    page.get_by_role("link", name="Continue: Lesson 2.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson 2.1")
    page.get_by_role("button", name="Mark lesson complete and continue").click()
    page.get_by_role("button", name="Mark lesson complete and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(Quiz.objects.get(module=m2).title)
    attempt = start_quiz(page, "Start the quiz")
    answer_quiz(page, correct_form(attempt))
    final = Quiz.objects.get(course=course)
    page.get_by_role("link", name=f"Continue: {final.title}").click()
    attempt = start_quiz(page, "Start the quiz")
    answer_quiz(page, correct_form(attempt))
    page.get_by_role("link", name="Continue: Course evaluation").click()
    expect(page.get_by_role("button", name="Submit evaluation")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_pages_fit_the_screen_and_keep_clear_of_the_footer(site, new_page, viewport):
    course = make_course(modules=1, lessons=2, questions=4, final_questions=0, title="Layout Course")
    module = ModulePage.objects.child_of(course).get()
    quiz = Quiz.objects.get(module=module)
    lesson = LessonPage.objects.get(slug="lesson-1-2", path__startswith=course.path)
    lesson.body = [("paragraph", "<p>Before the table.</p>"), ("table", WIDE_TABLE)]
    lesson.save_revision().publish()
    user = learner()
    enrol(user=user, course=course)
    for _ in range(2):  # two graded attempts for the history table
        attempt = attempt_start(user=user, quiz=quiz)
        attempt_submit(user=user, attempt_id=attempt.pk, form_items=wrong_form(attempt))
    page = new_page(viewport)
    login(page, site, user.email)
    width = viewport["width"]

    pages = {"course": course.url, "quiz": f"/quizzes/{quiz.pk}/", "lesson": lesson.url, "dashboard": "/learning/"}
    for name, url in pages.items():
        page.goto(site + url)
        assert horizontal_overflow(page) <= 0, f"{name} is wider than {width} px"
        # Content keeps clear of the footer.
        main_bottom = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('main > *')].map(e => e.getBoundingClientRect().bottom))"
        )
        footer_top = _box(page, ".site-footer")[1]
        assert footer_top - main_bottom >= 24, f"{name}: content {footer_top - main_bottom:.0f} px from the footer"
        screenshot(page, f"layout-{name}-{width}")

    # A box's heading sits at its top, with no empty band above it.
    page.goto(site + course.url)
    panel, heading = _box(page, "#enrol"), _box(page, "#enrol h2")
    assert heading[1] - panel[1] <= 24, f"{heading[1] - panel[1]:.0f} px above the box heading"

    # The attempts table: the result link of every attempt is on screen.
    page.goto(site + f"/quizzes/{quiz.pk}/")
    for link in page.get_by_role("link", name=re.compile(r"^Result")).all():
        right = link.evaluate("el => el.getBoundingClientRect().right")
        assert right <= width, f"result link ends at {right:.0f} px"

    # The lesson table: the caption is whole and the table says it scrolls.
    page.goto(site + lesson.url)
    caption = page.locator(".table-caption")
    expect(caption).to_have_text(WIDE_TABLE["table_caption"])
    left, _, right, _ = _box(page, ".table-caption")
    assert left >= 0 and right <= width
    assert caption.evaluate("el => el.scrollWidth <= el.clientWidth")
    scrolls = page.locator("[data-table-scroll]").evaluate("b => b.scrollWidth > b.clientWidth")
    hint = page.locator("[data-table-hint]")
    if scrolls:
        expect(hint).to_be_visible()
        expect(page.locator("[data-table-scroll]")).to_have_class(re.compile("is-scrollable"))
    else:
        expect(hint).to_be_hidden()
    if width == PHONE["width"]:
        assert scrolls, "the six-column table should scroll on a phone"

    # The result page's buttons do not touch.
    page.goto(site + f"/quizzes/{quiz.pk}/")
    page.get_by_role("link", name=re.compile(r"^Result")).first.click()
    buttons = page.locator(".result .button")
    expect(buttons).to_have_count(2)
    first, second = (buttons.nth(i).evaluate(RECT) for i in range(2))
    gap = max(second[0] - first[2], second[1] - first[3])
    assert gap >= 8, f"the result page's buttons are {gap:.0f} px apart"
    assert horizontal_overflow(page) <= 0
    screenshot(page, f"layout-result-{width}")
