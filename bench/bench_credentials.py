"""Benchmark credential signing: what an Open Badges credential adds to a certificate.

Run from the repository root:

    .venv/bin/python bench/bench_credentials.py [--json PATH] [--credentials 200] [--issuance 60]

Measures in one process; (a) to (d) need no database (the signing code is pure):

  (a) build + sign one OpenBadgeCredential (eddsa-rdfc-2022), median and p95,
      split into its parts: RDFC-1.0 canonicalisation of the document and of
      the proof options (PyLD), and the Ed25519 signature;
  (b) verify one credential (canonicalise again and check the signature);
  (c) re-sign the 16 KB revocation status list after one bit changes, as
      every revoke and reissue does (GZIP, base64url, canonicalise, sign);
  (d) the same signing of a credential with the objectives of the flagship
      course (6 objectives) vs none, to show how cost grows with content;
  (e) --issuance N (default 60; 0 skips it): certificate issue (render,
      store, sign the credential) in this process for N pending
      certificates, alternating with and without the credential step over
      three rounds on its own database (trdcert_bench_credentials; override
      with BENCH_CREDENTIALS_DB); each variant's best median is kept, since
      other load on a shared machine only ever adds time.

Throughput through a real worker, signing included, is bench_issuance.py.
It reports; it does not assert. Exit status is always 0.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from common import parser as make_parser  # noqa: E402
from common import percentile, print_table, row, run_main, write_json  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from credentials import building, did, signing  # noqa: E402
from credentials import status_list as bitstring  # noqa: E402

UTC = datetime.UTC
WARMUP = 10
ISSUER = building.Issuer(
    id="did:web:learn.example.org",
    name="Northbridge Institute for Clinical Training",
    url="https://learn.example.org/",
    email="education@learn.example.org",
)
OBJECTIVES = tuple(
    (f"co{n}", text)
    for n, text in enumerate(
        [
            "Define treatment-resistant depression and the adequacy of an antidepressant trial.",
            "Describe the referral criteria and the course of a TMS treatment series.",
            "Explain the monitoring that esketamine treatment requires under its REMS.",
            "Coordinate psychotherapy with neuromodulation and medication changes.",
            "Screen for suicide risk at each phase of care and document the plan.",
            "Recognise which claims in promotional material lack peer-reviewed support.",
        ],
        start=1,
    )
)


def achievement(objectives):
    return building.AchievementInfo(
        id="https://learn.example.org/learning/trd/",
        name="Treatment-Resistant Depression: TMS, Ketamine and Combined Care",
        description="Assessment and coordinated care of treatment-resistant depression.",
        criteria="Completed every module and the final examination and submitted the course evaluation.",
        credits_available=Decimal("6.0"),
        objectives=objectives,
    )


def unsigned(n, objectives=OBJECTIVES):
    now = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    award = building.Award(
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        recipient_name="Dr. Zoë Łukasiewicz-Núñez",
        recipient_email=f"learner{n}@example.org",
        identity_salt=hashlib.sha256(str(n).encode()).hexdigest()[:32],
        awarded_at=now,
        valid_from=now,
        status=bitstring.entry(list_url="https://learn.example.org/credentials/status/1/", index=n),
    )
    return building.build_credential(issuer=ISSUER, achievement=achievement(objectives), award=award)


def timed(fn, n):
    for i in range(WARMUP):
        fn(i)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return times


def summary(times):
    return statistics.median(times) * 1000, percentile(times, 95) * 1000


def issuance_with_and_without(n, rounds=3):
    """Median issue time per certificate, with and without the credential."""
    from common import setup_django

    setup_django(os.environ.get("BENCH_CREDENTIALS_DB", "trdcert_bench_credentials"))
    from bench_issuance import bulk_learners
    from django.db import transaction
    from django.utils import timezone

    from certificates import services
    from tests.factories import make_course

    course = make_course(modules=1, lessons=1, questions=2, final_questions=0)
    real = services._sign_credential
    best = {}
    for round_ in range(rounds):
        for variant in ("with", "without"):
            services._sign_credential = real if variant == "with" else (lambda credentials, certificate, batch: None)
            users = bulk_learners(n + 3, f"{variant}-{round_}-{time.time_ns()}-")
            now = timezone.now()
            with transaction.atomic():
                ids = [services.certificate_request(user=u, course=course, completed_at=now).pk for u in users]
            for certificate_id in ids[:3]:  # warm-up
                services.certificate_issue(certificate_id=certificate_id)
            times = []
            for certificate_id in ids[3:]:
                t0 = time.perf_counter()
                services.certificate_issue(certificate_id=certificate_id)
                times.append(time.perf_counter() - t0)
            best[variant] = min(best.get(variant, float("inf")), statistics.median(times))
    services._sign_credential = real
    return best["with"] * 1000, best["without"] * 1000


def main():
    p = make_parser(__doc__)
    p.add_argument("--credentials", type=int, default=200)
    p.add_argument("--issuance", type=int, default=60, metavar="N", help="N in-process issues (0: skip, no DB)")
    args = p.parse_args()
    n = args.credentials
    key = Ed25519PrivateKey.generate()
    method = did.verification_method_id(ISSUER.id, signing.public_key_multibase(key.public_key()))
    options = signing.ProofOptions(verification_method=method, created="2026-11-30T12:00:00Z")
    document = {"id": ISSUER.id, "assertionMethod": [method]}
    resolve = did.key_resolver(
        {
            **document,
            "verificationMethod": [
                {
                    "id": method,
                    "type": "Multikey",
                    "controller": ISSUER.id,
                    "publicKeyMultibase": signing.public_key_multibase(key.public_key()),
                }
            ],
        }
    )

    sign_times = timed(lambda i: signing.sign(unsigned(i), private_key=key, options=options), n)
    sign_bare = timed(lambda i: signing.sign(unsigned(i, ()), private_key=key, options=options), n)
    build_times = timed(lambda i: unsigned(i), n)
    sample = unsigned(1)
    proof = options.as_proof()
    canon_doc = timed(lambda i: signing.canonicalize(sample), n)
    canon_proof = timed(lambda i: signing.canonicalize({**proof, "@context": sample["@context"]}), n)
    data = signing.signing_input(sample, proof).hash_data
    ed25519 = timed(lambda i: key.sign(data), n)
    signed = [signing.sign(unsigned(i), private_key=key, options=options) for i in range(n)]
    verify_times = timed(lambda i: signing.verify(signed[i % n], resolve_key=resolve), n)

    bits = bitstring.empty(131_072)

    def resign_list(i):
        flipped = bitstring.set_bit(bits, (i * 7919) % 131_072, True)
        status = bitstring.status_list_credential(
            list_url="https://learn.example.org/credentials/status/1/",
            issuer=ISSUER.id,
            bits=flipped,
            valid_from="2026-11-30T12:00:00Z",
        )
        signing.sign(status, private_key=key, options=options)

    list_times = timed(resign_list, max(50, n // 4))
    sign_med, sign_p95 = summary(sign_times)
    bare_med, _ = summary(sign_bare)
    rows = [
        row("build + sign one credential, median", f"{sign_med:.2f} ms"),
        row("build + sign one credential, p95", f"{sign_p95:.2f} ms"),
        row("of which: build (pure dict)", f"{summary(build_times)[0]:.3f} ms"),
        row("of which: canonicalise the document (RDFC-1.0)", f"{summary(canon_doc)[0]:.2f} ms"),
        row("of which: canonicalise the proof options", f"{summary(canon_proof)[0]:.2f} ms"),
        row("of which: Ed25519 signature", f"{summary(ed25519)[0] * 1000:.1f} µs"),
        row("sign without objectives (vs 6 objectives)", f"{bare_med:.2f} ms"),
        row("signings per second, one core", f"{1000 / sign_med:.0f}/s"),
        row("verify one credential, median", f"{summary(verify_times)[0]:.2f} ms"),
        row("re-sign the 16 KB status list after a revoke, median", f"{summary(list_times)[0]:.2f} ms"),
        row("encoded status list (GZIP + base64url), one bit set", f"{len(bitstring.encode(bits))} characters"),
    ]
    if args.issuance:
        with_ms, without_ms = issuance_with_and_without(args.issuance)
        rows += [
            row(f"certificate issue in-process, with credential (median of {args.issuance})", f"{with_ms:.2f} ms"),
            row("certificate issue in-process, without credential", f"{without_ms:.2f} ms"),
            row("added by the credential", f"{with_ms - without_ms:.2f} ms ({with_ms / without_ms:.2f}x)"),
        ]
    print_table(f"credential signing ({n} credentials, eddsa-rdfc-2022)", rows)
    write_json(
        args.json,
        name="credentials",
        title="credential signing (eddsa-rdfc-2022)",
        rows=rows,
        figures={"sign_median_ms": sign_med, "sign_p95_ms": sign_p95},
    )


if __name__ == "__main__":
    run_main(main)
