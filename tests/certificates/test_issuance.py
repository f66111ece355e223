"""Certificate issuance through a real Celery worker and real Redis."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.tasks import issue_certificate, issue_certificates, sweep_pending_certificates
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


def request_in_one_transaction(n, legal_names=()):
    """``n`` learners' certificates requested in one transaction (as a bulk
    grant would), while no worker runs; returns them, pending."""
    from django.db import transaction

    from certificates.services import certificate_request

    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    names = list(legal_names) + ["Ada Núñez"] * (n - len(legal_names))
    users = [learner(legal_name=name) for name in names]
    with transaction.atomic():
        ids = [certificate_request(user=u, course=course, completed_at=timezone.now()).pk for u in users]
    return list(Certificate.objects.filter(pk__in=ids).order_by("pk"))


def queued_issue_messages():
    """The issue messages waiting in the broker: each one's certificate ids."""
    from kombu import Connection

    from config.celery_app import app

    batches = []
    with Connection(app.conf.broker_url) as conn:
        queue = conn.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            assert message.headers["task"] == "certificates.tasks.issue_certificates"
            batches.append(message.decode()[0][0])
            message.ack()
        queue.close()
    return batches


def mailed_codes(worker):
    """The certificate code of every issue e-mail the worker wrote (the file
    backend may append several mails to one file)."""
    text = "".join(m.read_text() for m in worker.mails())
    return sorted(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Verification code: "))


def test_certificates_requested_together_are_enqueued_together_in_batches():
    from tests.worker import purge_queue

    purge_queue()
    certificates = request_in_one_transaction(23)
    batches = queued_issue_messages()
    assert batches == [[c.pk for c in certificates[:20]], [c.pk for c in certificates[20:]]]


def test_the_sweep_enqueues_pending_certificates_in_batches():
    from certificates.services import sweep_pending
    from tests.worker import purge_queue

    purge_queue()
    certificates = request_in_one_transaction(21)
    queued_issue_messages()  # lost, as in a broker outage
    later = timezone.now() + timedelta(hours=1)
    assert sweep_pending(now=later) == [c.pk for c in certificates]
    assert queued_issue_messages() == [[c.pk for c in certificates[:20]], [c.pk for c in certificates[20:]]]


def test_two_workers_racing_over_the_same_batch_issue_each_certificate_once(media_root, tmp_path):
    """The same batch delivered twice (a redelivered message, the sweep
    re-enqueueing a backlog) to two workers at once: each certificate is
    issued, stored and e-mailed exactly once."""
    from tests.reliability.helpers import pdf_files
    from tests.worker import Worker, purge_queue

    purge_queue()
    certificates = request_in_one_transaction(8)
    ids = [c.pk for c in certificates]
    queued_issue_messages()
    workers = [Worker(tmp_path), Worker(tmp_path)]
    try:
        for worker in workers:
            worker.start()
        # Both idle, one message each: they work through the same ids at once.
        issue_certificates.delay(ids)
        issue_certificates.delay(ids)
        wait_for(lambda: all(issued(pk) for pk in ids), timeout=60, message="the batch issued")
        wait_for(lambda: sum(w.output().count("succeeded") for w in workers) == 2, message="both deliveries finished")
        assert all("issue_certificates[" in w.output() for w in workers)  # each worker ran one delivery
    finally:
        for worker in workers:
            worker.stop()
    for certificate in certificates:
        assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    assert sorted(p.name for p in pdf_files(media_root)) == sorted(f"{c.code}.pdf" for c in certificates)
    # The two workers share one mail folder: one mail for each certificate.
    assert mailed_codes(workers[0]) == sorted(c.code for c in certificates)


def test_a_failing_certificate_does_not_stop_the_rest_of_its_batch(media_root, tmp_path):
    """One certificate of a batch cannot be rendered (its snapshot lacks the
    learner's name). The others are issued and e-mailed; its failure is
    recorded and only it is retried, with backoff, until it can be issued."""
    from tests.worker import Worker, purge_queue

    purge_queue()
    certificates = request_in_one_transaction(5)
    ids = [c.pk for c in certificates]
    queued_issue_messages()
    broken = certificates[2]
    snapshot = dict(broken.snapshot)
    Certificate.objects.filter(pk=broken.pk).update(snapshot={k: v for k, v in snapshot.items() if k != "legal_name"})
    issue_certificates.delay(ids)
    worker = Worker(tmp_path).start()
    try:
        wait_for(lambda: all(issued(pk) for pk in ids if pk != broken.pk), message="the rest of the batch issued")
        # Its failure is recorded once the rest of the batch has committed.
        wait_for(lambda: Certificate.objects.get(pk=broken.pk).render_attempts, message="the failure recorded")
        broken.refresh_from_db()
        assert broken.status == CertificateStatus.PENDING and broken.render_attempts == 1
        assert broken.last_error == "KeyError: 'legal_name'"
        assert mailed_codes(worker) == sorted(c.code for c in certificates if c != broken)
        wait_for(lambda: "Retry in" in worker.output(), message="the retry to be scheduled")
        Certificate.objects.filter(pk=broken.pk).update(snapshot=snapshot)  # fixed before the retry runs
        wait_for(lambda: issued(broken.pk), message="the retry to issue the failed certificate")
    finally:
        worker.stop()
    assert [e.kind for e in broken.events.all()] == ["created", "render_failed", "issued", "emailed"]
    for certificate in certificates:
        if certificate != broken:
            assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    assert mailed_codes(worker) == sorted(c.code for c in certificates)
