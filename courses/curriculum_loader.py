"""Apply the curriculum files to the database: the page tree, objectives,
quizzes with their questions, and the course evaluation.

Idempotent and keyed on slugs and item keys. Each item's content hash is
recorded (CurriculumImport); an item whose file has not changed since the
last load is left alone, so a second run writes nothing and admin edits
are kept until the file itself changes (``force`` re-applies everything).
Runs in one transaction: a failure leaves the database as it was.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from core.caching import bump_content_version
from quizzes.models import Choice, Question, Quiz

from .curriculum_schema import DEFAULT_ROOT, read_curriculum
from .models import (
    CourseIndexPage,
    CoursePage,
    CurriculumImport,
    EvaluationQuestion,
    LearningObjective,
    LessonPage,
    ModulePage,
    Source,
)


@dataclass
class LoadReport:
    counts: Counter = field(default_factory=Counter)
    lines: list = field(default_factory=list)

    def note(self, action, kind, label):
        self.counts[f"{kind} {action}"] += 1
        if action != "unchanged":
            self.lines.append(f"{action:9} {kind}: {label}")

    @property
    def changed(self):
        return any(not k.endswith("unchanged") for k in self.counts)

    def summary(self):
        return ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))


def _digest(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class _Loader:
    def __init__(self, force, report):
        self.force = force
        self.report = report
        self.records = {r.key: r for r in CurriculumImport.objects.all()}

    def _needs_write(self, key, digest, obj):
        record = self.records.get(key)
        return obj is None or self.force or record is None or record.sha256 != digest or record.object_id != obj.pk

    def _record(self, key, digest, obj):
        CurriculumImport.objects.update_or_create(key=key, defaults={"sha256": digest, "object_id": obj.pk})

    @staticmethod
    def _objectives(page, objectives):
        existing = {o.key: o for o in page.objectives.all()} if page.pk else {}
        items = []
        for order, objective in enumerate(objectives):
            item = existing.get(objective.id) or LearningObjective(key=objective.id)
            item.text = objective.text
            item.sort_order = order
            items.append(item)
        page.objectives = items

    def page(self, *, parent, model, slug, title, fields, objectives=(), children=None, kind, data):
        key = f"{kind}:{slug}"
        digest = _digest(data)
        page = model.objects.child_of(parent).filter(slug=slug).first()
        if not self._needs_write(key, digest, page):
            self.report.note("unchanged", kind, title)
            return page
        created = page is None
        if created:
            page = model(slug=slug, title=title, **fields)
        else:
            page = page.get_latest_revision_as_object()
            page.title = title
            for name, value in fields.items():
                setattr(page, name, value)
        if objectives:
            self._objectives(page, objectives)
        if children:
            children(page)
        if created:
            parent.add_child(instance=page)
        page.save_revision(log_action=True).publish()
        self._record(key, digest, page)
        self.report.note("created" if created else "updated", kind, title)
        return page

    def sources(self, entries):
        """Keep the bibliography rows in step with sources.yaml (by key)."""
        existing = {s.key: s for s in Source.objects.all()}
        for order, entry in enumerate(entries):
            data = {**entry.model_dump(), "order": order}
            digest = _digest(data)
            source = existing.get(entry.key)
            if not self._needs_write(f"source:{entry.key}", digest, source):
                self.report.note("unchanged", "source", entry.key)
                continue
            created = source is None
            source = source or Source(key=entry.key)
            source.kind, source.short, source.citation = entry.kind, entry.short, entry.citation()
            source.promotional, source.doi, source.note = entry.promotional, entry.doi, entry.note
            source.sort_order = order
            source.save()
            self._record(f"source:{entry.key}", digest, source)
            self.report.note("created" if created else "updated", "source", entry.key)

    def quiz(self, *, key, settings, items, objectives_by_key, module=None, course=None):
        quiz = Quiz.objects.filter(module=module).first() if module else Quiz.objects.filter(course=course).first()
        data = settings.model_dump()
        digest = _digest(data)
        if self._needs_write(key, digest, quiz):
            created = quiz is None
            quiz = quiz or Quiz(module=module, course=course)
            for name, value in data.items():
                setattr(quiz, name, value)
            quiz.save()
            self._record(key, digest, quiz)
            self.report.note("created" if created else "updated", "quiz", quiz.title)
        else:
            self.report.note("unchanged", "quiz", quiz.title)
        for order, item in enumerate(items):
            self.question(quiz, order, item, objectives_by_key)
        return quiz

    def question(self, quiz, order, item, objectives_by_key):
        key = f"question:{item.key}"
        data = {**item.model_dump(), "quiz": quiz.pk, "order": order}
        digest = _digest(data)
        question = Question.objects.filter(key=item.key).first()
        if not self._needs_write(key, digest, question):
            self.report.note("unchanged", "question", item.key)
            return question
        created = question is None
        question = question or Question(key=item.key)
        question.quiz = quiz
        question.type = item.type
        question.stem = item.stem
        question.explanation = item.explanation
        question.source = "; ".join(item.source)
        question.objective = objectives_by_key[item.objective]
        question.sort_order = order
        existing = list(question.choices.all()) if question.pk else []
        choices = []
        for position, choice in enumerate(item.choices):
            c = existing[position] if position < len(existing) else Choice()
            c.text, c.is_correct, c.sort_order = choice.text, choice.correct, position
            choices.append(c)
        question.choices = choices
        question.save()
        self._record(key, digest, question)
        self.report.note("created" if created else "updated", "question", item.key)
        return question

    @staticmethod
    def reorder(parent, pages):
        """Make the tree order of ``pages`` under ``parent`` follow the files."""
        current = list(type(pages[0]).objects.child_of(parent).order_by("path").values_list("pk", flat=True))
        wanted = [p.pk for p in pages]
        if [pk for pk in current if pk in wanted] != wanted:
            for page in pages:
                page.refresh_from_db()
                page.move(parent, pos="last-child")


def _evaluation_children(curriculum):
    evaluation = curriculum.evaluation

    def apply(course):
        existing = {q.key: q for q in course.evaluation_questions.all()} if course.pk else {}
        items = [
            (f"objective-{o.id}", "likert", evaluation.objective_prompt.format(text=o.text.rstrip(".")), True)
            for o in curriculum.course.objectives
        ] + [(q.key, q.kind, q.text, q.required) for q in evaluation.questions]
        questions = []
        for order, (key, kind, text, required) in enumerate(items):
            q = existing.get(key) or EvaluationQuestion(key=key)
            q.kind, q.text, q.required, q.sort_order = kind, text[:300], required, order
            questions.append(q)
        course.evaluation_questions = questions

    return apply


def load_curriculum(*, parent, root=DEFAULT_ROOT, force=False) -> LoadReport:
    """Build or update the course tree under ``parent`` (the site's root page,
    which the app above courses owns and passes in)."""
    curriculum = read_curriculum(root)
    report = LoadReport()
    with transaction.atomic():
        loader = _Loader(force, report)
        loader.sources(curriculum.sources.values())
        index = loader.page(
            parent=parent,
            model=CourseIndexPage,
            slug="courses",
            title="Courses",
            kind="course-index",
            fields={"intro": "<p>Accredited, self-paced courses for licensed clinicians.</p>"},
            data={"title": "Courses"},
        )
        c = curriculum.course
        course = loader.page(
            parent=index,
            model=CoursePage,
            slug=c.slug,
            title=c.title,
            kind="course",
            fields={
                "summary": c.summary,
                "ce_hours": c.ce_hours,
                "format": c.format,
                "target_audience": c.target_audience,
                "accreditation_statement": c.accreditation_statement,
                "disclosure": c.disclosure,
                "participation_percent": c.participation_percent,
                **c.disclosures.model_dump(exclude={"planners"}),
                "planners": [("person", planner.model_dump()) for planner in c.disclosures.planners],
            },
            objectives=c.objectives,
            children=_evaluation_children(curriculum),
            data={"course": c.model_dump(exclude={"final_exam"}), "evaluation": curriculum.evaluation.model_dump()},
        )
        modules = []
        for m in curriculum.modules:
            module = loader.page(
                parent=course,
                model=ModulePage,
                slug=m.meta.slug,
                title=m.meta.title,
                kind="module",
                fields={"summary": m.meta.summary},
                objectives=m.meta.objectives,
                data=m.meta.model_dump(exclude={"quiz"}),
            )
            modules.append(module)
            lessons = [
                loader.page(
                    parent=module,
                    model=LessonPage,
                    slug=lesson.front.slug,
                    title=lesson.front.title,
                    kind="lesson",
                    fields={
                        "summary": lesson.front.summary,
                        "estimated_minutes": lesson.front.estimated_minutes,
                        "free_preview": lesson.front.free_preview,
                        "body": lesson.blocks,
                    },
                    data={"front": lesson.front.model_dump(), "blocks": lesson.blocks},
                )
                for lesson in m.lessons
            ]
            loader.reorder(module, lessons)
            objectives = {o.key: o for o in module.objectives.all()}
            loader.quiz(
                key=f"quiz:{m.meta.slug}",
                settings=m.meta.quiz,
                items=m.quiz,
                objectives_by_key=objectives,
                module=module,
            )
        loader.reorder(course, modules)
        loader.quiz(
            key=f"final-exam:{c.slug}",
            settings=c.final_exam,
            items=curriculum.final_items,
            objectives_by_key={o.key: o for o in course.objectives.all()},
            course=course,
        )
    if report.changed:
        transaction.on_commit(bump_content_version)
    return report
