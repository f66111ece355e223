"""Take the README screenshots (docs/screenshots/) of the real flagship course.

Start the development server first (`make run`), then, in a second terminal
with the same environment (the script and the server must share a database):

    .venv/bin/python scripts/take_screenshots.py [--base-url http://127.0.0.1:8000]

Debian's Chromium (driven by Playwright) walks a throwaway learner through
the course: home page, a lesson, a quiz attempt, its result with the review,
the dashboard, the certificate PDF (first page via pdftoppm) and the public
verification page.

Two shortcuts go through `manage.py shell -c`, for the script's own
throwaway learner only: creating that learner (a verified e-mail address and
a profile), and, to reach a certificate without reading 24 lessons and
passing seven quizzes in the browser, completing the remaining requirements
with the same service functions the views call. The certificate itself is
rendered by the running Celery worker, and every picture is what the
browser shows.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - one list of Chromium flags

OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
COURSE_SLUG = "trd-tms-ketamine-combined-care"
LESSON_TITLE = "Where and how fast: the dlPFC target and stimulation frequency"
PASSWORD = "screenshot-learner-2026"  # noqa: S105 - throwaway dev learner
LEGAL_NAME = "Jordan A. Rivera"
MAX_BYTES = 400_000

CREATE_LEARNER = """
import os
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from accounts.models import LearnerProfile
email = os.environ["SHOT_EMAIL"]
user = get_user_model().objects.create_user(email=email, password=os.environ["SHOT_PASSWORD"])
EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
LearnerProfile.objects.create(user=user, legal_name=os.environ["SHOT_NAME"], profession="counselor",
                              license_jurisdiction="Oregon")
"""

ANSWER_KEY = """
import json, os
from quizzes.models import Attempt
attempt = Attempt.objects.get(pk=int(os.environ["SHOT_ATTEMPT"]))
key = [{"name": f"q_{q['id']}", "right": [str(c["id"]) for c in q["choices"] if c["correct"]],
        "wrong": [str(c["id"]) for c in q["choices"] if not c["correct"]]} for q in attempt.snapshot["questions"]]
print("JSON:" + json.dumps(key))
"""

COMPLETE_COURSE = """
import os
from django.contrib.auth import get_user_model
from courses.models import CoursePage, LessonPage, LessonVisit, ModulePage
from datetime import timedelta
from django.utils import timezone
from courses.services import evaluation_submit, lesson_mark_complete, lesson_visit_record
from quizzes.models import Quiz
from quizzes.selectors import user_has_passed
from quizzes.services import attempt_start, attempt_submit
user = get_user_model().objects.get(email=os.environ["SHOT_EMAIL"])
course = CoursePage.objects.live().get(slug=os.environ["SHOT_COURSE"])
for lesson in LessonPage.objects.live().descendant_of(course):
    # As if each lesson had been opened long enough ago to count as read
    # (including the ones the browser just opened, whose first visit stands).
    lesson_visit_record(user=user, lesson=lesson, now=timezone.now() - timedelta(hours=2))
    LessonVisit.objects.filter(user=user, lesson=lesson).update(first_opened_at=timezone.now() - timedelta(hours=2))
    lesson_mark_complete(user=user, lesson=lesson)
quizzes = [*Quiz.objects.filter(module__in=ModulePage.objects.child_of(course)), Quiz.objects.get(course=course)]
for quiz in quizzes:
    if not user_has_passed(user=user, quiz_id=quiz.pk):
        attempt = attempt_start(user=user, quiz=quiz)
        answers = [(f"q_{q['id']}", [str(c["id"]) for c in q["choices"] if c["correct"]])
                   for q in attempt.snapshot["questions"]]
        attempt_submit(user=user, attempt_id=attempt.pk, form_items=answers)
evaluation_submit(user=user, course=course,
                  answers={q.key: "5" if q.kind == "likert" else "" for q in course.evaluation_questions.all()})
"""


def manage_shell(code, **env):
    """Run code in `manage.py shell -c`; return what it printed after "JSON:"."""
    result = subprocess.run(  # noqa: S603 - our own fixed code
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"manage.py shell failed:\n{result.stderr}")
    for line in result.stdout.splitlines():
        if line.startswith("JSON:"):
            return json.loads(line[5:])
    return None


def shot(page, name, max_height=None):
    """Screenshot the page at 1280px width, from the top to the end of the
    footer (no empty strip under a short page), cut at max_height CSS pixels."""
    page.evaluate("window.scrollTo(0, 0)")  # sticky bars then sit where they belong
    page.mouse.move(VIEWPORT["width"] - 1, VIEWPORT["height"] - 1)  # no stray hover highlight
    height = page.evaluate("document.querySelector('.site-footer').getBoundingClientRect().bottom + window.scrollY")
    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": min(int(height), max_height or int(height))}
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, clip=clip)
    check_size(path)


def check_size(path):
    size = path.stat().st_size
    print(f"{path.relative_to(ROOT)}: {size // 1000} KB")
    if size > MAX_BYTES:
        sys.exit(f"{path.name} is larger than {MAX_BYTES // 1000} KB; lower its max_height")


def answer(page, key, wrong_names=()):
    """Tick answers from the key: right ones, or a wrong one for wrong_names."""
    saved = page.locator("[data-save-status]")
    for item in key:
        for value in item["wrong"][:1] if item["name"] in wrong_names else item["right"]:
            page.locator(f"input[name='{item['name']}'][value='{value}']").check()
            expect(saved).to_have_text("All answers saved.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    base = parser.parse_args().base_url.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    email = f"screenshots-{int(time.time())}@example.org"
    shell_env = {"SHOT_EMAIL": email, "SHOT_PASSWORD": PASSWORD, "SHOT_NAME": LEGAL_NAME, "SHOT_COURSE": COURSE_SLUG}
    manage_shell(CREATE_LEARNER, **shell_env)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()
        page.set_default_timeout(30_000)

        page.goto(base + "/")
        shot(page, "home")

        page.goto(base + "/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

        # Enrol, then read module 1 and the first lesson of module 2 in the browser.
        page.goto(f"{base}/courses/{COURSE_SLUG}/")
        course_url = page.url
        page.get_by_role("button", name="Enrol in this course").click()
        modules = page.locator(".outline-module")
        lessons = modules.nth(0).locator(".outline-lessons li:not(.outline-quiz) a").all()
        lessons.append(modules.nth(1).locator(".outline-lessons a").first)
        for href in [lesson.get_attribute("href") for lesson in lessons]:
            page.goto(base + href)
            page.get_by_role("button", name=re.compile("^Mark lesson complete")).click()
        page.goto(course_url)

        # Module 1 quiz: a part-answered attempt, then a result with one mistake.
        page.locator(".outline-module").first.locator(".outline-quiz a").click()
        page.get_by_role("button", name="Start the quiz").click()
        page.wait_for_url(f"{base}/quizzes/attempts/*/")
        attempt_id = page.url.rstrip("/").rsplit("/", 1)[1]
        key = manage_shell(ANSWER_KEY, SHOT_ATTEMPT=attempt_id)
        answer(page, key[:3], wrong_names={key[1]["name"]})
        shot(page, "quiz-attempt", max_height=1500)
        answer(page, key[3:])
        page.get_by_role("button", name="Submit answers").click()
        page.wait_for_url("**/result/")
        shot(page, "result-review", max_height=1900)

        page.goto(course_url)
        page.get_by_role("link", name=LESSON_TITLE).first.click()
        shot(page, "lesson", max_height=1700)

        page.goto(f"{base}/learning/")
        shot(page, "dashboard")

        # The rest of the course through the services (see the docstring);
        # the running worker then issues the certificate, and the dashboard
        # swaps in the download link when it is ready.
        manage_shell(COMPLETE_COURSE, **shell_env)
        page.goto(f"{base}/learning/")
        download = page.get_by_role("link", name="Download certificate (PDF)")
        expect(download).to_be_visible(timeout=120_000)
        # The box reads "Verification code XXXXX-XXXXX-XXXXX" whether the server or the poller drew it.
        status_text = page.locator("[data-certificate-status]").inner_text()
        code = re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", status_text)[0]

        with page.expect_download() as download_info:
            download.click()
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / "certificate.pdf"
            download_info.value.save_as(pdf)
            subprocess.run(  # noqa: S603
                ["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to-x", "1280", "-scale-to-y", "-1"]
                + [str(pdf), str(OUT / "certificate")],
                check=True,
            )
        check_size(OUT / "certificate.png")

        # What anyone holding the certificate sees (not signed in).
        public = browser.new_context(viewport=VIEWPORT).new_page()
        public.goto(f"{base}/verify/{code}/")
        expect(public.locator(".verify-verdict")).to_have_text("Valid")
        shot(public, "verify")
        browser.close()


if __name__ == "__main__":
    main()
