"""Builders for certification tests: a small program over a small course."""

import re
from datetime import timedelta
from decimal import Decimal

from django.core import mail

from certification import services
from certification.models import Program, ProgramCourse, RubricCriterion
from tests.factories import complete_course, make_course

CAPSTONE = (
    "The client is an adult in their fifties with recurrent depression that has not responded to two adequate "
    "antidepressant trials and a course of cognitive therapy. This formulation links early loss, a perfectionist "
    "style and withdrawal to the current episode, and plans psychotherapy alongside the TMS course: sessions "
    "timed around treatment, measurement with the PHQ-9 every two weeks and a safety plan reviewed at each visit."
)

LOG_ENTRY = {
    "age_band": "41-64",
    "setting": "tms_clinic",
    "treatments": ["tms", "psychotherapy"],
    "sessions": "12",
    "measure": "phq9",
    "measure_before": "21",
    "measure_after": "9",
    "role": "primary",
    "coordinated_with": ["prescriber", "tms_team"],
}


def make_program(*, course=None, cases=2, title="TRD combined-care therapist", slug="trd-combined-care", **extra):
    course = course or make_course(modules=1, lessons=1, questions=2, final_questions=2)
    program = Program.objects.create(
        title=title,
        slug=slug,
        summary="Certifies therapists who support clients through TMS and ketamine care.",
        live=True,
        practice_cases_required=cases,
        capstone_brief="Formulate one supervised case.",
        capstone_pass_score=12,
        code_of_conduct="I practise within my licence and keep clients' information private.",
        validity_months=24,
        renewal_ce_hours=Decimal("2.0"),
        **extra,
    )
    ProgramCourse.objects.create(program=program, course=course)
    RubricCriterion.objects.create(program=program, key="formulation", title="Formulation", max_score=10, min_score=5)
    RubricCriterion.objects.create(program=program, key="coordination", title="Care coordination", max_score=10)
    return program, course


def log_cleaned(**changes):
    data = dict(LOG_ENTRY, **changes)
    for key in ("sessions", "measure_before", "measure_after"):
        data[key] = int(data[key])
    return data


def link_from_mail(message) -> str:
    return re.search(r"https?://\S+/certification/attest/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def everything_but_review(user, program, course, *, supervisor_email="sup@example.org"):
    """Complete the course, enrol, agree, log, get attested, submit capstone;
    returns the capstone submission (in-process, no worker)."""
    complete_course(user, course)
    services.program_enrol(user=user, program=program)
    services.conduct_agree(user=user, program=program)
    for _ in range(program.practice_cases_required):
        services.log_entry_add(user=user, program=program, data=log_cleaned())
    attestation = services.attestation_request(
        user=user, program=program, name="Dr Sam Supervisor", license="LIC-77", email=supervisor_email
    )
    from certification.tokens import make_token

    services.attestation_respond(
        token=make_token(attestation_id=attestation.pk, nonce=attestation.nonce), decision="attest", comment=""
    )
    return services.capstone_submit(user=user, program=program, text=CAPSTONE)


def later(dt, days):
    return dt + timedelta(days=days)


__all__ = ["mail"]
