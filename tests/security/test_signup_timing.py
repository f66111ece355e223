"""Sign-up does the same work whether or not the address has an account:
one password hash and one mail either way, so the answer's timing does not
tell. The work is counted, not timed."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from tests.factories import learner
from tests.security.counting_hasher import CountingMD5PasswordHasher

pytestmark = pytest.mark.django_db
PASSWORD = "quiet lantern orchard"


def sign_up(email, n):
    CountingMD5PasswordHasher.calls = 0
    mail.outbox.clear()
    response = Client().post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}, REMOTE_ADDR=f"192.0.2.{n}"
    )
    return response, CountingMD5PasswordHasher.calls, [m.to for m in mail.outbox]


def test_existing_and_new_addresses_cost_one_hash_and_one_mail_each(settings):
    settings.PASSWORD_HASHERS = ["tests.security.counting_hasher.CountingMD5PasswordHasher"]
    existing = learner(email="taken@example.org")
    new_response, new_hashes, new_mails = sign_up("fresh@example.org", 1)
    old_response, old_hashes, old_mails = sign_up(existing.email, 2)
    assert get_user_model().objects.filter(email="fresh@example.org").exists()
    # The same answer, the same work.
    assert new_response.status_code == old_response.status_code == 302
    assert new_response["Location"] == old_response["Location"]
    assert (new_hashes, new_mails) == (1, [["fresh@example.org"]])
    assert (old_hashes, old_mails) == (1, [["taken@example.org"]])
