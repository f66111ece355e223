"""A pending, unverified e-mail change does not squat an address: its real
owner can still sign up with it, and a password reset for it never mails a
link for the account that asked for the change."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.factories import learner

pytestmark = pytest.mark.django_db
OWNER = "owner@example.org"
SIGNUP = {"email": OWNER, "password1": "quiet lantern orchard", "password2": "quiet lantern orchard"}


@pytest.fixture
def squatter():
    """A learner who asked to change their address to OWNER's and never confirmed it."""
    user = learner(email="squatter@example.org")
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/email/", {"action_add": "", "email": OWNER})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=OWNER).verified is False
    mail.outbox.clear()
    # Some minutes later: allauth sends one confirmation per address every
    # three minutes, so the squatter's request holds the owner's mail back
    # only that long.
    cache.clear()
    return user


def test_the_real_owner_can_sign_up_with_an_address_pending_elsewhere(squatter):
    response = Client().post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    owner = get_user_model().objects.get(email=OWNER)
    assert owner != squatter
    assert [m.to for m in mail.outbox] == [[OWNER]]
    assert "confirm" in mail.outbox[0].body.lower()


def test_a_password_reset_for_the_address_does_not_mail_the_squatters_account(squatter):
    response = Client().post("/accounts/password/reset/", {"email": OWNER})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)
    # Once the owner has an account, the reset is theirs.
    Client().post("/accounts/signup/", SIGNUP)
    EmailAddress.objects.filter(user__email=OWNER).update(verified=True)
    mail.outbox.clear()
    Client().post("/accounts/password/reset/", {"email": OWNER}, REMOTE_ADDR="192.0.2.9")
    links = [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]
    assert len(links) == 1 and links[0].to == [OWNER]
    owner = get_user_model().objects.get(email=OWNER)
    from django.utils.http import int_to_base36

    assert f"/accounts/password/reset/key/{int_to_base36(owner.pk)}-" in links[0].body
