"""Benchmark the expiry-reminder sweep over 100,000 certifications.

Run from the repository root (PostgreSQL and Redis running):

    .venv/bin/python bench/bench_certification_reminders.py [--json PATH] [--certifications 100000] [--keep]

100,000 issued certifications (each with its user and program enrolment) are
bulk-inserted into a fresh database (trdcert_bench_cert) with expiry dates
spread evenly over the next 400 days, so about 22% have reached a reminder
threshold. ``certification.services.reminders_send`` then runs three times
on the same clock: the first sends every due reminder (one e-mail, one
ReminderSent row and one audit event each), the second and third must send
nothing. Each run is timed and its queries counted.

Target: the first sweep within 10 minutes (it runs once a day in a worker)
and a repeated sweep within 10 s with a constant number of queries.
"""

from __future__ import annotations

import time
from datetime import timedelta

from common import (
    BROKER_DB,
    CACHE_DB,
    REDIS_URL,
    drop_database,
    migrated_template,
    parser,
    print_table,
    recreate_database,
    row,
    run_main,
    setup_django,
    write_json,
)

DB = "trdcert_bench_cert"
BATCH = 5000


def seed(n):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from certification.models import Certification, Program, ProgramEnrolment

    now = timezone.now()
    program = Program.objects.create(title="Bench program", slug="bench", summary="Bench.", live=True)
    User = get_user_model()
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        users = User.objects.bulk_create(
            [User(email=f"bench{start + i}@example.org", password="!") for i in range(size)]
        )
        ProgramEnrolment.objects.bulk_create(
            [ProgramEnrolment(user=u, program=program, enrolled_at=now) for u in users]
        )
        Certification.objects.bulk_create(
            [
                Certification(
                    user=u,
                    program=program,
                    status="issued",
                    snapshot={"legal_name": f"Bench Learner {start + i}", "program_title": "Bench program"},
                    awarded_at=now - timedelta(days=300),
                    valid_until=now + timedelta(days=400 * (start + i) / n, hours=1),
                    period=1,
                )
                for i, u in enumerate(users)
            ]
        )
    return now


def sweep(now):
    from django.db import connection

    from certification.services import reminders_send

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        t = time.perf_counter()
        sent = reminders_send(now=now)
        seconds = time.perf_counter() - t
    return sent, seconds, count[0]


def main():
    p = parser(__doc__)
    p.add_argument("--certifications", type=int, default=100_000)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()

    recreate_database(DB, migrated_template())
    setup_django(DB, fresh=False, CACHE_URL=f"{REDIS_URL}/{CACHE_DB}", CELERY_BROKER_URL=f"{REDIS_URL}/{BROKER_DB}")
    if not migrated_template():
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings

    settings.DEBUG = False
    t = time.perf_counter()
    now = seed(args.certifications)
    seed_seconds = time.perf_counter() - t
    from certification.models import ReminderSent

    first = sweep(now)
    second = sweep(now)
    third = sweep(now)
    recorded = ReminderSent.objects.count()
    rows = [
        row(f"seeding {args.certifications:,} certifications (setup, not a target)", f"{seed_seconds:.1f} s"),
        row("first sweep: reminders sent", f"{first[0]:,}"),
        row("first sweep: time", f"{first[1]:.1f} s", "<= 600 s", first[1] <= 600),
        row("first sweep: queries (2 inserts per reminder + 1 per threshold)", f"{first[2]:,}"),
        row("first sweep: ms per reminder", f"{1000 * first[1] / max(first[0], 1):.2f} ms"),
        row("second sweep: reminders sent", f"{second[0]:,}", "0", second[0] == 0),
        row("second sweep: time", f"{second[1]:.2f} s", "<= 10 s", second[1] <= 10),
        row("second / third sweep: queries", f"{second[2]} / {third[2]}", "equal", second[2] == third[2]),
        row("ReminderSent rows = reminders sent", f"{recorded:,}", f"{first[0]:,}", recorded == first[0]),
    ]
    print_table("certification expiry reminders over 100,000 certifications", rows)
    write_json(
        args.json,
        name="certification_reminders",
        title="Expiry-reminder sweep over 100,000 certifications",
        rows=rows,
        figures={"first": first, "second": second, "third": third, "seed_seconds": seed_seconds},
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(DB)


if __name__ == "__main__":
    run_main(main)
