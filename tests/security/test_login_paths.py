"""Every way to sign in or reset a password goes through one guarded path:
allauth's forms, with their rate limits, the per-account lockout and
mandatory e-mail verification. Wagtail's own log-in and reset views, and any
other caller of ``django.contrib.auth.authenticate``, are held to the same
rules."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory, learner

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # tests/factories.py
LOCKED = b"Too many failed login attempts. Try again later."

# Every URL whose route or name speaks of logging in, passwords or
# authentication, and what it does now. A new one fails
# test_every_login_and_reset_url_is_known until it is listed (and guarded).
AUTH_URLS = {
    # allauth: the guarded path.
    "accounts/login/": "allauth",
    "accounts/signup/": "allauth",
    "accounts/password/change/": "allauth",
    "accounts/password/set/": "allauth",
    "accounts/password/reset/": "allauth",
    "accounts/password/reset/done/": "allauth",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "allauth",
    "accounts/password/reset/key/done/": "allauth",
    "accounts/reauthenticate/": "allauth",
    "accounts/login/code/confirm/": "allauth",
    "accounts/logout/": "logout",
    "admin/logout/": "logout",
    # Wagtail's and Django's views: each sends the visitor to allauth's form
    # (config/urls.py routes them first; Wagtail's own stay unreachable).
    "admin/login/": "redirect",
    "_util/login/": "redirect",
    "admin/password_reset/": "redirect",
    "admin/password_reset/<path:rest>": "redirect",
    "admin/password_reset/done/": "shadowed by the redirect",
    "admin/password_reset/confirm/<uidb64>/<token>/": "shadowed by the redirect",
    "admin/password_reset/complete/": "shadowed by the redirect",
    # Page and document passwords are switched off (WAGTAIL_PRIVATE_PAGE_OPTIONS,
    # WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS): no restriction can use these.
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": "no page passwords",
    "documents/authenticate_with_password/<int:restriction_id>/": "no document passwords",
}
AUTH_WORDS = re.compile(r"login|logout|password|reset|auth|signup|signin", re.IGNORECASE)


def auth_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and (AUTH_WORDS.search(route) or AUTH_WORDS.search(p.name or "")):
                yield route

    return set(walk(get_resolver().url_patterns))


def test_every_login_and_reset_url_is_known():
    assert auth_routes() - set(AUTH_URLS) == set(), "a new login or password URL: guard it and list it in AUTH_URLS"
    assert set(AUTH_URLS) - auth_routes() == set(), "AUTH_URLS lists a URL that no longer exists"


def test_pages_and_documents_cannot_be_given_a_shared_password():
    from wagtail.admin.forms.collections import CollectionViewRestrictionForm
    from wagtail.admin.forms.pages import PageViewRestrictionForm

    for form_class in (PageViewRestrictionForm, CollectionViewRestrictionForm):
        choices = [value for value, _ in form_class().fields["restriction_type"].choices]
        assert "password" not in choices, form_class


# --- Log-in paths ----------------------------------------------------------------

ALLAUTH_LOGIN = "/accounts/login/"
OTHER_LOGINS = ["/admin/login/", "/_util/login/"]


def post_login(client, url, email, password, n=1):
    """Both field spellings: allauth's ``login`` and Django's ``username``."""
    return client.post(
        url,
        {"login": email, "username": email, "password": password},
        REMOTE_ADDR=f"198.51.100.{n}",
    )


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", OTHER_LOGINS)
def test_other_login_views_send_visitors_to_the_guarded_form(url):
    response = Client().get(url + "?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/pages/"


@pytest.mark.parametrize("url", OTHER_LOGINS)
def test_thirty_wrong_passwords_then_the_right_one_never_sign_in_elsewhere(url):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    for n in range(30):
        post_login(client, url, admin.email, f"wrong-{n}", n)
        assert not signed_in(client)
    post_login(client, url, admin.email, PASSWORD, 99)
    assert not signed_in(client)


@pytest.mark.parametrize("url", [ALLAUTH_LOGIN, *OTHER_LOGINS])
def test_a_learner_locked_out_at_the_site_login_is_locked_out_everywhere(url):
    user = learner()
    client = Client()
    for n in range(5):
        post_login(client, ALLAUTH_LOGIN, user.email, "wrong password", n)
    response = post_login(client, url, user.email, PASSWORD, 50)
    assert not signed_in(client)
    if url == ALLAUTH_LOGIN:
        assert LOCKED in response.content
    # Nor through any other caller of authenticate().
    request = RequestFactory().post("/anywhere/", REMOTE_ADDR="192.0.2.77")
    assert authenticate(request, username=user.email, password=PASSWORD) is None


@pytest.mark.parametrize("url", [ALLAUTH_LOGIN, *OTHER_LOGINS])
def test_an_unverified_signup_cannot_sign_in_anywhere(url):
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {"email": "unverified@example.org", "password1": "quiet lantern orchard", "password2": "quiet lantern orchard"},
    )
    assert response.status_code == 302
    assert not EmailAddress.objects.get(email="unverified@example.org").verified
    client = Client()
    post_login(client, url, "unverified@example.org", "quiet lantern orchard")
    assert not signed_in(client)
    assert client.get("/learning/").status_code == 302


# --- The authentication backend guards every caller --------------------------------


def test_any_caller_of_authenticate_counts_failures_and_is_locked_out():
    """A log-in path added later (an API, another form) calls
    ``authenticate()``: the backend itself applies the lockout, shared with
    allauth's form."""
    user = learner()
    factory = RequestFactory()
    for n in range(5):
        request = factory.post("/future-login/", REMOTE_ADDR=f"198.51.100.{n}")
        assert authenticate(request, username=user.email, password="wrong password") is None
    request = factory.post("/future-login/", REMOTE_ADDR="192.0.2.99")
    assert authenticate(request, username=user.email, password=PASSWORD) is None
    response = post_login(Client(), ALLAUTH_LOGIN, user.email, PASSWORD, 100)
    assert LOCKED in response.content
    # Another account is not affected, and a right password is accepted.
    other = learner()
    request = factory.post("/future-login/", REMOTE_ADDR="192.0.2.98")
    assert authenticate(request, username=other.email, password=PASSWORD) == other


def test_any_caller_of_authenticate_refuses_unverified_addresses():
    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    request = RequestFactory().post("/future-login/", REMOTE_ADDR="192.0.2.5")
    assert authenticate(request, username=user.email, password=PASSWORD) is None
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert authenticate(request, username=user.email, password=PASSWORD) == user


def test_authenticate_without_a_request_is_refused():
    """No request, no client address to count failures against."""
    user = learner()
    assert authenticate(None, username=user.email, password=PASSWORD) is None


# --- Password reset paths --------------------------------------------------------


def test_admin_password_reset_sends_visitors_to_the_guarded_form_and_mails_nothing():
    user = learner()
    client = Client()
    for _ in range(10):
        response = client.post("/admin/password_reset/", {"email": user.email})
        assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/"
    assert len(mail.outbox) == 0
    response = client.get("/admin/password_reset/confirm/MQ/abc-123/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/"


def test_password_reset_is_limited_per_address():
    user = learner()
    client = Client()
    statuses = [
        client.post("/accounts/password/reset/", {"email": user.email}, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(10)
    ]
    assert len(mail.outbox) == 5, statuses
    assert statuses[:5] == [302] * 5 and set(statuses[5:]) == {429}
