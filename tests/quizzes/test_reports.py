"""Item analysis for editors and the learner-eye preview."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from home.services import EDITORS_GROUP, ensure_editor_group
from quizzes.models import Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.factories import correct_form, learner, wrong_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    ensure_editor_group()
    user = learner(email="editor@example.org")
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


def test_item_analysis_counts_attempts_pass_rate_and_percent_correct(client, course, editor):
    from courses.services import enrol

    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    for form in (correct_form, wrong_form, wrong_form):
        user = learner()
        enrol(user=user, course=course)
        attempt = attempt_start(user=user, quiz=quiz)
        attempt_submit(user=user, attempt_id=attempt.pk, form_items=form(attempt))
    client.force_login(editor)
    page = client.get(reverse("quiz_report", args=[quiz.pk]))
    assert page.status_code == 200 and "3 graded attempts, 1 passed (33.3%)" in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("quiz_report", args=[quiz.pk]), {"format": "csv"}).content.decode()))
    )
    assert rows[1][1:] == ["3", "1", "33.3"]
    items = rows[4:]
    assert len(items) == 4 and all(r[2:] == ["3", "1", "33.3"] for r in items)
    assert client.get(reverse("quiz_report_index")).status_code == 200


def test_preview_shows_a_draw_without_answers_and_only_to_editors(client, course, editor):
    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    client.force_login(learner())
    assert client.get(reverse("quiz_preview", args=[quiz.pk])).status_code == 404
    client.force_login(editor)
    body = client.get(reverse("quiz_preview", args=[quiz.pk])).content.decode()
    assert "Editor preview" in body and "Because the evidence" not in body
    assert quiz.attempts.count() == 0
