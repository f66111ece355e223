"""The one authentication backend: every caller of ``authenticate()`` is held
to allauth's rules, so a log-in path added later is guarded too.

allauth's own forms count failures and enforce the lockout in the account
adapter (``AccountAdapter.authenticate``) and then call this backend; any
other caller (Wagtail's or Django's log-in views, an API added later) gets
the same per-IP and per-account failure limits here, shared with allauth's
counters, and an account whose address is not verified is refused."""

from contextvars import ContextVar

from allauth.account.adapter import get_adapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from .user_cache import user_by_pk

# Set while allauth's adapter runs an attempt it has already counted.
counted_by_allauth: ContextVar[bool] = ContextVar("counted_by_allauth", default=False)


class GuardedAuthenticationBackend(AuthenticationBackend):
    def authenticate(self, request, **credentials):
        if counted_by_allauth.get():
            return super().authenticate(request, **credentials)
        if request is None:
            # No client address to count failures against: refuse rather
            # than allow unlimited guesses.
            return None
        adapter = get_adapter(request)
        try:
            adapter.pre_authenticate(request, **credentials)  # counts this attempt, refuses when locked
        except ValidationError:
            return None
        user = super().authenticate(request, **credentials)
        if user is not None and not EmailAddress.objects.filter(user=user, verified=True).exists():
            user = None  # mandatory verification, as allauth's log-in enforces it
        if user is not None:
            adapter._rollback_login_failed_rl_usage()  # as allauth does on success
        return user

    def get_user(self, user_id):
        """As ModelBackend's, but the row comes through the cache (user_cache)."""
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
