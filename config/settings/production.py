"""Production: refuses to start without a real secret key and allowed hosts."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import SHARED_CACHE_BACKENDS, env_bool, env_int, env_list, env_str

DEBUG = False

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("dev-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site serves.")

# Every web and worker process must share one cache: it holds the content
# version (a page made private must stop being served by every process at
# once), the login lockout and every rate limit. A per-process cache (locmem,
# the embedded default) would count each limit per process and keep serving
# stale pages from the others; a dummy cache would count nothing.
if CACHES["default"]["BACKEND"] not in SHARED_CACHE_BACKENDS:
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache every process shares (redis://host:port/db); "
        f"got {env_str('CACHE_URL', 'locmem:// (the default)')}."
    )

# Credentials are signed with a key the operator keeps (and rotates); never
# one generated on the server's disk, which a redeploy would lose.
CREDENTIAL_SIGNING_KEY = env_str("CREDENTIAL_SIGNING_KEY")
try:
    from credentials.signing import ProofError, private_key_from_multibase

    private_key_from_multibase(CREDENTIAL_SIGNING_KEY or "")
except ProofError as exc:
    raise ImproperlyConfigured(
        "CREDENTIAL_SIGNING_KEY must be an Ed25519 multibase secret key (manage.py credential_key makes one)."
    ) from exc

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind that proxy every request arrives from the proxy's address, so the
# per-IP login limits would be shared by all learners (ten failures a minute
# anywhere would lock everyone out). Use the entry the proxy appends to
# X-Forwarded-For; entries a client adds itself are ignored.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Error reports (mail to admins, error trackers) leave out e-mail addresses,
# license numbers and other personal form fields.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.logging.PersonalDataExceptionReporterFilter"

# Content Security Policy on every page (django-csp). Wagtail's admin needs
# inline styles, and inline script for a few widgets (allowed under /admin/
# only, see core.middleware); no other page needs inline script.
MIDDLEWARE = [*MIDDLEWARE, "core.middleware.ContentSecurityPolicyMiddleware"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]  # noqa: F405
# Nothing loads from another host (Gravatar and the release check are off
# in every setting, see base.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
