"""Certificate issuance through a real Celery worker and real Redis."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.tasks import issue_certificate, sweep_pending_certificates
from tests.factories import complete_course, learner, make_course
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def issued(certificate_id):
    certificate = Certificate.objects.get(pk=certificate_id)
    return certificate if certificate.status == CertificateStatus.ISSUED and certificate.emailed_at else None


def test_completing_a_course_issues_exactly_one_certificate_and_one_email(celery_worker):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner(legal_name="Zoë Łukasiewicz")
    completion = complete_course(user, course)
    assert completion is not None
    certificate = Certificate.objects.get(user=user, course=course)
    certificate = wait_for(lambda: issued(certificate.pk), message="certificate issued and e-mailed")

    pdf_bytes = default_storage.open(certificate.pdf.name).read()
    assert hashlib.sha256(pdf_bytes).hexdigest() == certificate.pdf_sha256
    text = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    assert "Zoë Łukasiewicz" in text and certificate.code in text
    assert Certificate.objects.filter(user=user).count() == 1
    assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    mails = celery_worker.mails()
    assert len(mails) == 1
    body = mails[0].read_text()
    assert certificate.code in body and user.email in body


def test_running_the_task_again_changes_nothing(celery_worker):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner()
    complete_course(user, course)
    certificate = wait_for(lambda: issued(Certificate.objects.get(user=user).pk), message="issued")
    before = (
        certificate.code,
        certificate.pdf.name,
        certificate.pdf_sha256,
        certificate.issued_at,
        certificate.emailed_at,
    )

    for _ in range(3):
        issue_certificate.delay(certificate.pk)
    # A sentinel task queued behind the repeats: once it has run, they have too.
    sentinel = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    other = learner()
    complete_course(other, sentinel)
    wait_for(lambda: issued(Certificate.objects.get(user=other).pk), message="sentinel issued")

    certificate.refresh_from_db()
    after = (
        certificate.code,
        certificate.pdf.name,
        certificate.pdf_sha256,
        certificate.issued_at,
        certificate.emailed_at,
    )
    assert after == before
    assert CertificateEvent.objects.filter(certificate=certificate).count() == 3
    assert len(celery_worker.mails()) == 2  # one each for the two learners


def test_a_certificate_left_pending_is_picked_up_by_the_sweep(media_root, tmp_path, settings):
    """No worker while the learner completes (as if the broker lost the
    message); a worker started later gets it from the periodic sweep."""
    from tests.worker import purge_queue, running_worker

    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner()
    complete_course(user, course)
    purge_queue()  # the task enqueued on commit is lost
    certificate = Certificate.objects.get(user=user)
    assert certificate.status == CertificateStatus.PENDING

    with running_worker(tmp_path) as worker:
        grace = timedelta(seconds=settings.CERTIFICATE_PENDING_GRACE_SECONDS)
        wait_for(lambda: timezone.now() - certificate.created_at > grace, message="grace period to pass")
        assert sweep_pending_certificates() == 1
        wait_for(lambda: issued(certificate.pk), message="swept certificate issued")
        assert len(worker.mails()) == 1
