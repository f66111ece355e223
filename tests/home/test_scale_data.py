"""The scale-data generator the benchmarks use (bench/bench_scale.py) still
runs: it reaches into several apps, so a refactor there can break it
without any other test noticing."""

import pytest
from django.core.management import call_command

from courses.models import LessonCompletion
from quizzes.models import Attempt
from tests.factories import make_course


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_generate_scale_data_fills_a_small_database(settings):
    settings.DEBUG = True
    make_course(modules=2, lessons=2, questions=3, final_questions=2)
    call_command("generate_scale_data", learners=5, answers=60, seed=3)
    assert Attempt.objects.exists() and LessonCompletion.objects.exists()
