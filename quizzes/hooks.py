"""The one door between quizzes and the app above it.

A quiz hangs on a page; what that page belongs to (a course, an enrolment,
a completion) is the business of the app above quizzes, which registers a
host here once, at start-up (``CoursesConfig.ready``). Quizzes asks the host
where a quiz sits and who may take it, and tells it when an attempt passed.
Nothing in quizzes imports upward, so a reader can follow a submission from
grading to the certificate by going up the house, never round in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class QuizHost(Protocol):
    def course_for(self, quiz) -> Any:
        """What the quiz pages show around a quiz (its course outline); has ``.id``."""

    def refusal(self, *, user, course_id: int) -> str | None:
        """Why ``user`` may not start an attempt in this course, or None."""

    def attempt_passed(self, *, user, course_id: int, now: datetime) -> None:
        """Called inside the grading transaction when an attempt passes."""

    def citations(self, *, keys: list[str]) -> list[Citation]:
        """Readable citations for an item's source keys, in the given order
        (unknown keys left out): what the review shows under an explanation."""


@dataclass(frozen=True)
class Citation:
    key: str
    text: str
    url: str


_host: QuizHost | None = None


def register_host(host: QuizHost) -> None:
    global _host
    _host = host


def host() -> QuizHost:
    if _host is None:  # pragma: no cover - a wiring mistake, not a runtime state
        raise RuntimeError("No quiz host registered: the app above quizzes registers one in its AppConfig.ready().")
    return _host
