"""Put audit-pack work on the queue by task name, so services never import
tasks (tasks -> services -> queue, one way), as certificates/queue.py does."""

import logging

from celery import current_app

logger = logging.getLogger(__name__)

AUDIT_PACK_TASK = "accreditation.tasks.build_audit_pack"


def enqueue_audit_pack(pack_id: int) -> None:
    try:
        current_app.signature(AUDIT_PACK_TASK, args=(pack_id,)).delay()
    except Exception:  # a broker outage must not lose the request: the row stays queued
        logger.warning("audit pack %s: could not enqueue", pack_id)
