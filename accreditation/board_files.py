"""Completion files in the shapes CE trackers take: pure functions of plain
roster rows (no database), so what a tracker receives is testable exactly.

CE Broker (the tracker of many US state boards) documents its roster upload
as a sheet with no heading row, one completion per row: A the provider
tracking number without "50-", B the course tracking number without "20-"
(or C, the provider's own course ID), D an optional publishing number, E the
license number, F the completion date as m/d/yyyy, G "State=XX", H
"Profession=code"; its partial-credit layout adds I the subject area code
and J the hours, and accepts full-credit rows too. The upload page asks for
an Excel file: the provider opens this CSV in a spreadsheet and saves it as
one (the one library that writes the legacy .xls format, xlwt, has been
unmaintained since 2017). Sources: docs/SOURCES.md.

A completion that CE Broker cannot take (no license number, a license not
issued by a US state, partial credit without a subject area code, a revoked
certificate) goes to an exceptions list with the reason, never silently
dropped.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

import pycountry

CEBROKER_EXCEPTION_HEADINGS = ("certificate_code", "name", "license_number", "license_jurisdiction", "reason")


@dataclass(frozen=True)
class CEBrokerCourse:
    course_number: str  # without "20-"
    profession_code: str
    subject_area: str  # empty: full credit only
    max_hours: Decimal


def us_state_code(jurisdiction: str) -> str | None:
    """The USPS/ISO 3166-2 code of a US state, DC or territory written as its
    code ("FL", "US-FL") or its name ("Florida", any case); else None."""
    text = " ".join(jurisdiction.split()).upper()
    if text.startswith("US-"):
        text = text[3:]
    return _us_states().get(text)


@functools.cache
def _us_states() -> dict[str, str]:
    """Code and upper-case name of each US subdivision to its code. Built
    once: scanning pycountry's list took 0.1 ms per lookup, and a CE Broker
    roster looks up every row twice."""
    states = {}
    for sub in pycountry.subdivisions.get(country_code="US"):
        code = sub.code.removeprefix("US-")
        states.setdefault(code, code)
        states.setdefault(sub.name.upper(), code)
    return states


def _cebroker_problem(row: dict, course: CEBrokerCourse) -> str | None:
    if row["certificate_status"] == "revoked":
        return "certificate revoked"
    if not row.get("cebroker_provider_number"):
        return "the approval this claim relied on has no CE Broker provider tracking number"
    if not row["license_number"]:
        return "no license number"
    if us_state_code(row["license_jurisdiction"]) is None:
        return "license not issued by a US state (CE Broker tracks US state boards)"
    if Decimal(row["hours"]) < course.max_hours and not course.subject_area:
        return "partial credit: set the offering's CE Broker subject area code, or report it by hand"
    return None


def cebroker_roster(rows: list[dict], course: CEBrokerCourse) -> tuple[list[list[str]], list[list[str]]]:
    """(upload rows, exceptions). ``rows`` are roster rows (audit_pack.ROSTER_HEADINGS
    plus ``cebroker_provider_number``); completion dates are ISO strings."""
    upload, exceptions = [], []
    for row in rows:
        problem = _cebroker_problem(row, course)
        if problem:
            exceptions.append(
                [row["certificate_code"], row["name"], row["license_number"], row["license_jurisdiction"], problem]
            )
            continue
        completed = datetime.date.fromisoformat(row["completed"])
        line = [
            row["cebroker_provider_number"],
            course.course_number,
            "",  # C: the provider's own course ID, not used when B is given
            "",  # D: publishing number, optional
            row["license_number"],
            f"{completed.month}/{completed.day}/{completed.year}",
            f"State={us_state_code(row['license_jurisdiction'])}",
            f"Profession={course.profession_code}",
        ]
        if course.subject_area:
            line += [course.subject_area, row["hours"]]
        upload.append(line)
    return upload, exceptions


def pars_activity_totals(
    *, course: dict, offering: dict, start, end, physician_learners: int, other_learners: int, credit_claims: int
) -> list[list]:
    """The activity's learner totals as ACCME's PARS asks for them when an
    activity is reported or closed: physician and other learners who
    completed it in the period (by the profession on their profile), and how
    many claimed the credit."""
    return [
        ["activity title", course.get("title", "")],
        ["format", course.get("format", "")],
        ["period start", start.isoformat() if start else ""],
        ["period end", end.isoformat() if end else ""],
        ["AMA PRA Category 1 Credits designated", offering.get("max_hours", "")],
        ["physician learners", physician_learners],
        ["other learners", other_learners],
        ["credit claims in the period", credit_claims],
    ]
