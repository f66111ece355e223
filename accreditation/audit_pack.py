"""The provider's audit pack for one credit offering and period, as a ZIP:
a pure function of plain data (no database), so what a board receives is
testable byte by byte.

Files: the roster of claims (CSV), the evaluation summary (each item's mean
and distribution) and comments (CSV), the final-exam statistics (CSV), the
course as learners saw it and its disclosures (JSON), the approval relied on
(JSON), a README and a manifest with each file's SHA-256; for an offering
tracked in CE Broker, its roster upload and the completions it cannot take;
for a body reporting to ACCME's PARS, the activity's learner totals
(board_files.py)."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import statistics
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from core.spreadsheets import csv_writer

from .board_files import (
    CEBROKER_EXCEPTION_HEADINGS,
    CEBrokerCourse,
    cebroker_roster,
    pars_activity_totals,
)

ROSTER_HEADINGS = (
    "name",
    "license_number",
    "license_jurisdiction",
    "course",
    "body",
    "credit_type",
    "hours",
    "completed",
    "approval_number",
    "certificate_code",
    "certificate_status",
    "claimed_at",
)
LIKERT_POINTS = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class EvaluationItem:
    key: str
    text: str
    kind: str  # "likert" or "text"


@dataclass(frozen=True)
class AuditPackData:
    generated_at: datetime.datetime
    start: datetime.date | None
    end: datetime.date | None
    offering: dict  # body, credit type, max hours, statement, requirements
    approval: list[dict]  # the body's approvals: number, statement, valid from/to, retention years
    course: dict  # title, url, version, CE fields, disclosures
    roster: list[dict] = field(default_factory=list)  # keys: ROSTER_HEADINGS
    evaluation_items: list[EvaluationItem] = field(default_factory=list)
    evaluation_answers: list[dict] = field(default_factory=list)  # one dict of answers per response
    exam_scores: list[tuple[Decimal, bool]] = field(default_factory=list)  # (score %, passed) per graded attempt
    cebroker: CEBrokerCourse | None = None  # set when the offering is tracked in CE Broker
    pars_totals: dict | None = None  # physician_learners, other_learners, credit_claims; for PARS bodies


def evaluation_summary(items: list[EvaluationItem], answers: list[dict]) -> tuple[list[list], list[list]]:
    """Per agreement item: responses, mean and the count at each point 1-5;
    and every non-empty free-text comment, by item."""
    rows, comments = [], []
    for item in items:
        values = [str(a.get(item.key, "")).strip() for a in answers]
        if item.kind == "likert":
            points = [int(v) for v in values if v in LIKERT_POINTS]
            mean = f"{statistics.fmean(points):.2f}" if points else ""
            rows.append([item.key, item.text, len(points), mean, *(points.count(int(p)) for p in LIKERT_POINTS)])
        else:
            comments.extend([item.key, item.text, v] for v in values if v)
    return rows, comments


def exam_summary(scores: list[tuple[Decimal, bool]]) -> list[list]:
    if not scores:
        return [["graded attempts", 0]]
    values = [float(s) for s, _ in scores]
    passed = sum(1 for _, p in scores if p)
    return [
        ["graded attempts", len(scores)],
        ["passed", passed],
        ["pass rate (%)", f"{100 * passed / len(scores):.1f}"],
        ["mean score (%)", f"{statistics.fmean(values):.2f}"],
        ["median score (%)", f"{statistics.median(values):.2f}"],
        ["lowest score (%)", f"{min(values):.2f}"],
        ["highest score (%)", f"{max(values):.2f}"],
    ]


def _csv(rows: list[list], headings: tuple | list | None) -> bytes:
    buf = io.StringIO()
    writer = csv_writer(buf)
    if headings is not None:
        writer.writerow(list(headings))
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _json(value) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _readme(data: AuditPackData) -> bytes:
    period = f"{data.start or 'the beginning'} to {data.end or 'today'}"
    return (
        f"Audit pack: {data.course.get('title', '')}\n"
        f"Credit: {data.offering.get('body', '')} ({data.offering.get('credit_type', '')})\n"
        f"Completions from {period}; generated {data.generated_at.isoformat(timespec='seconds')}.\n\n"
        "roster.csv               every claim: learner, license, hours, completion date, certificate\n"
        "evaluation_summary.csv   each agreement item: responses, mean, count at each point 1-5\n"
        "evaluation_comments.csv  every free-text comment\n"
        "posttest_summary.csv     final-exam attempts, pass rate and scores\n"
        "course.json              the course as learners saw it (version) and its disclosures\n"
        "approval.json            the provider approval and the offering the claims relied on\n"
        + (
            "cebroker_roster.csv      CE Broker roster upload (its column layout, no heading row;\n"
            "                         save as an Excel file to upload)\n"
            "cebroker_exceptions.csv  claims CE Broker cannot take from the file, with the reason\n"
            if data.cebroker
            else ""
        )
        + (
            "pars_activity_totals.csv learner totals for reporting the activity in ACCME PARS\n"
            if data.pars_totals
            else ""
        )
        + "manifest.json            SHA-256 of every file above\n"
    ).encode()


def build_audit_pack(data: AuditPackData, progress: Callable[[int], None] | None = None) -> bytes:
    """The ZIP's bytes; ``progress(percent)`` is told as each file is written."""
    summary, comments = evaluation_summary(data.evaluation_items, data.evaluation_answers)
    files = [
        ("README.txt", lambda: _readme(data)),
        (
            "roster.csv",
            lambda: _csv([[row.get(h, "") for h in ROSTER_HEADINGS] for row in data.roster], ROSTER_HEADINGS),
        ),
        (
            "evaluation_summary.csv",
            lambda: _csv(summary, ("item", "question", "responses", "mean", *(f"count_{p}" for p in LIKERT_POINTS))),
        ),
        ("evaluation_comments.csv", lambda: _csv(comments, ("item", "question", "comment"))),
        ("posttest_summary.csv", lambda: _csv(exam_summary(data.exam_scores), ("measure", "value"))),
        ("course.json", lambda: _json(data.course)),
        ("approval.json", lambda: _json({"approval": data.approval, "offering": data.offering})),
    ]
    if data.cebroker:
        upload, exceptions = cebroker_roster(data.roster, data.cebroker)
        files += [
            ("cebroker_roster.csv", lambda: _csv(upload, None)),
            ("cebroker_exceptions.csv", lambda: _csv(exceptions, CEBROKER_EXCEPTION_HEADINGS)),
        ]
    if data.pars_totals:
        totals = pars_activity_totals(
            course=data.course, offering=data.offering, start=data.start, end=data.end, **data.pars_totals
        )
        files.append(("pars_activity_totals.csv", lambda: _csv(totals, ("measure", "value"))))
    buf = io.BytesIO()
    manifest = {}
    # A fixed timestamp in every entry: the same data gives the same ZIP.
    stamp = data.generated_at.timetuple()[:6]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i, (name, make) in enumerate(files):
            content = make()
            manifest[name] = hashlib.sha256(content).hexdigest()
            zf.writestr(zipfile.ZipInfo(name, date_time=stamp), content, compress_type=zipfile.ZIP_DEFLATED)
            if progress:
                progress(10 + 85 * (i + 1) // len(files))
        zf.writestr(zipfile.ZipInfo("manifest.json", date_time=stamp), _json(manifest), zipfile.ZIP_DEFLATED)
    return buf.getvalue()
