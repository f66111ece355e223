"""Courses as the host of its quizzes (see ``quizzes/hooks.py``): where a
quiz sits, who may take it, and what a pass means for the course."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from quizzes.hooks import Citation

from .models import Enrolment
from .selectors import source_shorts
from .services import MSG_ENROL_FOR_QUIZ, course_completion_check
from .structure import course_structure_for_id, course_structure_for_page


class CourseQuizHost:
    def course_for(self, quiz):
        # Both lookups read the cached course structure: no query when warm.
        return course_structure_for_id(quiz.course_id) if quiz.course_id else course_structure_for_page(quiz.module)

    def refusal(self, *, user, course_id: int) -> str | None:
        if not Enrolment.objects.filter(user=user, course_id=course_id).exists():
            return MSG_ENROL_FOR_QUIZ
        return None

    def attempt_passed(self, *, user, course_id: int, now: datetime) -> None:
        course_completion_check(user=user, course_id=course_id, now=now)

    def citations(self, *, keys: list[str]) -> list[Citation]:
        shorts = source_shorts()
        url = reverse("bibliography")
        return [Citation(key=key, text=shorts[key], url=f"{url}#src-{key}") for key in keys if key in shorts]
