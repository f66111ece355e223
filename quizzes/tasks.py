from celery import shared_task
from django.db import OperationalError

from .models import Quiz
from .queue import REFRESH_STATISTICS_TASK
from .services import finalize_expired_attempts as finalize_expired
from .statistics_services import quiz_statistics_refresh, stale_quiz_ids


@shared_task(ignore_result=True)
def finalize_expired_attempts():
    """Grade attempts whose time limit (plus grace) has passed unsubmitted."""
    return finalize_expired()


@shared_task(
    name=REFRESH_STATISTICS_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def refresh_quiz_statistics(quiz_id):
    """Recompute and store one quiz's item-analysis report."""
    if Quiz.objects.filter(pk=quiz_id).exists():
        quiz_statistics_refresh(quiz_id=quiz_id)


@shared_task(ignore_result=True)
def refresh_stale_quiz_statistics():
    """Safety net for a lost enqueue: refresh every report older than its attempts."""
    for quiz_id in stale_quiz_ids():
        refresh_quiz_statistics.delay(quiz_id)
