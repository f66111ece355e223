"""Run every benchmark in sequence and write docs/BENCHMARKS.md (`make bench`).

    .venv/bin/python bench/run_all.py [--only pdf,pages,...] [--no-doc] [--doc-only]

Needs PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379),
wrk (apt-get install wrk) and the `bench` extra (locust, pyinstrument). Uses
its own databases (trdcert_bench_*) and Redis DBs 7 and 8 only. Migrates one
template database first, which every benchmark copies. Prints each figure
beside its target; it reports and never fails the build (exit 0).

docs/BENCHMARKS.md gets the machine, the date, every figure with its
target, how to reproduce, and for each benchmark with a missed target the
profiling notes kept in bench/findings.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from common import (
    REPO_ROOT,
    VAR,
    bench_env,
    drop_database,
    machine_facts,
    met_text,
    print_table,
    recreate_database,
    run_main,
)

TEMPLATE_DB = "trdcert_bench_template"
DOC = REPO_ROOT / "docs" / "BENCHMARKS.md"
FINDINGS = Path(__file__).with_name("findings.md")
LAST_RUN = VAR / "last-run.json"

# (name, script, targets it covers, what it measures)
BENCHMARKS = [
    ("pdf", "bench_pdf.py", "1", "project renderer vs a bare ReportLab script drawing the same elements; RSS"),
    ("issuance", "bench_issuance.py", "2", "10,000 certificates through a real worker and Redis; latency; worker RSS"),
    (
        "pages",
        "bench_pages.py",
        "3, 4, 5",
        "wrk on gunicorn: plain view, lesson, public verification pages vs a bare view; queries; quiz submit",
    ),
    ("middleware", "bench_middleware.py", "3", "each middleware's cost per signed-in request, in-process; queries"),
    ("scale", "bench_scale.py", "6", "50,000 learners, 1,000,000 answers vs almost empty; EXPLAIN ANALYZE"),
    (
        "load",
        "bench_load.py",
        "7",
        "locust, 100 learners for 3 minutes: lessons, quizzes, certificate, credential, verification, credit, registry",
    ),
    ("credentials", "bench_credentials.py", "-", "building, signing and verifying one credential; status list re-sign"),
    (
        "statistics",
        "bench_item_statistics.py",
        "8",
        "item statistics of a 48-item pool over 100,000 attempts, and at 1,000 and 10,000 for growth",
    ),
    (
        "certification_reminders",
        "bench_certification_reminders.py",
        "-",
        "expiry-reminder sweep over 100,000 certifications, run three times",
    ),
    (
        "workloads",
        "bench_workloads.py",
        "-",
        "registry search, audit pack, revoke, reminder sweep at 1x/10x/100x: time, queries, peak memory, EXPLAIN",
    ),
]


def services_ok():
    pg = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0
    try:
        import redis

        redis_up = redis.Redis.from_url("redis://127.0.0.1:6379/7").ping()
    except Exception:
        redis_up = False
    return pg, redis_up


def migrate_template():
    recreate_database(TEMPLATE_DB)
    env = {**os.environ, **bench_env(TEMPLATE_DB)}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)


def run_benchmark(name, script):
    out = VAR / f"result-{name}.json"
    out.unlink(missing_ok=True)
    print(f"\n=== {name}: bench/{script}", flush=True)
    started = time.monotonic()
    env = {**os.environ, "BENCH_TEMPLATE_DB": TEMPLATE_DB, "PYTHONWARNINGS": "ignore::UserWarning"}
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name(script)), "--json", str(out)],
        cwd=REPO_ROOT,
        env=env,
        check=False,
    )
    seconds = time.monotonic() - started
    if not out.exists():
        return {"name": name, "title": name, "rows": [], "figures": {}, "notes": [], "error": True}, seconds
    return json.loads(out.read_text()), seconds


def findings_by_name():
    """Sections of bench/findings.md, keyed by the benchmark name in '## name: ...'."""
    if not FINDINGS.exists():
        return {}
    sections, current = {}, None
    for line in FINDINGS.read_text().splitlines():
        m = re.match(r"## (\w+):", line)
        if m:
            current = m.group(1)
            sections[current] = [line]
        elif current:
            sections[current].append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def md_cell(text):
    return str(text).replace("|", "\\|")


def write_doc(results, facts, started, total_seconds):
    findings = findings_by_name()
    targets = {name: covers for name, _, covers, _ in BENCHMARKS}
    lines = [
        "# Benchmarks",
        "",
        "Latest results of `make bench` (written by `bench/run_all.py`; do not edit by hand,",
        "the profiling notes come from `bench/findings.md`). Targets are ratios or counts measured",
        "in one run, because absolute times drift between runs; absolute times are for reference.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; whole run {total_seconds / 60:.1f} min.",
        f"- Machine: {facts['cores']} cores ({facts['cpu'] or 'unknown CPU'}), {facts['memory']} memory; "
        f"{facts['os']}.",
        f"- Software: Python {facts['python']}, PostgreSQL {facts['postgresql']}, Redis {facts['redis']}.",
        f"- Load average (1 min) at start / end: {facts['load_start']:.2f} / {facts['load_end']:.2f}. "
        "The machine is shared: other test runs at the same time slow every absolute figure.",
        "",
        "## Results",
        "",
        "| target | figure | measured | target | met |",
        "|---|---|---|---|---|",
    ]
    for result, _ in results:
        name = result["name"]
        if result.get("error"):
            lines.append(f"| {targets[name]} | {name}: **the benchmark failed to run** (see its output) | | | no |")
        for r in result["rows"]:
            met = met_text(r["met"]) if r["target"] else ""
            met = f"**{met}**" if met == "no" else met
            lines.append(
                f"| {targets[name]} | {md_cell(r['figure'].strip())} | {md_cell(r['measured'])} "
                f"| {md_cell(r['target'])} | {met} |"
            )
    lines += ["", "## Timings of this run", ""]
    lines += [f"- `{r['name']}`: {s:.0f} s" for r, s in results]
    missed = [r for r, _ in results if r.get("error") or any(row["met"] is False for row in r["rows"])]
    lines += ["", "## Targets not met: bottleneck and what would close it", ""]
    if not missed:
        lines.append("Every target was met in this run.")
    for result in missed:
        name = result["name"]
        section = findings.get(name, f"## {name}: not met\n\nNo profiling notes recorded yet.")
        lines.append("#" + section)  # one level below this heading
        lines.append("")
    notes = [(r["name"], n) for r, _ in results for n in r.get("notes", [])]
    if notes:
        lines += ["", "## Notes printed by the benchmarks", ""]
        lines += [f"- {name}: {md_cell(n)}" for name, n in notes]
    lines += [
        "",
        "## How to reproduce",
        "",
        "```sh",
        "apt-get install -y wrk postgresql redis-server   # once; PostgreSQL and Redis must be running",
        "make install-dev                               # the bench tools (locust, pyinstrument) are dev requirements",
        "make bench                                     # all of them (whole run time: see above); rewrites this file",
        ".venv/bin/python bench/bench_pages.py --profile var/bench/profiles   # one, with pyinstrument profiles",
        ".venv/bin/python bench/profile_issuance.py     # where a certificate's time goes",
        ".venv/bin/python bench/run_all.py --doc-only   # rewrite this file after editing bench/findings.md",
        "```",
        "",
        "Each script runs on its own (`.venv/bin/python bench/<name>.py --help`), prints its table and",
        "writes JSON with `--json PATH`. They use the databases `trdcert_bench_*` (created and dropped",
        "by the scripts) and Redis DBs 7 (broker) and 8 (cache), and bench-only settings",
        "(`bench/settings.py`: production settings over plain HTTP on loopback). Page throughput is",
        "measured against a bare view: Django's handler with no middleware, in the same gunicorn",
        "workers (`bench/wsgi.py`, `bench/urls.py`).",
        "",
        "| script | targets | what it measures |",
        "|---|---|---|",
    ]
    lines += [f"| `{script}` | {covers} | {what} |" for _, script, covers, what in BENCHMARKS]
    lines.append("")
    DOC.write_text("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated names: " + ", ".join(b[0] for b in BENCHMARKS))
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/BENCHMARKS.md")
    p.add_argument("--doc-only", action="store_true", help="rewrite docs/BENCHMARKS.md from the last full run")
    args = p.parse_args()
    if args.doc_only:  # e.g. after editing bench/findings.md
        last = json.loads(LAST_RUN.read_text())
        started = datetime.datetime.fromisoformat(last["started"])
        write_doc([tuple(r) for r in last["results"]], last["facts"], started, last["total"])
        print(f"wrote {DOC.relative_to(REPO_ROOT)} from {LAST_RUN.relative_to(REPO_ROOT)}")
        return
    chosen = [b for b in BENCHMARKS if not args.only or b[0] in args.only.split(",")]

    pg, redis_up = services_ok()
    if not (pg and redis_up):
        print("PostgreSQL and Redis must run on 127.0.0.1 (see README and .ci/run for how to start them).")
        print(f"  PostgreSQL: {'up' if pg else 'DOWN'}; Redis: {'up' if redis_up else 'DOWN'}")
        return
    started = datetime.datetime.now(datetime.UTC)
    t0 = time.monotonic()
    facts = machine_facts()
    facts["load_start"] = os.getloadavg()[0]
    print(f"machine: {facts}", flush=True)
    VAR.mkdir(parents=True, exist_ok=True)
    migrate_template()
    try:
        results = [run_benchmark(name, script) for name, script, _, _ in chosen]
    finally:
        drop_database(TEMPLATE_DB)
    facts["load_end"] = os.getloadavg()[0]
    total = time.monotonic() - t0

    combined = []
    for result, _ in results:
        if result.get("error"):
            combined.append({"figure": f"{result['name']}: FAILED", "measured": "", "target": "ran", "met": False})
        for r in result["rows"]:
            if r["target"]:
                combined.append({**r, "figure": f"{result['name']}: {r['figure'].strip()}"})
    print()
    print_table(f"all benchmarks ({total / 60:.1f} min); every figure with a target", combined)
    if not args.only:
        last = {"started": started.isoformat(), "facts": facts, "total": total, "results": results}
        LAST_RUN.write_text(json.dumps(last, indent=1, default=str))
    if not args.no_doc and not args.only:
        write_doc(results, facts, started, total)
        print(f"\nwrote {DOC.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    run_main(main)
