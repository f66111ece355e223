import logging

from csp.middleware import CSPMiddleware
from django.db import DatabaseError, InterfaceError, OperationalError
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A lost database connection is an outage, not a bug: answer 503 with a
    page that tells the learner their saved work is safe, instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            logger.warning("database unavailable: %s", type(exception).__name__)
            response = TemplateResponse(request, "503.html", status=503)
            response["Retry-After"] = "30"
            return response.render()
        return None


# allauth's pages ("accounts/") and the project's account pages ("account/").
ACCOUNT_PATH_PREFIXES = ("/accounts/", "/account/")


class AccountPagesNoStoreMiddleware:
    """Account pages show the learner's e-mail address (and the profile its
    license number): no browser or shared cache may keep a copy. allauth
    marks only some of its views never-cache, so this covers them all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(ACCOUNT_PATH_PREFIXES):
            add_never_cache_headers(response)
        return response


# Wagtail's admin (config/urls.py).
ADMIN_PATH_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with one exception: Wagtail's admin still
    starts some widgets (date pickers, page and image choosers) with small
    inline scripts, so under /admin/ inline script is allowed. Public and
    learner pages keep ``script-src 'self'``; no page may load from another
    host."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith(ADMIN_PATH_PREFIX):
            parts.update = {**(parts.update or {}), "script-src": ["'unsafe-inline'"]}
        return parts
