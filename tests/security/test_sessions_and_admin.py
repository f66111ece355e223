"""Sessions end after an idle period, at the cost of one session write every
few minutes; the admin calls no outside service (avatars, release checks)."""

import re
import time

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, learner

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def signed_in_client(user):
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def session_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if re.match(r"(UPDATE|INSERT)\b.*django_session", q["sql"], re.S)]


def test_a_session_expires_after_the_idle_period(settings):
    client = signed_in_client(learner())
    expiry = session_row(client).expire_date
    assert abs((expiry - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    assert settings.SESSION_COOKIE_AGE == 2 * 60 * 60
    # Idle past the limit: the session is gone and the learner must sign in again.
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now())
    # The cached copy carries the same lifetime as the row; Redis drops it then.
    caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + client.session.session_key)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_activity_moves_the_expiry_at_most_every_few_minutes(settings):
    client = signed_in_client(learner())
    url = reverse("dashboard")
    session_writes(client, url)  # the first request after signing in may refresh
    assert session_writes(client, url) == []  # within the refresh interval: no write
    # Five minutes later (the refresh mark moved back), the next request moves the expiry.
    session = client.session
    session["_refreshed"] = int(time.time()) - settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timezone.timedelta(minutes=3)
    )
    assert len(session_writes(client, url)) == 1
    remaining = (session_row(client).expire_date - timezone.now()).total_seconds()
    assert remaining > settings.SESSION_COOKIE_AGE - 60


def test_the_admin_loads_nothing_from_other_hosts():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    for url in ("/admin/", "/admin/users/", f"/admin/users/{admin.pk}/", "/admin/account/"):
        body = client.get(url).content.decode()
        assert "gravatar.com" not in body, url
        assert 'data-controller="w-upgrade' not in body, url  # the release check's script hook
        external = re.findall(r'<(?:img|script|link)\b[^>]*(?:src|href)="(https?://[^"]+)"', body)
        assert external == [], url
