"""Reads for CE credit: what a learner may claim, the credit transcript
(with ``credit_hours_between`` for one body's hours in a license period),
and the admin's readiness checklist."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Prefetch
from django.utils import timezone

from accounts.models import Profession
from certificates.models import CURRENT_STATUSES, Certificate, CertificateStatus, provider_details_missing
from certificates.services import provider_settings
from courses.models import CourseCompletion, EvaluationResponse
from courses.selectors import lesson_minutes_by_course
from quizzes.models import Attempt, AttemptStatus

from . import rules
from .audit_pack import AuditPackData, EvaluationItem
from .board_files import CEBrokerCourse
from .models import AccreditingBody, AuditPack, CreditClaim, CreditOffering, ProviderApproval


@dataclass
class OfferingChoice:
    offering: CreditOffering
    claimable: bool
    reason: str = ""  # why not, for the learner
    certificate: Certificate | None = None  # the current certificate, once claimed


def claim_options(*, user, course_id: int, today: datetime.date | None = None) -> dict | None:
    """The claim page's data, or None when this learner has not completed
    this course (the view answers 404: nobody learns of others' completions)."""
    completion = CourseCompletion.objects.select_related("course").filter(user=user, course_id=course_id).first()
    if completion is None:
        return None
    today = today or timezone.localdate()
    completed_on = timezone.localdate(completion.completed_at)
    offerings = list(
        CreditOffering.objects.filter(course_id=course_id, active=True)
        .select_related("body")
        .prefetch_related(Prefetch("body__approvals", queryset=ProviderApproval.objects.all()))
        .order_by("body__short_name")
    )
    current = {
        c.credit: c
        for c in Certificate.objects.filter(user=user, course_id=course_id, status__in=CURRENT_STATUSES).exclude(
            credit=""
        )
    }
    choices = []
    for offering in offerings:
        periods = rules.approval_periods(offering.body.approvals.all())
        certificate = current.get(offering.body.code)
        if certificate is not None:
            choices.append(OfferingChoice(offering, False, "Already claimed", certificate))
        elif rules.current_approval(periods, completed_on) is None or rules.current_approval(periods, today) is None:
            choices.append(OfferingChoice(offering, False, "Not available: the provider's approval does not cover it"))
        else:
            choices.append(OfferingChoice(offering, True))
    profile = getattr(user, "profile", None)
    profession = profile.profession if profile else ""
    default = next(
        (c.offering.pk for c in choices if c.claimable and c.offering.body.profession == profession),
        next((c.offering.pk for c in choices if c.claimable), None),
    )
    return {
        "completion": completion,
        "course": completion.course,
        "choices": choices,
        "default_offering_id": default,
        # What the server measured on the lessons (first opening to marking
        # complete, capped per lesson): shown beside the attestation, so the
        # learner claims their own time with the site's record in view.
        "measured_lesson_minutes": lesson_minutes_by_course(user=user, course_ids=[course_id]).get(course_id, 0),
        "license_number": profile.license_number if profile else "",
        "license_jurisdiction": profile.license_jurisdiction if profile else "",
    }


@dataclass
class BodyTotal:
    body_code: str
    body_name: str
    credit_type: str
    hours: Decimal = Decimal("0")
    certificates: int = 0

    @property
    def hours_text(self) -> str:
        return rules.format_hours(self.hours)


@dataclass
class CreditTranscript:
    start: datetime.date | None
    end: datetime.date | None
    body: AccreditingBody | None
    certificates: list[Certificate] = field(default_factory=list)
    totals: list[BodyTotal] = field(default_factory=list)


def _credit_certificates(*, user, start, end, body_code):
    qs = Certificate.objects.filter(user=user).exclude(credit="")
    if body_code:
        qs = qs.filter(credit=body_code)
    return _in_period(qs, "completed_at", start, end)


def credit_transcript(
    *, user, start: datetime.date | None = None, end: datetime.date | None = None, body: AccreditingBody | None = None
) -> CreditTranscript:
    """Every board-credit certificate of the learner whose completion falls
    in [start, end] (either end open), with its real status, and per body the
    hours of the issued ones: a revoked or superseded certificate is listed
    but never counted, and a pending one counts once issued."""
    certificates = list(
        _credit_certificates(user=user, start=start, end=end, body_code=body.code if body else None)
        .select_related("replaced_by")
        .order_by("-completed_at", "-created_at")
    )
    totals: dict[str, BodyTotal] = {}
    for c in certificates:
        info = c.credit_info
        total = totals.setdefault(
            c.credit, BodyTotal(c.credit, info.get("body_short_name", c.credit), info.get("credit_type", ""))
        )
        if c.status == CertificateStatus.ISSUED:
            total.hours += Decimal(info.get("hours", "0"))
            total.certificates += 1
    return CreditTranscript(start, end, body, certificates, sorted(totals.values(), key=lambda t: t.body_name.lower()))


def credit_hours_between(
    *, user, start: datetime.date, end: datetime.date, body: AccreditingBody | str | None = None
) -> Decimal:
    """Issued board-credit hours of completions from ``start`` to ``end``
    inclusive, for one body (instance or code) or all: what a license renewal
    period asks of the transcript. (Program renewal counts each completion
    once instead: ``certificates.selectors.ce_hours_between``.)"""
    code = body.code if isinstance(body, AccreditingBody) else body
    rows = _credit_certificates(user=user, start=start, end=end, body_code=code).filter(status=CertificateStatus.ISSUED)
    return sum((Decimal(c.credit_info.get("hours", "0")) for c in rows.only("snapshot")), Decimal("0"))


def bodies_for_transcript(*, user) -> list[AccreditingBody]:
    codes = set(Certificate.objects.filter(user=user).exclude(credit="").values_list("credit", flat=True))
    return list(AccreditingBody.objects.filter(code__in=codes).order_by("short_name"))


def course_retention_years(*, course_id: int) -> int | None:
    """How long a course's CE records are kept: the longest record-retention
    period of any approval by a body the course offers credit for (one
    completion and evaluation underlie every credit of the course)."""
    return ProviderApproval.objects.filter(body__offerings__course_id=course_id).aggregate(
        years=Max("retention_years")
    )["years"]


@dataclass
class ReadinessRow:
    offering: CreditOffering
    problems: list[str]
    retention_years: int | None = None

    @property
    def ready(self) -> bool:
        return not self.problems


def offering_readiness(*, today: datetime.date | None = None) -> list[ReadinessRow]:
    """Each offering and what keeps it from awarding credit today."""
    today = today or timezone.localdate()
    provider_missing = provider_details_missing(provider_settings())
    offerings = list(
        CreditOffering.objects.select_related("body", "course")
        .prefetch_related("body__approvals")
        .order_by("course__title", "body__short_name")
    )
    retention: dict[int, int] = {}
    for o in offerings:
        years = max((a.retention_years for a in o.body.approvals.all()), default=0)
        retention[o.course_id] = max(retention.get(o.course_id, 0), years)
    return [
        ReadinessRow(
            o,
            rules.readiness_problems(
                approvals=rules.approval_periods(o.body.approvals.all()),
                offering_statement=o.statement,
                active=o.active,
                provider_details_missing=provider_missing,
                today=today,
            ),
            retention[o.course_id] or None,
        )
        for o in offerings
    ]


def roster_claims():
    """Claims for the provider's roster, newest completion first (the admin
    report filters them by offering and period)."""
    return CreditClaim.objects.select_related(
        "certificate", "completion", "offering__body", "offering__course", "approval"
    ).order_by("-completion__completed_at", "pk")


# What the audit pack's roster reads of a claim (see CreditClaim's properties).
ROSTER_FIELDS = (
    "hours",
    "license_number",
    "license_jurisdiction",
    "claimed_at",
    "certificate__snapshot",
    "certificate__code",
    "certificate__status",
    "completion__completed_at",
    "approval__approval_number",
    "approval__cebroker_provider_number",
)


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight starting ``day`` in the current time zone, the day ``__date`` reads."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _in_period(qs, field_name, start, end):
    """Rows whose ``field_name`` falls on a day from ``start`` to ``end``. A
    range on the column itself rather than a date function of it: PostgreSQL
    then estimates the rows in the period (it guessed 250 of 50,000 and chose
    nested loops) and an index on the column can serve it."""
    if start:
        qs = qs.filter(**{f"{field_name}__gte": _day_start(start)})
    if end:
        qs = qs.filter(**{f"{field_name}__lt": _day_start(end + datetime.timedelta(days=1))})
    return qs


def _course_record(course) -> dict:
    """The course as learners saw it: its published version and what the
    CE disclosures said."""
    planners = [dict(block.value) for block in course.planners]
    return {
        "title": course.title,
        "url": course.full_url,
        "version": {
            "revision_id": course.live_revision_id,
            "last_published_at": course.last_published_at,
        },
        "ce_hours": str(course.ce_hours),
        "hours_method": course.hours_method,
        "format": course.format,
        "instructional_level": course.instructional_level,
        "target_audience": course.target_audience,
        "release_date": course.release_date,
        "next_review_date": course.next_review_date,
        "objectives": [{"key": o.key, "text": o.text} for o in course.objectives.all()],
        "disclosures": {
            "planners": planners,
            "commercial_support": course.commercial_support,
            "disclosure": course.disclosure,
            "evidence_limits": course.evidence_limits,
            "accommodations": course.accommodations,
            "grievance": course.grievance,
        },
    }


def audit_pack_data(*, pack: AuditPack, now: datetime.datetime) -> AuditPackData:
    """Everything the audit pack holds for its offering and period: the claims
    whose completion falls in it, and the evaluations and final-exam attempts
    of the learners who made them (a board audits its own learners)."""
    offering, course = pack.offering, pack.offering.course
    claims = _in_period(roster_claims().filter(offering=offering), "completion__completed_at", pack.start, pack.end)
    # One offering, so only the rows each claim differs by: joining the
    # offering's body and course page into every row built a Wagtail page
    # per claim, most of the time and memory of a large pack.
    roster_rows = (
        claims.select_related(None)
        .select_related("certificate", "completion", "approval")
        .only(*ROSTER_FIELDS)
        .iterator(chunk_size=2000)
    )
    roster = [
        {
            "name": c.learner_name,
            "license_number": c.license_number,
            "license_jurisdiction": c.license_jurisdiction,
            "course": c.course_title,
            "body": offering.body.short_name,
            "credit_type": offering.printed_credit_type,
            "hours": str(c.hours),
            "completed": c.completed_on.isoformat(),
            "approval_number": c.approval.approval_number,
            "certificate_code": c.certificate.code,
            "certificate_status": c.certificate.status,
            "claimed_at": c.claimed_at.isoformat(timespec="seconds"),
            "cebroker_provider_number": c.approval.cebroker_provider_number,
        }
        for c in roster_rows
    ]
    claimants = claims.values("user_id")
    answers = EvaluationResponse.objects.filter(course=course, user__in=claimants)
    attempts = Attempt.objects.filter(quiz__course=course, status=AttemptStatus.GRADED, user__in=claimants)
    approvals = [
        {
            "approval_number": a.approval_number,
            "statement": a.statement,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
            "retention_years": a.retention_years,
        }
        for a in offering.body.approvals.order_by("valid_from")
    ]
    return AuditPackData(
        generated_at=now,
        start=pack.start,
        end=pack.end,
        offering={
            "body": offering.body.name,
            "credit_type": offering.printed_credit_type,
            "max_hours": str(offering.max_hours),
            "statement": offering.statement,
            "requires_evaluation": offering.requires_evaluation,
            "pass_mark_percent": offering.pass_mark_percent,
        },
        approval=approvals,
        course=_course_record(course),
        roster=roster,
        evaluation_items=[EvaluationItem(q.key, q.text, q.kind) for q in course.evaluation_questions.all()],
        evaluation_answers=list(answers.values_list("answers", flat=True)),
        exam_scores=list(attempts.values_list("score", "passed")),
        cebroker=_cebroker_course(offering),
        pars_totals=_pars_totals(pack, claims) if offering.body.reports_to_pars else None,
    )


def _cebroker_course(offering: CreditOffering) -> CEBrokerCourse | None:
    if not (offering.cebroker_course_number and offering.body.cebroker_profession_code):
        return None
    return CEBrokerCourse(
        course_number=offering.cebroker_course_number,
        profession_code=offering.body.cebroker_profession_code,
        subject_area=offering.cebroker_subject_area,
        max_hours=offering.max_hours,
    )


def _pars_totals(pack: AuditPack, claims) -> dict:
    """Learners who completed the course in the period, physicians (by the
    profession on their profile) and others, and the period's credit claims."""
    completions = _in_period(
        CourseCompletion.objects.filter(course=pack.offering.course), "completed_at", pack.start, pack.end
    )
    physicians = completions.filter(user__profile__profession=Profession.PHYSICIAN).count()
    return {
        "physician_learners": physicians,
        "other_learners": completions.count() - physicians,
        "credit_claims": claims.count(),
    }


def export_credit_claims(*, user) -> list[dict]:
    """The learner's claims for their data export (registered in AccreditationConfig.ready)."""
    return [
        {
            "course": c.certificate.course_title,
            "body": c.offering.body.short_name,
            "credit_type": c.offering.printed_credit_type,
            "hours": str(c.hours),
            "license_number": c.license_number,
            "license_jurisdiction": c.license_jurisdiction,
            "claimed_at": c.claimed_at.isoformat(),
            "certificate_code": c.certificate.code,
        }
        for c in CreditClaim.objects.filter(user=user)
        .select_related("certificate", "offering__body")
        .order_by("claimed_at")
    ]


def enrolment_credit_annotations(*, user) -> dict:
    return {
        "credit_offered": Exists(CreditOffering.objects.filter(course_id=OuterRef("course_id"), active=True)),
    }


def enrolment_credit_offered(*, row) -> bool:
    return bool(row.credit_offered)
