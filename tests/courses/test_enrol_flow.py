"""The intent to enrol survives the profile detour, sign-up and e-mail
confirmation: the learner ends one click from enrolled, never lost."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from courses.models import Enrolment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-unusual-passphrase"
PROFILE = {"legal_name": "Noor Haddad", "profession": "counselor", "license_number": "", "license_jurisdiction": ""}


def test_the_profile_detour_returns_to_enrolment_and_enrols(client, course):
    user = UserFactory()
    client.force_login(user)
    enrol_url = reverse("course_enrol", args=[course.pk])
    response = client.post(enrol_url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("profile"))
    assert "next=" + enrol_url.replace("/", "%2F") in response["Location"]
    saved = client.post(response["Location"], PROFILE)
    assert saved["Location"] == enrol_url
    confirm = client.get(enrol_url)
    assert confirm.status_code == 200 and b"Enrol in this course" in confirm.content
    assert client.post(enrol_url)["Location"] == course.url
    assert Enrolment.objects.filter(user=user, course=course).exists()


def test_sign_up_to_enrol_remembers_the_course_through_email_confirmation(client, course):
    enrol_url = reverse("course_enrol", args=[course.pk])
    page = client.get(course.url).content.decode()
    signup_link = re.search(r'href="(/accounts/signup/\?next=[^"]+)">Sign up to enrol', page).group(1)
    response = client.post(
        signup_link.replace("&amp;", "&"), {"email": "enrol@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body).group(1)
    confirmed = client.post(link)
    assert confirmed["Location"] == enrol_url
    # No profile yet: the enrol page sends the learner to it, and back.
    detour = client.get(enrol_url)
    assert detour["Location"] == f"{reverse('profile')}?next={enrol_url.replace('/', '%2F')}"
    assert client.post(detour["Location"], PROFILE)["Location"] == enrol_url
    client.post(enrol_url)
    assert Enrolment.objects.filter(user__email="enrol@example.org", course=course).exists()


def test_an_outside_next_is_not_followed(client, course):
    client.post(
        reverse("account_signup") + "?next=https://evil.example/",
        {"email": "safe@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body).group(1)
    assert "evil.example" not in client.post(link)["Location"]
    client.force_login(UserFactory())
    assert "evil" not in client.post(reverse("profile") + "?next=https://evil.example/", PROFILE)["Location"]
