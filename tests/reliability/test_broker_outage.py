"""The broker dies while a learner meets the final requirement.

A private redis-server (its own loopback port, no persistence) is the
broker for this test's worker and for this test process; the shared Redis
is never touched. It is killed with SIGKILL before the learner submits the
evaluation and restarted empty on the same port afterwards.
"""

import logging
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus
from certificates.tasks import sweep_pending_certificates
from courses.models import CourseCompletion, EvaluationResponse
from tests.factories import complete_all_but_evaluation, learner, make_course
from tests.reliability.helpers import RedisServer, broker_url, pdf_files
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_broker_down_at_completion_loses_nothing_and_doubles_nothing(client, media_root, tmp_path, settings):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner()
    complete_all_but_evaluation(user, course)
    client.force_login(user)
    records = Records()
    logging.getLogger("certificates").addHandler(records)
    redis = RedisServer(tmp_path).start()
    try:
        with broker_url(redis.url), running_worker(tmp_path, CELERY_BROKER_URL=redis.url) as worker:
            redis.kill()
            assert not redis.ping()

            started = time.monotonic()
            response = client.post(
                reverse("course_evaluation", args=[course.pk]), {"relevance": "5", "comments": "Useful."}, follow=True
            )
            elapsed = time.monotonic() - started
            assert response.status_code == 200
            assert b"Your certificate is being prepared." in response.content
            # The pass is saved; only the enqueue failed, and said so.
            assert EvaluationResponse.objects.filter(user=user, course=course).count() == 1
            assert CourseCompletion.objects.filter(user=user, course=course).count() == 1
            certificate = Certificate.objects.get(user=user, course=course)
            assert certificate.status == CertificateStatus.PENDING
            assert f"certificate {certificate.pk}: could not enqueue, the sweep will retry" in records.messages
            print(f"evaluation submit with the broker down answered in {elapsed:.1f}s")

            redis.start()  # same port, empty: whatever was queued is gone
            grace = timedelta(seconds=settings.CERTIFICATE_PENDING_GRACE_SECONDS)
            wait_for(lambda: timezone.now() - certificate.created_at > grace, message="grace period")
            assert sweep_pending_certificates() == 1
            wait_for(
                lambda: Certificate.objects.filter(pk=certificate.pk, status="issued", emailed_at__isnull=False),
                timeout=90,
                message="worker to reconnect and issue the swept certificate",
            )
            assert sweep_pending_certificates() == 0
            mails = worker.mails()
    finally:
        logging.getLogger("certificates").removeHandler(records)
        redis.kill()

    assert Certificate.objects.filter(user=user).count() == 1
    certificate.refresh_from_db()
    assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    assert [p.name for p in pdf_files(media_root)] == [f"{certificate.code}.pdf"]
    assert len(mails) == 1 and certificate.code in mails[0].read_text()
