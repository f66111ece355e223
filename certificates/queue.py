"""The one way certificate work is put on the queue: by task name, so the
services that enqueue and the tasks that call those services never import
each other (tasks -> services -> queue, one way)."""

import logging

from celery import current_app

logger = logging.getLogger(__name__)

ISSUE_TASK = "certificates.tasks.issue_certificate"


def enqueue_issue(certificate_id: int) -> None:
    """Publish the issue task; if the broker is down, the sweep retries later."""
    try:
        current_app.signature(ISSUE_TASK, args=(certificate_id,)).delay()
    except Exception:  # broker outage must not break the learner's request
        logger.warning("certificate %s: could not enqueue, the sweep will retry", certificate_id)
