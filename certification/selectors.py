"""Reads for certification: the learner's checklist, the program page, the
review queue, the registry, renewal status and what the dashboard shows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from certificates.selectors import ce_hours_between
from courses.hooks import DashboardSection
from courses.models import CourseCompletion

from . import rules
from .models import (
    Attestation,
    CapstoneSubmission,
    Certification,
    CertificationEvent,
    CertificationPeriod,
    ExternalCE,
    Program,
    ProgramEnrolment,
    RubricCriterion,
)

REGISTRY_PAGE_SIZE = 50
REGISTRY_QUERY_MAX = 100


def live_program(*, slug: str) -> Program | None:
    return Program.objects.filter(slug=slug, live=True).first()


def rubric(*, program: Program) -> list[rules.Criterion]:
    return [
        rules.Criterion(key=c.key, title=c.title, max_score=c.max_score, min_score=c.min_score)
        for c in RubricCriterion.objects.filter(program=program).order_by("sort_order", "pk")
    ]


def criteria_narrative(*, program: Program) -> str:
    """What the credential says was required, from the program's own data."""
    parts = []
    titles = [pc.course.title for pc in program.courses.select_related("course")]
    if titles:
        parts.append("Completed " + "; ".join(titles) + ".")
    if program.practice_cases_required:
        parts.append(f"Logged {program.practice_cases_required} supervised practice cases.")
    if program.attestation_required:
        parts.append("A licensed supervisor attested the supervised practice.")
    if program.capstone_required:
        parts.append("Passed a capstone case formulation reviewed against a published rubric.")
    if program.code_of_conduct.strip():
        parts.append("Agreed to the program's code of conduct.")
    parts.append(f"Valid for {program.validity_months} months; renewal requires continuing education.")
    return " ".join(parts)


def checklist(*, enrolment: ProgramEnrolment) -> list[rules.Requirement]:
    """Every requirement of the program and where the learner stands."""
    program = enrolment.program
    items: list[rules.Requirement] = []
    courses = list(program.courses.select_related("course").order_by("sort_order"))
    done_ids = set(
        CourseCompletion.objects.filter(
            user_id=enrolment.user_id, course_id__in=[pc.course_id for pc in courses]
        ).values_list("course_id", flat=True)
    )
    for pc in courses:
        done = pc.course_id in done_ids
        items.append(
            rules.Requirement(
                f"course-{pc.course_id}",
                f"Complete {pc.course.title}",
                done,
                "Completed" if done else "Not completed yet",
            )
        )
    if program.practice_cases_required:
        have = enrolment.log_entries.count()
        need = program.practice_cases_required
        items.append(
            rules.Requirement(
                "log", f"Log {need} supervised cases", have >= need, f"{min(have, need)} of {need} logged"
            )
        )
    if program.attestation_required:
        latest = enrolment.attestations.filter(purpose=Attestation.Purpose.INITIAL).first()
        attested = enrolment.attestations.filter(
            purpose=Attestation.Purpose.INITIAL, status=Attestation.Status.ATTESTED
        ).exists()
        detail = "Attested" if attested else (latest.get_status_display() if latest else "Not requested yet")
        items.append(rules.Requirement("attestation", "Supervisor attests your practice", attested, detail))
    if program.capstone_required:
        latest = enrolment.capstones.order_by("-number").first()
        passed = enrolment.capstones.filter(status=CapstoneSubmission.Status.PASSED).exists()
        detail = "Passed" if passed else (latest.get_status_display() if latest else "Not submitted yet")
        items.append(rules.Requirement("capstone", "Capstone case formulation passes review", passed, detail))
    if program.code_of_conduct.strip():
        agreed = enrolment.conduct_agreed_at is not None
        items.append(
            rules.Requirement("conduct", "Agree to the code of conduct", agreed, "Agreed" if agreed else "Not yet")
        )
    return items


def ce_hours_in_period(*, user, start: datetime, end: datetime) -> Decimal:
    """CE hours that count towards renewal: the learner's issued
    certificates for courses completed in the period, plus other providers'
    certificates an editor accepted whose completion date falls in it
    (pending and rejected uploads count for nothing)."""
    accepted = ExternalCE.objects.filter(
        enrolment__user=user,
        status=ExternalCE.Status.ACCEPTED,
        completed_on__gte=timezone.localdate(start),
        completed_on__lte=timezone.localdate(end),
    ).aggregate(total=Sum("hours"))["total"]
    return ce_hours_between(user=user, start=start, end=end) + (accepted or Decimal("0"))


def current_period(*, certification: Certification) -> CertificationPeriod | None:
    return (
        CertificationPeriod.objects.filter(certification=certification, issued_at__isnull=False)
        .order_by("-number")
        .first()
    )


def renewal_status(*, certification: Certification, program: Program, now: datetime) -> dict:
    period = current_period(certification=certification)
    start = period.starts_at if period else certification.awarded_at
    hours = ce_hours_in_period(user=certification.user, start=start, end=now)
    attested = Attestation.objects.filter(
        enrolment__user=certification.user,
        enrolment__program=program,
        purpose=Attestation.Purpose.RENEWAL,
        period=certification.period,
        status=Attestation.Status.ATTESTED,
    ).exists()
    return {
        "hours": hours,
        "hours_required": program.renewal_ce_hours,
        "hours_short": rules.hours_short(earned=hours, required=program.renewal_ce_hours),
        "attested": attested,
        "attestation_required": program.renewal_attestation_required,
        "open": rules.renewal_open(
            valid_until=certification.valid_until, now=now, window_days=settings.CERTIFICATION_RENEWAL_WINDOW_DAYS
        ),
        "pending": CertificationPeriod.objects.filter(certification=certification, issued_at__isnull=True).exists(),
    }


def program_page(*, user, program: Program, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    enrolment = (
        ProgramEnrolment.objects.filter(user=user, program=program).select_related("program").first()
        if user.is_authenticated
        else None
    )
    context = {"program": program, "enrolment": enrolment, "now": now}
    if enrolment is None:
        return context
    certification = Certification.objects.filter(user=user, program=program).first()
    attestations = list(enrolment.attestations.all())
    pending = any(a.status == Attestation.Status.PENDING for a in attestations)
    if certification is None or certification.status != Certification.Status.ISSUED:
        attested = any(a.purpose == "initial" and a.status == Attestation.Status.ATTESTED for a in attestations)
        needs = program.attestation_required and not attested
    else:
        renewed = any(
            a.purpose == "renewal" and a.period == certification.period and a.status == Attestation.Status.ATTESTED
            for a in attestations
        )
        needs = program.renewal_attestation_required and not renewed
    context.update(
        can_request_attestation=needs and not pending,
        link_days=settings.CERTIFICATION_LINK_MAX_AGE // 86400,
        renewal_window_days=settings.CERTIFICATION_RENEWAL_WINDOW_DAYS,
        checklist=checklist(enrolment=enrolment),
        entries=list(enrolment.log_entries.all()),
        attestations=attestations,
        capstones=list(enrolment.capstones.order_by("-number")),
        uploads=list(enrolment.external_ce.all()),
        criteria=rubric(program=program),
        certification=certification,
    )
    if certification is not None:
        context["state"] = rules.public_status(
            status=certification.status, valid_until=certification.valid_until, now=now
        )
        context["period"] = current_period(certification=certification)
        if certification.status == Certification.Status.ISSUED:
            context["renewal"] = renewal_status(certification=certification, program=program, now=now)
    return context


def review_queue():
    """Capstones waiting for a reviewer, oldest first."""
    return (
        CapstoneSubmission.objects.filter(status=CapstoneSubmission.Status.SUBMITTED)
        .select_related("enrolment__program", "enrolment__user__profile")
        .order_by("submitted_at", "pk")
    )


def certification_by_code(*, code: str) -> Certification | None:
    from certificates.codes import normalize_code

    canonical = normalize_code(code)
    if canonical is None:
        return None
    return Certification.objects.select_related("program").filter(code=canonical).first()


def certification_for_owner(*, user, code: str) -> Certification | None:
    """The owner's (or staff's) issued certification, else None (a 404)."""
    certification = certification_by_code(code=code)
    if certification is None or certification.status == Certification.Status.PENDING:
        return None
    if certification.user_id != user.id and not user.is_staff:
        return None
    return certification


def registry_search(*, name: str = "", jurisdiction: str = "", now: datetime | None = None) -> list[dict]:
    """Listed, issued certifications whose name or jurisdiction contains the
    query (case-insensitive; a trigram index serves it on PostgreSQL). Only
    what the registry may show leaves this function."""
    now = now or timezone.now()
    qs = Certification.objects.filter(in_registry=True).exclude(status=Certification.Status.PENDING)
    if name:
        qs = qs.filter(registry_name__icontains=name)
    if jurisdiction:
        qs = qs.filter(registry_jurisdiction__icontains=jurisdiction)
    rows = qs.order_by("registry_name", "pk").values(
        "registry_name", "registry_jurisdiction", "snapshot", "status", "valid_until", "practice_website", "code"
    )[:REGISTRY_PAGE_SIZE]
    return [
        {
            "name": r["registry_name"],
            "profession": r["snapshot"].get("profession", ""),
            "jurisdiction": r["registry_jurisdiction"],
            "program": r["snapshot"].get("program_title", ""),
            "status": rules.public_status(status=r["status"], valid_until=r["valid_until"], now=now),
            "valid_until": r["valid_until"],
            "website": r["practice_website"],
            "code": r["code"],
        }
        for r in rows
    ]


def dashboard_certifications(*, user) -> DashboardSection | None:
    """The dashboard's block (registered with courses): each program the
    learner is in, its state and, once certified, the renewal deadline. One
    query, whatever the number of programs."""
    now = timezone.now()
    award = Certification.objects.filter(user=user, program=OuterRef("program_id"))
    enrolments = list(
        ProgramEnrolment.objects.filter(user=user)
        .select_related("program")
        .annotate(
            award_status=Subquery(award.values("status")[:1]),
            award_valid_until=Subquery(award.values("valid_until")[:1]),
        )
        .order_by("enrolled_at")
    )
    if not enrolments:
        return None
    rows = []
    for e in enrolments:
        state = (
            rules.public_status(status=e.award_status, valid_until=e.award_valid_until, now=now)
            if e.award_status
            else "in_progress"
        )
        rows.append({"program": e.program, "valid_until": e.award_valid_until, "state": state})
    return DashboardSection(template="certification/dashboard_section.html", context={"rows": rows})


def export_certification(*, user) -> dict:
    """The learner's data export: enrolments, log entries (categories only),
    attestation requests, capstones, uploaded CE and awards."""
    enrolments = ProgramEnrolment.objects.filter(user=user).select_related("program")
    return {
        "programs": [
            {
                "program": e.program.title,
                "enrolled_at": e.enrolled_at.isoformat(),
                "conduct_agreed_at": e.conduct_agreed_at.isoformat() if e.conduct_agreed_at else None,
                "practice_log": [
                    {
                        "age_band": x.age_band,
                        "setting": x.setting,
                        "treatments": x.treatments,
                        "sessions": x.sessions,
                        "measure": x.measure,
                        "before": x.measure_before,
                        "after": x.measure_after,
                        "role": x.role,
                        "coordinated_with": x.coordinated_with,
                    }
                    for x in e.log_entries.all()
                ],
                "attestations": [
                    {"supervisor": a.supervisor_name, "status": a.status, "requested_at": a.requested_at.isoformat()}
                    for a in e.attestations.all()
                ],
                "capstones": [
                    {"number": s.number, "status": s.status, "text": s.text, "comments": s.comments}
                    for s in e.capstones.all()
                ],
                "ce_uploads": [
                    {
                        "provider": u.provider_name,
                        "course": u.course_title,
                        "hours": str(u.hours),
                        "completed_on": u.completed_on.isoformat(),
                        "status": u.status,
                        "review_note": u.review_note,
                    }
                    for u in e.external_ce.all()
                ],
            }
            for e in enrolments
        ],
        "certifications": [
            {
                "code": c.code,
                "program": c.program_title,
                "status": c.status,
                "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                "in_registry": c.in_registry,
            }
            for c in Certification.objects.filter(user=user)
        ],
    }


def closure_keepsakes(*, user):
    """The current certificate PDF of each certification, listed on the
    account-closure page (registered with accounts)."""
    from django.urls import reverse

    from accounts.hooks import Keepsake

    return [
        Keepsake(
            label=f"{c.program_title} certification (PDF)",
            url=reverse("certification_download", args=[c.code]),
            detail=f"code {c.code}" + (f" · valid until {c.valid_until:%d %b %Y}" if c.valid_until else ""),
        )
        for c in Certification.objects.filter(user=user, status=Certification.Status.ISSUED)
    ]


def admin_certifications():
    """The admin listing: learner, program, status and current period end."""
    return Certification.objects.select_related("user__profile", "program").order_by("-awarded_at", "-pk")


def audit_log(*, certification: Certification) -> list[CertificationEvent]:
    """Every event of the learner's enrolment in the program, oldest first:
    enrolment, log, attestation, review, award, reminders, uploads, revoke."""
    return list(
        CertificationEvent.objects.filter(
            enrolment__user_id=certification.user_id, enrolment__program_id=certification.program_id
        )
        .select_related("actor")
        .order_by("at", "pk")
    )


def external_ce_for_owner(*, user, upload_id: int) -> ExternalCE | None:
    """The learner's own upload (or any, for staff who review them), else None (a 404)."""
    item = ExternalCE.objects.select_related("enrolment").filter(pk=upload_id).first()
    if item is None:
        return None
    if item.enrolment.user_id != user.id and not user.has_perm("certification.change_externalce"):
        return None
    return item
