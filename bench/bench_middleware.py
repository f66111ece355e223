"""What each middleware costs a signed-in learner's request, in-process.

Run from the repository root (PostgreSQL and Redis running):

    .venv/bin/python bench/bench_middleware.py [--json PATH] [--requests 2000]

Builds Django's WSGI handler with the first k middleware of the production
stack (bench settings: production values, plain HTTP), k = 0 .. all, and
sends each the same request for the plain view (bench/urls.py) with a
signed-in learner's session cookie. The cost of the k-th middleware is the
time with k minus the time with k - 1 (each middleware needs only those
before it, so every prefix is a working stack). The stacks are timed in
turn, round after round, and each keeps its best median, since other load on
a shared machine only ever adds time. Queries per request are counted for
each prefix too.

No network and no gunicorn: this is the CPU and database time a worker
spends per request, which is what bench_pages.py's throughput ratios are
made of. It reports; it does not assert.
"""

from __future__ import annotations

import os
import statistics
import time

from common import parser as make_parser
from common import print_table, row, run_main, session_cookie, setup_django, write_json

DB = os.environ.get("BENCH_MIDDLEWARE_DB", "trdcert_bench_middleware")
ROUNDS = 5


def handler_for(middleware):
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    # The handler reads settings.MIDDLEWARE once, when it is built.
    with override_settings(MIDDLEWARE=list(middleware)):
        return WSGIHandler()


def environ_for(path, cookie):
    from django.test import RequestFactory

    return RequestFactory().get(path, HTTP_COOKIE=f"sessionid={cookie}", SERVER_NAME="127.0.0.1").environ


def serve(handler, environ):
    status = []
    body = handler(dict(environ), lambda s, headers, exc_info=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return status[0]


def time_requests(handler, environ, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        serve(handler, environ)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def queries_per_request(handler, environ):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    serve(handler, environ)
    with CaptureQueriesContext(connection) as ctx:
        serve(handler, environ)
    return len(ctx.captured_queries)


def main():
    p = make_parser(__doc__)
    p.add_argument("--requests", type=int, default=2000, help="requests per stack per round")
    args = p.parse_args()
    setup_django(DB)
    from django.conf import settings

    from tests.factories import learner

    cookie = session_cookie(learner())
    environ = environ_for("/bench/plain/", cookie)
    stack = list(settings.MIDDLEWARE)
    handlers = [handler_for(stack[:k]) for k in range(len(stack) + 1)]
    statuses = {serve(h, environ) for h in handlers}
    if statuses != {"200 OK"}:
        raise RuntimeError(f"a stack did not serve the plain view: {statuses}")
    queries = [queries_per_request(h, environ) for h in handlers]
    best = [float("inf")] * len(handlers)
    for _ in range(ROUNDS):
        for k, handler in enumerate(handlers):
            time_requests(handler, environ, 50)  # warm this stack's caches
            best[k] = min(best[k], time_requests(handler, environ, args.requests))

    rows = [row("no middleware (bare view)", f"{best[0] * 1e6:.0f} µs", "", None)]
    rows[0]["figure"] += f", {queries[0]} queries"
    for k, name in enumerate(stack, start=1):
        cost = best[k] - best[k - 1]
        added = queries[k] - queries[k - 1]
        rows.append(row(f"+ {name}", f"{cost * 1e6:+.0f} µs" + (f", {added:+d} queries" if added else "")))
    overhead = best[-1] / best[0] if best[0] else float("nan")
    rows.append(row("whole stack, signed-in learner", f"{best[-1] * 1e6:.0f} µs, {queries[-1]} queries"))
    rows.append(row("whole stack / bare view, time per request", f"{overhead:.2f}x"))
    print_table(f"middleware cost per request, in-process (median of {args.requests}, best of {ROUNDS} rounds)", rows)
    figures = {
        "stack": stack,
        "median_seconds_by_prefix": best,
        "queries_by_prefix": queries,
        "requests_per_round": args.requests,
        "rounds": ROUNDS,
    }
    write_json(args.json, name="middleware", title="Middleware cost (target 3b)", rows=rows, figures=figures)


if __name__ == "__main__":
    run_main(main)
