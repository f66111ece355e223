"""CSV formula injection: every cell of every CSV file the project writes
(its own quiz reports and Wagtail's report exports) is neutralised."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from core.spreadsheets import FORMULA_STARTS, safe_cell
from quizzes.models import Question, Quiz
from tests.factories import UserFactory, make_course

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def is_formula(cell):
    return cell.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_neutralises_every_formula_start(payload):
    assert safe_cell(payload) == "'" + payload and not is_formula(safe_cell(payload))


def test_safe_cell_keeps_numbers_and_plain_text():
    assert [safe_cell(v) for v in (-3, 2.5, 0, "Ada Núñez", None, "")] == [-3, 2.5, 0, "Ada Núñez", "", ""]


def read_csv(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_quiz_report_csv_neutralises_titles_and_stems():
    course = make_course(modules=1, lessons=1, questions=len(PAYLOADS), final_questions=2)
    quiz = Quiz.objects.filter(module__in=course.get_children()).get()
    Quiz.objects.filter(pk=quiz.pk).update(title=PAYLOADS[0])
    for question, payload in zip(quiz.questions.order_by("pk"), PAYLOADS, strict=True):
        Question.objects.filter(pk=question.pk).update(key=payload, stem=payload)
    # One graded attempt, so the item-statistics export has a row per item.
    from courses.services import enrol
    from quizzes.services import attempt_start, attempt_submit
    from quizzes.statistics_services import quiz_statistics_refresh
    from tests.factories import learner, wrong_form

    taker = learner()
    enrol(user=taker, course=course)
    attempt = attempt_start(user=taker, quiz=quiz)
    attempt_submit(user=taker, attempt_id=attempt.pk, form_items=wrong_form(attempt))
    quiz_statistics_refresh(quiz_id=quiz.pk)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # The quiz list (titles) and the item statistics (keys and stems).
    rows = read_csv(client.get(reverse("quiz_report_index"), {"export": "csv"}))
    rows += read_csv(client.get(reverse("quiz_report", args=[quiz.pk]), {"export": "csv"}))
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if is_formula(cell)] == []
    assert "'" + PAYLOADS[0] in cells and "'@SUM(A1)" in cells


def test_wagtail_report_csv_exports_neutralise_page_titles():
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    course.title = PAYLOADS[1]
    course.save_revision().publish()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/reports/aging-pages/", "/admin/reports/site-history/"):
        rows = read_csv(client.get(url, {"export": "csv"}))
        cells = [cell for row in rows for cell in row]
        assert "'" + PAYLOADS[1] in cells, url
        assert [cell for cell in cells if is_formula(cell)] == [], url


def test_no_project_code_writes_csv_without_the_helper():
    """A new CSV export must use core.spreadsheets.csv_writer."""
    offenders = []
    skip = ("var", "node_modules", "tests", "bench", "test-artifacts")  # and hidden folders (.venv)
    folders = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in skip and not p.name.startswith(".")]
    for path in (f for folder in folders for f in folder.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.as_posix() == "core/spreadsheets.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
            offenders.append(str(rel))
    assert offenders == []
