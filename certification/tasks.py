"""Thin Celery tasks: ids in, re-fetch, call an idempotent service."""

import random

from celery import shared_task

from . import services
from .models import Attestation, CertificationPeriod
from .queue import ATTESTATION_EMAIL_TASK, ISSUE_PERIOD_TASK

MAX_RETRIES = 5


def _backoff(retries: int) -> float:
    return min(600, 2**retries * 5) * random.uniform(0.5, 1.0)


@shared_task(name=ISSUE_PERIOD_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def issue_period(self, period_id):
    try:
        services.period_issue(period_id=period_id)
    except CertificationPeriod.DoesNotExist:
        return
    except Exception as exc:
        services.period_record_failure(period_id=period_id, error=exc)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    services.period_send_email(period_id=period_id)


@shared_task(name=ATTESTATION_EMAIL_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def email_attestation_request(self, attestation_id):
    try:
        services.attestation_send_email(attestation_id=attestation_id)
    except Attestation.DoesNotExist:
        return
    except Exception as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(ignore_result=True)
def sweep_pending_periods():
    return len(services.sweep_pending_periods())


@shared_task(ignore_result=True)
def send_expiry_reminders():
    """Daily; safe to run twice (each threshold is recorded once per period)."""
    return services.reminders_send()
