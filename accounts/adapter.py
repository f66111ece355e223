from allauth.account.adapter import DefaultAccountAdapter

from .backends import counted_by_allauth


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the per-account login limit by the request's host name
        # too, so every name in ALLOWED_HOSTS would grant five more guesses.
        # One account gets five failures in all, whichever host is asked.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"login-failed:{login}"

    def authenticate(self, request, **credentials):
        # allauth counts this attempt itself; tell the backend not to count it twice.
        token = counted_by_allauth.set(True)
        try:
            return super().authenticate(request, **credentials)
        finally:
            counted_by_allauth.reset(token)
