"""Benchmark the item statistics of a 48-item pool over 100,000 attempts.

Run from the repository root (PostgreSQL and Redis running):

    .venv/bin/python bench/bench_item_statistics.py [--json PATH] [--attempts 100000] [--drawn 24] [--keep]

Two measurements:

  1. the pure functions alone (quizzes.statistics): a 100,000 x 48 mark
     matrix with 24 items drawn per attempt (None elsewhere), marks from a
     simple ability model, plus the distractor counts; time and the peak of
     Python allocations (tracemalloc) on top of the input;
  2. the stored report end to end (quizzes.statistics_services) on
     PostgreSQL: 100,000 graded attempts bulk-inserted into a fresh database
     (trdcert_bench_stats), then ``quiz_statistics_refresh`` timed, its peak
     RSS growth (ru_maxrss) measured in a child process of its own, and the
     admin report page opened (median of 20 requests, queries counted).

Then the same refresh at 1,000 and 10,000 attempts (each on a quiz of its
own in the same database), for its growth at 1x / 10x / 100x: time and the
RSS growth of its process at most 10x per 10x of attempts, and the same
number of queries at every size.

Targets: the refresh of 100,000 attempts within 60 s and 1 GiB peak RSS
(it runs in a worker, off the request path); opening the report within
2x of Wagtail's dashboard in the same process (absolute times drift with the
machine's load).
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc

from common import (
    BROKER_DB,
    CACHE_DB,
    REDIS_URL,
    REPO_ROOT,
    drop_database,
    migrated_template,
    ms,
    parser,
    print_table,
    recreate_database,
    row,
    run_main,
    setup_django,
    write_json,
)

DB = "trdcert_bench_stats"
POOL = 48


def synthetic(attempts, drawn, seed=1):
    """Rows of marks (None = not drawn) and selections from an ability model."""
    rng = random.Random(seed)
    difficulty = [rng.uniform(-2, 2) for _ in range(POOL)]
    rows, picks = [], []
    for _ in range(attempts):
        theta = rng.gauss(0, 1)
        row_ = [None] * POOL
        chosen = {}
        for j in rng.sample(range(POOL), drawn):
            p = 1 / (1 + math.exp(-(theta - difficulty[j])))
            right = rng.random() < p
            row_[j] = 1 if right else 0
            chosen[j] = [j * 4] if right else [j * 4 + rng.randint(1, 3)]
        rows.append(row_)
        picks.append(chosen)
    return rows, picks


def bench_pure(attempts, drawn):
    from quizzes.statistics import compute_statistics, distractor_counts

    rows, picks = synthetic(attempts, drawn)
    scores = [sum(x for x in r if x is not None) / drawn for r in rows]
    choices = {j: [j * 4 + k for k in range(4)] for j in range(POOL)}
    started = time.perf_counter()
    result = compute_statistics(rows)
    distractor_counts(picks, scores, choices)
    seconds = time.perf_counter() - started
    # Memory in a second run: tracemalloc slows Python down, so not timed.
    tracemalloc.start()
    compute_statistics(rows)
    distractor_counts(picks, scores, choices)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, result


def seed_database(attempts, drawn, prefix="stats"):
    """A quiz with a 48-item pool and ``attempts`` graded attempts (bulk insert)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from quizzes.models import Attempt, AttemptStatus, Choice, Question, Quiz
    from tests.factories import make_course

    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    quiz = Quiz.objects.get(course=course)
    Question.objects.filter(quiz=quiz).delete()
    questions = []
    for j in range(POOL):
        q = Question(
            quiz=quiz, key=f"{prefix}bench-{j}", type="single", stem=f"Item {j}?", explanation="Why.", sort_order=j
        )
        q.choices = [Choice(text=f"Choice {k}", is_correct=k == 0) for k in range(4)]
        q.save()
        questions.append(q)
    choice_ids = [list(q.choices.order_by("sort_order").values_list("id", flat=True)) for q in questions]
    rows, picks = synthetic(attempts, drawn)
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@bench.example", is_active=True) for i in range((attempts + 1) // 2)], batch_size=5000
    )
    now = timezone.now()
    batch = []
    for i, (marks, chosen) in enumerate(zip(rows, picks, strict=True)):
        results = {}
        for j, mark in enumerate(marks):
            if mark is not None:
                k = chosen[j][0] - j * 4
                results[str(questions[j].pk)] = {"correct": bool(mark), "selected": [choice_ids[j][k]]}
        right = sum(x for x in marks if x is not None)
        batch.append(
            Attempt(
                user=users[i // 2],
                quiz=quiz,
                number=i % 2 + 1,
                status=AttemptStatus.GRADED,
                snapshot={"questions": []},
                started_at=now,
                submitted_at=now,
                score=round(100 * right / drawn, 2),
                passed=right / drawn >= 0.75,
                results=results,
            )
        )
        if len(batch) == 5000:
            Attempt.objects.bulk_create(batch)
            batch = []
    Attempt.objects.bulk_create(batch)
    return quiz


CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.db import connection
from quizzes.statistics_services import quiz_statistics_refresh

queries = [0]

def count(execute, sql, params, many, context):
    queries[0] += 1
    return execute(sql, params, many, context)

def high_water_kib():
    # VmHWM starts afresh at exec; ru_maxrss would carry the parent's peak over.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

connection.ensure_connection()
before = high_water_kib()
t = time.perf_counter()
with connection.execute_wrapper(count):
    stored = quiz_statistics_refresh(quiz_id=int(sys.argv[1]))
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rss_before_kib": before, "rss_peak_kib": high_water_kib(),
                  "queries": queries[0], "attempts": stored.attempts, "report_bytes": len(json.dumps(stored.report))}))
"""


def bench_refresh(quiz_id, env):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(quiz_id)],
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_page(quiz):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    admin = get_user_model().objects.create_superuser(email="stats-admin@bench.example", password="x")
    client = Client()
    client.force_login(admin)

    def median_of(url, n=20):
        client.get(url)
        times = []
        for _ in range(n):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.status_code
        return statistics.median(times)

    url = reverse("quiz_report", args=[quiz.pk])
    report = median_of(url)
    baseline = median_of("/admin/")  # Wagtail's dashboard: what any admin page costs here
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return report, baseline, len(ctx)


GROWTH_SIZES = (1_000, 10_000)


def growth_rows(small, large):
    """The refresh at 1x, 10x and 100x (the 100,000-attempt run above is 100x)."""
    series = small + [large]
    sizes = " / ".join(f"{m['attempts']:,}" for m in series)
    times = [m["seconds"] for m in series]
    grown = [(m["rss_peak_kib"] - m["rss_before_kib"]) / 1024 for m in series]
    queries = [m["queries"] for m in series]
    tg = [b / a for a, b in zip(times, times[1:], strict=False)]
    mg = [b / a if a > 0 else float("inf") for a, b in zip(grown, grown[1:], strict=False)]
    return [
        row(f"growth: refresh at {sizes} attempts: time", " / ".join(f"{t:.2f} s" for t in times)),
        row("growth: time per 10x", " / ".join(f"{r:.2f}x" for r in tg), "<= 10x", max(tg) <= 10),
        row("growth: queries", " / ".join(map(str, queries)), "constant", len(set(queries)) == 1),
        row("growth: RSS growth during the refresh", " / ".join(f"{g:.1f} MiB" for g in grown)),
        row("growth: memory per 10x", " / ".join(f"{r:.2f}x" for r in mg), "<= 10x", max(mg) <= 10),
    ]


def main():
    p = parser(__doc__)
    p.add_argument("--attempts", type=int, default=100_000)
    p.add_argument("--drawn", type=int, default=24)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--cache-db", type=int, default=CACHE_DB, help="Redis database for the cache")
    p.add_argument("--broker-db", type=int, default=BROKER_DB, help="Redis database for the broker")
    args = p.parse_args()

    # A fresh database; Redis is left alone (nothing here needs it empty).
    recreate_database(DB, migrated_template())
    env = setup_django(
        DB, fresh=False, CACHE_URL=f"{REDIS_URL}/{args.cache_db}", CELERY_BROKER_URL=f"{REDIS_URL}/{args.broker_db}"
    )
    if not migrated_template():
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    seconds, peak, result = bench_pure(args.attempts, args.drawn)
    rows = [
        row(f"pure: {args.attempts:,} attempts x {POOL} items ({args.drawn} drawn)", f"{seconds:.2f} s"),
        row("pure: peak Python allocations (tracemalloc)", f"{peak / 2**20:.1f} MiB"),
        row("pure: alpha of the synthetic test", f"{result.test.alpha:.1f}%"),
    ]
    t = time.perf_counter()
    quiz = seed_database(args.attempts, args.drawn)
    seed_seconds = time.perf_counter() - t
    measured = bench_refresh(quiz.pk, env)
    small = [bench_refresh(seed_database(n, args.drawn, prefix=f"g{n}-").pk, env) for n in GROWTH_SIZES]
    rss_mib = measured["rss_peak_kib"] / 1024
    growth_mib = (measured["rss_peak_kib"] - measured["rss_before_kib"]) / 1024
    page_median, dashboard_median, page_queries = bench_page(quiz)
    rows += [
        row("db: seeding the attempts (setup, not a target)", f"{seed_seconds:.1f} s"),
        row(
            "db: attempts in the stored report",
            f"{measured['attempts']:,}",
            f"{args.attempts:,}",
            measured["attempts"] == args.attempts,
        ),
        row(
            "db: refresh (read results, compute, store)",
            f"{measured['seconds']:.2f} s",
            "<= 60 s",
            measured["seconds"] <= 60,
        ),
        row("db: refresh peak RSS of its process (VmHWM)", f"{rss_mib:.0f} MiB", "<= 1024 MiB", rss_mib <= 1024),
        row("db: of which growth during the refresh", f"{growth_mib:.0f} MiB"),
        row("load average (1 min) at the end", f"{os.getloadavg()[0]:.2f}"),
        row("db: stored report size", f"{measured['report_bytes'] / 1024:.0f} KiB"),
        row("report page median (20 requests)", ms(page_median)),
        row("admin dashboard median, same client (baseline)", ms(dashboard_median)),
        row(
            "report page / dashboard",
            f"{page_median / dashboard_median:.2f}x",
            "<= 2x",
            page_median <= 2 * dashboard_median,
        ),
        row("report page queries", str(page_queries)),
        *growth_rows(small, measured),
    ]
    print_table("item statistics: 48-item pool, 100,000 attempts", rows)
    write_json(
        args.json,
        name="statistics",
        title="Item statistics of a 48-item pool over 100,000 attempts",
        rows=rows,
        figures={
            "pure_seconds": seconds,
            "pure_peak_bytes": peak,
            **measured,
            "growth": small + [measured],
            "page_median": page_median,
            "dashboard_median": dashboard_median,
        },
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(DB)


if __name__ == "__main__":
    run_main(main)
