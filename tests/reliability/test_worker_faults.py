"""A worker killed mid-task, and a slow task redelivered by Redis.

Both tests make the issue task stop at a known point without any test hook
in the app: the test holds the certificate's row lock from its own
connection, so the task's ``SELECT ... FOR UPDATE`` (its wait for the
certificates another transaction held, in ``certificates.services``) waits
there, inside its transaction, message not yet acknowledged, until the
test lets go.
"""

import time

import pytest

from certificates.models import Certificate, CertificateStatus
from tests.factories import complete_course, learner, make_course
from tests.reliability.helpers import backends_waiting_for_lock, pdf_files, row_locked, task_ids
from tests.worker import Worker, purge_queue, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLE = Certificate._meta.db_table
VISIBILITY_TIMEOUT = 3


def issued_and_emailed(pk):
    certificate = Certificate.objects.get(pk=pk)
    return certificate if certificate.status == CertificateStatus.ISSUED and certificate.emailed_at else None


def pending_certificate():
    """A learner completes a course while no worker runs: one pending row and
    one issue task waiting in the broker."""
    purge_queue()
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner()
    complete_course(user, course)
    certificate = Certificate.objects.get(user=user, course=course)
    assert certificate.status == CertificateStatus.PENDING
    return certificate


def stop(*workers):
    for worker in workers:
        if worker.proc is not None:
            worker.stop()


def assert_issued_once(certificate, media_root, mail_dir):
    assert Certificate.objects.filter(user=certificate.user_id, course=certificate.course_id).count() == 1
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    assert [p.name for p in pdf_files(media_root)] == [f"{certificate.code}.pdf"]
    mails = sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []
    assert len(mails) == 1
    assert certificate.code in mails[0].read_text()


def test_worker_killed_mid_task_issues_exactly_one_certificate_after_restart(media_root, tmp_path):
    certificate = pending_certificate()
    first = Worker(tmp_path, CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    second = Worker(tmp_path, CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    try:
        with row_locked(TABLE, certificate.pk):
            first.start()
            # The task is running: received by the worker and blocked inside
            # the issue transaction, before anything is stored.
            wait_for(lambda: backends_waiting_for_lock(TABLE) == 1, message="task blocked inside the issue transaction")
            received_at = time.monotonic()
            (task_id,) = task_ids(first, "received")
            first.kill_hard()  # kill -9 the main process and its pool children
            assert task_ids(first, "succeeded") == []
        # (PostgreSQL ends the dead worker's session once it next writes to
        # its socket; it can never commit.)

        certificate.refresh_from_db()
        assert certificate.status == CertificateStatus.PENDING
        assert pdf_files(media_root) == []
        assert not (tmp_path / "mail").exists()

        # The message was never acknowledged: once it is older than the
        # visibility timeout, a restarted worker takes it back from Redis.
        time.sleep(max(0.0, received_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        second.start()
        wait_for(lambda: issued_and_emailed(certificate.pk), timeout=60, message="redelivered task to issue")
        wait_for(lambda: task_ids(second, "succeeded"), message="redelivered task to finish")
        assert task_id in task_ids(second, "received")  # the same message, redelivered
    finally:
        stop(first, second)
    assert_issued_once(certificate, media_root, tmp_path / "mail")


def test_slow_task_redelivered_by_visibility_timeout_has_no_duplicate_effect(media_root, tmp_path):
    """Redis hands an unacknowledged message to another consumer once the
    visibility timeout passes, even while the first is still working on it.
    Both run the task; the row lock and the status check make the second a
    no-op."""
    certificate = pending_certificate()
    first = Worker(tmp_path, CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    second = Worker(tmp_path, CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    try:
        with row_locked(TABLE, certificate.pk):
            first.start()
            wait_for(lambda: backends_waiting_for_lock(TABLE) == 1, message="first execution to start")
            received_at = time.monotonic()
            time.sleep(max(0.0, received_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
            # Still running in the first worker, past the visibility timeout:
            # the second worker restores the message and runs it as well.
            second.start()
            wait_for(lambda: backends_waiting_for_lock(TABLE) == 2, message="second execution of the same message")
            (task_id,) = task_ids(first, "received")
            assert task_id in task_ids(second, "received")
        wait_for(lambda: issued_and_emailed(certificate.pk), message="certificate issued")
        wait_for(
            lambda: (task_ids(first, "succeeded") + task_ids(second, "succeeded")).count(task_id) == 2,
            message="both executions to finish",
        )
    finally:
        stop(first, second)
    assert_issued_once(certificate, media_root, tmp_path / "mail")
