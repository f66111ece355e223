"""Writes for enrolment, lesson progress, the evaluation and completion."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import CourseCompletion, CoursePage, Enrolment, EvaluationResponse, LessonCompletion
from .selectors import course_progress
from .structure import course_structure, course_structure_for_id, course_structure_for_page


class CourseActionError(Exception):
    """A learner action that is not allowed right now; the message says why."""

    status = 400


class NotEnrolled(CourseActionError):
    status = 403


class ProfileRequired(CourseActionError):
    status = 403


def enrol(*, user, course):
    if not hasattr(user, "profile"):
        raise ProfileRequired("Complete your profile (your legal name for the certificate) before enrolling.")
    try:
        with transaction.atomic():
            enrolment, _ = Enrolment.objects.get_or_create(user=user, course=course)
    except IntegrityError:  # two clicks racing: the other one enrolled us
        enrolment = Enrolment.objects.get(user=user, course=course)
    return enrolment


def lesson_mark_complete(*, user, lesson):
    structure = course_structure_for_page(lesson)
    if not Enrolment.objects.filter(user=user, course_id=structure.id).exists():
        raise NotEnrolled("Enrol in the course to record your progress.")
    try:
        with transaction.atomic():
            LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    except IntegrityError:
        pass
    return course_completion_check(user=user, course_id=structure.id)


def evaluation_submit(*, user, course, answers):
    """``answers`` has been validated by the evaluation form."""
    progress = course_progress(structure=course_structure(course), user=user)
    if not progress.enrolled:
        raise NotEnrolled("Enrol in the course first.")
    if not progress.evaluation_open:
        raise CourseActionError("The evaluation opens once every module and the final examination are complete.")
    if progress.evaluation_submitted:
        raise CourseActionError("You have already submitted the evaluation for this course. Thank you.")
    try:
        with transaction.atomic():
            EvaluationResponse.objects.create(user=user, course=course, answers=answers)
    except IntegrityError as exc:
        raise CourseActionError("You have already submitted the evaluation for this course. Thank you.") from exc
    return course_completion_check(user=user, course_id=course.id)


def course_completion_check(*, user, course_id, now=None):
    """Record the course as complete, once, when every requirement is met,
    and request the certificate in the same transaction.

    The enrolment row is locked so that concurrent completions (two tabs,
    a retried request) serialise here and only one of them records it.
    Returns the CourseCompletion, or None while requirements remain.
    """
    from certificates.services import certificate_request

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
        certificate_request(user=user, course=course, completed_at=completion.completed_at)
        return completion
