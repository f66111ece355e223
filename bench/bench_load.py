"""Load test: 100 simulated learners against gunicorn, a Celery worker, PostgreSQL and Redis.

Run from the repository root (PostgreSQL and Redis running, locust installed
from the `bench` extra):

    .venv/bin/python bench/bench_load.py [--json PATH] [--users 100] [--seconds 180]

On its own database (trdcert_bench_load) and Redis DBs 7/8, it builds a
three-module course, enrols one learner per simulated user, starts gunicorn
(2 sync workers) and a Celery worker (concurrency 2), and runs locust
headless on loopback for a bounded time (bench/locustfile.py: read lesson,
save answers, submit, view dashboard, search the certification registry of
1,000 entries; at the end of the course the evaluation, the certificate's
PDF, credential and public verification page, and an APA credit claim).
Targets: zero failed requests, p95 under 300 ms over all requests, and
afterwards every attempt whose submission was accepted is in the database,
graded; every certificate requested is issued, and issued once; every
accepted credit claim has its own issued certificate.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time

from common import (
    VAR,
    VENV_BIN,
    lesson_in,
    print_table,
    row,
    run_main,
    session_cookie,
    setup_django,
    start_gunicorn,
    start_worker,
    stop_process,
    write_json,
)
from common import parser as make_parser
from django.db.models import Count

DB = "trdcert_bench_load"
TARGET_P95_MS = 300
REGISTRY_ENTRIES = 1000


def course_config(course):
    """What the simulated learners need to know: lessons, quizzes, answers."""
    from courses.structure import course_structure
    from quizzes.models import Question

    structure = course_structure(course)
    quizzes = []
    for quiz_id in structure.quiz_ids:
        questions = []
        for q in Question.objects.filter(quiz_id=quiz_id, active=True).prefetch_related("choices"):
            choices = list(q.choices.all())
            questions.append(
                {
                    "id": q.id,
                    "right": [c.id for c in choices if c.is_correct],
                    "wrong": [next(c.id for c in choices if not c.is_correct)],
                }
            )
        quizzes.append({"id": quiz_id, "questions": questions})
    lessons = [{"id": lesson.id, "url": lesson.url} for lesson in structure.lessons]
    return {
        "lessons": lessons,
        "quizzes": quizzes,
        "evaluation_url": f"/learning/courses/{course.id}/evaluation/",
        "status_url": f"/certificates/status/{course.id}/",
        "claim_url": f"/learning/credit/{course.id}/claim/",
    }


def credit_and_registry(course):
    """An APA offering for the course (the learners are psychologists), and a
    public registry of opted-in certified therapists to search."""
    from bench_certification_reminders import seed

    from certification.models import Certification
    from tests.accreditation.helpers import approval, offering, ready_provider

    ready_provider()
    approval("apa")
    apa = offering(course, "apa", max_hours="2.00")
    seed(REGISTRY_ENTRIES)
    entries = list(Certification.objects.all())
    for certification in entries:
        certification.in_registry = True
        certification.registry_name = certification.snapshot["legal_name"]
        certification.registry_jurisdiction = "Oregon"
    Certification.objects.bulk_update(
        entries, ["in_registry", "registry_name", "registry_jurisdiction"], batch_size=500
    )
    return {"offering_id": apa.pk, "max_hours": "2.00", "registry_names": ["bench", "learner 4", "Bench Learner 12"]}


def warm_up(base, cookie, config_path):
    """A deployed server is warm: load every page kind a few times in both workers first."""
    import urllib.request

    config = json.loads(config_path.read_text())
    urls = ["/learning/", *(lesson["url"] for lesson in config["lessons"])]
    for _ in range(3):
        for url in urls:
            request = urllib.request.Request(base + url, headers={"Cookie": f"sessionid={cookie}"})
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
                response.read()


def read_stats(prefix):
    with open(f"{prefix}_stats.csv") as fh:
        stats = {r["Name"]: r for r in csv.DictReader(fh)}
    return stats


def main():
    p = make_parser(__doc__)
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--seconds", type=int, default=180)
    args = p.parse_args()

    env = setup_django(DB)
    from accreditation.models import CreditClaim
    from certificates.models import Certificate, CertificateEvent, CertificateStatus
    from courses.services import enrol
    from quizzes.models import Attempt, AttemptStatus
    from tests.factories import learner, make_course

    # Small enough that some learners finish within the run, so the evaluation
    # and the worker's certificates are part of the load.
    course = make_course(modules=3, lessons=1, questions=5, final_questions=8)
    lesson_in(course, 1, 1)  # the factory's layout, which the config relies on
    warm_user = learner()
    enrol(user=warm_user, course=course)
    warm_cookie = session_cookie(warm_user)
    accounts = []
    for n in range(args.users):
        user = learner()
        enrol(user=user, course=course)
        # Each learner its own address in the benchmarking range 198.18.0.0/15.
        address = f"198.18.{n // 250}.{n % 250 + 1}"
        accounts.append({"email": user.email, "session": session_cookie(user), "address": address})
    extra = credit_and_registry(course)

    out = VAR / DB
    out.mkdir(parents=True, exist_ok=True)
    config_path, submitted_path, prefix = out / "load-config.json", out / "submitted.json", out / "locust"
    config_path.write_text(json.dumps({"sessions": accounts, **course_config(course), **extra}))
    submitted_path.unlink(missing_ok=True)

    worker = start_worker(env, out / "worker.log", concurrency=2)
    server = None
    try:
        server, base = start_gunicorn(env, out / "gunicorn.log", workers=2)
        warm_up(base, warm_cookie, config_path)
        started = time.monotonic()
        locust = subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                "bench/locustfile.py",
                "--headless",
                f"--users={args.users}",
                "--spawn-rate=10",
                f"--run-time={args.seconds}s",
                "--stop-timeout=10",
                f"--host={base}",
                f"--csv={prefix}",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            env={**os.environ, "BENCH_LOAD_CONFIG": str(config_path), "BENCH_LOAD_SUBMITTED": str(submitted_path)},
            capture_output=True,
            text=True,
            timeout=args.seconds + 120,
        )
        elapsed = time.monotonic() - started
        (out / "locust.log").write_text(locust.stdout + locust.stderr)
        results = json.loads(submitted_path.read_text())
        # Give the worker a moment to finish certificates requested at the very end.
        requested = Certificate.objects.filter(course=course)
        deadline = time.monotonic() + 60
        while requested.filter(status=CertificateStatus.PENDING).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop_process(server)
        stop_process(worker)

    stats = read_stats(prefix)
    total = stats["Aggregated"]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    p95 = float(total["95%"])
    rps = float(total["Requests/s"])
    submitted = results["attempts"]
    graded = Attempt.objects.filter(
        pk__in=submitted, status=AttemptStatus.GRADED, score__isnull=False, submitted_at__isnull=False
    ).count()
    certs_requested = requested.count()
    certs_issued = requested.filter(status=CertificateStatus.ISSUED).count()
    issue_events = CertificateEvent.objects.filter(certificate__course=course, kind=CertificateEvent.Kind.ISSUED)
    issued_twice = issue_events.values("certificate").annotate(n=Count("id")).filter(n__gt=1).count()
    claims = CreditClaim.objects.filter(offering__course=course)
    claims_issued = claims.filter(certificate__status=CertificateStatus.ISSUED).count()
    server_errors = (out / "gunicorn.log").read_text().count("Traceback")

    rows = [
        row("requests (all kinds)", f"{requests:,} ({rps:.1f}/s)"),
        row("failed requests", str(failures), "0", failures == 0),
        row("p95 response time, all requests", f"{p95:.0f} ms", f"< {TARGET_P95_MS} ms", p95 < TARGET_P95_MS),
        row("server tracebacks (gunicorn log)", str(server_errors), "0", server_errors == 0),
        row(
            "accepted submissions graded in the database",
            f"{graded} of {len(submitted)}",
            "all",
            bool(submitted) and graded == len(submitted),
        ),
        row("evaluations submitted / certificates issued", f"{len(results['evaluated'])} / {certs_issued}"),
        row(
            "certificates issued of requested",
            f"{certs_issued} of {certs_requested}",
            "all",
            certs_issued == certs_requested,
        ),
        row("certificates issued more than once", str(issued_twice), "0", issued_twice == 0),
        row(
            "accepted credit claims with an issued certificate",
            f"{claims_issued} of {len(results['claimed'])} (rows: {claims.count()})",
            "all",
            claims.count() == len(results["claimed"]) == claims_issued,
        ),
    ]
    for name in (
        "lesson page",
        "answer save",
        "quiz submit",
        "dashboard",
        "registry search",
        "certificate PDF",
        "credential download",
        "certificate verification",
        "credit claim",
    ):
        if name in stats:
            s = stats[name]
            rows.append(row(f"  {name}: count / median / p95", f"{s['Request Count']} / {s['50%']} / {s['95%']} ms"))
    print_table(
        f"load: {args.users} simulated learners (locust, loopback) for {args.seconds}s "
        f"({elapsed:.0f}s with ramp and stop), gunicorn 2 sync workers, Celery worker concurrency 2",
        rows,
    )
    figures = {
        "users": args.users,
        "seconds": args.seconds,
        "requests": requests,
        "failures": failures,
        "rps": rps,
        "p95_ms": p95,
        "median_ms": float(total["50%"]),
        "per_endpoint": {
            n: {k: s[k] for k in ("Request Count", "Failure Count", "50%", "95%", "99%", "Max Response Time")}
            for n, s in stats.items()
        },
        "submitted_attempts": len(submitted),
        "graded_attempts": graded,
        "evaluations": len(results["evaluated"]),
        "certificates_requested": certs_requested,
        "certificates_issued": certs_issued,
        "certificates_issued_twice": issued_twice,
        "credit_claims": claims.count(),
        "credit_claims_accepted": len(results["claimed"]),
        "server_tracebacks": server_errors,
    }
    write_json(args.json, name="load", title="Load (target 7)", rows=rows, figures=figures)


if __name__ == "__main__":
    run_main(main)
