"""One root for the errors a person's action can meet, and one place that
turns them into an HTTP answer.

Services raise a subclass of one of the four kinds below with a message a
learner or editor can act on (and, where useful, ``extra`` data for the
caller). Views never pick status codes themselves: they ask ``http_status``
or return ``json_error``, so the same refusal answers the same way whether
it reaches a page, a flash message or an autosave call.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


class ApplicationError(Exception):
    """A refused action, with a message meant for the person who tried it."""

    def __init__(self, message: str = "", *, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class InvalidInput(ApplicationError):
    """What was sent cannot be used as it is (400)."""


class NotAllowed(ApplicationError):
    """This person may not do this now (403)."""


class Conflict(ApplicationError):
    """The thing has moved on (already submitted, already claimed) (409)."""


class NotFound(ApplicationError):
    """No such thing for this person (404); also hides other people's objects."""


HTTP_STATUS: dict[type[ApplicationError], int] = {
    InvalidInput: 400,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
}


def http_status(exc: ApplicationError) -> int:
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400


def json_error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse({"error": str(exc), **exc.extra}, status=http_status(exc))
