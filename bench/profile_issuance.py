"""Where does issuing one certificate spend its time? (profiling aid for target 2)

    .venv/bin/python bench/profile_issuance.py [--certificates 100] [--profile PATH.html]

Runs the worker's two steps in-process (certificates.services.certificate_issue
and certificate_send_email) for N pending certificates on its own database,
and reports the time per certificate, the share spent rendering the PDF and
the share spent in Wagtail's search indexing on Certificate.save. Then it
measures two what-ifs in this process only, without touching the product:
the same steps with search auto-update off for certificates, and with a
fixed QR mask in segno.make (no scoring of the eight masks). Reports; exit 0.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

from common import ms, print_table, row, run_main, setup_django, write_json
from common import parser as make_parser

DB = "trdcert_bench_profile"


@contextmanager
def timing(store, key):
    t0 = time.perf_counter()
    try:
        yield
    finally:
        store[key] = store.get(key, 0.0) + time.perf_counter() - t0


def main():
    p = make_parser(__doc__)
    p.add_argument("--certificates", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--profile", metavar="PATH", help="also write a pyinstrument HTML profile of the first pass")
    args = p.parse_args()

    setup_django(DB)
    import segno
    from bench_issuance import bulk_learners
    from django.db import transaction
    from django.db.models.signals import post_save
    from django.utils import timezone
    from modelsearch import signal_handlers

    from certificates import services
    from certificates.models import Certificate
    from tests.factories import make_course

    course = make_course(modules=1, lessons=1, questions=2, final_questions=0)
    spent = {}
    real_render, real_index = services.render_certificate, signal_handlers.post_save_signal_handler

    def render(data):
        with timing(spent, "render"):
            return real_render(data)

    def index(*a, **kw):
        with timing(spent, "index"):
            return real_index(*a, **kw)

    services.render_certificate = render
    post_save.disconnect(real_index, sender=Certificate)

    def one_pass(label, n):
        users = bulk_learners(n + 5, f"{label}-{time.time_ns()}-")
        with transaction.atomic():
            ids = [services.certificate_request(user=u, course=course, completed_at=timezone.now()).pk for u in users]
        # No worker runs here: the enqueued messages (Redis DB 7) are flushed by the next run.
        for certificate_id in ids[:5]:  # warm-up
            services.certificate_issue(certificate_id=certificate_id)
            services.certificate_send_email(certificate_id=certificate_id)
        spent.clear()
        times = []
        for certificate_id in ids[5:]:
            t0 = time.perf_counter()
            services.certificate_issue(certificate_id=certificate_id)
            services.certificate_send_email(certificate_id=certificate_id)
            times.append(time.perf_counter() - t0)
        total = sum(times)
        return {
            "median": statistics.median(times),
            "render_share": spent.get("render", 0) / total,
            "index_share": spent.get("index", 0) / total,
        }

    real_make = segno.make

    def variant(name):
        """Set this process up for one what-if (the product's code is unchanged)."""
        post_save.disconnect(index, sender=Certificate)
        segno.make = real_make
        if name == "as_is":
            post_save.connect(index, sender=Certificate)
        if name == "fixed_mask":  # also without indexing
            segno.make = lambda *a, **kw: real_make(*a, **{**kw, "mask": 0})

    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
        variant("as_is")
        one_pass("profile", args.certificates)
        profiler.stop()
        with open(args.profile, "w") as fh:
            fh.write(profiler.output_html())

    # Alternate the variants for a few rounds and keep each one's best median:
    # other load on the machine only ever adds time.
    names = ("as_is", "no_index", "fixed_mask")
    passes = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            variant(name)
            passes[name].append(one_pass(name, args.certificates))
    variant("as_is")
    as_is, no_index, fixed_mask = (min(passes[n], key=lambda r: r["median"]) for n in names)

    rows = [
        row("issue + e-mail, per certificate (as is)", ms(as_is["median"])),
        row("  share rendering the PDF", f"{as_is['render_share']:.0%}"),
        row("  share in search indexing (Certificate.save)", f"{as_is['index_share']:.0%}"),
        row("what-if: search auto-update off for certificates", ms(no_index["median"])),
        row("what-if: that, and a fixed QR mask", ms(fixed_mask["median"])),
        row("  implied ceiling, 2 processes (no broker or DB contention)", f"{2 / fixed_mask['median']:.0f}/s"),
    ]
    print_table(
        f"issuance profile: {args.certificates} certificates in-process per pass, best of {args.rounds} rounds", rows
    )
    figures = {"best": {"as_is": as_is, "no_index": no_index, "fixed_mask": fixed_mask}, "passes": passes}
    write_json(args.json, name="profile_issuance", title="Issuance profile", rows=rows, figures=figures)


if __name__ == "__main__":
    run_main(main)
