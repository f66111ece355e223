"""Shared caches for page serving, all keyed on one content version.

Any publish, unpublish, move or delete of a page, any quiz edit, and any
change to sites or page view restrictions bumps the version (see
``courses/signals.py``), so every cached entry goes stale at once and no
learner sees an outdated page, outline or privacy setting.
"""

import logging

from django.core.cache import cache
from django.core.exceptions import DisallowedHost

logger = logging.getLogger(__name__)

CONTENT_VERSION_KEY = "content-version"
TTL = 60 * 60 * 24


def content_version():
    version = cache.get(CONTENT_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(CONTENT_VERSION_KEY, version, None)
    return version


def bump_content_version(*args, **kwargs):
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.set(CONTENT_VERSION_KEY, 2, None)


def cached(key, build, version=None):
    """Return ``build()`` cached under ``key`` for the current content version."""
    full_key = f"{key}:v{version or content_version()}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, TTL)
    return value


def view_restrictions_exist():
    """Whether any page has a view restriction at all; when none does (the
    normal case here) serving a page can skip Wagtail's per-request check."""
    from wagtail.models import PageViewRestriction

    return cached("page-view-restrictions-exist", lambda: PageViewRestriction.objects.exists())


def site_for_request(request):
    """Wagtail's Site lookup, cached per host and port with its root page
    already loaded as its specific type."""
    from wagtail.models import Site

    hostname = request.get_host().split(":")[0]
    key = f"site:{hostname}:{request.get_port()}"

    def build():
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
        return site or False

    site = cached(key, build)
    return site or None


class CachedSiteMiddleware:
    """Put the cached Site on the request before Wagtail looks it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request._wagtail_site = site_for_request(request)
        except DisallowedHost:
            # Leave the bad Host header to Django's own handling (400).
            logger.info("request with a host not in ALLOWED_HOSTS")
        return self.get_response(request)
