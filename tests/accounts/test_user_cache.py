"""The signed-in user comes from the cache, and any change to the account
takes effect on the very next request (accounts/user_cache.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import account_close
from accounts.user_cache import KEY, user_by_pk
from core.caching import CHANGED
from tests.factories import learner, sign_in_as_in_steady_state

pytestmark = pytest.mark.django_db

USER_TABLE = '"accounts_user"'


def user_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries if f"FROM {USER_TABLE}" in q["sql"]]


def signed_in(client):
    user = learner()
    sign_in_as_in_steady_state(client, user)
    return user


def test_a_signed_in_request_reads_the_user_row_once_then_from_the_cache(client):
    signed_in(client)
    url = reverse("profile")
    first, first_reads = user_queries(client, url)
    second, second_reads = user_queries(client, url)
    assert first.status_code == second.status_code == 200
    assert len(first_reads) == 1
    assert second_reads == []


@pytest.mark.parametrize(
    "change, signed_in_after",
    [
        (lambda user: setattr(user, "first_name", "Changed"), True),
        (lambda user: setattr(user, "is_active", False), False),
        (lambda user: user.set_password("another long passphrase 42"), False),
    ],
    ids=["profile edit", "deactivated", "password changed elsewhere"],
)
def test_a_saved_change_is_seen_on_the_next_request(client, change, signed_in_after):
    user = signed_in(client)
    url = reverse("profile")
    user_queries(client, url)  # cached now
    change(user)
    user.save()
    response, reads = user_queries(client, url)
    assert len(reads) == 1
    assert (response.status_code == 200) is signed_in_after
    if signed_in_after:
        assert response.wsgi_request.user.first_name == "Changed"


def test_closing_the_account_signs_it_out_at_once(client):
    user = signed_in(client)
    user_queries(client, reverse("profile"))
    account_close(user=user)
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_reader_racing_a_change_cannot_cache_the_old_row():
    user = learner()
    key = KEY.format(pk=user.pk)
    cache.delete(key)
    stale = type(user).objects.get(pk=user.pk)  # a request read the row...
    user.first_name = "Changed"
    user.save()  # ...then the change committed and marked the slot...
    assert cache.add(key, stale) is False  # ...so that request cannot put its old row back
    assert user_by_pk(user.pk).first_name == "Changed"
    assert cache.get(key) == CHANGED  # and nothing is cached until the mark expires


def test_a_deleted_user_is_forgotten(client):
    user = signed_in(client)
    user_queries(client, reverse("profile"))
    user.delete()
    assert client.get(reverse("profile")).status_code == 302


def test_the_session_and_the_user_row_are_read_in_one_round_trip(client, redis_commands):
    user = signed_in(client)
    url = reverse("profile")
    client.get(url)  # this process now knows whose session it is
    redis_commands.clear()
    response = client.get(url)
    assert response.wsgi_request.user == user
    assert redis_commands == ["MGET"]


def test_the_user_remembered_for_a_session_is_only_a_hint(client):
    from accounts.sessions import _user_of_session

    user, someone_else = signed_in(client), learner()
    client.get(reverse("profile"))
    session_key = client.session.session_key
    _user_of_session.put(session_key, str(someone_else.pk))  # a wrong guess
    response = client.get(reverse("profile"))
    assert response.status_code == 200 and response.wsgi_request.user == user
