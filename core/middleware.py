import logging

from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
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

    def process_response(self, request, response):
        # django-csp builds the header string anew on every response (about a
        # tenth of a signed-in page's middleware time). Unless a view changed
        # the policy, a template used a nonce, DEBUG pages are exempt or some
        # paths are excluded, the headers depend only on the settings and
        # whether the path is the admin's: they are built once for each.
        if (
            settings.DEBUG
            or _excludes_paths()
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_POLICY)
        ):
            return super().process_response(request, response)
        key = request.path_info.startswith(ADMIN_PATH_PREFIX)
        headers = _fixed_headers.get(key)
        if headers is None:
            probe = super().process_response(request, HttpResponse())
            headers = [(name, value) for name, value in probe.items() if "Security-Policy" in name]
            _fixed_headers[key] = headers
        for name, value in headers:
            if name not in response:
                response[name] = value
        # As django-csp does: a nonce asked for after this would not be in the header.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _excludes_paths():
    return any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )


# Response attributes through which a view (django-csp's decorators) sets its own policy.
_PER_RESPONSE_POLICY = tuple(
    f"_csp_{kind}{suffix}" for kind in ("config", "update", "replace", "exempt") for suffix in ("", "_ro")
)
# Built headers by "is an admin path"; emptied when a test changes a policy setting.
_fixed_headers = {}


def _forget_fixed_headers(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _fixed_headers.clear()


setting_changed.connect(_forget_fixed_headers)
