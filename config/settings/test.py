"""Test settings: real services when the environment names them."""

from .base import *  # noqa: F403
from .env import SHARED_CACHE_BACKENDS, env_site_url, env_str

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Worker processes started by tests write mail to files (EMAIL_BACKEND set
# in their environment); the test process itself uses Django's outbox.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
WAGTAILADMIN_BASE_URL = SITE_URL = env_site_url("http://testserver")
CERTIFICATE_PENDING_GRACE_SECONDS = 2
# Serve static files from the app folders directly; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The quick tier runs on both cores (pytest-xdist, `make test-fast`). Each
# worker already gets its own test database; give it its own Redis database
# too, since every test starts by clearing the cache (FLUSHDB).
_XDIST_WORKER = env_str("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER and CACHES["default"]["BACKEND"] in SHARED_CACHE_BACKENDS:  # noqa: F405
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{10 + int(_XDIST_WORKER.removeprefix('gw'))}"  # noqa: F405
