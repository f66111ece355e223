"""The summative post-test's policy holds through the HTTP views: a limited
number of attempts, a wait between them, no answer key before a pass, and an
audited way out when attempts are used up."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from quizzes import rules
from quizzes.models import Attempt, AttemptGrant, Quiz, ReviewPolicy
from quizzes.services import InvalidGrant, attempt_grant
from tests.factories import correct_form, learner, make_course, wrong_form

pytestmark = pytest.mark.django_db

FINAL_EXAM_POLICY = {"max_attempts": 3, "wait_minutes": 60, "review_policy": ReviewPolicy.WRONG_ITEMS, "pass_mark": 75}


@pytest.fixture
def exam(client):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=6)
    quiz = Quiz.objects.get(course=course)
    for field, value in FINAL_EXAM_POLICY.items():
        setattr(quiz, field, value)
    quiz.save()
    user = learner()
    from courses.services import enrol

    enrol(user=user, course=course)
    client.force_login(user)
    return quiz, user


def _start(client, quiz):
    response = client.post(reverse("attempt_start", args=[quiz.pk]))
    assert response.status_code == 302, response.content.decode()[:500]
    return Attempt.objects.filter(quiz=quiz).order_by("-number").first()


def _fail(client, quiz):
    attempt = _start(client, quiz)
    client.post(reverse("attempt_submit", args=[attempt.pk]), dict(wrong_form(attempt)))
    attempt.refresh_from_db()
    assert attempt.passed is False
    return attempt


def _an_hour_passes(quiz):
    for a in Attempt.objects.filter(quiz=quiz):
        Attempt.objects.filter(pk=a.pk).update(submitted_at=a.submitted_at - timedelta(minutes=61))


def _key_texts(attempt):
    return [c["text"] for q in attempt.snapshot["questions"] for c in q["choices"] if c["correct"]]


def _no_key_in(html, attempt):
    assert "correct answer" not in html and "Why:" not in html
    for q in attempt.snapshot["questions"]:
        assert q["explanation"] not in html


def test_the_pass_mark_and_rules_are_announced_before_starting(client, exam):
    quiz, _ = exam
    page = client.get(reverse("quiz_detail", args=[quiz.pk])).content.decode()
    assert "Pass mark: 75%" in page and "3 allowed" in page and "wait of 60 minutes" in page
    assert "which items were wrong" in page.lower()


def test_the_wait_and_the_attempt_limit_hold_through_the_views(client, exam):
    quiz, _ = exam
    first = _fail(client, quiz)
    result = client.get(reverse("attempt_result", args=[first.pk])).content.decode()
    _no_key_in(result, first)
    assert "Which questions you missed" in result
    # Straight away: the wait holds, and no page offers a start.
    response = client.post(reverse("attempt_start", args=[quiz.pk]))
    assert response.status_code == 403 and "another attempt in about" in response.content.decode()
    assert Attempt.objects.filter(quiz=quiz).count() == 1
    _an_hour_passes(quiz)
    _fail(client, quiz)
    _an_hour_passes(quiz)
    third = _fail(client, quiz)
    _an_hour_passes(quiz)
    response = client.post(reverse("attempt_start", args=[quiz.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "used all 3 attempts" in page and "an editor can grant one" in page
    assert Attempt.objects.filter(quiz=quiz).count() == 3
    _no_key_in(client.get(reverse("attempt_result", args=[third.pk])).content.decode(), third)


def test_no_page_or_json_carries_the_key_before_a_pass(client, exam):
    quiz, _ = exam
    attempt = _start(client, quiz)
    pages = [client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()]
    autosave = client.post(
        reverse("attempt_answer", args=[attempt.pk]),
        {"question_id": attempt.snapshot["questions"][0]["id"], "choice_ids": []},
    )
    pages.append(autosave.content.decode())
    client.post(reverse("attempt_submit", args=[attempt.pk]), dict(wrong_form(attempt)))
    pages.append(client.get(reverse("attempt_result", args=[attempt.pk])).content.decode())
    pages.append(client.get(reverse("quiz_detail", args=[quiz.pk])).content.decode())
    for html in pages:
        _no_key_in(html, attempt)
        assert not re.search(r'"correct"\s*:\s*true', html)


def test_after_a_pass_the_full_key_is_shown(client, exam):
    quiz, _ = exam
    failed = _fail(client, quiz)
    _an_hour_passes(quiz)
    attempt = _start(client, quiz)
    client.post(reverse("attempt_submit", args=[attempt.pk]), dict(correct_form(attempt)))
    html = client.get(reverse("attempt_result", args=[failed.pk])).content.decode()
    assert "correct answer" in html and failed.snapshot["questions"][0]["explanation"] in html


def test_an_editor_grants_an_extra_attempt_with_a_reason(client, exam):
    from tests.factories import UserFactory

    quiz, user = exam
    for _ in range(3):
        _fail(client, quiz)
        _an_hour_passes(quiz)
    assert client.post(reverse("attempt_start", args=[quiz.pk])).status_code == 403
    editor = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(InvalidGrant, match="Say why"):
        attempt_grant(user=user, quiz=quiz, granted_by=editor, reason="  ")
    # Through the admin form.
    admin = client.__class__()
    admin.force_login(editor)
    response = admin.post(
        reverse("attempt_grants:add"),
        {"learner_email": user.email.upper(), "quiz": quiz.pk, "extra_attempts": 1, "reason": "Power cut, attempt 3."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = AttemptGrant.objects.get()
    assert (grant.user, grant.granted_by, grant.reason) == (user, editor, "Power cut, attempt 3.")
    # Audit rows cannot be edited.
    assert admin.get(reverse("attempt_grants:edit", args=[grant.pk])).status_code in (302, 403)
    page = client.get(reverse("quiz_detail", args=[quiz.pk])).content.decode()
    assert "4 allowed" in page
    fourth = _start(client, quiz)
    assert fourth.number == 4


def test_review_levels_by_policy():
    assert rules.review_level("wrong_items", graded=True, quiz_passed=False) == rules.REVIEW_WRONG_ITEMS
    assert rules.review_level("wrong_items", graded=True, quiz_passed=True) == rules.REVIEW_FULL
    assert rules.review_level("after_pass", graded=True, quiz_passed=False) == rules.REVIEW_NONE
    assert rules.review_level("always", graded=False, quiz_passed=False) == rules.REVIEW_NONE
    assert rules.review_level("never", graded=True, quiz_passed=True) == rules.REVIEW_NONE
