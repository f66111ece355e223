"""Thin Celery tasks: they take ids, re-fetch, and call services."""

import random

from celery import shared_task

from . import services
from .queue import CHANGE_EMAIL_TASK, ISSUE_TASK

MAX_RETRIES = 5


@shared_task(name=ISSUE_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def issue_certificate(self, certificate_id):
    try:
        services.certificate_issue(certificate_id=certificate_id)
    except services.Certificate.DoesNotExist:
        return
    except Exception as exc:
        services.certificate_record_failure(certificate_id=certificate_id, error=exc)
        # Exponential backoff with full jitter, capped; after the last retry
        # the certificate stays pending and the periodic sweep tries again.
        countdown = min(600, 2**self.request.retries * 5)
        raise self.retry(exc=exc, countdown=countdown * random.uniform(0.5, 1.0)) from exc
    services.certificate_send_email(certificate_id=certificate_id)


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
