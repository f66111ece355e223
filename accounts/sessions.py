"""The session store: Django's cached_db, reading the signed-in user's row
along with the session.

A signed-in request reads its session from the cache, then the user row the
session names (accounts/user_cache.py): two round trips, one after the
other, the largest part of a plain page's middleware time. Each process
remembers which user each session it served belongs to, and the next time
reads the session and that user's cached row in one MGET. The session stays
authoritative: the remembered user only chooses which row is read along,
and the backend asks for the user the session names, so a row read for
anyone else is simply not used.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBSessionStore

from core.caching import ProcessLRU, cached_read, prefetch

from .user_cache import KEY as USER_KEY

# A session key and a user id: well under 1 MB per process when full.
_user_of_session = ProcessLRU(maxsize=10_000)


class SessionStore(CachedDBSessionStore):
    def load(self):
        user_id = _user_of_session.get(self.session_key) if self.session_key else None
        if user_id is not None and settings.SESSION_CACHE_ALIAS == "default":
            prefetch(self.cache_key, USER_KEY.format(pk=user_id))
            data = cached_read(self.cache_key)
            if data is not None:
                return data
        data = super().load()
        if data.get(SESSION_KEY) is not None:
            _user_of_session.put(self.session_key, data[SESSION_KEY])
        return data
