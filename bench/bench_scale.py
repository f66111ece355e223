"""Benchmark page latency on an almost empty database and on a large one.

Run from the repository root (PostgreSQL and Redis running):

    .venv/bin/python bench/bench_scale.py [--json PATH] [--learners 50000] [--answers 1000000] [--keep]

In one run:

  1. builds an almost empty database (trdcert_bench_scale_empty): a
     six-module course, a 40-question quiz and a reader with a little
     history; copies it to trdcert_bench_scale (same pages, same ids);
  2. runs ``manage.py generate_scale_data`` (DEBUG=1, COPY) on the copy to
     add 50,000 learners and 1,000,000 saved answers, then VACUUM (ANALYZE);
  3. measures in-process (test client, every middleware) the median latency
     of the reader's dashboard, a lesson page and a 40-question quiz
     submission on each database, alternating empty / large (and
     large / empty) for two rounds so that a change in machine load hits both alike, and keeps the
     best median of each. Target: large within 1.5x of almost empty.

Every SELECT those three requests send is then run under EXPLAIN ANALYZE on
the large database, and any sequential scan of a table with more than
10,000 rows is reported. Both databases are dropped at the end unless
--keep is given (and always at the start of the next run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import (
    FORM,
    REPO_ROOT,
    VAR,
    bench_env,
    drop_database,
    lesson_in,
    logged_in_client,
    ms,
    print_table,
    ready_submission,
    recreate_database,
    row,
    run_main,
    setup_django,
    timed,
    timed_submissions,
    write_json,
)
from common import parser as make_parser

DB_EMPTY = "trdcert_bench_scale_empty"
DB_LARGE = "trdcert_bench_scale"
LARGE_ROWS = 10_000  # tables above this many rows count as large
TARGET_RATIO = 1.5
GET_WARMUP, GET_TIMED = 20, 150
SUBMIT_WARMUP, SUBMIT_TIMED = 10, 60


def check(response, status=200):
    if response.status_code != status:
        raise RuntimeError(f"{response.request['PATH_INFO']} answered {response.status_code}, expected {status}")
    return response


def measure(reader_client, lesson_url, course, quiz):
    dashboard = timed(lambda: check(reader_client.get("/learning/")), GET_TIMED, GET_WARMUP)
    lesson = timed(lambda: check(reader_client.get(lesson_url)), GET_TIMED, GET_WARMUP)
    submissions = [ready_submission(course, quiz) for _ in range(SUBMIT_WARMUP + SUBMIT_TIMED)]
    timed_submissions(submissions[:SUBMIT_WARMUP])
    submit = timed_submissions(submissions[SUBMIT_WARMUP:])
    return {
        "dashboard": statistics.median(dashboard),
        "lesson": statistics.median(lesson),
        "quiz_submit": statistics.median(submit),
    }


def captured_selects(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cursor.fetchall())


def seq_scans(plan):
    """(table, milliseconds) for every sequential scan in a plan."""
    return [
        (m.group(1), float(m.group(2)))
        for m in re.finditer(r"Seq Scan on (\w+).*?actual time=[\d.]+\.\.([\d.]+)", plan)
    ]


READER = "scale-reader@example.org"


def build(db):
    """The almost-empty database: two courses, a reader with a little history."""
    setup_django(db)
    from courses.models import ModulePage
    from courses.services import enrol, lesson_mark_complete
    from quizzes.models import Quiz
    from tests.factories import learner, make_course, pass_quiz

    course = make_course(modules=6, lessons=3, questions=5, final_questions=10, title="Scale course")
    make_course(modules=1, lessons=1, questions=40, final_questions=0, title="Submit course")
    reader = learner(email=READER)
    enrol(user=reader, course=course)
    for lesson_number in (1, 2, 3):
        lesson_mark_complete(user=reader, lesson=lesson_in(course, 1, lesson_number))
    pass_quiz(reader, Quiz.objects.get(module__in=ModulePage.objects.child_of(course).filter(slug="module-1")))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")  # as the generator leaves the large copy
    connection.close()


def measure_only(db, explain_queries):
    """One measuring pass over ``db`` (a subprocess of the main run)."""
    setup_django(db, fresh=False)
    from django.contrib.auth import get_user_model

    from courses.models import CoursePage, ModulePage
    from quizzes.models import Quiz

    course = CoursePage.objects.get(title="Scale course")
    submit_course = CoursePage.objects.get(title="Submit course")
    submit_quiz = Quiz.objects.get(module__in=ModulePage.objects.child_of(submit_course))
    client = logged_in_client(get_user_model().objects.get(email=READER))
    lesson_url = lesson_in(course, 2, 2).url
    result = {"medians": measure(client, lesson_url, submit_course, submit_quiz)}
    if explain_queries:
        result.update(explain_requests(client, lesson_url, submit_course, submit_quiz))
    return result


def explain_requests(client, lesson_url, submit_course, submit_quiz):
    """EXPLAIN ANALYZE every SELECT of the three requests; flag scans of large tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND reltuples > %s", [LARGE_ROWS])
        large_tables = {name: int(n) for name, n in cursor.fetchall()}
    extra = ready_submission(submit_course, submit_quiz)
    selects = {
        "dashboard": captured_selects(lambda: client.get("/learning/")),
        "lesson": captured_selects(lambda: client.get(lesson_url)),
        "quiz_submit": captured_selects(lambda: extra[0].post(extra[1], extra[2], content_type=FORM)),
    }
    scans, slowest = [], []
    for page, sqls in selects.items():
        for sql in sqls:
            plan = explain(sql)
            total = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
            slowest.append((total, page, sql[:200]))
            scans += [(page, t, m, sql[:200]) for t, m in seq_scans(plan) if t in large_tables]
    slowest.sort(reverse=True)
    return {"large_tables": large_tables, "seq_scans": scans, "slowest": slowest[:5]}


def run_measure(db, explain_queries=False):
    out = VAR / f"{db}-measure.json"
    args = [sys.executable, __file__, f"--measure={db}", f"--json={out}", *(["--explain"] if explain_queries else [])]
    done = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"measuring {db} failed:\n{done.stdout}\n{done.stderr}")
    data = json.loads(out.read_text())
    out.unlink()
    return data


def main():
    p = make_parser(__doc__)
    p.add_argument("--learners", type=int, default=50_000)
    p.add_argument("--answers", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=2, help="alternating measuring rounds (default 2)")
    p.add_argument("--keep", action="store_true", help="keep both databases for inspection")
    p.add_argument("--measure", metavar="DB", help=argparse.SUPPRESS)
    p.add_argument("--explain", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure:
        result = measure_only(args.measure, args.explain)
        Path(args.json).write_text(json.dumps(result, default=str))
        return

    VAR.mkdir(parents=True, exist_ok=True)
    build(DB_EMPTY)
    recreate_database(DB_LARGE, template=DB_EMPTY)  # the same course, reader and ids
    t0 = time.monotonic()
    generated = subprocess.run(
        [sys.executable, "manage.py", "generate_scale_data", f"--learners={args.learners}"]
        + [f"--answers={args.answers}"],
        cwd=REPO_ROOT,
        env={**os.environ, **bench_env(DB_LARGE, DEBUG="1")},
        capture_output=True,
        text=True,
    )
    generate_seconds = time.monotonic() - t0
    if generated.returncode != 0:
        raise RuntimeError(f"generate_scale_data failed:\n{generated.stdout}\n{generated.stderr}")
    print(generated.stdout.strip())

    # Alternate the two databases so that a change in machine load hits both alike.
    load_before = os.getloadavg()[0]
    passes = {DB_EMPTY: [], DB_LARGE: []}
    for r in range(args.rounds):
        order = (DB_EMPTY, DB_LARGE) if r % 2 == 0 else (DB_LARGE, DB_EMPTY)  # no side always goes first
        for db in order:
            passes[db].append(run_measure(db, explain_queries=(db == DB_LARGE and r == args.rounds - 1)))
    load_after = os.getloadavg()[0]
    if not args.keep:
        drop_database(DB_EMPTY)
        drop_database(DB_LARGE)

    # Per figure, the best of the rounds' medians: interference only ever adds time.
    keys = ("dashboard", "lesson", "quiz_submit")
    empty = {k: min(p["medians"][k] for p in passes[DB_EMPTY]) for k in keys}
    large = {k: min(p["medians"][k] for p in passes[DB_LARGE]) for k in keys}
    found = passes[DB_LARGE][-1]
    scans, slowest, large_tables = found["seq_scans"], found["slowest"], found["large_tables"]

    rows = []
    for key, label in (("dashboard", "dashboard"), ("lesson", "lesson page"), ("quiz_submit", "quiz submit (40 q)")):
        ratio = large[key] / empty[key]
        rows.append(row(f"{label}: almost empty / large", f"{ms(empty[key])} / {ms(large[key])}"))
        rows.append(row(f"{label}: large / empty", f"{ratio:.2f}x", f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO))
    rows.append(row("seq scans of large tables (EXPLAIN ANALYZE)", str(len(scans)), "0", not scans))
    users = large_tables.get("accounts_user", 0)
    answers = large_tables.get("quizzes_attemptanswer", 0)
    rows.append(row("learners / saved answers (large, estimated)", f"{users:,} / {answers:,}"))
    rows.append(row("generation time (generate_scale_data)", f"{generate_seconds:.0f} s"))
    print_table(
        f"scale: {args.learners:,} learners, {args.answers:,} answers; best of {args.rounds} alternating rounds, "
        f"each the median of {GET_TIMED} GETs / {SUBMIT_TIMED} submits; "
        f"load average {load_before:.1f} -> {load_after:.1f}",
        rows,
    )
    notes = [f"seq scan of {t} ({m:.1f} ms) in {page}: {sql}" for page, t, m, sql in scans]
    notes += [f"slowest SELECT at scale: {total:.2f} ms ({page}) {sql}" for total, page, sql in slowest[:3]]
    for note in notes:
        print("  " + note)
    figures = {
        "empty_ms": {k: round(v * 1000, 3) for k, v in empty.items()},
        "large_ms": {k: round(v * 1000, 3) for k, v in large.items()},
        "ratios": {k: round(large[k] / empty[k], 3) for k in keys},
        "rounds": {db: [p["medians"] for p in ps] for db, ps in passes.items()},
        "large_tables": large_tables,
        "generate_seconds": round(generate_seconds, 1),
        "generate_output": generated.stdout.strip(),
        "seq_scans": scans,
        "slowest_selects": slowest,
        "loadavg": [load_before, load_after],
    }
    write_json(args.json, name="scale", title="Scale (target 6)", rows=rows, figures=figures, notes=notes)


if __name__ == "__main__":
    run_main(main)
