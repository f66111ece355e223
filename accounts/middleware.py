import time

from django.conf import settings


class SessionIdleTimeoutMiddleware:
    """A signed-in session ends after SESSION_COOKIE_AGE seconds without a
    request. Django moves a session's expiry only when it saves the session;
    SESSION_SAVE_EVERY_REQUEST would write the session row on every page and
    autosave. Here the expiry moves at most once per SESSION_REFRESH_SECONDS,
    so an active learner costs one session write every few minutes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or session.modified or user is None or not user.is_authenticated:
            return response
        now = int(time.time())
        if now - session.get("_refreshed", 0) >= settings.SESSION_REFRESH_SECONDS:
            session["_refreshed"] = now  # marks the session modified: saved with a new expiry
        return response
