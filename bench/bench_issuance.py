"""Benchmark certificate issuance through a real Celery worker and real Redis.

Run from the repository root (PostgreSQL and Redis running):

    .venv/bin/python bench/bench_issuance.py [--json PATH] [--certificates 10000] [--latency-samples 20]

Measures, in one run, on its own database (trdcert_bench_issuance), broker
Redis DB 7, a worker started as in production (`celery -A config worker
--concurrency=2`, prefork) and file e-mail into a temporary folder:

  (a) throughput: N pending certificates created with
      certificates.services.certificate_request in one transaction, which
      enqueues them when it commits, 20 to a message. Clock from the first enqueue (the
      first on-commit callback) until every row is `issued` with its PDF
      stored. Target: >= 80 certificates per second.
  (b) latency on an idle system: one learner at a time whose last
      requirement is met; clock from calling course_completion_check until
      the stored PDF exists. Target: median < 150 ms.
  (c) worker memory: resident memory of the pool processes after the first
      100 certificates of the throughput run and after all of them (the
      in-process render loop is measured by bench_pdf.py).
  (d) efficiency: what the two cores could do with nothing but the work
      itself. In this process, with the worker idle, the CPU time
      (time.process_time) of rendering a certificate's PDF and of building
      and signing its credential, median over 30 certificates; the capacity
      is 2 / (render + sign) per second, and the pipeline's throughput from
      (a) should reach at least 0.8x of it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

from common import VAR, ms, percentile, print_table, row, run_main, setup_django, start_worker, stop_process, write_json
from common import parser as make_parser

DB = os.environ.get("BENCH_ISSUANCE_DB", "trdcert_bench_issuance")
TARGET_RATE = 80.0
TARGET_LATENCY_MS = 150.0
TARGET_GROWTH = 10.0
TARGET_EFFICIENCY = 0.8
BASELINE_SAMPLES = 30


def pool_rss_kib(worker):
    """Total VmRSS of the worker's pool processes."""
    pids = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def bulk_learners(n, prefix):
    """``n`` learners with verified e-mail and a profile, in three inserts."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.models import LearnerProfile

    User = get_user_model()
    password = make_password("correct-horse-battery")
    users = User.objects.bulk_create(User(email=f"{prefix}{i}@example.org", password=password) for i in range(n))
    EmailAddress.objects.bulk_create(EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users)
    LearnerProfile.objects.bulk_create(
        LearnerProfile(user=u, legal_name=f"Learner Núñez {i}", profession="psychologist") for i, u in enumerate(users)
    )
    return list(User.objects.filter(pk__in=[u.pk for u in users]).select_related("profile"))


def wait_issued(ids, timeout, interval=0.02):
    from certificates.models import Certificate, CertificateStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = Certificate.objects.filter(pk__in=ids, status=CertificateStatus.ISSUED).count()
        if done == len(ids):
            return time.perf_counter()
        time.sleep(interval)
    raise RuntimeError(f"only {done} of {len(ids)} certificates issued after {timeout}s")


def request_many(users, course):
    """Request a certificate for every user in one transaction; return (ids, time of the first enqueue)."""
    from django.db import transaction
    from django.utils import timezone

    from certificates.services import certificate_request

    first_enqueue = []
    now = timezone.now()
    with transaction.atomic():
        # Registered first, so it runs just before the first enqueue on commit.
        transaction.on_commit(lambda: first_enqueue.append(time.perf_counter()))
        ids = [certificate_request(user=u, course=course, completed_at=now).pk for u in users]
    return ids, first_enqueue[0]


def stored_pdfs(ids):
    """How many of the certificates have a non-empty stored PDF matching its hash."""
    import hashlib

    from certificates.models import Certificate

    good = 0
    for cert in Certificate.objects.filter(pk__in=ids).only("pdf", "pdf_sha256"):
        if cert.pdf and cert.pdf.storage.exists(cert.pdf.name):
            with cert.pdf.open("rb") as fh:
                data = fh.read()
            good += bool(data) and hashlib.sha256(data).hexdigest() == cert.pdf_sha256
    return good


def render_and_sign_cpu(certificates):
    """Median CPU seconds of (render one PDF, build and sign one credential)."""
    from bench_credentials import ISSUER, unsigned
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.pdf import render_certificate
    from certificates.services import print_data
    from credentials import did, signing

    key = Ed25519PrivateKey.generate()
    method = did.verification_method_id(ISSUER.id, signing.public_key_multibase(key.public_key()))
    options = signing.ProofOptions(verification_method=method, created="2026-11-30T12:00:00Z")
    render_times, sign_times = [], []
    for i, certificate in enumerate(certificates):
        t0 = time.process_time()
        render_certificate(print_data(certificate=certificate))
        t1 = time.process_time()
        signing.sign(unsigned(i), private_key=key, options=options)
        t2 = time.process_time()
        if i >= 3:  # the first few load fonts and contexts
            render_times.append(t1 - t0)
            sign_times.append(t2 - t1)
    return statistics.median(render_times), statistics.median(sign_times)


def main():
    p = make_parser(__doc__)
    # 10,000: the issue's worker-memory target is over 10,000 certificates, and a
    # longer run weighs the first and last batches (one core idle) less.
    p.add_argument("--certificates", type=int, default=10_000, help="certificates in the throughput run")
    p.add_argument("--latency-samples", type=int, default=20)
    p.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    args = p.parse_args()

    env = setup_django(DB)
    from certificates.models import Certificate, CertificateStatus
    from courses.models import EvaluationResponse
    from courses.services import course_completion_check
    from tests.factories import complete_all_but_evaluation, make_course

    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    batch_course = make_course(modules=1, lessons=1, questions=2, final_questions=2)  # the throughput batch alone
    warmup_users = bulk_learners(BASELINE_SAMPLES, "warm")
    users = bulk_learners(args.certificates, "learner")
    latency_users = bulk_learners(args.latency_samples, "latency")
    for user in latency_users:
        complete_all_but_evaluation(user, course)
        EvaluationResponse.objects.create(user=user, course=course, answers={"relevance": "5"})

    log_dir = VAR / DB
    worker = start_worker(env, log_dir / "worker.log", concurrency=args.concurrency)
    try:
        # Warm-up: the pool processes import ReportLab and load fonts on first use.
        ids, _ = request_many(warmup_users, course)
        wait_issued(ids, timeout=60)
        # (d) the work alone, in this process, while the worker is idle.
        render_cpu, sign_cpu = render_and_sign_cpu(list(Certificate.objects.filter(pk__in=ids)))
        capacity = 2 / (render_cpu + sign_cpu)

        # (a) throughput, and (c) pool memory along the way.
        ids, t0 = request_many(users, batch_course)
        batch_issued = Certificate.objects.filter(course=batch_course, status=CertificateStatus.ISSUED)
        rss_early = None
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            # A light poll (one indexed count, ten times a second) so that the
            # clock does not take CPU from the worker.
            done = batch_issued.count()
            if rss_early is None and done >= 100:
                rss_early = pool_rss_kib(worker)
            if done == len(ids):
                break
            time.sleep(0.1)
        t_end = time.perf_counter()
        issued = Certificate.objects.filter(pk__in=ids, status=CertificateStatus.ISSUED).count()
        rss_late = pool_rss_kib(worker)
        elapsed = t_end - t0
        rate = issued / elapsed
        good_pdfs = stored_pdfs(ids)

        # (b) latency: one completion at a time on the otherwise idle worker.
        time.sleep(1)
        latencies = []
        for user in latency_users:
            t0 = time.perf_counter()
            completion = course_completion_check(user=user, course_id=course.id)
            if completion is None:
                raise RuntimeError("the latency learner's course was not complete")
            cert = Certificate.objects.get(user=user, course=course)
            while True:
                cert.refresh_from_db(fields=["status", "pdf"])
                if cert.status == CertificateStatus.ISSUED and cert.pdf.storage.exists(cert.pdf.name):
                    break
                if time.perf_counter() - t0 > 30:
                    raise RuntimeError("a certificate took more than 30 s")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - t0)
            time.sleep(0.2)
    finally:
        stop_process(worker)

    # Where the latency goes: from the row's creation (inside the completion
    # transaction) to the task starting (issued_at is stamped at its start).
    starts = [
        (c.issued_at - c.created_at).total_seconds()
        for c in Certificate.objects.filter(user__in=latency_users, course=course).only("created_at", "issued_at")
    ]
    growth = (rss_late - rss_early) / rss_early * 100 if rss_early else None
    median_latency = statistics.median(latencies)
    n = args.certificates
    efficiency = rate / capacity
    rows = [
        row(f"certificates issued of {n}", str(issued), str(n), issued == n),
        row("stored PDFs matching their hash", str(good_pdfs), str(n), good_pdfs == n),
        row(
            "issuance throughput (enqueue -> issued + PDF)",
            f"{rate:.1f}/s",
            f">= {TARGET_RATE:.0f}/s",
            rate >= TARGET_RATE,
        ),
        row("CPU to render one certificate PDF, median (this process)", ms(render_cpu)),
        row("CPU to build and sign one credential, median", ms(sign_cpu)),
        row("capacity of two cores, 2 / (render + sign)", f"{capacity:.1f}/s"),
        row(
            "efficiency: throughput / capacity",
            f"{efficiency:.2f}x",
            f">= {TARGET_EFFICIENCY}x",
            efficiency >= TARGET_EFFICIENCY,
        ),
        row(
            "latency completion -> stored PDF, median",
            ms(median_latency),
            f"< {TARGET_LATENCY_MS:.0f} ms",
            median_latency * 1000 < TARGET_LATENCY_MS,
        ),
        row("latency p95", ms(percentile(latencies, 95))),
        row("  of which row created -> task started, median", ms(statistics.median(starts))),
        row("worker pool RSS after 100 certificates", f"{rss_early / 1024:.1f} MiB" if rss_early else "n/a"),
        row(f"worker pool RSS after {n}", f"{rss_late / 1024:.1f} MiB"),
        row(
            f"worker RSS growth 100 -> {n}",
            f"{growth:+.2f}%" if growth is not None else "n/a",
            f"< {TARGET_GROWTH:.0f}%",
            growth is not None and growth < TARGET_GROWTH,
        ),
    ]
    print_table(
        f"certificate issuance: {n} certificates, real worker (prefork, concurrency {args.concurrency}), Redis broker; "
        f"{args.latency_samples} latency samples",
        rows,
    )
    figures = {
        "certificates": n,
        "issued": issued,
        "stored_pdfs_ok": good_pdfs,
        "seconds": round(elapsed, 3),
        "rate_per_s": round(rate, 2),
        "render_cpu_ms": round(render_cpu * 1000, 2),
        "sign_cpu_ms": round(sign_cpu * 1000, 2),
        "capacity_per_s": round(capacity, 2),
        "efficiency": round(efficiency, 3),
        "latency_median_ms": round(median_latency * 1000, 2),
        "latency_p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "latencies_ms": [round(x * 1000, 1) for x in latencies],
        "created_to_task_start_ms": [round(x * 1000, 1) for x in starts],
        "pool_rss_after_100_kib": rss_early,
        "pool_rss_after_all_kib": rss_late,
        "pool_rss_growth_pct": round(growth, 2) if growth is not None else None,
    }
    write_json(args.json, name="issuance", title="Certificate issuance (target 2)", rows=rows, figures=figures)


if __name__ == "__main__":
    run_main(main)
