"""Benchmark learner and public pages against a bare Django view; query counts; quiz submission.

Run from the repository root (PostgreSQL and Redis running, wrk installed):

    .venv/bin/python bench/bench_pages.py [--json PATH] [--seconds 10] [--profile DIR]

Measures, in one run, on its own database (trdcert_bench_pages, or
BENCH_PAGES_DB) and Redis DBs 7/8 (BENCH_BROKER_DB / BENCH_CACHE_DB):

  3. throughput under gunicorn (2 sync workers, bench/wsgi.py), load from wrk
     on loopback, each page against the bare view: a Django view served by
     Django's handler with no middleware at all, in the same gunicorn
     workers (bench/wsgi.py, bench/urls.py). Targets, requests per second as
     a share of the bare view's in the same run:
       - the same view through the whole middleware stack, for a signed-in
         learner (/bench/plain/): >= 0.5x;
       - a lesson page for an enrolled learner: >= 0.10x, and at most 4
         queries with a warm cache, the same for a 6-module and a 60-module
         course;
       - the public verification pages, anonymous: the certificate's
         verification page (/verify/<code>/), its credential status list
         (/credentials/status/<id>/) and the DID document
         (/.well-known/did.json): >= 0.25x each. The verification page keeps
         its 60/min per-address rate limit counting in Redis: wrk sends
         every request from a new client address through X-Forwarded-For
         (bench/many_clients.lua; the bench settings trust one proxy, as in
         production). One more run from a single address shows what the
         limited (429) answers cost.
  4. dashboard and course outline: queries for a learner with one small
     course and no attempts, and for one with four courses (up to 60
     modules) and dozens of attempts. Target: at most 10, and equal.
  5. quiz submission (POST, in-process through the test client, every
     middleware included) of a 40-question attempt: median under 25 ms, and
     the same number of queries for 10 and 40 questions.

With --profile DIR, writes pyinstrument profiles (HTML) of the lesson page,
the plain view, the verification page and the quiz submission to DIR.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

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

DB = os.environ.get("BENCH_PAGES_DB", "trdcert_bench_pages")
APP = "bench.wsgi:application"
MANY_CLIENTS = str(Path(__file__).with_name("many_clients.lua"))
TARGET_PLAIN_RATIO = 0.5
TARGET_LESSON_RATIO = 0.10
TARGET_PUBLIC_RATIO = 0.25
TARGET_LESSON_QUERIES = 4
TARGET_PAGE_QUERIES = 10
TARGET_SUBMIT_MS = 25.0
SUBMIT_WARMUP = 10
SUBMIT_TIMED = 60
# Experiment: a new PostgreSQL connection for every request. The product
# keeps connections (DATABASE_CONN_MAX_AGE defaults to 60 in config/settings/base.py),
# and so does every other figure here.
EXPERIMENT_CONN_AGE = 0


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


def wrk(url, cookie, seconds, connections=8, threads=2, script=None):
    """wrk against ``url``; with ``cookie`` as a signed-in learner, without as
    an anonymous visitor; ``script`` is a wrk Lua script (bench/many_clients.lua)."""
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        args += ["-H", f"Cookie: sessionid={cookie}"]
    if script:
        args += ["-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
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
    from certificates.models import Certificate
    from certificates.services import certificate_issue
    from courses.models import ModulePage
    from courses.services import enrol, lesson_mark_complete
    from credentials.models import Credential
    from quizzes.models import Quiz
    from quizzes.services import attempt_start, attempt_submit
    from tests.factories import complete_course, correct_form, learner, make_course, wrong_form

    t_setup = time.monotonic()
    small = make_course(modules=6, lessons=2, questions=4)
    big = make_course(modules=60, lessons=2, questions=4)
    tiny = make_course(modules=2, lessons=2, questions=4)
    other = make_course(modules=6, lessons=4, questions=8)
    setup_seconds = time.monotonic() - t_setup

    # A certificate with its signed credential for the public pages.
    holder = learner()
    complete_course(holder, tiny)
    certificate = certificate_issue(certificate_id=Certificate.objects.get(user=holder).pk)
    credential = Credential.objects.get(reference=certificate.code)
    public_urls = {
        "verification page": f"/verify/{certificate.code}/",
        "credential status list": f"/credentials/status/{credential.status_list_id}/",
        "DID document": "/.well-known/did.json",
    }

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

    # ---- public pages: queries with a warm cache, anonymous
    from django.test import Client

    anonymous = Client()
    for url in public_urls.values():
        anonymous.get(url)  # warm
    q_public = {}
    for name, url in public_urls.items():
        q_public[name], _ = count_queries(lambda url=url: ok(anonymous.get(url)))

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
    # Experiment, not the product's setting: the same submits with a new
    # PostgreSQL connection for every request.
    from django.db import connection

    product_conn_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = EXPERIMENT_CONN_AGE
    conn0 = [ready_submission(q40_course, quiz40) for _ in range(SUBMIT_WARMUP + SUBMIT_TIMED)]
    timed_submissions(conn0[:SUBMIT_WARMUP])
    submit_conn0 = statistics.median(timed_submissions(conn0[SUBMIT_WARMUP:]))
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = product_conn_age
    s10 = [ready_submission(q10_course, quiz10) for _ in range(2)]
    post_submission(*s10[0])
    q_submit10, _ = count_queries(lambda: post_submission(*s10[1]))

    # ---- optional profiles of the two in-process paths
    if args.profile:
        more = [ready_submission(q40_course, quiz40) for _ in range(30)]
        profile_paths(args.profile, small_client, small_lesson.url, more, public_urls["verification page"])

    # ---- 3. throughput under gunicorn + wrk, same server, same run
    log_dir = BENCH_VAR / DB
    log_dir.mkdir(parents=True, exist_ok=True)
    cookie = session_cookie(reader)
    server, base = start_gunicorn(env, log_dir / "gunicorn.log", workers=2, app=APP)
    try:
        check_over_http(base + small_lesson.url, small_lesson.title, cookie)
        check_over_http(base + "/bench/bare/", "ok")
        check_over_http(base + public_urls["verification page"], certificate.code)
        for url, c in (("/bench/bare/", None), ("/bench/plain/", cookie), (small_lesson.url, cookie)):
            wrk(base + url, c, 2)  # warm both workers
        for url in public_urls.values():
            wrk(base + url, None, 2, script=MANY_CLIENTS)
        bare1 = wrk(base + "/bench/bare/", None, args.seconds)
        plain = wrk(base + "/bench/plain/", cookie, args.seconds)
        lesson = wrk(base + small_lesson.url, cookie, args.seconds)
        public = {name: wrk(base + url, None, args.seconds, script=MANY_CLIENTS) for name, url in public_urls.items()}
        bare2 = wrk(base + "/bench/bare/", None, args.seconds)
        # One client address: after 60 requests a minute every answer is a 429.
        limited = wrk(base + public_urls["verification page"], None, args.seconds)
    finally:
        stop_process(server)
    # The same experiment under gunicorn: a new connection for every request.
    server, base = start_gunicorn(
        {**env, "DATABASE_CONN_MAX_AGE": EXPERIMENT_CONN_AGE}, log_dir / "gunicorn-conn-age-0.log", workers=2, app=APP
    )
    try:
        wrk(base + "/bench/bare/", None, 2)
        wrk(base + small_lesson.url, cookie, 2)
        lesson_conn0 = wrk(base + small_lesson.url, cookie, args.seconds)
        bare_conn0 = wrk(base + "/bench/bare/", None, args.seconds)
    finally:
        stop_process(server)
    ratio_conn0 = lesson_conn0["rps"] / bare_conn0["rps"]
    bare_rps = (bare1["rps"] + bare2["rps"]) / 2
    plain_ratio = plain["rps"] / bare_rps
    ratio = lesson["rps"] / bare_rps
    public_ratio = {name: r["rps"] / bare_rps for name, r in public.items()}
    http_errors = sum(r["non_2xx"] for r in (bare1, bare2, plain, lesson, *public.values()))

    lesson_queries_met = max(q_small, q_big) <= TARGET_LESSON_QUERIES and q_small == q_big
    dash_met = max(q_dash_light, q_dash_heavy) <= TARGET_PAGE_QUERIES and q_dash_light == q_dash_heavy
    outline_met = max(q_outline_light, q_outline_heavy) <= TARGET_PAGE_QUERIES and q_outline_light == q_outline_heavy
    rows = [
        row("bare view, req/s (no middleware; gunicorn 2 workers, wrk)", f"{bare_rps:.0f}"),
        row(
            "plain view / bare, signed-in learner, whole middleware stack",
            f"{plain_ratio:.3f}x ({plain['rps']:.0f} req/s)",
            f">= {TARGET_PLAIN_RATIO:.2f}x",
            plain_ratio >= TARGET_PLAIN_RATIO and not plain["non_2xx"],
        ),
        row(
            "lesson page / bare, enrolled learner",
            f"{ratio:.3f}x ({lesson['rps']:.0f} req/s)",
            f">= {TARGET_LESSON_RATIO:.2f}x",
            ratio >= TARGET_LESSON_RATIO and not lesson["non_2xx"],
        ),
        *(
            row(
                f"{name} / bare, anonymous",
                f"{public_ratio[name]:.3f}x ({public[name]['rps']:.0f} req/s)",
                f">= {TARGET_PUBLIC_RATIO:.2f}x",
                public_ratio[name] >= TARGET_PUBLIC_RATIO and not public[name]["non_2xx"],
            )
            for name in public_urls
        ),
        row("non-2xx responses under wrk", str(http_errors), "0", http_errors == 0),
        row(
            "  verification page from one address: req/s (of which 429)",
            f"{limited['rps']:.0f} ({limited['non_2xx']} of its answers limited)",
        ),
        row(
            f"  experiment: lesson / bare, DATABASE_CONN_MAX_AGE={EXPERIMENT_CONN_AGE} (product: {product_conn_age})",
            f"{ratio_conn0:.3f}x ({lesson_conn0['rps']:.0f} / {bare_conn0['rps']:.0f} req/s)",
        ),
        row(
            "lesson queries, 6 / 60 modules (warm cache)",
            f"{q_small} / {q_big}",
            f"<= {TARGET_LESSON_QUERIES}, equal",
            lesson_queries_met,
        ),
        row("lesson queries, cold cache (after a publish)", str(cold_small)),
        row(
            "public pages queries, warm cache (verification / status list / DID)",
            " / ".join(str(q_public[name]) for name in public_urls),
        ),
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
        row(f"  experiment: submit median, DATABASE_CONN_MAX_AGE={EXPERIMENT_CONN_AGE}", ms(submit_conn0)),
        row(
            "quiz submit queries, 10 / 40 questions",
            f"{q_submit10} / {q_submit40}",
            "equal",
            q_submit10 == q_submit40,
        ),
    ]
    title = (
        f"learner and public pages: wrk {args.seconds}s per URL (2 threads, 8 connections), "
        f"{SUBMIT_TIMED} timed submits after {SUBMIT_WARMUP} warm-up; set-up {setup_seconds:.0f}s"
    )
    print_table(title, rows)
    figures = {
        "bare_rps": bare_rps,
        "bare_rps_runs": [bare1["rps"], bare2["rps"]],
        "plain_rps": plain["rps"],
        "plain_ratio": round(plain_ratio, 4),
        "lesson_rps": lesson["rps"],
        "lesson_ratio": round(ratio, 4),
        "bare_p50": bare1["p50"],
        "plain_p50": plain["p50"],
        "lesson_p50": lesson["p50"],
        "public": {
            name: {
                "url": public_urls[name],
                "rps": public[name]["rps"],
                "ratio": round(public_ratio[name], 4),
                "p50": public[name]["p50"],
                "queries_warm": q_public[name],
            }
            for name in public_urls
        },
        "verification_one_address": {"rps": limited["rps"], "non_2xx": limited["non_2xx"], "p50": limited["p50"]},
        "product_conn_max_age": product_conn_age,
        f"conn_max_age_{EXPERIMENT_CONN_AGE}": {
            "lesson_rps": lesson_conn0["rps"],
            "bare_rps": bare_conn0["rps"],
            "ratio": round(ratio_conn0, 4),
            "submit40_median_ms": round(submit_conn0 * 1000, 3),
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
    write_json(args.json, name="pages", title="Learner and public pages (targets 3, 4, 5)", rows=rows, figures=figures)


def check_over_http(url, text, cookie=None):
    """The load must hit the real page (a lesson, not a redirect to the enrol form)."""
    import urllib.request

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        body = response.read().decode()
        if response.status != 200 or text not in body or response.geturl() != url:
            raise RuntimeError(f"{url} over HTTP: {response.status} {response.geturl()}")


def profile_paths(folder, lesson_client, lesson_url, submissions, verify_url):
    from django.test import Client
    from pyinstrument import Profiler

    Path(folder).mkdir(parents=True, exist_ok=True)

    def profile(name, fn):
        profiler = Profiler(interval=0.0005)
        profiler.start()
        fn()
        profiler.stop()
        Path(folder, f"{name}.html").write_text(profiler.output_html())
        Path(folder, f"{name}.txt").write_text(profiler.output_text(unicode=False, show_all=False))

    def many(fn, n=300):
        return lambda: [fn(i) for i in range(n)]

    anonymous = Client()
    # As under wrk: every verification request from a new client address.
    profile("lesson", many(lambda i: lesson_client.get(lesson_url)))
    profile("plain", many(lambda i: lesson_client.get("/bench/plain/"), 1000))
    profile("verify", many(lambda i: anonymous.get(verify_url, HTTP_X_FORWARDED_FOR=f"10.9.{i // 256}.{i % 256}")))
    profile("submit", lambda: timed_submissions(submissions))


if __name__ == "__main__":
    run_main(main)
