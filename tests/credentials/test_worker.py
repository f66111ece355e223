"""Completing a course through a real Celery worker yields the PDF and the
credential, and the credential verifies offline against what the site serves."""

import json

import jsonschema
import pytest
from django.core.files.storage import default_storage
from django.test import Client

from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_revoke
from credentials.models import Credential
from credentials.verification import verify_credential
from tests.factories import complete_course, learner, make_course
from tests.worker import wait_for

from .test_credentials import SCHEMA_COPY

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def served(client, url):
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return json.loads(response.content)


def offline_verdict(document, did_document, status_lists):
    """A verifier holding only the file and the two documents it fetched."""
    return verify_credential(
        document,
        did_document=did_document,
        load_status_list=status_lists.get,
        status_list_prefix="http://testserver/credentials/status/",
    )


def test_completing_a_course_yields_the_pdf_and_a_credential_that_verifies_offline(celery_worker):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner(legal_name="Zoë Łukasiewicz")
    complete_course(user, course)
    issued = Certificate.objects.filter(user=user, status=CertificateStatus.ISSUED, emailed_at__isnull=False)
    certificate = wait_for(issued.first, message="certificate issued")
    assert default_storage.open(certificate.pdf.name).read().startswith(b"%PDF")
    credential = Credential.objects.get(reference=certificate.code)

    # What a learner downloads and a verifier fetches: nothing else is used.
    client = Client()
    document = json.loads(client.get(f"/credentials/{credential.uuid}.json?download").content)
    did_document = served(client, "/.well-known/did.json")
    list_url = document["credentialStatus"]["statusListCredential"]
    status_lists = {list_url: served(client, list_url)}

    jsonschema.Draft201909Validator(json.loads(SCHEMA_COPY.read_text())).validate(document)
    assert document["credentialSubject"]["identifier"][1]["identityHash"] == "Zoë Łukasiewicz"
    assert document["proof"]["verificationMethod"].startswith(did_document["id"] + "#")
    verdict = offline_verdict(document, did_document, status_lists)
    assert verdict.valid, verdict.reason

    certificate_revoke(certificate=certificate, actor=learner(is_staff=True), reason="Issued in error")
    status_lists = {list_url: served(client, list_url)}
    assert offline_verdict(document, did_document, status_lists).reason == (
        "Status: the issuer has revoked this credential."
    )
    # The worker tells the learner, with the editor's reason.
    mails = wait_for(lambda: len(celery_worker.mails()) == 2 and celery_worker.mails(), message="revocation e-mail")
    bodies = [m.read_text() for m in mails]
    assert any("has been revoked" in b and "Issued in error" in b for b in bodies)
    assert any(f"/certificates/{certificate.code}/credential.json" in b for b in bodies)
