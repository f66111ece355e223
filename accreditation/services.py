"""Writes for CE credit: seeding the bodies, and claiming credit.

A claim becomes its own certificate (certificates.Certificate with
``credit`` = the body's code), created through certificates' own service so
that rendering, signing, e-mail, the sweep, revocation and reissue work for
claims exactly as for the certificate of completion."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Profession
from certificates.models import CURRENT_STATUSES, Certificate, provider_details_missing
from certificates.services import certificate_request, provider_settings
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.parsing import parse_id
from courses.models import CourseCompletion, EvaluationResponse
from quizzes.models import Attempt, AttemptStatus

from . import rules
from .audit_pack import build_audit_pack
from .models import AccreditingBody, AuditPack, CreditClaim, CreditOffering, ProviderApproval
from .queue import enqueue_audit_pack
from .selectors import audit_pack_data

MSG_NOT_COMPLETED = "You can claim credit for a course once you have completed it."
MSG_NOT_OFFERED = "This course does not offer that credit. Choose one of the credits listed."
MSG_NO_APPROVAL = "This credit cannot be awarded: the provider has no approval by {body} on record."
MSG_APPROVAL_EXPIRED = (
    "This credit cannot be awarded: the provider's approval by {body} did not cover {day}. "
    "Contact the provider; nothing was claimed."
)
MSG_NOT_READY = "This credit cannot be awarded yet: the provider has not finished setting it up ({missing})."
MSG_ALREADY_CLAIMED = "You have already claimed {body} credit for this course. Your certificate is on your transcript."
MSG_NOT_ATTESTED = "Confirm that the hours you claim are the time you actually spent on the course."
MSG_LICENSE_REQUIRED = "{body} credit needs your license number and the state or country that issued it."
MSG_EVALUATION_REQUIRED = "{body} credit requires the course evaluation. Submit it first."
MSG_PASS_MARK = "{body} credit requires a final exam score of at least {mark}%."  # noqa: S105 (a message, not a password)


@dataclass(frozen=True)
class BodySeed:
    code: str
    name: str
    short_name: str
    credit_type: str
    profession: str
    license_required: bool = True
    reports_to_pars: bool = False


# The bodies a provider of CE for these professions deals with. Approvals
# (numbers, statements, dates) are the provider's own and entered in the admin.
BODY_SEEDS = (
    BodySeed("apa", "American Psychological Association", "APA", "CE credits", Profession.PSYCHOLOGIST),
    BodySeed("nbcc", "National Board for Certified Counselors", "NBCC", "NBCC clock hours", Profession.COUNSELOR),
    BodySeed(
        "aswb-ace",
        "Association of Social Work Boards, Approved Continuing Education program",
        "ASWB ACE",
        "continuing education credits",
        Profession.SOCIAL_WORKER,
    ),
    BodySeed(
        "ancc",
        "American Nurses Credentialing Center",
        "ANCC",
        "nursing contact hours",
        Profession.PSYCHIATRIC_NURSE,
    ),
    BodySeed(
        "accme-ama",
        "Accreditation Council for Continuing Medical Education / American Medical Association",
        "ACCME/AMA",
        "AMA PRA Category 1 Credits\u2122",
        Profession.PHYSICIAN,
        reports_to_pars=True,
    ),
    BodySeed("other", "State board or other body", "State board / other", "CE hours", ""),
)


def accrediting_bodies_ensure() -> list[AccreditingBody]:
    """Create the standard bodies that are missing; never change existing ones
    (an administrator may have edited their wording). Idempotent."""
    bodies = []
    for seed in BODY_SEEDS:
        body, _ = AccreditingBody.objects.get_or_create(
            code=seed.code,
            defaults={
                "name": seed.name,
                "short_name": seed.short_name,
                "credit_type": seed.credit_type,
                "profession": seed.profession,
                "license_required": seed.license_required,
                "reports_to_pars": seed.reports_to_pars,
            },
        )
        bodies.append(body)
    return bodies


def _approval_for(*, body: AccreditingBody, completed_on: datetime.date, today: datetime.date) -> ProviderApproval:
    """The approval a claim relies on: in force on the day the learner
    completed the course (what a board audits) and still in force today
    (a lapsed provider issues no new certificates)."""
    approvals = list(ProviderApproval.objects.filter(body=body))
    if not approvals:
        raise NotAllowed(MSG_NO_APPROVAL.format(body=body.short_name))
    for day in (completed_on, today):
        if not any(a.covers(day) for a in approvals):
            raise NotAllowed(MSG_APPROVAL_EXPIRED.format(body=body.short_name, day=f"{day.day} {day:%B %Y}"))
    return max((a for a in approvals if a.covers(completed_on)), key=lambda a: a.valid_from)


def _check_requirements(*, user, offering: CreditOffering) -> None:
    body = offering.body.short_name
    if (
        offering.requires_evaluation
        and not EvaluationResponse.objects.filter(user=user, course_id=offering.course_id).exists()
    ):
        raise NotAllowed(MSG_EVALUATION_REQUIRED.format(body=body))
    if offering.pass_mark_percent:
        best = Attempt.objects.filter(
            user=user, quiz__course_id=offering.course_id, status=AttemptStatus.GRADED
        ).aggregate(best=Max("score"))["best"]
        if best is None or best < Decimal(offering.pass_mark_percent):
            raise NotAllowed(MSG_PASS_MARK.format(body=body, mark=offering.pass_mark_percent))


def credit_claim(
    *,
    user,
    course_id: int,
    offering_id: object,
    hours: object,
    license_number: object,
    license_jurisdiction: object,
    attested: bool,
    now: datetime.datetime | None = None,
) -> CreditClaim:
    """Claim one body's credit for a completed course: checks everything,
    then creates the claim and its pending certificate in one transaction
    (the certificate is rendered and signed on commit). Any refusal raises
    an ApplicationError and writes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        # The completion row is the lock that serialises two claims sent at
        # once (double click, two tabs); the certificate constraint backs it.
        completion = (
            CourseCompletion.objects.select_for_update()
            .select_related("course")
            .filter(user=user, course_id=course_id)
            .first()
        )
        if completion is None:
            raise NotFound(MSG_NOT_COMPLETED)
        offering_pk = parse_id(offering_id)
        offering = (
            CreditOffering.objects.select_related("body")
            .filter(pk=offering_pk, course_id=course_id, active=True)
            .first()
            if offering_pk is not None
            else None
        )
        if offering is None:
            raise InvalidInput(MSG_NOT_OFFERED)
        body = offering.body
        if not attested:
            raise InvalidInput(MSG_NOT_ATTESTED)
        hours_value = rules.parse_hours(hours, max_hours=offering.max_hours, increment=body.hours_increment)
        number, jurisdiction = rules.clean_license(license_number, license_jurisdiction)
        if body.license_required and not (number and jurisdiction):
            raise InvalidInput(MSG_LICENSE_REQUIRED.format(body=body.short_name))
        approval = _approval_for(
            body=body, completed_on=timezone.localdate(completion.completed_at), today=timezone.localdate(now)
        )
        provider = provider_settings()
        missing = [
            *(["the approval number"] if not approval.approval_number.strip() else []),
            *(["the approval statement"] if not approval.statement.strip() else []),
            *(["the course's statement"] if not offering.statement.strip() else []),
            *provider_details_missing(provider),
        ]
        if missing:
            raise NotAllowed(MSG_NOT_READY.format(missing=", ".join(missing)))
        _check_requirements(user=user, offering=offering)
        if Certificate.objects.filter(
            user=user, course_id=course_id, credit=body.code, status__in=CURRENT_STATUSES
        ).exists():
            raise Conflict(MSG_ALREADY_CLAIMED.format(body=body.short_name))
        credit = {
            "body_code": body.code,
            "body_name": body.name,
            "body_short_name": body.short_name,
            "credit_type": offering.printed_credit_type,
            "hours": rules.format_hours(hours_value),
            "approval_number": approval.approval_number,
            "approval_line": f"{body.short_name} approval no. {approval.approval_number}",
            "approval_statement": approval.statement,
            "offering_statement": offering.statement,
            "license_number": number,
            "license_jurisdiction": jurisdiction,
        }
        try:
            with transaction.atomic():
                certificate = certificate_request(
                    user=user,
                    course=completion.course,
                    completed_at=completion.completed_at,
                    credit_key=body.code,
                    credit=credit,
                    note=f"{body.short_name} credit claimed: {credit['hours']} h",
                )
        except IntegrityError:
            raise Conflict(MSG_ALREADY_CLAIMED.format(body=body.short_name)) from None
        return CreditClaim.objects.create(
            user=user,
            completion=completion,
            offering=offering,
            approval=approval,
            certificate=certificate,
            hours=hours_value,
            license_number=number,
            license_jurisdiction=jurisdiction,
            claimed_at=now,
        )


logger = logging.getLogger(__name__)

MSG_PACK_PERIOD = "The period must end on or after the day it starts."


def audit_pack_request(
    *, offering: CreditOffering, start: datetime.date | None, end: datetime.date | None, actor
) -> AuditPack:
    """Record the request; the task that builds it is enqueued on commit."""
    if start and end and end < start:
        raise InvalidInput(MSG_PACK_PERIOD)
    pack = AuditPack.objects.create(offering=offering, start=start, end=end, requested_by=actor)
    transaction.on_commit(lambda: enqueue_audit_pack(pack.pk))
    return pack


def _set_progress(pack_id: int, percent: int) -> None:
    # Its own autocommitted update, so the admin's page sees it while the
    # build runs (a transaction around the build would hide it until the end).
    AuditPack.objects.filter(pk=pack_id, status=AuditPack.Status.BUILDING).update(progress=percent)


def audit_pack_build(*, pack_id: int, now: datetime.datetime | None = None) -> AuditPack:
    """Build and store the ZIP. Idempotent: a pack already ready is left as
    it is; two runs at once both build, and the second to finish keeps the
    first's file."""
    with transaction.atomic():
        pack = AuditPack.objects.select_for_update().get(pk=pack_id)
        if pack.status == AuditPack.Status.READY:
            return pack
        pack.status = AuditPack.Status.BUILDING
        pack.progress = 5
        pack.save(update_fields=["status", "progress"])
    pack = AuditPack.objects.select_related("offering__body", "offering__course").get(pk=pack_id)
    data = audit_pack_data(pack=pack, now=now or timezone.now())
    _set_progress(pack_id, 10)
    content = build_audit_pack(data, progress=lambda percent: _set_progress(pack_id, percent))
    with transaction.atomic():
        pack = AuditPack.objects.select_for_update().get(pk=pack_id)
        if pack.status == AuditPack.Status.READY:
            return pack
        pack.file.save(f"audit-pack-{pack.pk}.zip", ContentFile(content), save=False)
        pack.status = AuditPack.Status.READY
        pack.progress = 100
        pack.error = ""
        pack.finished_at = timezone.now()
        pack.save(update_fields=["file", "status", "progress", "error", "finished_at"])
    return pack


def audit_pack_record_failure(*, pack_id: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:300]
    AuditPack.objects.filter(pk=pack_id).exclude(status=AuditPack.Status.READY).update(
        status=AuditPack.Status.FAILED, error=message
    )
    logger.error("audit pack %s: build failed (%s)", pack_id, type(error).__name__)
