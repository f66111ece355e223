"""Writes for certification. Every step a learner, supervisor or reviewer
takes leaves a CertificationEvent; every requirement met asks
``award_check`` whether the certification is now due, and the award is
created at most once (a unique row, made in the same transaction)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import LearnerProfile
from certificates.pdf import CertificatePrint, format_date, render_certificate
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from courses.models import CourseCompletion
from credentials.building import AchievementInfo
from credentials.services import Recipient, credential_issue, credential_revoke

from . import rules, selectors
from .identifiers import find_identifiers
from .models import (
    MEASURE_MAX,
    Attestation,
    CapstoneSubmission,
    Certification,
    CertificationEvent,
    CertificationPeriod,
    ExternalCE,
    PracticeLogEntry,
    Program,
    ProgramEnrolment,
    ReminderSent,
)
from .queue import enqueue_attestation_email, enqueue_issue_period
from .tokens import MSG_LINK_EXPIRED, LinkError, make_token, read_token
from .tokens import SALT as TOKEN_SALT

logger = logging.getLogger(__name__)
Kind = CertificationEvent.Kind

REVIEWERS_GROUP = "Certification reviewers"
REVIEWER_PERMISSIONS = {"wagtailadmin": ["access_admin"], "certification": ["review_capstone"]}

MSG_NOT_ENROLLED = "Enrol in the program first."
MSG_PROFILE_REQUIRED = "Add your legal name and profession to your profile before enrolling."
MSG_PROGRAM_CLOSED = "This program is not open for enrolment."
MSG_IDENTIFIER = (
    "This looks like it contains {what}. Describe the client without anything that could identify them "
    "(say “the client”; no names, dates, phone numbers, e-mail addresses or record numbers)."
)
MSG_MEASURE_RANGE = "{measure} scores run from 0 to {top}."
MSG_SELF_SUPERVISOR = "Your supervisor must be someone else: use their e-mail address, not yours."
MSG_LOG_INCOMPLETE = "Log {needed} supervised cases before asking your supervisor to attest ({have} so far)."
MSG_ATTESTATION_PENDING = "A request is already waiting for your supervisor's answer."
MSG_LINK_USED = "This link has already been used. Each link works once."
MSG_LINK_OTHER = "This link is not valid for this request."
MSG_DECISION = "Choose whether to attest or decline."
MSG_DECLINE_COMMENT = "Say briefly why you decline, so the learner knows what to address."
MSG_CAPSTONE_LENGTH = "The case formulation must be between {low} and {high} characters."
MSG_CAPSTONE_UNDER_REVIEW = "Your capstone is with a reviewer; you can resubmit if it is returned."
MSG_CAPSTONE_PASSED = "Your capstone has already passed."
MSG_CAPSTONE_NOT_REQUIRED = "This program has no capstone."
MSG_NOT_REVIEWER = "Only certification reviewers can review capstones."
MSG_OWN_SUBMISSION = "You cannot review your own capstone."
MSG_SUPERVISEE = "You supervise this learner, so another reviewer must review their capstone."
MSG_ALREADY_REVIEWED = "This capstone has already been reviewed."
MSG_BELOW_MARK = "These scores do not reach the pass mark ({need} in total, each criterion at its minimum)."
MSG_RETURN_COMMENTS = "Write comments the learner can act on when returning a capstone."
MSG_NOT_CERTIFIED = "There is no issued certification to renew yet."
MSG_RENEWAL_NOT_OPEN = "Renewal opens {days} days before your certification expires."
MSG_RENEWAL_HOURS = "Renewal needs {need} CE hours earned in this period; you have {have}."
MSG_RENEWAL_ATTESTATION = "Renewal needs your supervisor's renewed attestation."
MSG_RENEWAL_PENDING = "Your renewal is already being issued."
MSG_REGISTRY_NOT_ACTIVE = "Only a current certification can be listed in the registry."

CAPSTONE_MIN_CHARS, CAPSTONE_MAX_CHARS = 200, 20_000
COMMENT_MAX_CHARS = 2000


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(enrolment, kind, *, now, actor=None, actor_label="", note=""):
    CertificationEvent.objects.create(
        enrolment=enrolment, kind=kind, actor=actor, actor_label=actor_label[:200], note=note, at=now
    )


def _refuse_identifiers(text: str) -> None:
    found = find_identifiers(text)
    if found:
        raise InvalidInput(MSG_IDENTIFIER.format(what=" or ".join(found)))


def _enrolment(*, user, program: Program, lock: bool = False) -> ProgramEnrolment:
    qs = ProgramEnrolment.objects.filter(user=user, program=program)
    if lock:
        qs = qs.select_for_update()
    enrolment = qs.first()
    if enrolment is None:
        raise NotAllowed(MSG_NOT_ENROLLED)
    return enrolment


# --- enrolment and code of conduct -------------------------------------------


def program_enrol(*, user, program: Program, now: datetime | None = None) -> ProgramEnrolment:
    now = _now(now)
    if not program.live:
        raise NotFound(MSG_PROGRAM_CLOSED)
    profile = LearnerProfile.objects.filter(user=user).first()
    if profile is None or not profile.legal_name.strip():
        raise NotAllowed(MSG_PROFILE_REQUIRED)
    with transaction.atomic():
        enrolment, created = ProgramEnrolment.objects.get_or_create(
            user=user, program=program, defaults={"enrolled_at": now}
        )
        if created:
            _event(enrolment, Kind.ENROLLED, now=now, actor=user)
            # Courses finished before enrolling count at once.
            award_check(enrolment_id=enrolment.pk, now=now)
    return enrolment


def conduct_agree(*, user, program: Program, now: datetime | None = None) -> ProgramEnrolment:
    now = _now(now)
    with transaction.atomic():
        enrolment = _enrolment(user=user, program=program, lock=True)
        if enrolment.conduct_agreed_at is None:
            enrolment.conduct_agreed_at = now
            enrolment.conduct_text = program.code_of_conduct
            enrolment.save(update_fields=["conduct_agreed_at", "conduct_text"])
            _event(enrolment, Kind.CONDUCT_AGREED, now=now, actor=user)
            award_check(enrolment_id=enrolment.pk, now=now)
    return enrolment


# --- practice log ------------------------------------------------------------


def log_entry_add(*, user, program: Program, data: dict, now: datetime | None = None) -> PracticeLogEntry:
    """``data`` comes from PracticeLogForm (choices already checked); the
    measure's range is checked here, where the rule lives."""
    now = _now(now)
    top = MEASURE_MAX[data["measure"]]
    for field in ("measure_before", "measure_after"):
        if not 0 <= data[field] <= top:
            raise InvalidInput(MSG_MEASURE_RANGE.format(measure=data["measure"].upper(), top=top))
    with transaction.atomic():
        enrolment = _enrolment(user=user, program=program, lock=True)
        entry = PracticeLogEntry.objects.create(
            enrolment=enrolment,
            age_band=data["age_band"],
            setting=data["setting"],
            treatments=sorted(data["treatments"]),
            sessions=data["sessions"],
            measure=data["measure"],
            measure_before=data["measure_before"],
            measure_after=data["measure_after"],
            role=data["role"],
            coordinated_with=sorted(data["coordinated_with"]),
            created_at=now,
        )
        _event(enrolment, Kind.LOG_ADDED, now=now, actor=user, note=f"entry {entry.pk}")
        award_check(enrolment_id=enrolment.pk, now=now)
    return entry


# --- supervisor attestation --------------------------------------------------


def attestation_link(*, attestation: Attestation) -> str:
    token = make_token(attestation_id=attestation.pk, nonce=attestation.nonce)
    return settings.SITE_URL + reverse("certification_attest", kwargs={"token": token})


def attestation_request(
    *, user, program: Program, name: str, license: str, email: str, now: datetime | None = None
) -> Attestation:
    """Ask the named supervisor to attest the log (or, once certified, to
    renew the attestation for the current period)."""
    now = _now(now)
    if email.strip().lower() == (user.email or "").lower():
        raise InvalidInput(MSG_SELF_SUPERVISOR)
    with transaction.atomic():
        enrolment = _enrolment(user=user, program=program, lock=True)
        certification = Certification.objects.filter(user=user, program=program).first()
        if certification is not None and certification.status == Certification.Status.REVOKED:
            raise NotAllowed(MSG_REVOKED_NO_RENEWAL)
        renewal = certification is not None and certification.status == Certification.Status.ISSUED
        entry_ids = list(enrolment.log_entries.values_list("id", flat=True))
        if not renewal and len(entry_ids) < program.practice_cases_required:
            raise InvalidInput(MSG_LOG_INCOMPLETE.format(needed=program.practice_cases_required, have=len(entry_ids)))
        purpose = Attestation.Purpose.RENEWAL if renewal else Attestation.Purpose.INITIAL
        period = certification.period if renewal else 0
        try:
            with transaction.atomic():
                attestation = Attestation.objects.create(
                    enrolment=enrolment,
                    purpose=purpose,
                    period=period,
                    supervisor_name=name.strip(),
                    supervisor_license=license.strip(),
                    supervisor_email=email.strip(),
                    entry_ids=entry_ids,
                    requested_at=now,
                )
        except IntegrityError as exc:
            raise Conflict(MSG_ATTESTATION_PENDING) from exc
        # Who was asked is in the row; the audit note names the row only
        # (no e-mail or licence number in logs).
        _event(enrolment, Kind.ATTESTATION_REQUESTED, now=now, actor=user, note=f"attestation {attestation.pk}")
        transaction.on_commit(lambda: enqueue_attestation_email(attestation.pk))
    return attestation


def attestation_send_email(*, attestation_id: int, now: datetime | None = None) -> bool:
    """E-mail the supervisor their link, once (``emailed_at`` under the lock)."""
    now = _now(now)
    with transaction.atomic():
        attestation = (
            Attestation.objects.select_for_update(of=("self",))
            .select_related("enrolment__user__profile", "enrolment__program")
            .get(pk=attestation_id)
        )
        if attestation.emailed_at or attestation.status != Attestation.Status.PENDING:
            return False
        context = {
            "attestation": attestation,
            "learner_name": attestation.enrolment.user.profile.legal_name,
            "program": attestation.enrolment.program,
            "link": attestation_link(attestation=attestation),
            "days": settings.CERTIFICATION_LINK_MAX_AGE // 86400,
        }
        send_mail(
            subject=f"Please confirm {context['learner_name']}'s supervised practice",
            message=render_to_string("certification/email/attestation_request.txt", context),
            from_email=None,
            recipient_list=[attestation.supervisor_email],
        )
        Attestation.objects.filter(pk=attestation.pk).update(emailed_at=now)
        _event(attestation.enrolment, Kind.ATTESTATION_EMAILED, now=now, note=f"attestation {attestation.pk}")
    return True


class LinkInvalid(InvalidInput):
    """The link is tampered with, expired, or for another request."""


class LinkUsed(Conflict):
    """The link has already been answered."""


class LinkGone(NotFound):
    """The request the link names no longer exists."""


LINK_ERRORS = (LinkInvalid, LinkUsed, LinkGone)


class LinkRefused(Exception):
    """Carries a refusal out of the transaction that found it, so the audit
    event for a bad link is written after the rollback, not lost with it."""

    def __init__(self, error, enrolment_id=None, note=""):
        super().__init__(str(error))
        self.error, self.enrolment_id, self.note = error, enrolment_id, note


def _attestation_from_token(*, token: str, lock: bool) -> Attestation:
    """The pending request a link names, or LinkRefused saying why."""
    try:
        attestation_id, nonce = read_token(token=token, max_age=settings.CERTIFICATION_LINK_MAX_AGE)
    except LinkError as exc:
        enrolment_id = _expired_link_enrolment(token) if str(exc) == MSG_LINK_EXPIRED else None
        raise LinkRefused(LinkInvalid(str(exc)), enrolment_id, "expired link") from exc
    qs = Attestation.objects.select_related("enrolment__user__profile", "enrolment__program")
    if lock:
        qs = qs.select_for_update(of=("self",))
    attestation = qs.filter(pk=attestation_id).first()
    if attestation is None:
        raise LinkRefused(LinkGone("This request no longer exists."))
    if attestation.status != Attestation.Status.PENDING or not attestation.nonce:
        raise LinkRefused(LinkUsed(MSG_LINK_USED), attestation.enrolment_id, "reused link")
    if not hmac.compare_digest(nonce.encode(), attestation.nonce.encode()):
        # Signed by us, but for another request (another learner's, or an
        # older link for this one): the nonce binds a link to one row.
        raise LinkRefused(LinkInvalid(MSG_LINK_OTHER), attestation.enrolment_id, "link for another request")
    return attestation


def _expired_link_enrolment(token: str) -> int | None:
    try:
        data = signing.loads(token, salt=TOKEN_SALT)  # the signature holds; only the age was wrong
    except signing.BadSignature:
        return None
    return Attestation.objects.filter(pk=data.get("a")).values_list("enrolment_id", flat=True).first()


def _link_refused(refusal: LinkRefused, now: datetime):
    if refusal.enrolment_id:
        CertificationEvent.objects.create(
            enrolment_id=refusal.enrolment_id, kind=Kind.ATTESTATION_REFUSED_LINK, note=refusal.note, at=now
        )
    return refusal.error


def attestation_open(*, token: str, now: datetime | None = None) -> Attestation:
    now = _now(now)
    try:
        with transaction.atomic():
            attestation = _attestation_from_token(token=token, lock=False)
            _event(attestation.enrolment, Kind.ATTESTATION_VIEWED, now=now, actor_label=attestation.supervisor_name)
    except LinkRefused as refusal:
        raise _link_refused(refusal, now) from None
    return attestation


def attestation_respond(*, token: str, decision: str, comment: str, now: datetime | None = None) -> Attestation:
    now = _now(now)
    comment = (comment or "").strip()
    if decision not in ("attest", "decline"):
        raise InvalidInput(MSG_DECISION)
    if len(comment) > COMMENT_MAX_CHARS:
        raise InvalidInput(f"Keep the comment under {COMMENT_MAX_CHARS} characters.")
    if decision == "decline" and not comment:
        raise InvalidInput(MSG_DECLINE_COMMENT)
    _refuse_identifiers(comment)
    try:
        return _attestation_answer(token=token, decision=decision, comment=comment, now=now)
    except LinkRefused as refusal:
        raise _link_refused(refusal, now) from None


def _attestation_answer(*, token: str, decision: str, comment: str, now: datetime) -> Attestation:
    with transaction.atomic():
        attestation = _attestation_from_token(token=token, lock=True)
        attestation.status = Attestation.Status.ATTESTED if decision == "attest" else Attestation.Status.DECLINED
        attestation.comment = comment
        attestation.responded_at = now
        attestation.nonce = ""  # the link is spent
        attestation.save(update_fields=["status", "comment", "responded_at", "nonce"])
        kind = Kind.ATTESTED if decision == "attest" else Kind.DECLINED
        _event(attestation.enrolment, kind, now=now, actor_label=attestation.supervisor_name, note=comment)
        if decision == "attest":
            award_check(enrolment_id=attestation.enrolment_id, now=now)
    return attestation


# --- capstone ----------------------------------------------------------------


def capstone_submit(*, user, program: Program, text: str, now: datetime | None = None) -> CapstoneSubmission:
    now = _now(now)
    text = (text or "").strip()
    if not program.capstone_required:
        raise InvalidInput(MSG_CAPSTONE_NOT_REQUIRED)
    if not CAPSTONE_MIN_CHARS <= len(text) <= CAPSTONE_MAX_CHARS:
        raise InvalidInput(MSG_CAPSTONE_LENGTH.format(low=CAPSTONE_MIN_CHARS, high=CAPSTONE_MAX_CHARS))
    _refuse_identifiers(text)
    with transaction.atomic():
        enrolment = _enrolment(user=user, program=program, lock=True)
        statuses = set(enrolment.capstones.values_list("status", flat=True))
        if CapstoneSubmission.Status.PASSED in statuses:
            raise Conflict(MSG_CAPSTONE_PASSED)
        if CapstoneSubmission.Status.SUBMITTED in statuses:
            raise Conflict(MSG_CAPSTONE_UNDER_REVIEW)
        submission = CapstoneSubmission.objects.create(
            enrolment=enrolment, number=enrolment.capstones.count() + 1, text=text, submitted_at=now
        )
        _event(enrolment, Kind.CAPSTONE_SUBMITTED, now=now, actor=user, note=f"submission {submission.number}")
    return submission


def reviewer_conflict(*, reviewer, submission: CapstoneSubmission) -> str | None:
    """Why ``reviewer`` may not review ``submission``, or None."""
    learner = submission.enrolment.user
    if learner.pk == reviewer.pk:
        return MSG_OWN_SUBMISSION
    supervises = Attestation.objects.filter(enrolment__user=learner, supervisor_email__iexact=reviewer.email).exists()
    return MSG_SUPERVISEE if supervises else None


def capstone_review(
    *,
    reviewer,
    submission_id: int,
    decision: str,
    raw_scores: dict[str, object],
    comments: str,
    now: datetime | None = None,
) -> CapstoneSubmission:
    now = _now(now)
    comments = (comments or "").strip()
    if not reviewer.has_perm("certification.review_capstone"):
        raise NotAllowed(MSG_NOT_REVIEWER)
    if decision not in ("pass", "return"):
        raise InvalidInput("Choose whether to pass or return the capstone.")
    if len(comments) > COMMENT_MAX_CHARS * 5:
        raise InvalidInput("Keep the comments under 10,000 characters.")
    with transaction.atomic():
        submission = (
            CapstoneSubmission.objects.select_for_update(of=("self",))
            .select_related("enrolment__user", "enrolment__program")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            raise NotFound("No such capstone submission.")
        conflict = reviewer_conflict(reviewer=reviewer, submission=submission)
        if conflict:
            raise NotAllowed(conflict)
        if submission.status != CapstoneSubmission.Status.SUBMITTED:
            raise Conflict(MSG_ALREADY_REVIEWED)
        program = submission.enrolment.program
        criteria = selectors.rubric(program=program)
        try:
            scores = rules.parse_scores(criteria=criteria, raw=raw_scores)
        except rules.ScoreError as exc:
            raise InvalidInput(str(exc)) from exc
        passes = rules.capstone_passes(criteria=criteria, scores=scores, pass_score=program.capstone_pass_score)
        if decision == "pass" and not passes:
            raise InvalidInput(MSG_BELOW_MARK.format(need=program.capstone_pass_score))
        if decision == "return" and not comments:
            raise InvalidInput(MSG_RETURN_COMMENTS)
        submission.status = (
            CapstoneSubmission.Status.PASSED if decision == "pass" else CapstoneSubmission.Status.RETURNED
        )
        submission.reviewer = reviewer
        submission.reviewed_at = now
        submission.scores = scores
        submission.total = sum(scores.values())
        submission.comments = comments
        submission.save(update_fields=["status", "reviewer", "reviewed_at", "scores", "total", "comments"])
        kind = Kind.CAPSTONE_PASSED if decision == "pass" else Kind.CAPSTONE_RETURNED
        _event(submission.enrolment, kind, now=now, actor=reviewer, note=f"submission {submission.number}")
        if decision == "pass":
            award_check(enrolment_id=submission.enrolment_id, now=now)
    return submission


# --- award -------------------------------------------------------------------


def _snapshot(user, program: Program) -> dict:
    profile = user.profile
    return {
        "legal_name": profile.legal_name,
        "profession": profile.get_profession_display(),
        "jurisdiction": profile.license_jurisdiction,
        "program_title": program.title,
        "provider_name": settings.CREDENTIAL_ISSUER_NAME,
    }


def award_check(*, enrolment_id: int, now: datetime | None = None) -> Certification | None:
    """Award the certification if every requirement is met and it has not
    been awarded: the unique (user, program) row and the first period are
    created here, in the caller's transaction; the PDF and the credential
    follow from a task enqueued on commit."""
    now = _now(now)
    with transaction.atomic():
        enrolment = (
            ProgramEnrolment.objects.select_for_update(of=("self",))
            .select_related("program", "user__profile")
            .get(pk=enrolment_id)
        )
        if Certification.objects.filter(user=enrolment.user, program=enrolment.program).exists():
            return None
        if not all(r.done for r in selectors.checklist(enrolment=enrolment)):
            return None
        program = enrolment.program
        certification = Certification.objects.create(
            user=enrolment.user,
            program=program,
            snapshot=_snapshot(enrolment.user, program),
            awarded_at=now,
            registry_name=enrolment.user.profile.legal_name,
            registry_jurisdiction=enrolment.user.profile.license_jurisdiction,
        )
        period = CertificationPeriod.objects.create(
            certification=certification,
            number=1,
            starts_at=now,
            ends_at=rules.add_months(now, program.validity_months),
        )
        _event(enrolment, Kind.AWARDED, now=now, note=certification.code)
        transaction.on_commit(lambda: enqueue_issue_period(period.pk))
    return certification


def award_check_for_completion(*, completion: CourseCompletion) -> None:
    """Courses' completion hook: re-check every program the learner is in
    that counts this course."""
    ids = ProgramEnrolment.objects.filter(
        user_id=completion.user_id, program__courses__course_id=completion.course_id
    ).values_list("id", flat=True)
    for enrolment_id in ids:
        award_check(enrolment_id=enrolment_id, now=completion.completed_at)


def verification_url(*, code: str) -> str:
    return settings.SITE_URL + reverse("certification_verify", kwargs={"code": code})


def _print_data(period: CertificationPeriod) -> CertificatePrint:
    certification = period.certification
    s = certification.snapshot
    return CertificatePrint(
        legal_name=s["legal_name"],
        course_title=s["program_title"],
        completion_date=period.starts_at.date(),
        ce_hours="",
        format="",
        provider_name=s["provider_name"],
        accreditation_statement="",
        signatory_name="",
        signatory_title="",
        code=certification.code,
        verify_url=verification_url(code=certification.code),
        heading="Certification",
        verb="is certified in",
        details=(
            f"Valid from {format_date(period.starts_at.date())}",
            f"until {format_date(period.ends_at.date())}",
            f"Period {period.number}",
        ),
    )


def period_issue(*, period_id: int, now: datetime | None = None) -> CertificationPeriod:
    """Render the period's PDF, sign its credential (type Certification,
    ``validUntil`` the end of the period) and make it the current period.
    Every run after the first is a no-op (row lock + ``issued_at``)."""
    now = _now(now)
    with transaction.atomic():
        period = (
            CertificationPeriod.objects.select_for_update(of=("self",))
            .select_related("certification__program", "certification__user")
            .get(pk=period_id)
        )
        if period.issued_at is not None:
            return period
        certification = period.certification
        pdf_bytes = render_certificate(_print_data(period))
        filename = f"{certification.code}-P{period.number}.pdf"
        name = period.pdf.field.generate_filename(period, filename)
        if period.pdf.storage.exists(name):  # left by a run that died before committing
            period.pdf.storage.delete(name)
        period.pdf.save(filename, ContentFile(pdf_bytes), save=False)
        period.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        period.issued_at = now
        period.last_error = ""
        period.save(update_fields=["pdf", "pdf_sha256", "issued_at", "last_error"])
        program = certification.program
        s = certification.snapshot
        credential_issue(
            reference=period.reference,
            recipient=Recipient(name=s["legal_name"], email=certification.user.email),
            achievement=AchievementInfo(
                id=settings.SITE_URL + reverse("certification_program", kwargs={"slug": program.slug}),
                name=s["program_title"],
                description=program.summary or s["program_title"],
                criteria=selectors.criteria_narrative(program=program),
                credits_available=Decimal("0"),
                achievement_type="Certification",
            ),
            awarded_at=certification.awarded_at,
            valid_until=period.ends_at,
            now=now,
        )
        Certification.objects.filter(pk=certification.pk).update(
            status=Certification.Status.ISSUED, valid_until=period.ends_at, period=period.number
        )
        enrolment = ProgramEnrolment.objects.get(user=certification.user, program=program)
        _event(enrolment, Kind.PERIOD_ISSUED, now=now, note=f"{certification.code} period {period.number}")
    return period


def period_send_email(*, period_id: int, now: datetime | None = None) -> bool:
    now = _now(now)
    with transaction.atomic():
        period = (
            CertificationPeriod.objects.select_for_update(of=("self",))
            .select_related("certification__user", "certification__program")
            .get(pk=period_id)
        )
        if period.emailed_at or period.issued_at is None:
            return False
        certification = period.certification
        context = {
            "certification": certification,
            "period": period,
            "page_url": settings.SITE_URL
            + reverse("certification_program", kwargs={"slug": certification.program.slug}),
            "verify_url": verification_url(code=certification.code),
        }
        send_mail(
            subject=f"Your certification in {certification.program_title} is ready",
            message=render_to_string("certification/email/issued.txt", context),
            from_email=None,
            recipient_list=[certification.user.email],
        )
        CertificationPeriod.objects.filter(pk=period.pk).update(emailed_at=now)
    return True


def period_record_failure(*, period_id: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:300]
    CertificationPeriod.objects.filter(pk=period_id).update(
        render_attempts=F("render_attempts") + 1, last_error=message
    )
    logger.error("certification period %s: issue failed (%s)", period_id, type(error).__name__)


def sweep_pending_periods(*, now: datetime | None = None) -> list[int]:
    """Periods still unissued after the grace period go back on the queue, so
    an outage delays a certification but never loses it."""
    now = _now(now)
    grace = timezone.timedelta(seconds=settings.CERTIFICATE_PENDING_GRACE_SECONDS)
    ids = list(
        CertificationPeriod.objects.filter(issued_at__isnull=True, created_at__lt=now - grace)
        .order_by("created_at")
        .values_list("id", flat=True)[:500]
    )
    for period_id in ids:
        enqueue_issue_period(period_id)
    return ids


# --- renewal and reminders ---------------------------------------------------


def renewal_submit(*, user, program: Program, now: datetime | None = None) -> CertificationPeriod:
    """Start the next period once renewal is open and the CE hours and the
    renewed attestation are in; reinstates an expired certification."""
    now = _now(now)
    with transaction.atomic():
        certification = Certification.objects.select_for_update().filter(user=user, program=program).first()
        if certification is not None and certification.status == Certification.Status.REVOKED:
            raise NotAllowed(MSG_REVOKED_NO_RENEWAL)
        if certification is None or certification.status != Certification.Status.ISSUED:
            raise InvalidInput(MSG_NOT_CERTIFIED)
        if CertificationPeriod.objects.filter(certification=certification, issued_at__isnull=True).exists():
            raise Conflict(MSG_RENEWAL_PENDING)
        window = settings.CERTIFICATION_RENEWAL_WINDOW_DAYS
        if not rules.renewal_open(valid_until=certification.valid_until, now=now, window_days=window):
            raise InvalidInput(MSG_RENEWAL_NOT_OPEN.format(days=window))
        status = selectors.renewal_status(certification=certification, program=program, now=now)
        if status["hours_short"] > 0:
            raise InvalidInput(MSG_RENEWAL_HOURS.format(need=program.renewal_ce_hours, have=status["hours"]))
        if program.renewal_attestation_required and not status["attested"]:
            raise InvalidInput(MSG_RENEWAL_ATTESTATION)
        starts = rules.next_period_start(valid_until=certification.valid_until, now=now)
        period = CertificationPeriod.objects.create(
            certification=certification,
            number=certification.period + 1,
            starts_at=starts,
            ends_at=rules.add_months(starts, program.validity_months),
        )
        enrolment = ProgramEnrolment.objects.get(user=user, program=program)
        _event(enrolment, Kind.RENEWED, now=now, actor=user, note=f"period {period.number}")
        transaction.on_commit(lambda: enqueue_issue_period(period.pk))
    return period


def reminders_send(*, now: datetime | None = None, thresholds: tuple[int, ...] = rules.REMINDER_DAYS) -> int:
    """E-mail every certification that has reached a reminder threshold and
    has not had that one (or a tighter one) for its current period. One
    query per threshold finds them with everything the e-mail needs; each
    reminder is then one transaction of two inserts (the unique ReminderSent
    row and the audit event) around the e-mail, so a second (or concurrent)
    run sends nothing, and a failed send is retried by the next run. One
    mail connection serves the whole sweep. Returns how many were sent."""
    now = _now(now)
    sent = 0
    bounds = sorted(thresholds)
    with get_connection() as connection:
        for i, days in enumerate(bounds):
            lower = now + timezone.timedelta(days=bounds[i - 1]) if i else now
            upper = now + timezone.timedelta(days=days)
            already = ReminderSent.objects.filter(
                certification=OuterRef("pk"), period=OuterRef("period"), days_before__lte=days
            )
            enrolment = ProgramEnrolment.objects.filter(user=OuterRef("user_id"), program=OuterRef("program_id"))
            due = (
                Certification.objects.filter(
                    status=Certification.Status.ISSUED, valid_until__gt=lower, valid_until__lte=upper
                )
                .exclude(Exists(already))
                .annotate(enrolment_id=Subquery(enrolment.values("id")[:1]))
                .values("id", "period", "valid_until", "snapshot", "user__email", "program__slug", "enrolment_id")
            )
            for row in due.iterator(chunk_size=2000):
                sent += _remind(row=row, days=days, now=now, connection=connection)
    return sent


def _remind(*, row: dict, days: int, now: datetime, connection) -> int:
    context = {
        "legal_name": row["snapshot"].get("legal_name", ""),
        "program_title": row["snapshot"].get("program_title", ""),
        "valid_until": row["valid_until"],
        "days": days,
        "page_url": settings.SITE_URL + reverse("certification_program", kwargs={"slug": row["program__slug"]}),
    }
    try:
        with transaction.atomic():
            ReminderSent.objects.create(certification_id=row["id"], period=row["period"], days_before=days, sent_at=now)
            EmailMessage(
                subject=f"Your {context['program_title']} certification expires in {days} days",
                body=render_to_string("certification/email/reminder.txt", context),
                to=[row["user__email"]],
                connection=connection,
            ).send()
            if row["enrolment_id"]:
                CertificationEvent.objects.create(
                    enrolment_id=row["enrolment_id"],
                    kind=Kind.REMINDED,
                    note=f"{days} days, period {row['period']}",
                    at=now,
                )
    except IntegrityError:
        return 0  # another run sent this one first
    return 1


# --- registry ----------------------------------------------------------------


def registry_join(*, user, program: Program, website: str = "", now: datetime | None = None) -> Certification:
    now = _now(now)
    with transaction.atomic():
        certification = Certification.objects.select_for_update().filter(user=user, program=program).first()
        state = certification and rules.public_status(
            status=certification.status, valid_until=certification.valid_until, now=now
        )
        if state != "active":
            raise InvalidInput(MSG_REGISTRY_NOT_ACTIVE)
        certification.in_registry = True
        certification.practice_website = website
        certification.save(update_fields=["in_registry", "practice_website"])
        _event(_enrolment(user=user, program=program), Kind.REGISTRY_JOINED, now=now, actor=user)
    return certification


def registry_leave(*, user, program: Program, now: datetime | None = None) -> Certification | None:
    """Leaving always works, whatever the certification's state."""
    now = _now(now)
    with transaction.atomic():
        certification = Certification.objects.select_for_update().filter(user=user, program=program).first()
        if certification is None or not certification.in_registry:
            return certification
        certification.in_registry = False
        certification.practice_website = ""
        certification.save(update_fields=["in_registry", "practice_website"])
        _event(_enrolment(user=user, program=program), Kind.REGISTRY_LEFT, now=now, actor=user)
    return certification


# --- reviewers' group --------------------------------------------------------


@transaction.atomic
def ensure_reviewer_group() -> Group:
    """Only what reviewing needs: the admin and the review permission (no
    pages, snippets, users or settings)."""
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    for app_label, codenames in REVIEWER_PERMISSIONS.items():
        perms = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        if len(perms) != len(codenames):
            raise LookupError(f"permissions not found for {app_label}: {codenames}")
        group.permissions.add(*perms)
    return group


def reviewer_group_after_migrate(*, app_config, using="default", **kwargs) -> None:
    """post_migrate for this app (and after every test flush). This app is
    installed before django.contrib.auth and wagtail.admin, whose handlers
    have not yet made the permissions the group needs: make them first."""
    from django.apps import apps as installed
    from django.contrib.auth.management import create_permissions

    for label in REVIEWER_PERMISSIONS:
        create_permissions(installed.get_app_config(label), verbosity=0, using=using)
    ensure_reviewer_group()


# --- revocation --------------------------------------------------------------

REVOKE_PERMISSION = "certification.revoke_certification"
MSG_NOT_REVOKER = "Only staff allowed to revoke certifications can do this."
MSG_REVOKE_REASON = "Give the reason for revoking (it is recorded and sent to the learner)."
MSG_ALREADY_REVOKED = "This certification is already revoked."
MSG_NOTHING_TO_REVOKE = "This certification has not been issued yet; there is nothing to revoke."
MSG_REVOKED_NO_RENEWAL = (
    "This certification was revoked, so it cannot be renewed. Contact us if you think this is wrong."
)
REVOKE_REASON_MAX_CHARS = 1000


def certification_revoke(*, actor, certification_id: int, reason: str, now: datetime | None = None) -> Certification:
    """Revoke in one transaction: the row, every issued period's credential
    (their status-list bits) and the audit event; the learner is e-mailed
    once it is committed. Renewal is refused afterwards."""
    now = _now(now)
    reason = (reason or "").strip()
    if not actor.has_perm(REVOKE_PERMISSION):
        raise NotAllowed(MSG_NOT_REVOKER)
    if not reason:
        raise InvalidInput(MSG_REVOKE_REASON)
    if len(reason) > REVOKE_REASON_MAX_CHARS:
        raise InvalidInput(f"Keep the reason under {REVOKE_REASON_MAX_CHARS} characters.")
    with transaction.atomic():
        certification = (
            Certification.objects.select_for_update(of=("self",))
            .select_related("user", "program")
            .filter(pk=certification_id)
            .first()
        )
        if certification is None:
            raise NotFound("No such certification.")
        if certification.status == Certification.Status.REVOKED:
            raise Conflict(MSG_ALREADY_REVOKED)
        if certification.status != Certification.Status.ISSUED:
            raise InvalidInput(MSG_NOTHING_TO_REVOKE)
        certification.status = Certification.Status.REVOKED
        certification.revoked_at, certification.revoked_reason, certification.revoked_by = now, reason, actor
        certification.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
        # Earlier periods' credentials have expired anyway; revoking them too
        # means no copy of any of them verifies as anything but revoked.
        for period in certification.periods.filter(issued_at__isnull=False):
            credential_revoke(reference=period.reference, reason=reason, now=now)
        enrolment = ProgramEnrolment.objects.get(user=certification.user, program=certification.program)
        _event(enrolment, Kind.REVOKED, now=now, actor=actor, note=reason)
        context = {"certification": certification, "reason": reason, "revoked_at": now}
        transaction.on_commit(lambda: _send_revocation_email(context))
    return certification


def _send_revocation_email(context: dict) -> None:
    certification = context["certification"]
    try:
        send_mail(
            subject=f"Your {certification.program_title} certification has been revoked",
            message=render_to_string("certification/email/revoked.txt", context),
            from_email=None,
            recipient_list=[certification.user.email],
        )
    except Exception:  # the revocation stands; the audit log has the reason
        logger.exception("certification %s: revocation e-mail failed", certification.pk)


# --- CE certificates from other providers --------------------------------------

MSG_CE_HOURS = "CE hours must be more than 0 and at most 40, in steps of 0.25."
MSG_CE_FUTURE = "The completion date cannot be in the future."
MSG_CE_NOT_PDF = "The file is not a PDF. Upload the certificate as a PDF document."
MSG_CE_TOO_BIG = "The file is larger than {mb} MB."
MSG_CE_DECISION = "Choose whether to accept or reject the certificate."
MSG_CE_REJECT_NOTE = "Say why the certificate is not accepted, so the learner knows what to do."
MSG_CE_ALREADY_REVIEWED = "This certificate has already been reviewed."
MSG_CE_NOT_REVIEWER = "Only editors allowed to review uploaded CE certificates can do this."
CE_REVIEW_PERMISSION = "certification.change_externalce"


def external_ce_upload(
    *,
    user,
    program: Program,
    provider_name: str,
    course_title: str,
    hours: Decimal,
    completed_on,
    upload,
    now: datetime | None = None,
):
    """Store another provider's certificate for review. Every check runs
    before anything is written, so a refusal stores nothing."""
    now = _now(now)
    if not rules.ce_hours_valid(hours):
        raise InvalidInput(MSG_CE_HOURS)
    if completed_on > timezone.localdate(now):
        raise InvalidInput(MSG_CE_FUTURE)
    limit = settings.CE_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(MSG_CE_TOO_BIG.format(mb=limit // (1024 * 1024)))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(MSG_CE_TOO_BIG.format(mb=limit // (1024 * 1024)))
    if not rules.looks_like_pdf(data[:1024], data[-1024:]):
        raise InvalidInput(MSG_CE_NOT_PDF)
    enrolment = _enrolment(user=user, program=program)
    item = ExternalCE(
        enrolment=enrolment,
        provider_name=provider_name.strip(),
        course_title=course_title.strip(),
        hours=hours,
        completed_on=completed_on,
        pdf_sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=now,
    )
    # The stored name is ours, never the uploaded one.
    item.pdf.save(f"ce-{secrets.token_hex(12)}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            item.save()
            _event(enrolment, Kind.CE_UPLOADED, now=now, actor=user, note=f"upload {item.pk}: {hours} h")
    except Exception:
        item.pdf.storage.delete(item.pdf.name)  # no row, no file
        raise
    return item


def external_ce_review(*, reviewer, upload_id: int, decision: str, note: str, now: datetime | None = None):
    now = _now(now)
    note = (note or "").strip()
    if not reviewer.has_perm(CE_REVIEW_PERMISSION):
        raise NotAllowed(MSG_CE_NOT_REVIEWER)
    if decision not in ("accept", "reject"):
        raise InvalidInput(MSG_CE_DECISION)
    if decision == "reject" and not note:
        raise InvalidInput(MSG_CE_REJECT_NOTE)
    if len(note) > COMMENT_MAX_CHARS:
        raise InvalidInput(f"Keep the note under {COMMENT_MAX_CHARS} characters.")
    with transaction.atomic():
        item = (
            ExternalCE.objects.select_for_update(of=("self",)).select_related("enrolment").filter(pk=upload_id).first()
        )
        if item is None:
            raise NotFound("No such upload.")
        if item.status != ExternalCE.Status.PENDING:
            raise Conflict(MSG_CE_ALREADY_REVIEWED)
        item.status = ExternalCE.Status.ACCEPTED if decision == "accept" else ExternalCE.Status.REJECTED
        item.reviewed_by, item.reviewed_at, item.review_note = reviewer, now, note
        item.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        kind = Kind.CE_ACCEPTED if decision == "accept" else Kind.CE_REJECTED
        _event(item.enrolment, kind, now=now, actor=reviewer, note=f"upload {item.pk}" + (f": {note}" if note else ""))
    return item
