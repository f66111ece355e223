"""Benchmark four workloads at 1x, 10x and 100x their seeded size: cost must grow no faster than the data.

Run from the repository root (PostgreSQL and Redis running):

    .venv/bin/python bench/bench_workloads.py [--json PATH] [--scale 1.0] [--keep]

One fresh database (trdcert_bench_scale_workloads; override with
BENCH_WORKLOADS_DB) is bulk-seeded in three steps (batches of 5,000 rows,
then VACUUM ANALYZE, as a long-lived database would be) and after each step
the three workloads are measured:

  (1) public certification registry search, ``certification.selectors.
      registry_search``, over 1,000 / 10,000 / 100,000 listed certifications:
      a partial name (four letters of a surname shared by about 1 in 60
      entries) and a full name (about 1 in 2,400). Time is the best of 15
      calls; ``EXPLAIN (ANALYZE, BUFFERS)`` of the search query at each size
      reports the plan's top node and any sequential scan of the
      certification table (the trigram index on ``UPPER(registry_name)``
      should serve it);
  (2) audit-pack export, ``accreditation.selectors.audit_pack_data`` then
      ``accreditation.audit_pack.build_audit_pack`` (what the Celery task runs),
      for 500 / 5,000 / 50,000 completions of one course with a credit
      claim, a certificate, an evaluation and a graded final exam each, for
      one state-board offering with CE Broker numbers whose body also
      reports to PARS, so every file of the pack is built. Best of 5, 3 and
      3 runs; also the ZIP's size;
  (3) one revoke, ``credentials.services.credential_revoke``: flip the bit and
      re-sign the 16 KB status list holding 1,000 / 10,000 / 100,000 issued
      credentials (1% already revoked). All are in one list, which holds
      131,072 bits; issuing starts a new list at 65,536 (half full), so
      100,000 in one list is a worst case for the list's compressed size.
      Best of 5 revokes.

For each: wall time (perf_counter, measured without tracemalloc), SQL
statements (connection.execute_wrapper) and peak Python memory (tracemalloc,
one separate call). Growth is reported per 10x of data.

  (4) the daily expiry-reminder sweep, ``certification.services.
      reminders_send``, over the registry's 1,000 / 10,000 / 100,000
      certifications (valid for 30 to 700 more days, each with its program
      enrolment): the first run at each size sends what the new rows made
      due (its cost per reminder is reported), then three repeat runs find
      nothing left to send and measure the scan itself.

Item statistics over 1,000 / 10,000 / 100,000 attempts are measured by
bench/bench_item_statistics.py (the refresh runs in a process of its own).

Targets: time and peak memory grow at most linearly, <= 10x per 10x of data
(the registry search and a revoke should stay about constant); the number of
queries is constant for every workload (no query per row). Times are noisy on
a shared machine; the ratios are measured within one run.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
import tracemalloc
from contextlib import contextmanager
from datetime import timedelta

from common import drop_database, loadavg, parser, print_table, row, run_main, setup_django, write_json

DB = os.environ.get("BENCH_WORKLOADS_DB", "trdcert_bench_scale_workloads")
BATCH = 5000
REGISTRY_SIZES = (1_000, 10_000, 100_000)
AUDIT_SIZES = (500, 5_000, 50_000)
CREDENTIAL_SIZES = (1_000, 10_000, 100_000)
SEED = 16

FIRST_NAMES = [
    "Amara",
    "Ana",
    "Beatriz",
    "Carlos",
    "Chen",
    "Daniel",
    "Deborah",
    "Elena",
    "Emeka",
    "Fatima",
    "Grace",
    "Hannah",
    "Ibrahim",
    "Isabel",
    "James",
    "Jia",
    "Julia",
    "Kwame",
    "Laura",
    "Leila",
    "Liam",
    "Lucia",
    "Maria",
    "Mateo",
    "Mei",
    "Miguel",
    "Nadia",
    "Noah",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Rosa",
    "Samuel",
    "Sofia",
    "Tomas",
    "Valentina",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Abbott",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Baker",
    "Banerjee",
    "Brennan",
    "Castillo",
    "Chowdhury",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Fitzgerald",
    "Garcia",
    "Gonzalez",
    "Haddad",
    "Hansen",
    "Hernandez",
    "Ivanova",
    "Jablonski",
    "Johansson",
    "Kapoor",
    "Kowalski",
    "Lindqvist",
    "Lopez",
    "MacLeod",
    "Marchetti",
    "Mensah",
    "Moreau",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Nunez",
    "Okafor",
    "Olsen",
    "Pereira",
    "Petrov",
    "Quinn",
    "Ramirez",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Sorensen",
    "Tanaka",
    "Thompson",
    "Torres",
    "Uchenna",
    "Varga",
    "Wagner",
    "Walsh",
    "Weber",
    "Whitfield",
    "Wojcik",
    "Yamamoto",
    "Yilmaz",
    "Zhang",
    "Zielinski",
    "Zimmerman",
]
PARTIAL_NAME = "kafo"  # Okafor: 1 surname in 60
FULL_NAME = "Amara Okafor"  # 1 in 40 x 60
STATES = ("Oregon", "California", "Texas", "New York", "Florida", "Ohio", "Washington", "Georgia", "Ontario")


# --------------------------------------------------------------------------
# Measuring


@contextmanager
def counting(statements=None):
    """Count the SQL statements run inside; keep them in ``statements`` if given."""
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        if statements is not None:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def measure(fn, repeats):
    """(best seconds, median seconds, queries, peak bytes, last result): ``repeats``
    timed calls, then one more under tracemalloc and the query counter."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    with counting() as count:
        tracemalloc.start()
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"best": min(times), "median": statistics.median(times), "queries": count[0], "peak": peak}, result


def bulk(model, objs):
    return model.objects.bulk_create(objs, batch_size=BATCH)


# --------------------------------------------------------------------------
# Seeding: each step adds rows up to the next size


class Seeder:
    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.User = get_user_model()
        self.users = []
        self.registry = 0
        self.audit = 0
        self.credentials = 0
        self.indexes = list(range(131_072))
        self.rng.shuffle(self.indexes)
        self._setup_objects()

    def _setup_objects(self):
        from accreditation.models import AuditPack
        from certification.models import Program
        from credentials import status_list as bitstring
        from credentials.models import StatusList
        from quizzes.models import Quiz
        from tests.accreditation.helpers import approval, body, offering, ready_provider
        from tests.factories import make_course

        self.program = Program.objects.create(title="Bench program", slug="bench", summary="Bench.", live=True)
        ready_provider()
        self.course = make_course(modules=1, lessons=1, questions=1, final_questions=2)
        self.final_quiz = Quiz.objects.get(course=self.course)
        board = body("other")
        board.cebroker_profession_code = "PSY"
        board.reports_to_pars = True  # so the pack also holds the PARS totals: every file is built
        board.save()
        self.approval = approval("other", cebroker_provider_number="50123")
        self.offering = offering(self.course, "other", cebroker_course_number="20345")
        today = self.now.date()
        self.pack = AuditPack.objects.create(offering=self.offering, start=today - timedelta(days=400), end=today)
        self.status_list = StatusList.objects.create(bits=bitstring.empty(StatusList.SIZE_BITS))

    def grow_users(self, n):
        while len(self.users) < n:
            start = len(self.users)
            size = min(BATCH, n - start)
            self.users += bulk(
                self.User,
                [self.User(email=f"bench{start + i}@example.org", password="!") for i in range(size)],
            )

    def grow_registry(self, n):
        from certification.models import Certification, ProgramEnrolment

        self.grow_users(n)
        rng = self.rng
        rows = []
        for i in range(self.registry, n):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            rows.append(
                Certification(
                    user=self.users[i],
                    program=self.program,
                    status="revoked" if rng.random() < 0.02 else "issued",
                    snapshot={"legal_name": name, "program_title": "Bench program", "profession": "psychologist"},
                    awarded_at=self.now - timedelta(days=rng.randrange(700)),
                    valid_until=self.now + timedelta(days=rng.randrange(30, 700)),
                    in_registry=True,
                    registry_name=name,
                    registry_jurisdiction=rng.choice(STATES),
                )
            )
        bulk(Certification, rows)
        bulk(
            ProgramEnrolment,
            [
                ProgramEnrolment(user=u, program=self.program, enrolled_at=self.now)
                for u in self.users[self.registry : n]
            ],
        )
        self.registry = n

    def grow_audit(self, n):
        from decimal import Decimal

        from accounts.models import LearnerProfile
        from accreditation.models import CreditClaim
        from certificates.models import Certificate
        from courses.models import CourseCompletion, EvaluationResponse
        from quizzes.models import Attempt, AttemptStatus

        self.grow_users(n)
        rng = self.rng
        for start in range(self.audit, n, BATCH):
            users = self.users[start : min(start + BATCH, n)]
            names = {u.pk: f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for u in users}
            states = {u.pk: rng.choice(STATES) for u in users}
            done = {u.pk: self.now - timedelta(days=rng.randrange(1, 390), minutes=rng.randrange(1440)) for u in users}
            bulk(
                LearnerProfile,
                [
                    LearnerProfile(
                        user=u,
                        legal_name=names[u.pk],
                        profession="physician" if rng.random() < 0.1 else "psychologist",
                        license_number=f"LIC-{u.pk}",
                        license_jurisdiction=states[u.pk],
                    )
                    for u in users
                ],
            )
            completions = bulk(
                CourseCompletion, [CourseCompletion(user=u, course=self.course, completed_at=done[u.pk]) for u in users]
            )
            certificates = bulk(
                Certificate,
                [
                    Certificate(
                        user=u,
                        course=self.course,
                        status="issued",
                        credit="other",
                        snapshot={"legal_name": names[u.pk], "course_title": self.course.title, "ce_hours": "2.00"},
                        completed_at=done[u.pk],
                        issued_at=done[u.pk] + timedelta(minutes=1),
                    )
                    for u in users
                ],
            )
            bulk(
                CreditClaim,
                [
                    CreditClaim(
                        user=u,
                        completion=completion,
                        offering=self.offering,
                        approval=self.approval,
                        certificate=certificate,
                        hours=Decimal("2.00") if rng.random() < 0.9 else Decimal("1.00"),
                        license_number=f"LIC-{u.pk}",
                        license_jurisdiction=states[u.pk],
                        claimed_at=done[u.pk] + timedelta(minutes=2),
                    )
                    for u, completion, certificate in zip(users, completions, certificates, strict=True)
                ],
            )
            bulk(
                EvaluationResponse,
                [
                    EvaluationResponse(
                        user=u,
                        course=self.course,
                        answers={
                            "relevance": str(rng.randint(1, 5)),
                            "comments": "Useful case examples." if rng.random() < 0.1 else "",
                        },
                    )
                    for u in users
                ],
            )
            bulk(
                Attempt,
                [
                    Attempt(
                        user=u,
                        quiz=self.final_quiz,
                        number=1,
                        status=AttemptStatus.GRADED,
                        snapshot={"questions": []},
                        started_at=done[u.pk] - timedelta(minutes=20),
                        submitted_at=done[u.pk] - timedelta(minutes=1),
                        score=Decimal(rng.choice(("75.00", "87.50", "100.00"))),
                        passed=True,
                        results={},
                    )
                    for u in users
                ],
            )
        self.audit = n

    def grow_credentials(self, n):
        from credentials.models import Credential

        rng = self.rng
        rows, revoked_bits = [], []
        for i in range(self.credentials, n):
            revoked = rng.random() < 0.01
            index = self.indexes[i]
            if revoked:
                revoked_bits.append(index)
            rows.append(
                Credential(
                    reference=f"bench-{i}",
                    document={"id": f"urn:bench:{i}", "type": ["VerifiableCredential", "OpenBadgeCredential"]},
                    identity_salt=f"{rng.getrandbits(64):016x}",
                    awarded_at=self.now - timedelta(days=30),
                    issued_at=self.now - timedelta(days=30),
                    status_list=self.status_list,
                    status_index=index,
                    revoked_at=self.now - timedelta(days=1) if revoked else None,
                    revoked_reason="Bench." if revoked else "",
                )
            )
        bulk(Credential, rows)
        self.status_list.refresh_from_db()  # keeps the bits the measured revokes set
        data = bytearray(self.status_list.bits)
        for index in revoked_bits:
            data[index // 8] |= 0x80 >> (index % 8)
        self.status_list.bits = bytes(data)
        self.status_list.save(update_fields=["bits", "updated_at"])
        self.credentials = n

    def grow(self, step):
        t = time.perf_counter()
        self.grow_registry(REGISTRY_SIZES[step])
        self.grow_audit(AUDIT_SIZES[step])
        self.grow_credentials(CREDENTIAL_SIZES[step])
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        return time.perf_counter() - t


# --------------------------------------------------------------------------
# Workloads


def explain(fn):
    """EXPLAIN (ANALYZE, BUFFERS) of the first SELECT ``fn`` runs."""
    from django.db import connection

    statements = []
    with counting(statements):
        fn()
    sql, params = next((s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT"))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [r[0] for r in cursor.fetchall()]
    top = re.sub(r"\s+\(cost=.*", "", plan[0]).strip()
    seq = any("Seq Scan on certification_certification" in line for line in plan)
    index = next((m.group(0) for line in plan if (m := re.search(r"(Bitmap )?Index( Only)? Scan on \w+", line))), "")
    return {"top": top, "seq_scan": seq, "index": index, "plan": plan}


def registry(results):
    from certification.selectors import registry_search

    for label, query in (("partial", PARTIAL_NAME), ("full", FULL_NAME)):
        registry_search(name=query)  # warm: connection, plan
        figures, found = measure(lambda q=query: registry_search(name=q), 15)
        figures["rows"] = len(found)
        figures["explain"] = explain(lambda q=query: registry_search(name=q))
        results.setdefault(f"registry_{label}", []).append(figures)


def audit_pack(seeder, results, repeats):
    from accreditation.audit_pack import build_audit_pack
    from accreditation.models import AuditPack
    from accreditation.selectors import audit_pack_data

    def export():
        pack = AuditPack.objects.select_related("offering__body", "offering__course").get(pk=seeder.pack.pk)
        data = audit_pack_data(pack=pack, now=seeder.now)
        return data, build_audit_pack(data, progress=lambda percent: None)

    figures, (data, content) = measure(export, repeats)
    figures["rows"] = len(data.roster)
    figures["zip_bytes"] = len(content)
    results.setdefault("audit_pack", []).append(figures)


def revoke(seeder, results):
    from django.db import transaction

    from credentials.models import Credential
    from credentials.services import credential_revoke

    candidates = iter(
        Credential.objects.filter(status_list=seeder.status_list, revoked_at__isnull=True)
        .order_by("?")
        .values_list("reference", flat=True)[:10]
    )

    def one():
        reference = next(candidates)
        with transaction.atomic():
            credential = credential_revoke(reference=reference, reason="Bench revoke.")
        assert credential.revoked_at is not None
        return credential

    credential_revoke(reference=next(candidates), reason="Warm-up.")  # key row, caches, imports
    figures, _ = measure(one, 5)
    seeder.status_list.refresh_from_db()
    figures["encoded_chars"] = len(seeder.status_list.document["credentialSubject"]["encodedList"])
    results.setdefault("revoke", []).append(figures)


def reminders(seeder, results):
    """The daily expiry-reminder sweep over the registry's certifications.
    The first run sends what this step's new certifications made due (its
    cost per reminder should stay flat); the repeat runs find nothing left,
    so they measure the scan alone, which must grow at most with the data."""
    from certification.services import reminders_send

    with counting() as count:
        t = time.perf_counter()
        sent = reminders_send(now=seeder.now)
        first = time.perf_counter() - t
    figures, again = measure(lambda: reminders_send(now=seeder.now), 3)
    assert again == 0, again
    figures.update(sent=sent, first_seconds=first, first_queries=count[0])
    results.setdefault("reminders", []).append(figures)


# --------------------------------------------------------------------------
# Report


def per_size(values, fmt):
    return " / ".join(fmt(v) for v in values)


def growth(values):
    """Ratios per 10x of data, 1x->10x and 10x->100x."""
    return [b / a if a else float("inf") for a, b in zip(values, values[1:], strict=False)]


def ms(s):
    return f"{s * 1000:.1f} ms" if s < 10 else f"{s:.1f} s"


def kib(b):
    return f"{b / 1024:,.0f} KiB" if b < 10 * 1024 * 1024 else f"{b / 1024 / 1024:.1f} MiB"


def rows_for(label, sizes, series):
    times = [f["best"] for f in series]
    peaks = [f["peak"] for f in series]
    queries = [f["queries"] for f in series]
    tg, mg = growth(times), growth(peaks)
    size_text = " / ".join(f"{s:,}" for s in sizes)
    return [
        row(f"{label} at {size_text}: time (best)", per_size(times, ms)),
        row(f"{label}: time growth per 10x", per_size(tg, lambda r: f"{r:.2f}x"), "<= 10x", max(tg) <= 10),
        row(f"{label}: queries", per_size(queries, str), "constant", len(set(queries)) == 1),
        row(f"{label}: peak Python memory", per_size(peaks, kib)),
        row(f"{label}: memory growth per 10x", per_size(mg, lambda r: f"{r:.2f}x"), "<= 10x", max(mg) <= 10),
    ]


def main():
    p = parser(__doc__)
    p.add_argument("--scale", type=float, default=1.0, help="multiply every size (e.g. 0.1 for a quick try)")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args()
    global REGISTRY_SIZES, AUDIT_SIZES, CREDENTIAL_SIZES
    if args.scale != 1.0:
        REGISTRY_SIZES, AUDIT_SIZES, CREDENTIAL_SIZES = (
            tuple(max(1, int(s * args.scale)) for s in sizes)
            for sizes in (REGISTRY_SIZES, AUDIT_SIZES, CREDENTIAL_SIZES)
        )
    load_start = loadavg()
    started = time.perf_counter()
    setup_django(DB)
    from django.conf import settings

    settings.DEBUG = False
    seeder = Seeder()
    results, seed_seconds = {}, []
    for step in range(3):
        seed_seconds.append(seeder.grow(step))
        registry(results)
        audit_pack(seeder, results, (5, 3, 3)[step])
        revoke(seeder, results)
        reminders(seeder, results)
        print(f"size step {step + 1} of 3 measured ({time.perf_counter() - started:.0f} s so far)", flush=True)
    load_end = loadavg()

    rp, rf, ap, rv = results["registry_partial"], results["registry_full"], results["audit_pack"], results["revoke"]
    rm = results["reminders"]
    rows = [
        row("seeding, all three steps (setup, not a target)", per_size(seed_seconds, lambda s: f"{s:.0f} s")),
        *rows_for(f"registry search '{PARTIAL_NAME}'", REGISTRY_SIZES, rp),
        row(f"registry search '{PARTIAL_NAME}': rows returned (page of 50)", per_size(rp, lambda f: str(f["rows"]))),
        *rows_for(f"registry search '{FULL_NAME}'", REGISTRY_SIZES, rf),
        row(f"registry search '{FULL_NAME}': rows returned", per_size(rf, lambda f: str(f["rows"]))),
    ]
    for label, series in ((PARTIAL_NAME, rp), (FULL_NAME, rf)):
        plan = series[-1]["explain"]
        rows.append(
            row(
                f"registry '{label}' at {REGISTRY_SIZES[-1]:,}: EXPLAIN top node / index",
                f"{plan['top']} / {plan['index'] or 'none'}",
            )
        )
        rows.append(
            row(
                f"registry '{label}' at {REGISTRY_SIZES[-1]:,}: sequential scan of certifications",
                "yes" if plan["seq_scan"] else "no",
                "no",
                not plan["seq_scan"],
            )
        )
    rows += [
        *rows_for("audit pack (selector + ZIP)", AUDIT_SIZES, ap),
        row("audit pack: ZIP size", per_size(ap, lambda f: kib(f["zip_bytes"]))),
        *rows_for("revoke + status-list re-sign", CREDENTIAL_SIZES, rv),
        row("status list: encoded length after the revokes", per_size(rv, lambda f: f"{f['encoded_chars']:,} chars")),
        *rows_for("reminder sweep, repeat run (all due sent)", REGISTRY_SIZES, rm),
        row("reminder sweep, first run: reminders sent", per_size(rm, lambda f: f"{f['sent']:,}")),
        row(
            "reminder sweep, first run: ms per reminder sent",
            per_size(rm, lambda f: f"{1000 * f['first_seconds'] / max(f['sent'], 1):.2f} ms"),
        ),
        row(
            "reminder sweep, first run: queries (2 inserts per reminder + 1 per threshold)",
            per_size(rm, lambda f: f"{f['first_queries']:,}"),
        ),
        row("load average (1 min) at start / end", f"{load_start:.2f} / {load_end:.2f}"),
    ]
    print_table("workloads at 1x / 10x / 100x of the seeded size", rows)
    for label, series in ((PARTIAL_NAME, rp), (FULL_NAME, rf)):
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the registry search '{label}' at {REGISTRY_SIZES[-1]:,}:")
        print("\n".join(series[-1]["explain"]["plan"]))
    write_json(
        args.json,
        name="workloads",
        title="Registry search, audit pack, revoke and reminder sweep at 1x / 10x / 100x",
        rows=rows,
        figures={
            "sizes": {"registry": REGISTRY_SIZES, "audit": AUDIT_SIZES, "credentials": CREDENTIAL_SIZES},
            "results": results,
            "seed_seconds": seed_seconds,
            "load": [load_start, load_end],
        },
        notes=[f"load average {load_start:.2f} at start, {load_end:.2f} at end"],
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(DB)


if __name__ == "__main__":
    run_main(main)
