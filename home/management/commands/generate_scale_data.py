"""Fill a development database with many learners and saved answers, to see
how pages behave at scale (used by bench/bench_scale.py).

    DEBUG=1 manage.py generate_scale_data --learners 50000 --answers 1000000

Each learner gets a verified e-mail, a profile, an enrolment in one of the
live courses, graded quiz attempts in course order (a pass moves on to the
next quiz), lesson completions for the modules reached, and, when the
learner's share of answers runs out mid-quiz, an attempt still in progress
with its answers saved so far. Snapshots and grades come from the project's
own quiz code. Rows go in with PostgreSQL's COPY, so a million answers take
well under a minute; VACUUM (ANALYZE) follows.

It refuses to run unless DEBUG is on: it is for development and benchmark
databases, never for a real one.
"""

import json
import random
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone


class Command(BaseCommand):
    help = "Generate learners, attempts and saved answers for scale testing (DEBUG only, PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=50_000)
        parser.add_argument("--answers", type=int, default=1_000_000, help="saved answers in total")
        parser.add_argument("--pass-rate", type=float, default=0.7, help="share of graded attempts that pass")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, learners, answers, pass_rate, seed, **options):
        if not settings.DEBUG:
            raise CommandError("generate_scale_data only runs with DEBUG on: it is for development databases.")
        if connection.vendor != "postgresql":
            raise CommandError("generate_scale_data needs PostgreSQL (it loads rows with COPY).")
        if learners < 1 or answers < 0 or not 0 <= pass_rate <= 1:
            raise CommandError("--learners must be at least 1, --answers at least 0, --pass-rate between 0 and 1.")
        courses = self._courses()
        started = time.monotonic()
        with transaction.atomic():
            counts = Generator(courses, random.Random(seed), pass_rate).run(learners, answers)
        with connection.cursor() as cursor:
            # Planner statistics for the new rows, and the vacuum a long-lived
            # database has had: otherwise autovacuum starts on the new rows and
            # competes with whatever runs next.
            cursor.execute("VACUUM (ANALYZE)")
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(f"Generated {summary} in {time.monotonic() - started:.1f}s.")

    def _courses(self):
        from courses.models import CoursePage
        from courses.structure import course_structure

        structures = [course_structure(c) for c in CoursePage.objects.live().order_by("path")]
        structures = [s for s in structures if s.quiz_ids]
        if not structures:
            raise CommandError("No live course with quizzes: load one first (manage.py load_curriculum).")
        return structures


class QuizPlan:
    """One quiz's frozen snapshot and the two ways a generated attempt answers it."""

    def __init__(self, quiz, course_id):
        from quizzes.grading import grade
        from quizzes.models import Question
        from quizzes.rules import build_snapshot

        questions = list(Question.objects.filter(quiz=quiz, active=True).prefetch_related("choices"))
        snapshot = build_snapshot(quiz, questions, course_id, random.Random(0))
        self.quiz_id = quiz.id
        self.snapshot_json = json.dumps(snapshot)
        self.question_ids = [q["id"] for q in snapshot["questions"]]
        right = {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in snapshot["questions"]}
        wrong = {q["id"]: [next(c["id"] for c in q["choices"] if not c["correct"])] for q in snapshot["questions"]}
        self.outcomes = {}
        for passed, selections in ((True, right), (False, wrong)):
            result = grade(snapshot, selections, snapshot["pass_mark"])
            choice_json = {qid: json.dumps(ids) for qid, ids in selections.items()}
            self.outcomes[passed] = (result.score, result.passed, json.dumps(result.as_json()), choice_json)


class Generator:
    def __init__(self, courses, rng, pass_rate):
        from quizzes.models import Quiz

        self.courses = courses
        self.rng = rng
        self.pass_rate = pass_rate
        quizzes = {q.id: q for q in Quiz.objects.filter(id__in=[i for s in courses for i in s.quiz_ids])}
        self.plans = {s.id: [QuizPlan(quizzes[i], s.id) for i in s.quiz_ids] for s in courses}
        self.now = timezone.now()

    def run(self, n_learners, n_answers):
        user_ids = self._learners(n_learners)
        users_per_course = {s.id: [] for s in self.courses}
        for i, user_id in enumerate(user_ids):
            users_per_course[self.courses[i % len(self.courses)].id].append(user_id)
        copy_rows(
            "courses.Enrolment",
            ["user_id", "course_id", "enrolled_at"],
            ((u, course_id, self.now) for course_id, users in users_per_course.items() for u in users),
        )
        attempts, answers, completions = [], [], []
        share, extra = divmod(n_answers, n_learners)
        for i, user_id in enumerate(user_ids):
            course = self.courses[i % len(self.courses)]
            self._history(user_id, course, share + (1 if i < extra else 0), attempts, answers, completions)
        attempt_ids = allocate_ids("quizzes.Attempt", len(attempts))
        copy_rows(
            "quizzes.Attempt",
            ["id", "user_id", "quiz_id", "number", "status", "snapshot", "started_at", "deadline"]
            + ["submitted_at", "score", "passed", "results", "timed_out"],
            ((attempt_id, *a) for attempt_id, a in zip(attempt_ids, attempts, strict=True)),
        )
        copy_rows(
            "quizzes.AttemptAnswer",
            ["attempt_id", "question_id", "choice_ids", "saved_at"],
            ((attempt_ids[index], qid, choices, self.now) for index, qid, choices in answers),
        )
        copy_rows("courses.LessonCompletion", ["user_id", "lesson_id", "completed_at"], completions)
        return {
            "learners": len(user_ids),
            "enrolments": len(user_ids),
            "attempts": len(attempts),
            "saved answers": len(answers),
            "lesson completions": len(completions),
        }

    def _learners(self, n):
        stamp = time.strftime("%Y%m%d%H%M%S")
        password = make_password(None)  # unusable: generated learners never log in
        ids = allocate_ids(settings.AUTH_USER_MODEL, n)
        emails = [f"scale-{stamp}-{i}@example.org" for i in range(n)]
        copy_rows(
            settings.AUTH_USER_MODEL,
            ["id", "password", "is_superuser", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
            + ["email"],
            ((ids[i], password, False, "", "", False, True, self.now, emails[i]) for i in range(n)),
        )
        copy_rows(
            "account.EmailAddress",
            ["user_id", "email", "verified", "primary"],
            ((ids[i], emails[i], True, True) for i in range(n)),
        )
        copy_rows(
            "accounts.LearnerProfile",
            ["user_id", "legal_name", "profession", "license_number", "license_jurisdiction", "updated_at"],
            ((ids[i], f"Scale Learner {i}", "counselor", f"LIC-{i:06d}", "Oregon", self.now) for i in range(n)),
        )
        return ids

    def _history(self, user_id, course, quota, attempts, answers, completions):
        """Attempts in course order until the learner's share of answers is used."""
        lessons_by_quiz = {m.quiz_id: m.lessons for m in course.modules if m.quiz_id}
        for plan in self.plans[course.id]:
            if quota <= 0:
                return
            for lesson in lessons_by_quiz.get(plan.quiz_id, ()):
                completions.append((user_id, lesson.id, self.now))
            number = 0
            while quota > 0:
                number += 1
                size = len(plan.question_ids)
                index = len(attempts)
                if quota < size:  # the share runs out mid-quiz: an attempt still in progress
                    attempts.append(
                        (user_id, plan.quiz_id, number, "in_progress", plan.snapshot_json, self.now)
                        + (None, None, None, None, None, False)
                    )
                    choices = plan.outcomes[True][3]
                    answers.extend((index, qid, choices[qid]) for qid in plan.question_ids[:quota])
                    return
                passed = self.rng.random() < self.pass_rate
                score, graded_pass, results, choices = plan.outcomes[passed]
                attempts.append(
                    (user_id, plan.quiz_id, number, "graded", plan.snapshot_json, self.now)
                    + (None, self.now, score, graded_pass, results, False)
                )
                answers.extend((index, qid, choices[qid]) for qid in plan.question_ids)
                quota -= size
                if graded_pass:
                    break


def _model(label):
    from django.apps import apps

    return apps.get_model(label)


def allocate_ids(label, n):
    """Take ``n`` ids from the table's own sequence, so later inserts never collide."""
    table = _model(label)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(label, fields, rows):
    """Load ``rows`` (tuples in ``fields`` order; JSON columns as JSON text) with COPY."""
    meta = _model(label)._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
