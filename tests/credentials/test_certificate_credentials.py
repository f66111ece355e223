"""A certificate and its credential change together: issue, revoke, reissue
(services in-process; the real-worker path is in test_worker.py)."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from credentials import status_list as bitstring
from credentials.models import Credential, StatusList
from credentials.selectors import credential_verify
from tests.factories import complete_course, learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(course, learner_user, media_root):
    complete_course(learner_user, course)
    return certificate_issue(certificate_id=Certificate.objects.get(user=learner_user).pk)


def revoked_bit(credential):
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    return bitstring.get_bit(bytes(status_list.bits), credential.status_index)


def test_issuing_a_certificate_issues_its_credential(certificate, course, learner_user):
    credential = Credential.objects.get(reference=certificate.code)
    document = credential.document
    subject = document["credentialSubject"]
    assert subject["identifier"][1]["identityHash"] == certificate.learner_name
    achievement = subject["achievement"]
    assert achievement["name"] == certificate.course_title == course.title
    assert achievement["creditsAvailable"] == float(certificate.ce_hours)
    assert achievement["id"] == "http://testserver" + course.url
    assert [a["targetCode"] for a in achievement["alignment"]] == list(course.objectives.values_list("key", flat=True))
    assert document["awardedDate"].startswith(certificate.completed_at.date().isoformat())
    assert learner_user.email not in str(document)
    assert credential_verify(document=document).valid
    # Running the issue again changes nothing.
    certificate_issue(certificate_id=certificate.pk)
    assert Credential.objects.get(reference=certificate.code).document == document


def test_revoking_a_certificate_revokes_its_credential_in_the_same_transaction(
    certificate, django_capture_on_commit_callbacks
):
    staff = learner(is_staff=True)
    credential = Credential.objects.get(reference=certificate.code)
    assert not revoked_bit(credential)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, actor=staff, reason="CE hours claimed for a course not taken")
    credential.refresh_from_db()
    assert revoked_bit(credential)
    assert credential.revoked_reason == "CE hours claimed for a course not taken"
    assert credential_verify(document=credential.document).reason == "Status: the issuer has revoked this credential."


def test_reissue_revokes_the_old_credential_and_the_new_one_keeps_the_award_date(
    certificate, django_capture_on_commit_callbacks, client
):
    staff = learner(is_staff=True)
    old = Credential.objects.get(reference=certificate.code)
    with django_capture_on_commit_callbacks(execute=True):
        new_certificate = certificate_reissue(certificate=certificate, actor=staff, note="Legal name corrected")
    old.refresh_from_db()
    assert revoked_bit(old)
    assert old.revoked_reason == f"Superseded by {new_certificate.code}. Legal name corrected"

    certificate_issue(certificate_id=new_certificate.pk)
    new = Credential.objects.get(reference=new_certificate.code)
    assert new.replaces == old
    assert new.document["awardedDate"] == old.document["awardedDate"]
    assert new.document["relatedResource"][0]["id"].endswith(reverse("credential_json", kwargs={"uuid": old.uuid}))
    assert credential_verify(document=new.document).valid
    assert not credential_verify(document=old.document).valid


def test_certificates_issued_before_credentials_get_one_from_the_backfill(certificate):
    from io import StringIO

    from django.core.management import call_command

    Credential.objects.filter(reference=certificate.code).delete()  # as before credentials existed
    out = StringIO()
    call_command("issue_missing_credentials", stdout=out)
    assert out.getvalue().strip() == "Issued 1 credential(s)."
    assert credential_verify(document=Credential.objects.get(reference=certificate.code).document).valid
    out = StringIO()
    call_command("issue_missing_credentials", stdout=out)
    assert out.getvalue().strip() == "Issued 0 credential(s)."
