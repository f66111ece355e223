"""Shared plumbing for the benchmark scripts: databases, Redis, Django set-up,
servers and workers, and the common report format.

Every script prints a table "figure | measured | target | met" and, with
``--json PATH``, writes ``{"name", "title", "rows", "figures", "notes"}`` for
``bench/run_all.py``. Benchmarks report; they never assert, and exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.request
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

VENV_BIN = Path(sys.executable).parent
PG_HOST = "127.0.0.1"
PG_URL = f"postgres://postgres@{PG_HOST}:5432"
REDIS_URL = "redis://127.0.0.1:6379"
# Redis databases 1-6 belong to other people's test runs; BENCH_BROKER_DB and
# BENCH_CACHE_DB move a run elsewhere when 7 and 8 are busy.
BROKER_DB = int(os.environ.get("BENCH_BROKER_DB", 7))
CACHE_DB = int(os.environ.get("BENCH_CACHE_DB", 8))
VAR = REPO_ROOT / "var" / "bench"


# --------------------------------------------------------------------------
# Report format


def met_text(met):
    return "n/a" if met is None else ("yes" if met else "no")


def row(figure, measured, target="", met=None):
    return {"figure": figure, "measured": measured, "target": target, "met": met}


def print_table(title, rows):
    header = ("figure", "measured", "target", "met")
    cells = [(r["figure"], r["measured"], r["target"], met_text(r["met"]) if r["target"] else "") for r in rows]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(title)
    print(fmt.format(*header))
    print(fmt.format(*("-" * w for w in widths)))
    for c in cells:
        print(fmt.format(*c))
    sys.stdout.flush()


def write_json(path, *, name, title, rows, figures, notes=()):
    if path:
        data = {"name": name, "title": title, "rows": rows, "figures": figures, "notes": list(notes)}
        Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n")


def parser(doc):
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    return p


def run_main(main):
    """A report, not a gate: print any failure instead of raising it, exit 0."""
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            sys.exit(exc.code)
    except BaseException:
        traceback.print_exc()
    sys.exit(0)


def percentile(values, pct):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


# --------------------------------------------------------------------------
# Databases and Redis


def database_url(name):
    return f"{PG_URL}/{name}"


def drop_database(name):
    subprocess.run(
        ["dropdb", "-h", PG_HOST, "-U", "postgres", "--if-exists", "--force", name], check=True, capture_output=True
    )


def recreate_database(name, template=None):
    drop_database(name)
    args = ["createdb", "-h", PG_HOST, "-U", "postgres", *(["-T", template] if template else []), name]
    subprocess.run(args, check=True, capture_output=True)


def migrated_template():
    """run_all.py migrates one template database and names it in BENCH_TEMPLATE_DB,
    so each benchmark copies it instead of migrating again (about 30 s each)."""
    return os.environ.get("BENCH_TEMPLATE_DB") or None


def flush_redis():
    import redis

    for db in (BROKER_DB, CACHE_DB):
        redis.Redis.from_url(f"{REDIS_URL}/{db}").flushdb()


def bench_env(db_name, **extra):
    """Environment for every Django process of a benchmark (this one, gunicorn, the worker)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(db_name),
        "CELERY_BROKER_URL": f"{REDIS_URL}/{BROKER_DB}",
        "CACHE_URL": f"{REDIS_URL}/{CACHE_DB}",
        "MEDIA_ROOT": str(VAR / db_name / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(VAR / db_name / "mail"),
        "SITE_URL": "http://127.0.0.1:8000",
        "LOG_LEVEL": "WARNING",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def setup_django(db_name, *, fresh=True, **extra):
    """Point this process at a (fresh, migrated) bench database and start Django."""
    env = bench_env(db_name, **extra)
    os.environ.update(env)
    Path(env["MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)
    Path(env["EMAIL_FILE_PATH"]).mkdir(parents=True, exist_ok=True)
    template = migrated_template()
    if fresh:
        recreate_database(db_name, template)
        flush_redis()
    import django

    django.setup()
    if fresh and not template:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return env


def new_content_version():
    """Start from a cold cache, as after a deploy."""
    from django.core.cache import cache

    from core.caching import bump_content_version

    cache.clear()
    bump_content_version()


# --------------------------------------------------------------------------
# Learners and sessions


def session_cookie(user):
    """A logged-in session for ``user``, as a browser would hold it."""
    return logged_in_client(user).cookies["sessionid"].value


def logged_in_client(user):
    """Signed in as a learner is a little while after logging in and
    enrolling: each marks its cached rows changed for half a minute (the user
    row, the learner's progress), and every request in that time reads them
    from the database; measure the usual request."""
    from django.test import Client

    from tests.factories import sign_in_as_in_steady_state

    client = Client()
    sign_in_as_in_steady_state(client, user)
    return client


# --------------------------------------------------------------------------
# Processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status < 500:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


def start_process(args, env, log_path):
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        env={**os.environ, **{k: str(v) for k, v in env.items()}},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log = log
    proc.log_path = Path(log_path)
    return proc


def stop_process(proc, timeout=20):
    if proc is None:
        return
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    proc.log.close()


def start_gunicorn(env, log_path, *, workers=2, port=None, app="config.wsgi:application"):
    """gunicorn with ``workers`` sync workers on a free loopback port; returns (process, base URL).

    ``app="bench.wsgi:application"`` adds the no-middleware baseline at /bench/bare/."""
    port = port or free_port()
    proc = start_process(
        [
            str(VENV_BIN / "gunicorn"),
            app,
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--log-level=warning",
        ],
        env,
        log_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/bench/plain/")
    except RuntimeError:
        stop_process(proc)
        raise RuntimeError(f"gunicorn did not start:\n{Path(log_path).read_text()}") from None
    return proc, base


def start_worker(env, log_path, *, concurrency=2, timeout=60):
    """A real Celery worker (prefork, ``concurrency`` processes) on the bench broker."""
    proc = start_process(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench-{os.getpid()}-{time.monotonic_ns()}@%h",
        ],
        env,
        log_path,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{Path(log_path).read_text()}")
        if "ready." in Path(log_path).read_text():
            return proc
        time.sleep(0.2)
    stop_process(proc)
    raise RuntimeError(f"worker not ready in {timeout}s:\n{Path(log_path).read_text()}")


# --------------------------------------------------------------------------
# The machine


def _run(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine_facts():
    cpu = ""
    for line in _run(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    mem = ""
    for line in _run(["free", "-m"]).splitlines():
        if line.startswith("Mem:"):
            mem = f"{int(line.split()[1]) / 1024:.1f} GiB"
    pg = _run(["psql", "-h", PG_HOST, "-U", "postgres", "-tAc", "SHOW server_version"])
    redis_version = _run(["redis-server", "--version"])
    redis_version = redis_version.split(" v=")[-1].split()[0] if " v=" in redis_version else ""
    return {
        "cores": _run(["nproc"]),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg.split()[0] if pg else "",
        "redis": redis_version,
    }


# --------------------------------------------------------------------------
# In-process requests (the test client runs every middleware, no network)

FORM = "application/x-www-form-urlencoded"


def timed(fn, n, warmup=0):
    """Seconds per call of ``fn()`` for ``n`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def lesson_in(course, module_number=1, lesson_number=2):
    """A lesson of a course built by tests/factories.make_course."""
    from courses.models import LessonPage

    return LessonPage.objects.descendant_of(course).get(slug=f"lesson-{module_number}-{lesson_number}")


def ready_submission(course, quiz):
    """A new enrolled learner with an open attempt and its all-correct form,
    encoded beforehand so the clock covers only the request."""
    from urllib.parse import urlencode

    from courses.services import enrol
    from quizzes.services import attempt_start
    from tests.factories import correct_form, learner

    # Unique across processes: factory sequences restart in every process.
    user = learner(email=f"submit-{uuid.uuid4().hex}@example.org")
    enrol(user=user, course=course)
    attempt = attempt_start(user=user, quiz=quiz)
    body = urlencode(correct_form(attempt), doseq=True)
    client = logged_in_client(user)
    # A new test client builds its middleware chain on its first request
    # (WhiteNoise scans the static folders, about 30 ms): do that now, as a
    # long-running server process has, so the clock measures the submit only.
    client.get("/bench/plain/")
    return client, f"/quizzes/attempts/{attempt.pk}/submit/", body


def post_submission(client, url, body):
    response = client.post(url, body, content_type=FORM)
    if response.status_code != 303:
        raise RuntimeError(f"quiz submit answered {response.status_code}, expected 303")
    return response


def timed_submissions(submissions):
    times = []
    for client, url, body in submissions:
        t0 = time.perf_counter()
        post_submission(client, url, body)
        times.append(time.perf_counter() - t0)
    return times


def loadavg():
    return os.getloadavg()[0]
