"""What a new learner meets around their account: their own name (never
"User 2"), mail from the product at its canonical address, form errors where
they belong, real page titles, and an over-long address refused."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory, learner

pytestmark = pytest.mark.django_db

SIGNUP_PASSWORD = "a-long-unusual-passphrase"


def test_a_learner_is_called_by_name_or_else_by_their_address():
    assert str(learner(email="ada@example.org", legal_name="Ada Núñez")) == "Ada Núñez"
    no_profile = UserFactory(email="j.rivera@example.org")
    assert str(no_profile) == "j.rivera"
    assert "User" not in str(no_profile)


def test_signing_in_greets_the_learner_by_name(client):
    user = learner(email="greet@example.org", legal_name="Grace Okafor")
    credentials = {"login": user.email, "password": "correct-horse-battery"}
    response = client.post(reverse("account_login"), credentials, follow=True)
    assert "Successfully signed in as Grace Okafor." in response.content.decode()


def test_the_admin_lists_learners_by_name(client):
    learner(email="listed@example.org", legal_name="Listed Learner")
    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    body = client.get(reverse("wagtailusers_users:index")).content.decode()
    assert "Listed Learner" in body and f"User {admin.pk}" not in body


def test_mail_greets_by_name_says_the_product_and_links_to_the_canonical_address(client, settings):
    settings.SITE_URL = "https://learn.example.org"
    user = learner(email="mail@example.org", legal_name="Mara Lind")
    client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST="localhost")
    body = mail.outbox[-1].body
    assert body.startswith("Hello Mara Lind,")
    assert "127.0.0.1" not in body and "localhost" not in body and "testserver" not in body
    assert "Thank you for using TRD Certify." in body
    assert re.search(r"https://learn\.example\.org/accounts/password/reset/key/\S+", body)


def test_sign_up_mail_links_to_the_canonical_address(client, settings):
    settings.SITE_URL = "https://learn.example.org"
    client.post(
        reverse("account_signup"),
        {"email": "fresh@example.org", "password1": SIGNUP_PASSWORD, "password2": SIGNUP_PASSWORD},
        HTTP_HOST="localhost",
    )
    body = mail.outbox[-1].body
    assert re.search(r"https://learn\.example\.org/accounts/confirm-email/\S+", body)
    assert "Hello fresh," in body


def test_the_password_error_is_under_the_password_field(client):
    response = client.post(
        reverse("account_signup"), {"email": "weak@example.org", "password1": "short", "password2": "short"}
    )
    body = response.content.decode()
    password_field = re.search(r'<div class="field has-error">\s*<label for="id_password1">.*?</div>', body, re.S)
    assert password_field and "at least 12 characters" in password_field.group(0)
    email_field = re.search(r'<div class="field">\s*<label for="id_email">.*?</div>', body, re.S).group(0)
    assert "12 characters" not in email_field


def test_an_email_address_over_254_characters_is_refused_not_cut(client):
    address = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"  # 312 characters
    assert len(address) > 254
    response = client.post(
        reverse("account_signup"), {"email": address, "password1": SIGNUP_PASSWORD, "password2": SIGNUP_PASSWORD}
    )
    assert response.status_code == 400
    assert f"That e-mail address is {len(address)} characters long" in response.content.decode()
    assert not User.objects.filter(email__startswith="a" * 64).exists()


@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("account_login", "Sign In · TRD Certify"),
        ("account_signup", "Signup · TRD Certify"),
        ("account_reset_password", "Password Reset · TRD Certify"),
    ],
)
def test_account_pages_have_a_title(client, url_name, title):
    body = client.get(reverse(url_name)).content.decode()
    assert re.search(r"<title>\s*(.*?)\s*</title>", body, re.S).group(1).split() == title.split()


def test_the_email_page_has_a_title(client):
    client.force_login(learner())
    body = client.get(reverse("account_email")).content.decode()
    title = re.search(r"<title>\s*(.*?)\s*</title>", body, re.S).group(1)
    assert " ".join(title.split()) == "Email Address · TRD Certify"


def test_the_home_page_title_names_the_site_once(client):
    from home.services import ensure_home_page

    ensure_home_page()
    body = client.get("/").content.decode()
    title = re.search(r"<title>\s*(.*?)\s*</title>", body, re.S).group(1)
    assert title.count("TRD Certify") == 1, title


def test_every_page_names_a_favicon_that_exists(client):
    body = client.get(reverse("account_login")).content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', body).group(1)
    assert client.get(href).status_code == 200
    assert client.get("/favicon.ico")["Location"] == href
