"""Reads for course pages, the outline and the dashboard.

Each function costs a fixed number of queries, whatever the size of the
course or the learner's history; tests assert the exact counts.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.template.loader import render_to_string

from core.caching import cached, cached_row, forget_row, prefetch
from quizzes.selectors import passed_quiz_ids

from . import hooks
from .models import CourseCompletion, CoursePage, Enrolment, EvaluationResponse, LessonCompletion, LessonVisit, Source
from .structure import (
    course_path_for,
    course_structure,
    course_structure_for_id,
    course_structure_for_page,
    structure_key_for_page,
)


@dataclass
class ModuleProgress:
    module: object
    lessons_done: int
    quiz_passed: bool

    @property
    def lessons_total(self):
        return len(self.module.lessons)

    @property
    def complete(self):
        return self.lessons_done == self.lessons_total and (self.quiz_passed or not self.module.quiz_id)


@dataclass
class CourseProgress:
    structure: object
    enrolled: bool
    completed_lesson_ids: frozenset
    passed_quiz_ids: frozenset
    evaluation_submitted: bool
    completed_at: object
    # What apps above courses attached to the enrolment (see hooks.py),
    # e.g. ``attached["certificate"]``.
    attached: dict

    @property
    def modules(self):
        return [
            ModuleProgress(
                module=m,
                lessons_done=sum(1 for lesson in m.lessons if lesson.id in self.completed_lesson_ids),
                quiz_passed=bool(m.quiz_id) and m.quiz_id in self.passed_quiz_ids,
            )
            for m in self.structure.modules
        ]

    @property
    def final_exam_passed(self):
        return not self.structure.final_exam_id or self.structure.final_exam_id in self.passed_quiz_ids

    @property
    def modules_complete(self):
        return all(m.complete for m in self.modules)

    @property
    def evaluation_open(self):
        return self.enrolled and self.modules_complete and self.final_exam_passed

    @property
    def is_complete(self):
        return self.evaluation_open and self.evaluation_submitted

    @property
    def steps_total(self):
        s = self.structure
        return len(s.lessons) + len([m for m in s.modules if m.quiz_id]) + (1 if s.final_exam_id else 0) + 1

    @property
    def steps_done(self):
        s = self.structure
        done = sum(1 for lesson in s.lessons if lesson.id in self.completed_lesson_ids)
        done += sum(1 for quiz_id in s.quiz_ids if quiz_id in self.passed_quiz_ids)
        return done + (1 if self.evaluation_submitted else 0)

    @property
    def percent(self):
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def remaining(self):
        """Plain-language list of what is left, for the outline and dashboard."""
        items = []
        for mp in self.modules:
            left = mp.lessons_total - mp.lessons_done
            if left:
                items.append(f"Module {mp.module.number}: {left} lesson{'s' if left != 1 else ''} to read")
            if mp.module.quiz_id and not mp.quiz_passed:
                items.append(f"Module {mp.module.number}: pass the quiz")
        if self.structure.final_exam_id and not self.final_exam_passed:
            items.append("Pass the final examination")
        if not self.evaluation_submitted:
            items.append("Complete the course evaluation")
        return items


def _passed_quiz_ids(user, quiz_ids):
    return passed_quiz_ids(user=user, quiz_ids=quiz_ids)


def _enrolments_with_status(user):
    """Enrolments annotated with everything else progress needs about the
    course as a whole, including what apps above attach, so one query
    replaces four."""
    completion = CourseCompletion.objects.filter(user=user, course=OuterRef("course_id"))
    extra = {}
    for attachment in hooks.enrolment_attachments():
        extra.update(attachment.annotations(user=user))
    return Enrolment.objects.filter(user=user).annotate(
        evaluated=Exists(EvaluationResponse.objects.filter(user=user, course=OuterRef("course_id"))),
        completed_at=Subquery(completion.values("completed_at")[:1]),
        **extra,
    )


def _progress(structure, enrolment, completed, passed):
    return CourseProgress(
        structure=structure,
        enrolled=True,
        completed_lesson_ids=completed,
        passed_quiz_ids=passed,
        evaluation_submitted=enrolment.evaluated,
        completed_at=enrolment.completed_at,
        attached={a.name: a.build(row=enrolment) for a in hooks.enrolment_attachments()},
    )


def course_progress(*, structure, user):
    """Three queries for an enrolled learner: enrolment with its status,
    lesson completions, passed quizzes."""
    if not user.is_authenticated:
        return CourseProgress(structure, False, frozenset(), frozenset(), False, None, {})
    enrolment = _enrolments_with_status(user).filter(course_id=structure.id).first()
    if enrolment is None:
        return CourseProgress(structure, False, frozenset(), frozenset(), False, None, {})
    completed = frozenset(
        LessonCompletion.objects.filter(user=user, lesson_id__in=list(structure.lessons_by_id)).values_list(
            "lesson_id", flat=True
        )
    )
    return _progress(structure, enrolment, completed, _passed_quiz_ids(user, structure.quiz_ids))


def course_catalogue():
    return list(
        CoursePage.objects.live().order_by("path").only("id", "title", "summary", "ce_hours", "url_path", "format")
    )


def course_outline(*, course, user):
    return course_progress(structure=course_structure(course), user=user)


def module_detail(*, module, user):
    structure = course_structure_for_page(module)
    progress = course_progress(structure=structure, user=user)
    module_ref = structure.module(module.id)
    module_progress = next((mp for mp in progress.modules if mp.module.id == module.id), None)
    return {"structure": structure, "progress": progress, "module": module_ref, "module_progress": module_progress}


# Stands for the enrolment row among lesson ids (page ids start at 1).
_ENROLLED = 0


def _enrolment_and_completions(*, user, structure) -> tuple[bool, frozenset]:
    """Whether ``user`` is enrolled in the course and which of its lessons
    they completed: kept in the cache per learner and course until an
    enrolment or completion of theirs is saved or deleted (``forget_progress``);
    on a miss, one query."""
    lesson_ids = list(structure.lessons_by_id)
    return cached_row(
        progress_key(user_id=user.pk, course_path=structure.path),
        lambda: _read_enrolment_and_completions(user.pk, structure.id, lesson_ids),
        PROGRESS_TTL,
    )


PROGRESS_KEY = "courses:progress:{user_id}:{course_path}"
PROGRESS_TTL = 60 * 60


def progress_key(*, user_id, course_path):
    """Keyed by the course's tree path, which a lesson request knows before
    it has read the course structure, so that both are read together."""
    return PROGRESS_KEY.format(user_id=user_id, course_path=course_path)


def forget_progress(*, user_id, course_path) -> None:
    forget_row(progress_key(user_id=user_id, course_path=course_path))


def _read_enrolment_and_completions(user_id, course_id, lesson_ids):
    """One query: the enrolment as a marker row, then the completions.
    Written as SQL because building and compiling the same UNION through
    the ORM took about twice as long as the database's answer."""
    rows = set(_run(_enrolment_and_completions_sql(len(lesson_ids)), [user_id, course_id, user_id, *lesson_ids]))
    if _ENROLLED not in rows:
        return False, frozenset()
    return True, frozenset(rows - {_ENROLLED})


def _enrolment_and_completions_sql(lesson_count):
    quote = connection.ops.quote_name
    enrolment, completion = Enrolment._meta, LessonCompletion._meta
    lesson_params = ", ".join(["%s"] * lesson_count) or "NULL"
    # Only table and column names from the models and placeholders: every value is a parameter.
    return (
        f"SELECT {_ENROLLED} FROM {quote(enrolment.db_table)}"  # noqa: S608
        f" WHERE {quote(enrolment.get_field('user').column)} = %s"
        f" AND {quote(enrolment.get_field('course').column)} = %s"
        f" UNION ALL SELECT {quote(completion.get_field('lesson').column)} FROM {quote(completion.db_table)}"
        f" WHERE {quote(completion.get_field('user').column)} = %s"
        f" AND {quote(completion.get_field('lesson').column)} IN ({lesson_params})"
    )


def _run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def lesson_context(*, lesson, user):
    """Everything the lesson page shows around the body. Warm, no query: the
    course structure, the rendered body, the visit flag and the learner's
    progress come from the cache in one round trip (the signed-in user is
    resolved first, so that the learner's entries can join it)."""
    signed_in = user.is_authenticated
    learner_keys = []
    if signed_in:
        learner_keys = [
            LessonVisit.flag_key(user.pk, lesson.pk),
            progress_key(user_id=user.pk, course_path=course_path_for(lesson)),
        ]
    prefetch(structure_key_for_page(lesson), _lesson_body_key(lesson), *learner_keys)
    structure = course_structure_for_page(lesson)
    ref = structure.lessons_by_id.get(lesson.id)
    module = structure.module(ref.module_id) if ref else None
    enrolled, completed_ids = False, frozenset()
    if signed_in:
        enrolled, completed_ids = _enrolment_and_completions(user=user, structure=structure)
    previous, _ = structure.neighbours(lesson.id)
    return {
        "body_html": lesson_body_html(lesson=lesson),
        "structure": structure,
        "course": structure,
        "module": module,
        "enrolled": enrolled,
        "can_read": lesson.free_preview or enrolled or user.is_staff,
        "completed_ids": completed_ids,
        "is_completed": lesson.id in completed_ids,
        "previous": previous,
        # Where "continue" leads: the next lesson, or the module quiz after a
        # module's last lesson, so reading in order reaches every requirement.
        "next_step": structure.step_after_lesson(lesson.id),
    }


def lesson_body_html(*, lesson):
    """The lesson's body as HTML, rendered once per published revision (and
    content version: a publish elsewhere can change a link's target). Its
    blocks use nothing from the request, so one copy serves every learner."""
    return cached(_lesson_body_key(lesson), lambda: render_to_string("courses/lesson_body.html", {"page": lesson}))


def _lesson_body_key(lesson):
    return f"courses:lesson-body:{lesson.pk}:{lesson.live_revision_id}"


def dashboard(*, user):
    """Every enrolled course with its progress in three queries, whatever the
    number of courses, lessons or attempts."""
    enrolments = list(_enrolments_with_status(user).select_related("course").order_by("enrolled_at"))
    if not enrolments:
        return []
    structures = [course_structure(e.course) for e in enrolments]
    lesson_ids = [lid for s in structures for lid in s.lessons_by_id]
    completed = frozenset(
        LessonCompletion.objects.filter(user=user, lesson_id__in=lesson_ids).values_list("lesson_id", flat=True)
    )
    passed = _passed_quiz_ids(user, [qid for s in structures for qid in s.quiz_ids])
    return [_progress(s, e, completed, passed) for s, e in zip(structures, enrolments, strict=True)]


def lesson_minutes_by_course(*, user, course_ids) -> dict:
    """Server-measured minutes on each course's lessons (first opening to
    completion, capped; see participation.py), for the transcript. One query
    for every course together; course structures come from the cache."""
    lesson_course = {}
    for course_id in set(course_ids):
        try:
            structure = course_structure_for_id(course_id)
        except CoursePage.DoesNotExist:
            continue
        lesson_course.update(dict.fromkeys(structure.lessons_by_id, course_id))
    seconds = dict.fromkeys(set(course_ids), 0)
    rows = LessonCompletion.objects.filter(user=user, lesson_id__in=list(lesson_course), seconds_spent__isnull=False)
    for lesson_id, spent in rows.values_list("lesson_id", "seconds_spent"):
        seconds[lesson_course[lesson_id]] += spent
    return {course_id: round(total / 60) for course_id, total in seconds.items()}


# The learner's data export (registered with accounts in CoursesConfig.ready).


def export_enrolments(*, user):
    return [
        {"course": e.course.title, "enrolled_at": e.enrolled_at.isoformat()}
        for e in Enrolment.objects.filter(user=user).select_related("course")
    ]


def export_lessons_completed(*, user):
    return [
        {"lesson": c.lesson.title, "completed_at": c.completed_at.isoformat()}
        for c in LessonCompletion.objects.filter(user=user).select_related("lesson")
    ]


def export_evaluations(*, user):
    return [
        {"course": e.course.title, "submitted_at": e.submitted_at.isoformat(), "answers": e.answers}
        for e in EvaluationResponse.objects.filter(user=user).select_related("course")
    ]


def export_course_completions(*, user):
    return [
        {"course": c.course.title, "completed_at": c.completed_at.isoformat()}
        for c in CourseCompletion.objects.filter(user=user).select_related("course")
    ]


BIBLIOGRAPHY_GROUPS = (
    ("web_article", "Web articles the course is built around"),
    ("peer_reviewed", "Peer-reviewed literature"),
    ("regulatory", "Labels, safety communications and device clearances"),
)


def source_shorts() -> dict[str, str]:
    """Each source's key and the short citation learners see, cached with the
    content (the curriculum loader bumps the version when sources change)."""
    return cached("source-shorts", lambda: dict(Source.objects.values_list("key", "short")))


def bibliography():
    """The bibliography in display groups, in one query."""
    sources = list(Source.objects.all())
    return [
        {"kind": kind, "heading": heading, "sources": [s for s in sources if s.kind == kind]}
        for kind, heading in BIBLIOGRAPHY_GROUPS
    ]
