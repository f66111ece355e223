"""The one way certificate work is put on the queue: by task name, so the
services that enqueue and the tasks that call those services never import
each other (tasks -> services -> queue, one way)."""

import logging

from celery import current_app

logger = logging.getLogger(__name__)

ISSUE_TASK = "certificates.tasks.issue_certificate"
CHANGE_EMAIL_TASK = "certificates.tasks.email_certificate_change"


def enqueue_issue(certificate_id: int) -> None:
    """Publish the issue task; if the broker is down, the sweep retries later."""
    try:
        current_app.signature(ISSUE_TASK, args=(certificate_id,)).delay()
    except Exception:  # broker outage must not break the learner's request
        logger.warning("certificate %s: could not enqueue, the sweep will retry", certificate_id)


def enqueue_change_email(certificate_id: int, kind: str) -> None:
    """Tell the learner of a revoke or reissue; a broker outage must not undo
    the editor's action (the change is committed; the mail is logged as lost)."""
    try:
        current_app.signature(CHANGE_EMAIL_TASK, args=(certificate_id, kind)).delay()
    except Exception:
        logger.warning("certificate %s: could not enqueue the %s e-mail", certificate_id, kind)
