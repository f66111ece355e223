"""A learner's own data: the JSON export, and closing the account
(pseudonymised, no more sign-in, CE records and verification kept)."""

import json
from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import LearnerProfile
from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue
from courses.models import CourseCompletion, Enrolment, EvaluationResponse
from quizzes.models import Attempt
from tests.factories import complete_course, learner, make_course
from tests.worker import purge_queue

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # tests/factories.py


@pytest.fixture
def graduate(media_root):
    """A learner with a completed course and an issued certificate, plus
    someone else's records that must never show up in the graduate's export."""
    user = learner(legal_name="Ada Núñez")
    complete_course(user, make_course(modules=1, lessons=1, questions=2, final_questions=2))
    complete_course(
        learner(legal_name="Someone Else"), make_course(modules=1, lessons=1, questions=2, final_questions=2)
    )
    purge_queue()  # issued in-process below
    for certificate in Certificate.objects.all():
        certificate_issue(certificate_id=certificate.pk)
    return user


def test_data_export_holds_everything_about_the_learner_and_nothing_else(client, graduate):
    client.force_login(graduate)
    response = client.get(reverse("data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)

    assert data["account"]["email"] == graduate.email
    assert data["profile"] == {
        "legal_name": "Ada Núñez",
        "profession": "psychologist",
        "license_number": "PSY-123456",
        "license_jurisdiction": "Oregon",
    }
    assert len(data["enrolments"]) == Enrolment.objects.filter(user=graduate).count() == 1
    attempts = Attempt.objects.filter(user=graduate)
    assert len(data["quiz_attempts"]) == attempts.count() == 2
    assert all(a["answers"] and a["passed"] for a in data["quiz_attempts"])
    assert len(data["evaluations"]) == 1 and data["evaluations"][0]["answers"]["relevance"] == "5"
    assert len(data["course_completions"]) == 1
    (certificate,) = data["certificates"]
    own = Certificate.objects.get(user=graduate)
    assert certificate["code"] == own.code and certificate["printed_name"] == "Ada Núñez"
    assert "Someone Else" not in response.content.decode()
    other_code = Certificate.objects.exclude(user=graduate).get().code
    assert other_code not in response.content.decode()


def test_closing_the_account_pseudonymises_it_and_keeps_ce_records(graduate):
    email, certificate = graduate.email, Certificate.objects.get(user=graduate)
    records = {
        "attempts": Attempt.objects.filter(user=graduate).count(),
        "completions": CourseCompletion.objects.filter(user=graduate).count(),
        "evaluations": EvaluationResponse.objects.filter(user=graduate).count(),
    }
    browser, other_device = Client(), Client()
    browser.force_login(graduate)
    other_device.force_login(graduate)
    other_key = other_device.cookies[settings.SESSION_COOKIE_NAME].value

    # The wrong password changes nothing.
    response = browser.post(reverse("account_close"), {"password": "nope", "confirm": "on"})
    assert response.status_code == 400
    assert get_user_model().objects.get(pk=graduate.pk).is_active

    response = browser.post(reverse("account_close"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    user = get_user_model().objects.get(pk=graduate.pk)
    assert user.email == f"closed-{user.pk}@closed.invalid" and not user.is_active and user.closed_at
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    profile = LearnerProfile.objects.get(user=user)
    assert (profile.legal_name, profile.license_number, profile.license_jurisdiction) == ("Closed account", "", "")

    # Signed out everywhere (the session gone from the cache as well as the
    # database, not merely refused), and the old credentials no longer work.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert not store().exists(other_key)
    assert browser.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))
    assert other_device.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))
    response = Client().post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code != 302 and "_auth_user_id" not in response.client.session

    # The CE provider keeps the records; the certificate still verifies with the printed name.
    assert {
        "attempts": Attempt.objects.filter(user=user).count(),
        "completions": CourseCompletion.objects.filter(user=user).count(),
        "evaluations": EvaluationResponse.objects.filter(user=user).count(),
    } == records
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED and certificate.pdf_sha256
    page = Client().get(reverse("certificate_verify", args=[certificate.code]))
    assert page.status_code == 200
    assert "Ada Núñez" in page.content.decode() and email not in page.content.decode()

    # The address is free again: the person can sign up anew.
    response = Client().post(
        reverse("account_signup"),
        {"email": email, "password1": "quiet lantern orchard", "password2": "quiet lantern orchard"},
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email=email).exclude(pk=user.pk).exists()
