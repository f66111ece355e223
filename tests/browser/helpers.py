"""Helpers shared by the browser tests."""

import json
import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# The machine has no internet: without the background-networking flags
# Chromium keeps trying to reach Google services and floods refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def login(page, base, email, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def axe_violations(page):
    """Run axe-core in the page; return its serious and critical violations."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe_violations(violations):
    return json.dumps(
        [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")} for n in v["nodes"][:5]],
            }
            for v in violations
        ],
        indent=2,
    )


def horizontal_overflow(page):
    """How many CSS pixels the page is wider than the viewport (0 or less is good)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def save_artifact(path, name):
    """Keep a file the suite made (e.g. a rendered PDF page) with the screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / f"{name}{Path(path).suffix}")


def start_quiz(page, button_name):
    """Press the start button on a quiz page; return the new attempt."""
    from quizzes.models import Attempt

    page.get_by_role("button", name=button_name).click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/$"))
    return Attempt.objects.get(pk=int(re.search(r"/attempts/(\d+)/", page.url).group(1)))


def answer_quiz(page, form_items):
    """Tick the given choices (as tests.factories.correct_form/wrong_form
    give them), letting each autosave finish as a person would, and submit."""
    saved = page.locator("[data-save-status]")
    for name, values in form_items:
        for value in values:
            page.locator(f"input[name='{name}'][value='{value}']").check()
            expect(saved).to_have_text("All answers saved.")
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/result/$"))
