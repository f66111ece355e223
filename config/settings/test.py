"""Test settings: real services when the environment names them."""

from .base import *  # noqa: F403
from .env import env_site_url, env_str

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
