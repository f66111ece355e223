"""An evaluation error says what to fix under the question, once."""

import pytest
from django.urls import reverse

from tests.factories import complete_all_but_evaluation

pytestmark = pytest.mark.django_db


def test_a_missing_answer_is_flagged_without_repeating_the_question(client, course, learner_user):
    complete_all_but_evaluation(learner_user, course)
    client.force_login(learner_user)
    response = client.post(reverse("course_evaluation", args=[course.pk]), {"comments": "Fine."})
    assert response.status_code == 400
    body = response.content.decode()
    question = course.evaluation_questions.get(key="relevance").text
    assert body.count(question) == 1  # the legend only
    assert '<p class="field-error" id="id_relevance_error">Choose one of the five answers.</p>' in body
