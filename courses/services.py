"""Writes for enrolment, lesson progress, the evaluation and completion."""

from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.caching import cached_read
from core.errors import ApplicationError, Conflict, InvalidInput, NotAllowed

from . import hooks, participation
from .models import (
    CourseCompletion,
    CoursePage,
    Enrolment,
    EvaluationResponse,
    LessonCompletion,
    LessonPage,
    LessonVisit,
)
from .selectors import course_progress
from .structure import course_structure, course_structure_for_id, course_structure_for_page

MSG_ENROL_FIRST = "Enrol in the course first."
MSG_ENROL_TO_RECORD = "Enrol in the course to record your progress."
MSG_ENROL_TO_READ = "Enrol in the course to read this lesson."
MSG_ENROL_FOR_QUIZ = "Enrol in the course to take this quiz."
MSG_PROFILE_FIRST = "Complete your profile (your legal name for the certificate) before enrolling."
MSG_EVALUATION_CLOSED = "The evaluation opens once every module and the final examination are complete."
MSG_EVALUATION_DONE = "You have already submitted the evaluation for this course. Thank you."


VISIT_FLAG_TTL = 60 * 60 * 24 * 30


class CourseActionError(ApplicationError):
    """A learner action that is not allowed right now; the message says why."""


class NotEnrolled(CourseActionError, NotAllowed):
    pass


class ProfileRequired(CourseActionError, NotAllowed):
    pass


class TooSoon(CourseActionError, InvalidInput):
    pass


class EvaluationNotOpen(CourseActionError, InvalidInput):
    pass


class EvaluationAlreadySubmitted(CourseActionError, Conflict):
    pass


def enrol(*, user, course: CoursePage) -> Enrolment:
    if not hasattr(user, "profile"):
        raise ProfileRequired(MSG_PROFILE_FIRST)
    try:
        with transaction.atomic():
            enrolment, _ = Enrolment.objects.get_or_create(user=user, course=course)
    except IntegrityError:  # two clicks racing: the other one enrolled us
        enrolment = Enrolment.objects.get(user=user, course=course)
    return enrolment


def lesson_visit_record(*, user, lesson: LessonPage, now: datetime | None = None) -> None:
    """Start the lesson's clock the first time an enrolled learner opens it.
    A cache flag spares the database on every later view; if the flag is
    lost, the insert is simply ignored (the first time stands)."""
    key = LessonVisit.flag_key(user.pk, lesson.pk)
    if cached_read(key):
        return
    LessonVisit.objects.bulk_create(
        [LessonVisit(user=user, lesson=lesson, first_opened_at=now or timezone.now())], ignore_conflicts=True
    )
    cache.set(key, True, VISIT_FLAG_TTL)


def lesson_mark_complete(*, user, lesson: LessonPage, now: datetime | None = None) -> CourseCompletion | None:
    """Record the lesson as read, once it has been open long enough by the
    server's clock (the course's participation share of its estimate)."""
    now = now or timezone.now()
    structure = course_structure_for_page(lesson)
    if not Enrolment.objects.filter(user=user, course_id=structure.id).exists():
        raise NotEnrolled(MSG_ENROL_TO_RECORD)
    if LessonCompletion.objects.filter(user=user, lesson=lesson).exists():
        return course_completion_check(user=user, course_id=structure.id, now=now)
    first_opened_at = (
        LessonVisit.objects.filter(user=user, lesson=lesson).values_list("first_opened_at", flat=True).first()
    )
    wait = participation.seconds_still_needed(
        first_opened_at=first_opened_at,
        now=now,
        estimated_minutes=lesson.estimated_minutes,
        percent=structure.participation_percent,
    )
    if wait:
        raise TooSoon(participation.wait_message(wait), extra={"seconds": wait})
    seconds = participation.recorded_seconds(
        first_opened_at=first_opened_at, now=now, estimated_minutes=lesson.estimated_minutes
    )
    try:
        with transaction.atomic():
            LessonCompletion.objects.get_or_create(user=user, lesson=lesson, defaults={"seconds_spent": seconds})
    except IntegrityError:
        pass
    return course_completion_check(user=user, course_id=structure.id, now=now)


def evaluation_submit(*, user, course: CoursePage, answers: dict) -> CourseCompletion | None:
    """``answers`` has been validated by the evaluation form."""
    progress = course_progress(structure=course_structure(course), user=user)
    if not progress.enrolled:
        raise NotEnrolled(MSG_ENROL_FIRST)
    if not progress.evaluation_open:
        raise EvaluationNotOpen(MSG_EVALUATION_CLOSED)
    if progress.evaluation_submitted:
        raise EvaluationAlreadySubmitted(MSG_EVALUATION_DONE)
    try:
        with transaction.atomic():
            EvaluationResponse.objects.create(user=user, course=course, answers=answers)
    except IntegrityError as exc:
        raise EvaluationAlreadySubmitted(MSG_EVALUATION_DONE) from exc
    return course_completion_check(user=user, course_id=course.id)


def course_completion_check(*, user, course_id: int, now: datetime | None = None) -> CourseCompletion | None:
    """Record the course as complete, once, when every requirement is met,
    and tell the apps above (a certificate is due) in the same transaction.

    The enrolment row is locked so that concurrent completions (two tabs,
    a retried request) serialise here and only one of them records it.
    Returns the CourseCompletion, or None while requirements remain.
    """
    # The evaluation opens only when everything else is done, so until it is
    # submitted nothing can complete the course: one cheap query on most
    # calls (a lesson read, a module quiz passed). After it, a lesson or quiz
    # added by an editor can still be the last requirement.
    if not EvaluationResponse.objects.filter(user=user, course_id=course_id).exists():
        return None
    structure = course_structure_for_id(course_id)
    progress = course_progress(structure=structure, user=user)
    if progress.completed_at:
        return CourseCompletion.objects.filter(user=user, course_id=course_id).first()
    if not progress.is_complete:
        return None
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().filter(user=user, course_id=course_id).first()
        if enrolment is None:
            return None
        existing = CourseCompletion.objects.filter(user=user, course_id=course_id).first()
        if existing:
            return existing
        # Re-check under the lock: a concurrent request may have changed things.
        if not course_progress(structure=structure, user=user).is_complete:
            return None
        course = CoursePage.objects.get(pk=course_id)
        completion = CourseCompletion.objects.create(user=user, course=course, completed_at=now or timezone.now())
        hooks.course_completed(completion=completion)
        return completion
