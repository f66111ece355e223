"""The whole path through a real Celery worker: the course completed, the
practice log, the supervisor attests through the link in the e-mail the
worker sent, a reviewer passes the capstone, the certification is awarded
once with its PDF and credential, and it is listed in the registry."""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from certification import services
from certification.models import Attestation, Certification, CertificationPeriod
from credentials.models import Credential
from credentials.selectors import credential_verify
from tests.factories import UserFactory, complete_course, learner
from tests.worker import wait_for

from .helpers import CAPSTONE, LOG_ENTRY, make_program

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def mail_containing(worker, text):
    for path in worker.mails():
        body = path.read_text()
        if text in body:
            return body
    return None


def test_whole_path_to_a_listed_certification(celery_worker):
    program, course = make_program(cases=2)
    user = learner(legal_name="Noor Al-Hakim", email="noor@example.org")
    learner_client = Client()
    learner_client.force_login(user)
    page = reverse("certification_program", args=[program.slug])
    slug = [program.slug]

    complete_course(user, course)
    assert learner_client.post(reverse("certification_enrol", args=slug)).status_code == 302
    assert learner_client.post(reverse("certification_conduct", args=slug), {"agree": "yes"}).status_code == 302
    for _ in range(2):
        assert learner_client.post(reverse("certification_log", args=slug), LOG_ENTRY).status_code == 302
    supervisor = {"name": "Dr Sam Supervisor", "license": "LIC-77", "email": "sam.supervisor@example.org"}
    assert learner_client.post(reverse("certification_supervisor", args=slug), supervisor).status_code == 302

    # The worker e-mails the supervisor; the link in that e-mail is all they use.
    body = wait_for(lambda: mail_containing(celery_worker, "/certification/attest/"), message="supervisor e-mail")
    assert "sam.supervisor@example.org" in body
    link = re.search(r"http://testserver(/certification/attest/\S+/)", body).group(1)
    supervisor_client = Client()
    assert supervisor_client.get(link).status_code == 200
    assert supervisor_client.post(link, {"decision": "attest", "comment": "Supervised weekly."}).status_code == 200
    assert supervisor_client.post(link, {"decision": "attest"}).status_code == 409
    assert Attestation.objects.get().status == "attested"

    assert learner_client.post(reverse("certification_capstone", args=slug), {"text": CAPSTONE}).status_code == 302
    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    submission = program.enrolments.get().capstones.get()
    response = reviewer_client.post(
        reverse("certification_review", args=[submission.pk]),
        {"score_formulation": "8", "score_coordination": "7", "comments": "Clear.", "decision": "pass"},
    )
    assert response.status_code == 302

    # Awarded once; the worker renders the PDF, signs the credential, e-mails.
    period = wait_for(
        lambda: CertificationPeriod.objects.filter(issued_at__isnull=False, emailed_at__isnull=False).first(),
        message="certification issued",
    )
    assert Certification.objects.count() == 1 and CertificationPeriod.objects.count() == 1
    certification = Certification.objects.get()
    assert certification.status == "issued" and certification.valid_until == period.ends_at
    assert default_storage.open(period.pdf.name).read().startswith(b"%PDF")
    assert mail_containing(celery_worker, f"Code: {certification.code}")
    credential = Credential.objects.get(reference=period.reference)
    document = json.loads(learner_client.get(reverse("certification_credential", args=[certification.code])).content)
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Certification"
    assert document["validUntil"] == period.ends_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert credential_verify(document=credential.document).valid

    assert "Active" in learner_client.get(page).content.decode()
    assert (
        learner_client.post(reverse("certification_registry_choice", args=slug), {"action": "join"}).status_code == 302
    )
    registry = Client().get(reverse("certification_registry"), {"name": "noor"}).content.decode()
    assert "Noor Al-Hakim" in registry and "Active" in registry
