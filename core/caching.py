"""Shared caches for page serving.

Content entries are keyed on one content version: any publish, unpublish,
move or delete of a page, any quiz edit, and any change to sites or page
view restrictions bumps it (see ``courses/signals.py``), so every cached
entry goes stale at once and no learner sees an outdated page, outline or
privacy setting. Row caches (below) are forgotten row by row. ``prefetch``
reads the entries a request is about to need in one round trip, and
``ProcessLRU`` keeps what never goes stale in the process itself.
"""

import hashlib
import logging
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction

logger = logging.getLogger(__name__)

CONTENT_VERSION_KEY = "content-version"
TTL = 60 * 60 * 24


# The version is read once per request: a lesson page needs it four times
# (site, view restrictions, course structure, template cache key), each a
# Redis round trip. Only between request_started and request_finished, and
# only in this thread; outside a request (workers, shell, tests calling
# services) every call reads Redis. A bump in this thread forgets it.
_request = threading.local()


def start_request_memo(**kwargs):
    _request.active = True
    _request.version = None
    _request.prefetched = {}


def end_request_memo(**kwargs):
    _request.active = False
    _request.version = None
    _request.prefetched = {}


def _remember(version):
    if version is None:
        version = 1
        cache.add(CONTENT_VERSION_KEY, version, None)
    if getattr(_request, "active", False):
        _request.version = version
    return version


def content_version():
    version = getattr(_request, "version", None)
    if version is not None:
        return version
    return _remember(cache.get(CONTENT_VERSION_KEY))


def bump_content_version(*args, **kwargs):
    _request.version = None
    _request.prefetched = {}
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.set(CONTENT_VERSION_KEY, 2, None)


def cached(key, build, version=None, *, keep_none=True):
    """Return ``build()`` cached under ``key`` for the current content version.

    Each entry holds the version it was built for, so that the first lookup
    of a request reads the version and the entry in one round trip (MGET);
    an entry built for another version is rebuilt. With ``keep_none=False``
    a None result is not stored (lookups keyed by what a visitor typed must
    not let anyone fill the cache with misses)."""
    version = version or getattr(_request, "version", None)
    if version is None:
        found = cache.get_many([CONTENT_VERSION_KEY, key])
        version = _remember(found.get(CONTENT_VERSION_KEY))
        entry = found.get(key)
    else:
        entry = cached_read(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = build()
    if value is not None or keep_none:
        cache.set(key, (version, value), TTL)
    return value


def prefetch(*keys):
    """Read the entries this request is about to look up with ``cached``
    (and the content version, if not read yet) in one round trip; each
    lookup then takes its copy instead of a round trip of its own. Outside
    a request it does nothing."""
    if not getattr(_request, "active", False):
        return
    names = [key for key in keys if key not in _request.prefetched]
    if _request.version is None:
        names.append(CONTENT_VERSION_KEY)
    if not names:
        return
    found = cache.get_many(names)
    if CONTENT_VERSION_KEY in names:
        _remember(found.get(CONTENT_VERSION_KEY))
    _request.prefetched.update({name: found.get(name) for name in names if name != CONTENT_VERSION_KEY})


def cached_read(key):
    """``cache.get(key)``, or the copy ``prefetch`` read earlier in this request."""
    prefetched = getattr(_request, "prefetched", None)
    if prefetched and key in prefetched:
        return prefetched.pop(key)  # once: a second lookup reads Redis again
    return cache.get(key)


# Row caches: an entry per row (or per object built from a few rows), kept
# until the row changes. Forgetting writes a short-lived CHANGED mark instead
# of deleting, and a reader only fills an empty slot (``add``): a request
# that read the old row just before a change committed cannot put it back.
# The mark is written at once and again on commit, so the change's own
# transaction and every request after the commit read the new row. Rows
# changed by SQL that bypasses the model's signals stay stale for the TTL.
CHANGED = "changed"
CHANGED_TTL = 30  # longer than any gap between a reader's query and its add


def cached_row(key, load, ttl):
    """``load()`` cached under ``key`` until ``forget_row(key)``; None is not kept."""
    entry = cached_read(key)
    if entry is not None and entry != CHANGED:
        return entry
    value = load()
    if value is not None and entry is None:
        cache.add(key, value, ttl)
    return value


def forget_row(key):
    forget_rows([key])


def forget_rows(keys):
    """Mark each entry changed now and again once the transaction commits (a
    read in between could cache the old row), in one round trip each time."""
    keys = list(keys)
    if not keys:
        return
    prefetched = getattr(_request, "prefetched", None)
    if prefetched:
        for key in keys:
            prefetched.pop(key, None)
    marks = dict.fromkeys(keys, CHANGED)
    cache.set_many(marks, CHANGED_TTL)
    transaction.on_commit(lambda: cache.set_many(marks, CHANGED_TTL))


def view_restrictions_exist():
    """Whether any page has a view restriction at all; when none does (the
    normal case here) serving a page can skip Wagtail's per-request check."""
    from wagtail.models import PageViewRestriction

    return cached(RESTRICTIONS_KEY, lambda: PageViewRestriction.objects.exists())


RESTRICTIONS_KEY = "page-view-restrictions-exist"


def route_key(url_path):
    """The cache key of the live page at ``url_path`` (core.models.live_page_at)."""
    return "route:" + hashlib.sha256(url_path.encode()).hexdigest()


def site_for_request(request):
    """Wagtail's Site lookup, cached per host and port with its root page
    already loaded as its specific type."""
    hostname = request.get_host().split(":")[0]
    key = f"site:{hostname}:{request.get_port()}"

    def build():
        site = _uncached_find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
        return site or False

    prefetch(key, *_likely_next(key, request))
    site = cached(key, build)
    if site:
        _root_url_path_by_site[key] = site.root_page.url_path
    return site or None


# Serving a page looks up the site, then the page at the path, then the
# view-restriction flag, one after another. All three are read in one round
# trip with the version; the page's key is built from the root
# this process last saw for the site (a moved root only costs the usual
# separate read, since the guessed key is then simply not asked for).
_root_url_path_by_site = {}


def _likely_next(site_key, request):
    keys = [RESTRICTIONS_KEY]
    root = _root_url_path_by_site.get(site_key)
    components = [part for part in request.path_info.split("/") if part]
    if root is not None and components:
        keys.append(route_key(root + "/".join(components) + "/"))
    return keys


_uncached_find_for_request = None


def install_cached_site_lookup():
    """Make Wagtail's own Site lookup go through the cache.

    Wagtail finds the site only when something asks for it (routing a page,
    a page URL, site settings) and keeps it on the request; views that never
    ask (the JSON endpoints, most non-page views) no longer pay a cache round
    trip for it. Called once from CoreConfig.ready()."""
    global _uncached_find_for_request
    from wagtail.models import Site

    if _uncached_find_for_request is not None:
        return
    _uncached_find_for_request = Site._find_for_request

    def find_for_request(request):
        try:
            return site_for_request(request)
        except DisallowedHost:
            # A Host header not in ALLOWED_HOSTS: Wagtail's own uncached lookup,
            # and Django's own handling (400) wherever it checks the host.
            logger.info("request with a host not in ALLOWED_HOSTS")
            return _uncached_find_for_request(request)

    Site._find_for_request = staticmethod(find_for_request)


class ProcessLRU:
    """A bounded map kept in this process only, least recently used out
    first. Only for values wholly determined by their key (a page rendered
    from rows, keyed by a digest of those rows), which therefore cannot go
    stale, or for hints checked before use: nothing ever needs to forget an
    entry in another process."""

    def __init__(self, maxsize):
        self.maxsize = maxsize
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._entries.get(key)

    def put(self, key, value):
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def get_or_build(self, key, build):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        self.put(key, value)
        return value
