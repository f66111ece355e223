"""The signed-in user, kept in the cache beside the session.

Every signed-in request resolves ``request.user``: the session from Redis,
then the user row from PostgreSQL, about two thirds of a plain page's
middleware cost. The row changes rarely (log-in, profile or password change,
closing the account, an editor's edit), always through ``save()`` or
``delete()``, so it is cached by primary key and forgotten on either signal.

Forgetting writes a short-lived marker instead of deleting the entry, and a
reader only fills an empty slot (``add``): a request that read the old row
just before a change committed cannot put it back afterwards. The marker is
written at once and again on commit, so the change's own transaction and
every request after the commit read the new row. Rows changed by SQL that
bypasses the model (a bulk ``update()``, a manual edit) are served stale for
at most ``TTL``; the project changes users only through the model.

The cached row holds the password hash, as the database does, because the
session's auth hash is checked against it on every request: Redis must be
as private as the database (it already holds every session key)."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

TTL = 300
KEY = "auth-user:{pk}"
CHANGED = "changed"
# Longer than any gap between a reader's database read and its cache add.
CHANGED_TTL = 30


def user_by_pk(pk):
    """The user with this primary key (active or not), or None."""
    key = KEY.format(pk=pk)
    entry = cache.get(key)
    if entry is not None and entry != CHANGED:
        return entry
    user = get_user_model()._default_manager.filter(pk=pk).first()
    if user is not None and entry is None:
        cache.add(key, user, TTL)
    return user


def forget_user(sender, instance, **kwargs):
    """post_save / post_delete receiver for the user model."""
    key = KEY.format(pk=instance.pk)
    cache.set(key, CHANGED, CHANGED_TTL)
    transaction.on_commit(lambda: cache.set(key, CHANGED, CHANGED_TTL))
