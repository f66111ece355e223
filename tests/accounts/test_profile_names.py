"""The profile form refuses a legal name the certificate fonts cannot print."""

import pytest
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import learner

pytestmark = pytest.mark.django_db


def post_name(client, name):
    return client.post(
        reverse("profile"),
        {"legal_name": name, "profession": "counselor", "license_number": "", "license_jurisdiction": "Ohio"},
    )


@pytest.mark.parametrize(
    ("name", "listed"),
    [
        ("\U00010000\U00010001\U00010002", ["U+10000 LINEAR B SYLLABLE B008 A", "U+10001", "U+10002"]),
        ("\U0001f600", ["U+1F600 GRINNING FACE"]),
        ("Ana \U0001f600 Lima", ["U+1F600 GRINNING FACE"]),
    ],
)
def test_unprintable_name_is_refused_naming_the_characters(client, name, listed):
    user = learner()
    before = LearnerProfile.objects.get(user=user).legal_name
    client.force_login(user)
    response = post_name(client, name)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Certificates cannot print" in body
    for item in listed:
        assert item in body
    assert LearnerProfile.objects.get(user=user).legal_name == before  # nothing changed


def test_long_list_is_cut_with_a_count(client):
    client.force_login(learner())
    name = "".join(chr(0x10000 + i) for i in range(8))
    body = post_name(client, name).content.decode()
    assert "U+10004" in body and "U+10005" not in body
    assert "and 3 more" in body


@pytest.mark.parametrize(
    "name",
    [
        "王小明",
        "山田 花子",
        "김민준",
        "محمد عبد الله",
        "שרה לוי",
        "प्रिया शर्मा",
        "Αλέξανδρος Παπαδόπουλος",
        "Анна Каренина",
        "Dr. Zoë 李 محمد Cohen-כהן",
    ],
)
def test_names_in_every_printed_script_are_saved(client, name):
    user = learner()
    client.force_login(user)
    assert post_name(client, name).status_code == 302
    assert LearnerProfile.objects.get(user=user).legal_name == name


def test_name_is_stored_in_nfc(client):
    """The form checks, and the certificate prints, the composed form."""
    user = learner()
    client.force_login(user)
    assert post_name(client, "Zoe\u0308 Nguye\u0302\u0303n").status_code == 302
    assert LearnerProfile.objects.get(user=user).legal_name == "Zo\u00eb Nguy\u1ec5n"


def test_name_that_grows_under_nfc_beyond_the_field_is_refused(client):
    """U+0958 DEVANAGARI LETTER QA is excluded from composition: NFC makes it two characters."""
    user = learner()
    client.force_login(user)
    response = post_name(client, "\u0958" * 100)
    assert response.status_code == 400
    assert "at most 150 characters (it has 200)" in response.content.decode()
    assert LearnerProfile.objects.get(user=user).legal_name == "Ada Núñez"
