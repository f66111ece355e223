"""The stored item-statistics report: a seeded data set where every flag
shows, the admin page and its CSV, query counts that do not grow with
attempts, and the debounced refresh through a real Celery worker."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.spreadsheets import safe_cell as neutralise_formula
from home.services import EDITORS_GROUP, ensure_editor_group
from quizzes.models import Attempt, AttemptStatus, Choice, Question, Quiz, QuizStatistics
from quizzes.statistics_services import quiz_statistics_refresh, quiz_statistics_schedule, stale_quiz_ids
from tests.factories import learner, make_course

LEARNERS = 30

# Which choice (0 = the key) a learner of rank r (0 weakest .. 29 strongest) picks.
DESIGN = {
    "easy": lambda r: 1 if r == 0 else 0,  # right for all but one: too easy; C and D never picked
    "hard": lambda r: 0 if r >= 25 else 1 + r % 3,  # right for the top five only: too hard
    "reversed": lambda r: 0 if r < 15 else 1 + r % 3,  # right for the weaker half: negative discrimination
    "lure": lambda r: 2 if r >= 20 else (0 if r >= 10 else 1),  # the strongest pick distractor C
    "sound": lambda r: 0 if r >= 12 else 1 + r % 3,  # a working item: no flag
    "coin": lambda r: 0 if r % 2 else 1 + r % 3,  # unrelated to ability: low discrimination
    # Three more working items so that the total score ranks learners much as r does.
    "sound2": lambda r: 0 if r >= 8 else 1 + r % 3,
    "sound3": lambda r: 0 if r >= 16 else 1 + r % 3,
    "sound4": lambda r: 0 if r >= 20 else 1 + r % 3,
}


@pytest.fixture
def editor(db):
    ensure_editor_group()
    user = learner(email="stats-editor@example.org")
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


def _seed(quiz, objective=None, stems=None):
    questions = {}
    for order, name in enumerate(DESIGN):
        q = Question(
            quiz=quiz,
            key=f"{name}-{quiz.pk}",
            type="single",
            stem=(stems or {}).get(name, f"The {name} item?"),
            explanation="Why.",
            sort_order=order,
            objective=objective if name in ("easy", "sound") else None,
        )
        q.choices = [Choice(text=f"{name} {letter}", is_correct=letter == "A") for letter in "ABCD"]
        q.save()
        questions[name] = q
    now = timezone.now()
    attempts = []
    for r in range(LEARNERS):
        user = learner(email=f"rank{r}-{quiz.pk}@example.org")
        results = {}
        for name, pick in DESIGN.items():
            q = questions[name]
            choice = q.choices.order_by("sort_order")[pick(r)]
            results[str(q.pk)] = {"correct": choice.is_correct, "selected": [choice.pk]}
        right = sum(v["correct"] for v in results.values())
        attempts.append(
            Attempt(
                user=user,
                quiz=quiz,
                number=1,
                status=AttemptStatus.GRADED,
                snapshot={"questions": []},
                started_at=now,
                submitted_at=now,
                score=round(100 * right / len(DESIGN), 2),
                passed=right / len(DESIGN) >= 0.75,
                results=results,
            )
        )
    Attempt.objects.bulk_create(attempts)
    return questions


@pytest.fixture
def seeded(course):
    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    Question.objects.filter(quiz=quiz).delete()
    objective = course.objectives.first()
    questions = _seed(quiz, objective, stems={"sound": '=HYPERLINK("http://evil.example","click")'})
    return quiz, questions, objective


def test_the_seeded_report_shows_every_flag_on_the_item_that_earns_it(seeded):
    quiz, questions, objective = seeded
    stored = quiz_statistics_refresh(quiz_id=quiz.pk)
    assert stored.attempts == LEARNERS and stored.report["learners"] == LEARNERS
    items = {item["key"].rsplit("-", 1)[0]: item for item in stored.report["items"]}
    assert "too easy" in items["easy"]["flags"]
    assert "distractor never picked: easy C" in items["easy"]["flags"]
    assert "too hard" in items["hard"]["flags"]
    assert "negative discrimination" in items["reversed"]["flags"]
    assert "distractor picked more by the top third than the bottom: lure C" in items["lure"]["flags"]
    assert "low discrimination" in items["coin"]["flags"]
    assert [items[name]["flags"] for name in ("sound", "sound2", "sound3", "sound4")] == [[]] * 4
    assert items["sound"]["discrimination_index"] > 50
    # Distractor counts: overall and by thirds (10 learners each).
    lure = {c["text"]: c for c in items["lure"]["choices"]}
    assert (lure["lure C"]["overall"], lure["lure B"]["overall"], lure["lure A"]["overall"]) == (10, 10, 10)
    assert lure["lure C"]["top"] > lure["lure C"]["bottom"]
    assert lure["lure D"]["overall"] == 0
    # Per-objective mastery across learners: easy + sound carry the objective.
    (row,) = stored.report["objectives"]
    assert row["key"] == objective.key and row["learners"] == LEARNERS
    # Mastered (>= 75% of the two items) = both right = ranks 12..29.
    assert row["mastered"] == pytest.approx(18 / 30)
    test = stored.report["test"]
    assert test["attempts"] == LEARNERS and test["items_per_attempt"] == len(DESIGN) and test["alpha"] is not None


def test_the_report_page_and_csv_for_editors_only(client, seeded, editor):
    quiz, _, _ = seeded
    url = reverse("quiz_report", args=[quiz.pk])
    client.force_login(learner(email="nosy@example.org"))
    assert client.get(url).status_code in (302, 403)
    client.force_login(editor)
    page = client.get(url)
    assert page.status_code == 200 and "No statistics yet" in page.content.decode()

    quiz_statistics_refresh(quiz_id=quiz.pk)
    body = client.get(url).content.decode()
    for text in (
        "Whole test",
        "too easy",
        "too hard",
        "negative discrimination",
        "low discrimination",
        "distractor never picked",
        "picked more by the top third",
        "Objectives: mastery",
    ):
        assert text in body, text
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == len(DESIGN)
    by_key = {r["Item key"].rsplit("-", 1)[0]: r for r in rows}
    assert by_key["easy"]["Facility index (%)"] == "96.7" and "too easy" in by_key["easy"]["Flags"]
    # The formula in the stem is inert text in the CSV.
    assert by_key["sound"]["Stem"].startswith("'=HYPERLINK(")
    assert float(by_key["reversed"]["Discrimination index (%)"]) < 0  # numbers keep their sign


def test_formula_neutralising_covers_each_trigger_and_leaves_numbers_alone():
    for text in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_formula(text) == "'" + text
    assert neutralise_formula("plain") == "plain" and neutralise_formula(-12.5) == -12.5


def test_opening_the_report_costs_the_same_queries_however_many_attempts(client, course, editor):
    quizzes = list(Quiz.objects.filter(module__isnull=False).order_by("pk")[:2])
    client.force_login(editor)
    counts = []
    for quiz, learners in zip(quizzes, (3, 30), strict=True):
        Question.objects.filter(quiz=quiz).delete()
        global LEARNERS
        saved, LEARNERS = LEARNERS, learners
        try:
            _seed(quiz)
        finally:
            LEARNERS = saved
        quiz_statistics_refresh(quiz_id=quiz.pk)
        client.get(reverse("quiz_report", args=[quiz.pk]))  # warm the session and permission caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("quiz_report", args=[quiz.pk])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_stale_reports_are_found_by_the_sweep(seeded):
    quiz, _, _ = seeded
    assert quiz.pk in stale_quiz_ids()
    quiz_statistics_refresh(quiz_id=quiz.pk)
    assert quiz.pk not in stale_quiz_ids()
    Attempt.objects.filter(quiz=quiz).order_by("id").first().delete()
    assert quiz.pk in stale_quiz_ids()


def test_quiz_list_shows_pass_rates_in_one_query(client, seeded, editor):
    client.force_login(editor)
    client.get(reverse("quiz_report_index"))
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("quiz_report_index")).content.decode()
    assert "Item statistics" in body
    assert sum("quizzes_attempt" in q["sql"] for q in ctx.captured_queries) == 1


@pytest.mark.worker
def test_graded_attempts_refresh_the_report_once_through_a_real_worker(celery_worker, settings):
    from courses.services import enrol
    from quizzes.services import attempt_start, attempt_submit
    from tests.factories import correct_form, wrong_form
    from tests.worker import wait_for

    settings.QUIZ_STATISTICS_DEBOUNCE_SECONDS = 1
    course = make_course(modules=1, lessons=1)
    quiz = Quiz.objects.filter(module__isnull=False).order_by("pk").first()
    for form in (correct_form, wrong_form, wrong_form):
        user = learner()
        enrol(user=user, course=course)
        attempt = attempt_start(user=user, quiz=quiz)
        attempt_submit(user=user, attempt_id=attempt.pk, form_items=form(attempt))
    stored = wait_for(
        lambda: QuizStatistics.objects.filter(quiz=quiz, attempts=3).first(), timeout=60, message="report stored"
    )
    assert [i["facility"] for i in stored.report["items"]] == [pytest.approx(1 / 3)] * 4
    # The burst of three gradings was debounced into one computation.
    assert celery_worker.output().count("quizzes.tasks.refresh_quiz_statistics[") == 2  # received + succeeded
    assert "succeeded" in celery_worker.output()


def test_scheduling_is_debounced_until_the_refresh_starts(seeded, django_capture_on_commit_callbacks):
    quiz, _, _ = seeded
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert quiz_statistics_schedule(quiz_id=quiz.pk)
        assert not quiz_statistics_schedule(quiz_id=quiz.pk)
        assert not quiz_statistics_schedule(quiz_id=quiz.pk)
    assert len(callbacks) == 1
    quiz_statistics_refresh(quiz_id=quiz.pk)  # the run clears the pending mark
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert quiz_statistics_schedule(quiz_id=quiz.pk)
    assert len(callbacks) == 1


def test_scheduling_never_fails_a_grading_when_the_cache_is_down(seeded, settings):
    quiz, _, _ = seeded
    # A real Redis client pointed at a port nothing listens on.
    settings.CACHES = {
        "default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert quiz_statistics_schedule(quiz_id=quiz.pk) is False
