from celery import shared_task

from .services import finalize_expired_attempts as finalize_expired


@shared_task(ignore_result=True)
def finalize_expired_attempts():
    """Grade attempts whose time limit (plus grace) has passed unsubmitted."""
    return finalize_expired()
