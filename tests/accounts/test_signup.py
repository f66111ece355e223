"""Sign-up with e-mail verification, profile, and the masked license number."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import learner

pytestmark = pytest.mark.django_db


def test_sign_up_requires_a_verified_email_before_login(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.learner@example.org",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body).group(1)
    client.logout()
    login = client.post(
        reverse("account_login"), {"login": "new.learner@example.org", "password": "a-long-unusual-passphrase"}
    )
    assert login.status_code == 302 and "confirm-email" in login["Location"] or "verification" in login["Location"]
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in yet

    response = client.post(link)
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200  # logged in on confirmation


@pytest.mark.parametrize(
    ("password", "message"),
    [("short-pass", "at least 12 characters"), ("password1234", "too common"), ("123456789012345", "entirely numeric")],
)
def test_weak_passwords_are_refused_with_a_reason(client, password, message):
    response = client.post(
        reverse("account_signup"), {"email": "weak@example.org", "password1": password, "password2": password}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_profile_form_saves_and_masks_the_license_number(client):
    user = learner()
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    assert "PSY-123456" not in page and "56" in page  # only the last two characters
    response = client.post(
        reverse("profile"),
        {
            "legal_name": "  Zoë   Łukasiewicz ",
            "profession": "counselor",
            "license_number": "",
            "license_jurisdiction": "Ohio",
        },
    )
    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user=user)
    assert profile.legal_name == "Zoë Łukasiewicz"
    assert profile.license_number == "PSY-123456"  # blank keeps the number on file


def test_profile_errors_name_the_field(client):
    client.force_login(learner())
    response = client.post(reverse("profile"), {"legal_name": "Bad\u0007Name", "profession": "wizard"})
    assert response.status_code == 400
    body = response.content.decode()
    # Each error sits in its own field's block, tied to the input by its id.
    assert re.search(r'<label for="id_legal_name">.*?id="id_legal_name_error">Remove invisible or control', body, re.S)
    assert re.search(r'<label for="id_profession">.*?id="id_profession_error">Select a valid choice.', body, re.S)
