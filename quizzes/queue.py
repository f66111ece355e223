"""The one way quiz work is put on the queue: by task name, so services
never import the tasks module that calls them (tasks -> services -> queue)."""

from celery import current_app

REFRESH_STATISTICS_TASK = "quizzes.tasks.refresh_quiz_statistics"


def enqueue_statistics_refresh(quiz_id: int, *, countdown: int) -> None:
    """Raises whatever the broker raises; the caller decides what an outage means."""
    current_app.signature(REFRESH_STATISTICS_TASK, args=(quiz_id,)).apply_async(countdown=countdown)
