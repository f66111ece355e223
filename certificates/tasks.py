"""Thin Celery tasks: they take ids, re-fetch, and call services."""

import random

from celery import shared_task

from . import services
from .queue import CHANGE_EMAIL_TASK, ISSUE_BATCH_TASK, ISSUE_TASK

MAX_RETRIES = 5


def _backoff(task):
    # Exponential backoff with full jitter, capped; after the last retry the
    # certificates stay pending and the periodic sweep tries again.
    return min(600, 2**task.request.retries * 5) * random.uniform(0.5, 1.0)


@shared_task(name=ISSUE_BATCH_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def issue_certificates(self, certificate_ids):
    """Issue a batch of certificates (see services.certificates_issue). The
    batch is made where certificates are requested, one message for those a
    transaction creates (queue.enqueue_issue_on_commit), rather than by a task
    draining whatever is pending: every message costs Celery a round trip, so
    only fewer messages amortise it, and a learner's single completion stays
    one message of one certificate, as fast as before. Only the certificates
    that failed are retried."""
    try:
        retry = services.certificates_issue(certificate_ids=certificate_ids)
    except Exception as exc:  # not one certificate but, say, the database: the whole batch again
        raise self.retry(exc=exc, countdown=_backoff(self)) from exc
    if retry:
        raise self.retry(args=(retry,), countdown=_backoff(self))


@shared_task(name=ISSUE_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def issue_certificate(self, certificate_id):
    """One certificate (messages queued before batches existed)."""
    try:
        retry = services.certificates_issue(certificate_ids=[certificate_id])
    except Exception as exc:
        raise self.retry(exc=exc, countdown=_backoff(self)) from exc
    if retry:
        raise self.retry(countdown=_backoff(self))


@shared_task(ignore_result=True)
def sweep_pending_certificates():
    """Re-enqueue certificates still pending after the grace period, so a
    broker outage or a killed worker delays a certificate but never loses it."""
    return len(services.sweep_pending())


@shared_task(name=CHANGE_EMAIL_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def email_certificate_change(self, certificate_id, kind):
    """At-least-once, like the issue e-mail: a retry after an SMTP failure."""
    try:
        services.certificate_send_change_email(certificate_id=certificate_id, kind=kind)
    except services.Certificate.DoesNotExist:
        return
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(600, 2**self.request.retries * 5)) from exc
