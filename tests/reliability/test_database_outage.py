"""The database goes away while learners submit quizzes.

The outage is confined to this run's test database (the shared PostgreSQL
server keeps running): from an admin connection to the ``postgres``
database, ``ALTER DATABASE <test db> WITH ALLOW_CONNECTIONS false`` refuses
new sessions and ``pg_terminate_backend`` ends every existing one, as a
restart would; ``ALLOW_CONNECTIONS true`` ends the outage.
"""

import threading
import time
from dataclasses import dataclass

import pytest
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.urls import reverse

from courses.services import enrol
from quizzes.models import Attempt, AttemptStatus, Quiz
from tests.factories import learner, make_course
from tests.reliability.helpers import admin_connection

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 8
BEFORE_SECONDS, OUTAGE_SECONDS, AFTER_SECONDS = 1.5, 4.0, 2.5
MAX_ROUNDS_PER_THREAD = 150  # bounds the load whatever the timing


@dataclass
class Call:
    kind: str  # "start" or "submit"
    started: float
    ended: float
    status: int
    body: bytes
    retry_after: str | None
    attempt_id: int | None = None


def wrong_form(quiz):
    """A complete, wrong answer sheet: known before any attempt exists
    (ids are stable), so threads need no database to build it."""
    form = {}
    for question in quiz.questions.prefetch_related("choices"):
        form[f"q_{question.pk}"] = [str(next(c.pk for c in question.choices.all() if not c.is_correct))]
    return form


def timed(kind, send, attempt_id=None):
    # What a WSGI server does at every request start and end: drop a
    # connection that is broken or past CONN_MAX_AGE.
    close_old_connections()
    started = time.monotonic()
    response = send()
    return Call(
        kind, started, time.monotonic(), response.status_code, response.content, response.get("Retry-After"), attempt_id
    ), response


def learner_load(client, quiz, form, calls, stop):
    start_url = reverse("attempt_start", args=[quiz.pk])
    try:
        for _ in range(MAX_ROUNDS_PER_THREAD):
            if stop.is_set():
                return
            call, response = timed("start", lambda: client.post(start_url))
            calls.append(call)
            if response.status_code != 302:
                time.sleep(0.05)
                continue
            attempt_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
            submit_url = reverse("attempt_submit", args=[attempt_id])
            call, _ = timed("submit", lambda: client.post(submit_url, form), attempt_id)  # noqa: B023 - called at once
            calls.append(call)
    finally:
        connection.close()


def test_database_outage_answers_503_and_keeps_every_acknowledged_attempt(monkeypatch):
    test_db = connection.settings_dict["NAME"]
    # Each request opens its own connection (the default, DATABASE_CONN_MAX_AGE=0),
    # so the site recovers by itself as soon as the database accepts sessions
    # again. Every thread's connection shares this settings dict.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    course = make_course(modules=1, lessons=1, questions=3, final_questions=2)
    quiz = Quiz.objects.get(module__in=course.get_children())
    form = wrong_form(quiz)
    clients = []
    for _ in range(THREADS):
        user = learner()
        enrol(user=user, course=course)
        client = Client(raise_request_exception=False)  # a 500 must show up as a response, not a traceback
        client.force_login(user)
        assert client.get(reverse("quiz_detail", args=[quiz.pk])).status_code == 200
        clients.append(client)

    calls, stop = [], threading.Event()
    threads = [threading.Thread(target=learner_load, args=(c, quiz, form, calls, stop)) for c in clients]
    admin = admin_connection()
    try:
        for thread in threads:
            thread.start()
        time.sleep(BEFORE_SECONDS)
        admin.execute(f'ALTER DATABASE "{test_db}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_db],
        )
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
    finally:
        admin.execute(f'ALTER DATABASE "{test_db}" WITH ALLOW_CONNECTIONS true')
        up_at = time.monotonic()
        admin.close()
        time.sleep(AFTER_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        connections.close_all()  # this thread's session was terminated too

    assert not any(thread.is_alive() for thread in threads)
    during = [c for c in calls if c.started > down_at + 0.2 and c.ended < up_at]
    after = [c for c in calls if c.started > up_at + 0.5]
    print(
        f"{len(calls)} requests from {THREADS} threads: {len(during)} during a {OUTAGE_SECONDS}s outage, "
        f"{sum(c.status == 503 for c in calls)} answered 503, "
        f"{sum(c.status == 303 for c in calls)} submissions acknowledged"
    )
    assert [c.status for c in calls if c.status >= 500 and c.status != 503] == []
    assert during and all(c.status == 503 for c in during)
    for call in (c for c in calls if c.status == 503):
        assert b"right back" in call.body and call.retry_after == "30"
    assert any(c.kind == "submit" and c.status == 303 for c in after), "the site did not recover"
    assert {c.status for c in calls} <= {302, 303, 503}

    acknowledged = {c.attempt_id for c in calls if c.kind == "submit" and c.status == 303}
    graded = Attempt.objects.filter(pk__in=acknowledged, status=AttemptStatus.GRADED, submitted_at__isnull=False)
    assert graded.count() == len(acknowledged)
