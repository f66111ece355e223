from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import ValidationError

from .backends import counted_by_allauth

# RFC 5321 caps a forward path at 256 octets including the angle brackets;
# Django's EmailField stores 254. Longer input is refused, never truncated.
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class ProductSite:
    """What allauth's e-mails call the site: the product, at its canonical
    address, whatever host name the request happened to use."""

    name: str
    domain: str


def product_site():
    return ProductSite(name=settings.WAGTAIL_SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the per-account login limit by the request's host name
        # too, so every name in ALLOWED_HOSTS would grant five more guesses.
        # One account gets five failures in all, whichever host is asked.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"login-failed:{login}"

    def clean_email(self, email):
        email = super().clean_email(email)
        if len(email) > MAX_EMAIL_LENGTH:
            raise ValidationError(
                f"That e-mail address is {len(email)} characters long; addresses can be at most "
                f"{MAX_EMAIL_LENGTH}. Please check it, or use another address."
            )
        return email

    def send_mail(self, template_prefix, email, context):
        """Every link allauth mails points at SITE_URL: allauth builds them
        from the request's host, which need not be the canonical one (a
        learner on localhost would get links that do not share the session
        cookie of 127.0.0.1, or the reverse)."""
        request = context.get("request") or allauth_context.request
        origin = request.build_absolute_uri("/").rstrip("/") if request is not None else None
        canonical = {}
        for key, value in context.items():
            if origin and isinstance(value, str) and value.startswith(origin + "/"):
                value = settings.SITE_URL + value[len(origin) :]
            canonical[key] = value
        canonical.update(current_site=product_site(), site_url=settings.SITE_URL)
        return super().send_mail(template_prefix, email, canonical)
    def authenticate(self, request, **credentials):
        # allauth counts this attempt itself; tell the backend not to count it twice.
        token = counted_by_allauth.set(True)
        try:
            return super().authenticate(request, **credentials)
        finally:
            counted_by_allauth.reset(token)
