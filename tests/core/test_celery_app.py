"""The Celery app's process set-up."""

import gc

from celery.signals import worker_process_init

import config.celery_app  # noqa: F401  (connects the receivers)


def test_a_new_pool_process_moves_its_startup_objects_out_of_the_collectors_reach():
    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)
        # Everything alive at start (Django's modules, settings, URL patterns) is frozen.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
