"""Item analysis for editors and the learner-eye preview."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from home.services import EDITORS_GROUP, ensure_editor_group
from quizzes.models import Quiz
from quizzes.services import attempt_start, attempt_submit
from quizzes.statistics_services import quiz_statistics_refresh
from tests.factories import correct_form, learner, wrong_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    ensure_editor_group()
    user = learner(email="editor@example.org")
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


def test_quiz_list_counts_attempts_and_pass_rate_and_links_the_item_statistics(client, course, editor):
    from courses.services import enrol

    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    for form in (correct_form, wrong_form, wrong_form):
        user = learner()
        enrol(user=user, course=course)
        attempt = attempt_start(user=user, quiz=quiz)
        attempt_submit(user=user, attempt_id=attempt.pk, form_items=form(attempt))
    client.force_login(editor)
    body = client.get(reverse("quiz_report_index")).content.decode()
    row = body.split(f">{quiz.title}<", 1)[1].split("</tr>", 1)[0]
    assert "<td>3</td><td>1</td>" in row and "33.3%" in row
    assert reverse("quiz_report", args=[quiz.pk]) in row
    quiz_statistics_refresh(quiz_id=quiz.pk)
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    client.get(reverse("quiz_report", args=[quiz.pk]), {"export": "csv"}).streaming_content
                ).decode()
            )
        )
    )
    assert len(rows) == 4 and all(r["Facility index (%)"] == "33.3" and r["Attempts"] == "3" for r in rows)


def test_preview_shows_a_draw_without_answers_and_only_to_editors(client, course, editor):
    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    client.force_login(learner())
    assert client.get(reverse("quiz_preview", args=[quiz.pk])).status_code == 404
    client.force_login(editor)
    body = client.get(reverse("quiz_preview", args=[quiz.pk])).content.decode()
    assert "Editor preview" in body and "Because the evidence" not in body
    assert quiz.attempts.count() == 0


def test_the_quiz_list_exports_as_csv_for_editors_only(client, course, editor):
    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    client.force_login(learner())
    assert client.get(reverse("quiz_report_index"), {"export": "csv"}).status_code in (302, 403)
    client.force_login(editor)
    response = client.get(reverse("quiz_report_index"), {"export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {"Quiz", "Graded attempts", "Passed", "Pass rate (%)"} <= set(rows[0])
    assert quiz.title in [r["Quiz"] for r in rows]
