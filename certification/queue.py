"""Certification work goes on the queue by task name only (services and
tasks never import each other; tasks -> services -> queue)."""

import logging

from celery import current_app

logger = logging.getLogger(__name__)

ISSUE_PERIOD_TASK = "certification.tasks.issue_period"
ATTESTATION_EMAIL_TASK = "certification.tasks.email_attestation_request"


def _send(name: str, *args) -> None:
    try:
        current_app.signature(name, args=args).delay()
    except Exception:  # a broker outage must not break the request; the sweep retries
        logger.warning("%s%s: could not enqueue, the sweep will retry", name, args)


def enqueue_issue_period(period_id: int) -> None:
    _send(ISSUE_PERIOD_TASK, period_id)


def enqueue_attestation_email(attestation_id: int) -> None:
    _send(ATTESTATION_EMAIL_TASK, attestation_id)
