"""The signed-in user, kept in the cache beside the session.

Every signed-in request resolves ``request.user``: the session from Redis,
then the user row from PostgreSQL, about two thirds of a plain page's
middleware cost. The row changes rarely (log-in, profile or password change,
closing the account, an editor's edit), always through ``save()`` or
``delete()``, so it is cached by primary key and forgotten on either signal
(``core.caching.cached_row``: a racing reader cannot put the old row back).

The cached row holds the password hash, as the database does, because the
session's auth hash is checked against it on every request: Redis must be
as private as the database (it already holds every session key)."""

from django.contrib.auth import get_user_model

from core.caching import cached_row, forget_row

# Bounds how long a change made by SQL that bypasses the model is missed.
TTL = 300
KEY = "auth-user:{pk}"


def user_by_pk(pk):
    """The user with this primary key (active or not), or None."""
    return cached_row(KEY.format(pk=pk), lambda: get_user_model()._default_manager.filter(pk=pk).first(), TTL)


def forget_user(sender, instance, created=False, **kwargs):
    """post_save / post_delete receiver for the user model."""
    if not created:  # a new row has nothing cached yet
        forget_row(KEY.format(pk=instance.pk))
