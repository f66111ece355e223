"""The one way certificate work is put on the queue: by task name, so the
services that enqueue and the tasks that call those services never import
each other (tasks -> services -> queue, one way)."""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

ISSUE_TASK = "certificates.tasks.issue_certificate"
ISSUE_BATCH_TASK = "certificates.tasks.issue_certificates"
CHANGE_EMAIL_TASK = "certificates.tasks.email_certificate_change"
# Certificates per issue message: enough to amortise Celery's round trip per
# message (about a third of a certificate's cost), few enough that a bulk
# request still spreads over every worker process and a message ends well
# inside the task time limit.
ISSUE_BATCH_SIZE = 20


def enqueue_issue(certificate_ids) -> None:
    """Publish the issue task for these certificates, ISSUE_BATCH_SIZE to a
    message; if the broker is down, the sweep retries later."""
    ids = list(certificate_ids)
    for start in range(0, len(ids), ISSUE_BATCH_SIZE):
        try:
            current_app.signature(ISSUE_BATCH_TASK, args=(ids[start : start + ISSUE_BATCH_SIZE],)).delay()
        except Exception:  # broker outage must not break the learner's request
            for certificate_id in ids[start:]:  # the broker is down: do not wait on it once per batch
                logger.warning("certificate %s: could not enqueue, the sweep will retry", certificate_id)
            return


class _IssueOnCommit(list):
    """The certificates one transaction creates, enqueued together when it commits."""

    def __call__(self):
        enqueue_issue(self)


def enqueue_issue_on_commit(certificate_id: int) -> None:
    """Enqueue the certificate once the current transaction commits, in the
    same messages as the other certificates that transaction creates: a bulk
    request of 1,000 certificates is 50 messages, not 1,000."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        enqueue_issue([certificate_id])
        return
    # The open transaction's callbacks (Django drops those of a savepoint that
    # rolls back, so a batch registered there is never reused after it).
    batch = next((func for _, func, _ in connection.run_on_commit if isinstance(func, _IssueOnCommit)), None)
    if batch is None:
        batch = _IssueOnCommit()
        transaction.on_commit(batch)
    batch.append(certificate_id)


def enqueue_change_email(certificate_id: int, kind: str) -> None:
    """Tell the learner of a revoke or reissue; a broker outage must not undo
    the editor's action (the change is committed; the mail is logged as lost)."""
    try:
        current_app.signature(CHANGE_EMAIL_TASK, args=(certificate_id, kind)).delay()
    except Exception:
        logger.warning("certificate %s: could not enqueue the %s e-mail", certificate_id, kind)
