"""The doors between courses and the apps above it (certificates today, CE
credit and certification next), registered at start-up in their
``AppConfig.ready``. Courses announces a completion and lets those apps
attach what they know about an enrolment to the progress it reads; it never
imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CompletionListener = Callable[..., None]  # (*, completion) -> None


@dataclass(frozen=True)
class EnrolmentAttachment:
    """Something an app above reads per enrolment, inside the one query that
    loads enrolments for progress (so the page's query count stays flat).

    ``annotations(user=...)`` returns expressions over ``OuterRef("course_id")``;
    ``build(row=...)`` turns the annotated enrolment into the value progress shows
    as ``progress.attached[name]``.
    """

    name: str
    annotations: Callable[..., dict[str, Any]]  # (*, user)
    build: Callable[..., Any]  # (*, row)


_completion_listeners: list[CompletionListener] = []
_attachments: dict[str, EnrolmentAttachment] = {}


def on_course_completed(listener: CompletionListener) -> None:
    """``listener(completion=...)`` runs inside the transaction that records
    the completion, so what it writes commits or rolls back with it."""
    if listener not in _completion_listeners:
        _completion_listeners.append(listener)


def course_completed(*, completion) -> None:
    for listener in _completion_listeners:
        listener(completion=completion)


def attach_to_enrolments(attachment: EnrolmentAttachment) -> None:
    _attachments[attachment.name] = attachment


def enrolment_attachments() -> tuple[EnrolmentAttachment, ...]:
    return tuple(_attachments.values())


@dataclass(frozen=True)
class DashboardSection:
    """A block an app above adds to the learner's dashboard: a template of
    its own and the context it needs (certification shows awards and
    renewal deadlines this way)."""

    template: str
    context: dict[str, Any]


DashboardProvider = Callable[..., "DashboardSection | None"]  # (*, user) -> section or None
_dashboard_sections: dict[str, DashboardProvider] = {}


def register_dashboard_section(name: str, provider: DashboardProvider) -> None:
    _dashboard_sections[name] = provider


def dashboard_sections(user) -> list[DashboardSection]:
    sections = (provider(user=user) for provider in _dashboard_sections.values())
    return [section for section in sections if section is not None]
