"""The production settings as served by the multi-process tests: unchanged
but for static files, read from the app folders (no collectstatic step)."""

from config.settings.production import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
