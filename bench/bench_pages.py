"""Benchmark the learner pages: lesson throughput, query counts, quiz submission.

Run from the repository root (PostgreSQL and Redis running, wrk installed):

    .venv/bin/python bench/bench_pages.py [--json PATH] [--seconds 10] [--profile DIR]

Measures, in one run, on its own database (trdcert_bench_pages) and Redis DBs 7/8:

  3. lesson page for an enrolled learner under gunicorn (2 sync workers),
     load from wrk on loopback with the learner's session cookie, against a
     plain Django view served by the same gunicorn (bench/urls.py). Target:
     lesson >= 0.10x plain requests per second; at most 8 queries per lesson
     page, the same for a 6-module and a 60-module course.
  4. dashboard and course outline: queries for a learner with one small
     course and no attempts, and for one with four courses (up to 60
     modules) and dozens of attempts. Target: at most 10, and equal.
  5. quiz submission (POST, in-process through the test client, every
     middleware included) of a 40-question attempt: median under 25 ms, and
     the same number of queries for 10 and 40 questions.

With --profile DIR, writes pyinstrument profiles (HTML) of the lesson page
and the quiz submission to DIR.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time

from common import VAR as BENCH_VAR
from common import (
    lesson_in,
    logged_in_client,
    ms,
    new_content_version,
    percentile,
    post_submission,
    print_table,
    ready_submission,
    row,
    run_main,
    session_cookie,
    setup_django,
    start_gunicorn,
    stop_process,
    timed_submissions,
    write_json,
)
from common import parser as make_parser

DB = "trdcert_bench_pages"
TARGET_RPS_RATIO = 0.10
TARGET_LESSON_QUERIES = 8
TARGET_PAGE_QUERIES = 10
TARGET_SUBMIT_MS = 25.0
SUBMIT_WARMUP = 10
SUBMIT_TIMED = 60
PERSISTENT_CONN_AGE = 60


def count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def ok(response, *texts):
    body = response.content.decode()
    missing = [t for t in texts if t not in body]
    if response.status_code != 200 or missing:
        raise RuntimeError(f"unexpected response {response.status_code}, missing {missing!r}")
    return response


# --------------------------------------------------------------------------
# wrk


def wrk(url, cookie, seconds, connections=8, threads=2):
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"\s50%\s+([\d.]+\w+)", out)
    return {
        "rps": rps,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "p50": p50.group(1) if p50 else "",
    }


# --------------------------------------------------------------------------


def main():
    p = make_parser(__doc__)
    p.add_argument("--seconds", type=int, default=10, help="wrk duration per URL (default 10)")
    p.add_argument("--profile", metavar="DIR", help="write pyinstrument profiles of slow paths to DIR")
    args = p.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    env = setup_django(DB)
    from courses.models import ModulePage
    from courses.services import enrol, lesson_mark_complete
    from quizzes.models import Quiz
    from quizzes.services import attempt_start, attempt_submit
    from tests.factories import correct_form, learner, make_course, wrong_form

    t_setup = time.monotonic()
    small = make_course(modules=6, lessons=2, questions=4)
    big = make_course(modules=60, lessons=2, questions=4)
    tiny = make_course(modules=2, lessons=2, questions=4)
    other = make_course(modules=6, lessons=4, questions=8)
    setup_seconds = time.monotonic() - t_setup

    reader = learner()
    enrol(user=reader, course=small)
    big_reader = learner()
    enrol(user=big_reader, course=big)
    new_content_version()

    # ---- 3. lesson page queries, 6 vs 60 modules (warm cache, the steady state)
    small_lesson, big_lesson = lesson_in(small, 3), lesson_in(big, 30)
    small_client, big_client = logged_in_client(reader), logged_in_client(big_reader)
    cold_small, _ = count_queries(lambda: ok(small_client.get(small_lesson.url), small_lesson.title))
    for _ in range(3):
        ok(small_client.get(small_lesson.url), small_lesson.title)
        ok(big_client.get(big_lesson.url), big_lesson.title)
    q_small, _ = count_queries(lambda: small_client.get(small_lesson.url))
    q_big, _ = count_queries(lambda: big_client.get(big_lesson.url))

    # ---- 4. dashboard and outline: a light learner and a heavy one
    light = learner()
    enrol(user=light, course=tiny)
    heavy = learner()
    for course in (small, big, tiny, other):
        enrol(user=heavy, course=course)
    for course in (big, other):
        for n in range(1, 7):
            lesson_mark_complete(user=heavy, lesson=lesson_in(course, n, 1))
    heavy_attempts = 0
    for quiz in Quiz.objects.filter(module__in=ModulePage.objects.child_of(big)).order_by("id")[:20]:
        for form in (wrong_form, wrong_form, correct_form):
            attempt = attempt_start(user=heavy, quiz=quiz)
            attempt_submit(user=heavy, attempt_id=attempt.pk, form_items=form(attempt))
            heavy_attempts += 1
    light_client, heavy_client = logged_in_client(light), logged_in_client(heavy)
    for c in (light_client, heavy_client):
        ok(c.get("/learning/"), "My learning")
    ok(light_client.get(tiny.url), tiny.title)
    ok(heavy_client.get(big.url), big.title)
    q_dash_light, _ = count_queries(lambda: ok(light_client.get("/learning/"), tiny.title))
    q_dash_heavy, _ = count_queries(lambda: ok(heavy_client.get("/learning/"), big.title, other.title))
    q_outline_light, _ = count_queries(lambda: ok(light_client.get(tiny.url), tiny.title))
    q_outline_heavy, _ = count_queries(lambda: ok(heavy_client.get(big.url), big.title))

    # ---- 5. quiz submission: 40 questions timed; 10 vs 40 for the query count
    q40_course = make_course(modules=1, lessons=1, questions=40, final_questions=0)
    q10_course = make_course(modules=1, lessons=1, questions=10, final_questions=0)
    quiz40 = Quiz.objects.get(module__in=ModulePage.objects.child_of(q40_course))
    quiz10 = Quiz.objects.get(module__in=ModulePage.objects.child_of(q10_course))

    submissions = [ready_submission(q40_course, quiz40) for _ in range(SUBMIT_WARMUP + SUBMIT_TIMED + 1)]
    timed_submissions(submissions[:SUBMIT_WARMUP])
    times = timed_submissions(submissions[SUBMIT_WARMUP:-1])
    submit_median, submit_p95 = statistics.median(times), percentile(times, 95)
    q_submit40, _ = count_queries(lambda: post_submission(*submissions[-1]))
    # Experiment, not the product's setting: the same submits with persistent
    # database connections (DATABASE_CONN_MAX_AGE defaults to 0, a new
    # PostgreSQL connection for every request).
    from django.db import connection

    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = PERSISTENT_CONN_AGE
    persistent = [ready_submission(q40_course, quiz40) for _ in range(SUBMIT_WARMUP + SUBMIT_TIMED)]
    timed_submissions(persistent[:SUBMIT_WARMUP])
    submit_persistent = statistics.median(timed_submissions(persistent[SUBMIT_WARMUP:]))
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 0
    s10 = [ready_submission(q10_course, quiz10) for _ in range(2)]
    post_submission(*s10[0])
    q_submit10, _ = count_queries(lambda: post_submission(*s10[1]))

    # ---- optional profiles of the two in-process paths
    if args.profile:
        more = [ready_submission(q40_course, quiz40) for _ in range(30)]
        profile_paths(args.profile, small_client, small_lesson.url, more)

    # ---- 3. throughput under gunicorn + wrk, same server, same run
    log_dir = BENCH_VAR / DB
    log_dir.mkdir(parents=True, exist_ok=True)
    cookie = session_cookie(reader)
    server, base = start_gunicorn(env, log_dir / "gunicorn.log", workers=2)
    try:
        check_lesson_over_http(base + small_lesson.url, cookie, small_lesson.title)
        wrk(base + "/bench/plain/", cookie, 2)  # warm both workers
        wrk(base + small_lesson.url, cookie, 2)
        plain1 = wrk(base + "/bench/plain/", cookie, args.seconds)
        lesson = wrk(base + small_lesson.url, cookie, args.seconds)
        plain2 = wrk(base + "/bench/plain/", cookie, args.seconds)
    finally:
        stop_process(server)
    # The same experiment under gunicorn: persistent connections.
    server, base = start_gunicorn(
        {**env, "DATABASE_CONN_MAX_AGE": PERSISTENT_CONN_AGE}, log_dir / "gunicorn-persistent.log", workers=2
    )
    try:
        wrk(base + "/bench/plain/", cookie, 2)
        wrk(base + small_lesson.url, cookie, 2)
        lesson_persistent = wrk(base + small_lesson.url, cookie, args.seconds)
        plain_persistent = wrk(base + "/bench/plain/", cookie, args.seconds)
    finally:
        stop_process(server)
    ratio_persistent = lesson_persistent["rps"] / plain_persistent["rps"]
    plain_rps = (plain1["rps"] + plain2["rps"]) / 2
    ratio = lesson["rps"] / plain_rps if plain_rps else float("nan")
    http_errors = plain1["non_2xx"] + plain2["non_2xx"] + lesson["non_2xx"]

    lesson_queries_met = max(q_small, q_big) <= TARGET_LESSON_QUERIES and q_small == q_big
    dash_met = max(q_dash_light, q_dash_heavy) <= TARGET_PAGE_QUERIES and q_dash_light == q_dash_heavy
    outline_met = max(q_outline_light, q_outline_heavy) <= TARGET_PAGE_QUERIES and q_outline_light == q_outline_heavy
    rows = [
        row("plain view, req/s (gunicorn 2 workers, wrk)", f"{plain_rps:.0f}"),
        row("lesson page, req/s (enrolled learner)", f"{lesson['rps']:.0f}"),
        row(
            "lesson / plain throughput",
            f"{ratio:.3f}x",
            f">= {TARGET_RPS_RATIO:.2f}x",
            ratio >= TARGET_RPS_RATIO and not http_errors,
        ),
        row("non-2xx responses under wrk", str(http_errors), "0", http_errors == 0),
        row(
            f"  experiment: lesson / plain, DATABASE_CONN_MAX_AGE={PERSISTENT_CONN_AGE}",
            f"{ratio_persistent:.3f}x ({lesson_persistent['rps']:.0f} / {plain_persistent['rps']:.0f} req/s)",
        ),
        row(
            "lesson queries, 6 / 60 modules (warm cache)",
            f"{q_small} / {q_big}",
            f"<= {TARGET_LESSON_QUERIES}, equal",
            lesson_queries_met,
        ),
        row("lesson queries, cold cache (after a publish)", str(cold_small)),
        row(
            "dashboard queries, 1 course / 4 courses + attempts",
            f"{q_dash_light} / {q_dash_heavy}",
            f"<= {TARGET_PAGE_QUERIES}, equal",
            dash_met,
        ),
        row(
            "outline queries, 2 modules / 60 modules + attempts",
            f"{q_outline_light} / {q_outline_heavy}",
            f"<= {TARGET_PAGE_QUERIES}, equal",
            outline_met,
        ),
        row(
            "quiz submit median, 40 questions (in-process)",
            ms(submit_median),
            f"< {TARGET_SUBMIT_MS:.0f} ms",
            submit_median * 1000 < TARGET_SUBMIT_MS,
        ),
        row("quiz submit p95, 40 questions", ms(submit_p95)),
        row(f"  experiment: submit median, DATABASE_CONN_MAX_AGE={PERSISTENT_CONN_AGE}", ms(submit_persistent)),
        row(
            "quiz submit queries, 10 / 40 questions",
            f"{q_submit10} / {q_submit40}",
            "equal",
            q_submit10 == q_submit40,
        ),
    ]
    title = (
        f"learner pages: wrk {args.seconds}s per URL (2 threads, 8 connections), "
        f"{SUBMIT_TIMED} timed submits after {SUBMIT_WARMUP} warm-up; set-up {setup_seconds:.0f}s"
    )
    print_table(title, rows)
    figures = {
        "plain_rps": plain_rps,
        "plain_rps_runs": [plain1["rps"], plain2["rps"]],
        "lesson_rps": lesson["rps"],
        "lesson_p50": lesson["p50"],
        "plain_p50": plain1["p50"],
        "rps_ratio": round(ratio, 4),
        "persistent_conn": {
            "lesson_rps": lesson_persistent["rps"],
            "plain_rps": plain_persistent["rps"],
            "ratio": round(ratio_persistent, 4),
            "submit40_median_ms": round(submit_persistent * 1000, 3),
        },
        "http_errors": http_errors,
        "lesson_queries_6_modules": q_small,
        "lesson_queries_60_modules": q_big,
        "lesson_queries_cold": cold_small,
        "dashboard_queries": [q_dash_light, q_dash_heavy],
        "outline_queries": [q_outline_light, q_outline_heavy],
        "heavy_learner_attempts": heavy_attempts,
        "submit40_median_ms": round(submit_median * 1000, 3),
        "submit40_p95_ms": round(submit_p95 * 1000, 3),
        "submit_queries_10_40": [q_submit10, q_submit40],
    }
    write_json(args.json, name="pages", title="Learner pages (targets 3, 4, 5)", rows=rows, figures=figures)


def check_lesson_over_http(url, cookie, title):
    """The load must hit the real lesson, not a redirect to the enrol form."""
    import urllib.request

    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        body = response.read().decode()
        if response.status != 200 or title not in body or response.geturl() != url:
            raise RuntimeError(f"lesson over HTTP: {response.status} {response.geturl()}")


def profile_paths(folder, lesson_client, lesson_url, submissions):
    from pathlib import Path

    from pyinstrument import Profiler

    Path(folder).mkdir(parents=True, exist_ok=True)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(300):
        lesson_client.get(lesson_url)
    profiler.stop()
    Path(folder, "lesson.html").write_text(profiler.output_html())
    Path(folder, "lesson.txt").write_text(profiler.output_text(unicode=False, show_all=False))
    profiler = Profiler(interval=0.0005)
    profiler.start()
    timed_submissions(submissions)
    profiler.stop()
    Path(folder, "submit.html").write_text(profiler.output_html())
    Path(folder, "submit.txt").write_text(profiler.output_text(unicode=False, show_all=False))


if __name__ == "__main__":
    run_main(main)
