"""Reading in order leads through every requirement: each lesson, quiz and
the final examination say what comes next, in the order the course needs."""

import pytest
from django.urls import reverse

from courses.models import LessonPage, ModulePage
from courses.services import enrol
from courses.structure import course_structure
from quizzes.models import Quiz
from tests.factories import learner, make_course, pass_quiz

pytestmark = pytest.mark.django_db


def _lessons(course, module):
    return list(LessonPage.objects.live().descendant_of(module).order_by("path"))


def test_each_step_leads_to_what_the_course_requires_next():
    course = make_course(modules=2, lessons=2, final_questions=2)
    m1, m2 = ModulePage.objects.child_of(course).order_by("path")
    q1, q2 = (Quiz.objects.get(module=m) for m in (m1, m2))
    final = Quiz.objects.get(course=course)
    s = course_structure(course)
    l11, l12 = _lessons(course, m1)
    l21, _ = _lessons(course, m2)

    assert s.step_after_lesson(l11.pk).url == l12.url
    assert s.step_after_lesson(l12.pk).url == reverse("quiz_detail", args=[q1.pk])  # not module 2
    assert s.step_after_quiz(q1.pk).url == l21.url
    assert s.step_after_quiz(q2.pk).url == reverse("quiz_detail", args=[final.pk])
    assert s.step_after_quiz(final.pk).url == reverse("course_evaluation", args=[course.pk])


def test_without_a_final_examination_the_last_module_leads_to_the_evaluation():
    course = make_course(modules=1, lessons=1, final_questions=0)
    quiz = Quiz.objects.get(module__in=ModulePage.objects.child_of(course))
    assert course_structure(course).step_after_quiz(quiz.pk).url == reverse("course_evaluation", args=[course.pk])


def test_mark_complete_and_continue_on_a_modules_last_lesson_opens_its_quiz(client):
    course = make_course(modules=2, lessons=2)
    module = ModulePage.objects.child_of(course).order_by("path").first()
    quiz = Quiz.objects.get(module=module)
    last = _lessons(course, module)[-1]
    user = learner()
    enrol(user=user, course=course)
    client.force_login(user)
    page = client.get(last.url).content.decode()
    quiz_url = reverse("quiz_detail", args=[quiz.pk])
    assert f'name="next_url" value="{quiz_url}"' in page
    assert "Mark lesson complete and continue" in page
    response = client.post(reverse("lesson_complete", args=[last.pk]), {"next_url": quiz_url})
    assert response["Location"] == quiz_url


def test_a_passed_quiz_offers_the_next_module(client):
    course = make_course(modules=2, lessons=1, final_questions=0)
    m1, m2 = ModulePage.objects.child_of(course).order_by("path")
    user = learner()
    enrol(user=user, course=course)
    attempt = pass_quiz(user, Quiz.objects.get(module=m1))
    client.force_login(user)
    first_of_m2 = _lessons(course, m2)[0]
    for url in (reverse("attempt_result", args=[attempt.pk]), reverse("quiz_detail", args=[attempt.quiz_id])):
        body = client.get(url).content.decode()
        assert f'<a class="button" href="{first_of_m2.url}">Continue: {first_of_m2.title}</a>' in body
