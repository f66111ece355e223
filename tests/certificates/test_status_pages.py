"""After a revoke or a reissue, every page the learner sees about the
certificate shows its real status: never "complete" or "No certificates yet"."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from tests.factories import complete_course, learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(course, learner_user, media_root):
    complete_course(learner_user, course)
    return certificate_issue(certificate_id=Certificate.objects.get(user=learner_user).pk)


@pytest.fixture
def staff(db):
    return learner(email="staff@example.org", legal_name="Staff Member", is_staff=True)


def test_a_revoked_certificate_shows_as_revoked_everywhere(client, course, learner_user, certificate, staff):
    certificate_revoke(certificate=certificate, actor=staff, reason="Approval withdrawn")
    client.force_login(learner_user)
    course_page = client.get(course.url).content.decode()
    assert "Your certificate was revoked" in course_page
    assert "You have completed every requirement" not in course_page
    assert "Your certificate is ready" not in course_page
    assert "Your certificate was revoked" in client.get(reverse("dashboard")).content.decode()
    transcript = client.get(reverse("transcript")).content.decode()
    assert "No certificates yet" not in transcript
    assert "Revoked" in transcript and certificate.code in transcript
    assert reverse("certificate_download", args=[certificate.code]) not in transcript


def test_a_reissue_shows_the_new_code_and_the_old_one_as_superseded(client, course, learner_user, certificate, staff):
    new = certificate_issue(certificate_id=certificate_reissue(certificate=certificate, actor=staff, note="Name").pk)
    client.force_login(learner_user)
    transcript = client.get(reverse("transcript")).content.decode()
    assert f"Superseded by <code>{new.code}</code>" in transcript
    assert reverse("certificate_download", args=[new.code]) in transcript
    assert reverse("certificate_download", args=[certificate.code]) not in transcript
    course_page = client.get(course.url).content.decode()
    assert new.code in course_page and "Your certificate is ready" in course_page


def test_the_closure_page_lists_certificates_to_download_first(client, learner_user, certificate):
    client.force_login(learner_user)
    body = client.get(reverse("account_close")).content.decode()
    assert "Download your certificates first" in body
    assert reverse("certificate_download", args=[certificate.code]) in body


def test_the_certificate_mail_greets_the_learner_by_name(course, learner_user, media_root, mailoutbox, settings):
    settings.SITE_URL = "https://learn.example.org"
    complete_course(learner_user, course)
    certificate = certificate_issue(certificate_id=Certificate.objects.get(user=learner_user).pk)
    (message,) = mailoutbox  # sent by the issue itself
    body = message.body
    assert body.startswith("Hello Ada Núñez,")
    assert f"https://learn.example.org/verify/{certificate.code}/" in body


def test_a_superseded_certificate_names_its_replacement_and_what_became_of_it(client, learner_user, certificate, staff):
    new = certificate_issue(certificate_id=certificate_reissue(certificate=certificate, actor=staff, note="Name").pk)
    certificate_revoke(certificate=new, actor=staff, reason="Approval withdrawn")
    client.force_login(learner_user)
    transcript = client.get(reverse("transcript")).content.decode()
    assert f"Superseded by <code>{new.code}</code> (since revoked)" in transcript
    assert "Total issued</th><td></td><td>0.0</td>" in transcript
