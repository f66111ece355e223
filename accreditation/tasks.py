"""Thin Celery tasks: ids in, re-fetch, call services."""

from celery import shared_task

from . import services
from .queue import AUDIT_PACK_TASK


@shared_task(name=AUDIT_PACK_TASK, bind=True, acks_late=True, max_retries=3, ignore_result=True)
def build_audit_pack(self, pack_id):
    try:
        services.audit_pack_build(pack_id=pack_id)
    except services.AuditPack.DoesNotExist:
        return
    except Exception as exc:
        services.audit_pack_record_failure(pack_id=pack_id, error=exc)
        raise self.retry(exc=exc, countdown=min(300, 2**self.request.retries * 10)) from exc
