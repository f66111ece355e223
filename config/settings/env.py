"""Small helpers for reading settings from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name, default=()):
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# Cache backends whose contents every process of the site sees.
REDIS_CACHE_BACKEND = "core.redis_cache.RedisCache"
SHARED_CACHE_BACKENDS = {REDIS_CACHE_BACKEND, "django.core.cache.backends.redis.RedisCache"}


def cache_from_url(url):
    """CACHE_URL: ``redis://host:port/db`` or ``locmem://`` (default)."""
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": REDIS_CACHE_BACKEND, "LOCATION": url}
    if url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": url[9:] or "default"}
    if url.startswith("dummy://"):
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL scheme not supported: {url.split(':', 1)[0]!r}")


def env_site_url(default):
    """The one canonical address of the site, without a trailing slash: QR
    codes, e-mailed links (the project's and allauth's) and the admin's own
    links are all built from it."""
    value = env_str("SITE_URL", default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, got {value!r}")
    return value
