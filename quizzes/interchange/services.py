"""Export a quiz's bank; plan and apply an import, all or nothing.

``bank_plan`` checks every item of a file before anything is written (the
item rules, keys, objectives, field sizes) and says what would change;
``bank_import`` re-plans and applies the whole file in one transaction, so a
refused or failing file changes nothing. Items are matched by key: a key
already in this quiz updates that item (choice rows are reused by position,
so their ids stay), a new key creates one, and items of the quiz that the
file does not mention are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from ..item_rules import item_problems
from ..models import Choice, Question, Quiz
from .bank import KEY_PATTERN, BankChoice, BankError, BankItem
from .gift import export_gift, import_gift
from .moodle import export_moodle, import_moodle
from .qti import export_qti, import_qti

READERS = {"qti": import_qti, "moodle": import_moodle, "gift": import_gift}
EXTENSIONS = {"qti": "zip", "moodle": "xml", "gift": "txt"}
CONTENT_TYPES = {"qti": "application/zip", "moodle": "application/xml", "gift": "text/plain; charset=utf-8"}


@dataclass
class Change:
    key: str
    action: str  # "create", "update" or "unchanged"
    fields: list[str] = field(default_factory=list)
    item: BankItem | None = None


def _objective_scope(quiz: Quiz):
    """The objectives an item of this quiz may point at: its module's or its course's."""
    from django.apps import apps

    LearningObjective = apps.get_model("courses", "LearningObjective")  # noqa: N806 - a model class
    page_id = quiz.module_id or quiz.course_id
    return {o.key: o for o in LearningObjective.objects.filter(page_id=page_id)}


def bank_items(*, quiz: Quiz) -> list[BankItem]:
    questions = Question.objects.filter(quiz=quiz).select_related("objective").prefetch_related("choices")
    return [
        BankItem(
            key=q.key,
            type=q.type,
            stem=q.stem,
            explanation=q.explanation,
            objective=q.objective.key if q.objective_id else "",
            source=q.source,
            choices=tuple(
                BankChoice(c.text, c.is_correct) for c in sorted(q.choices.all(), key=lambda c: (c.sort_order, c.pk))
            ),
        )
        for q in questions.order_by("sort_order", "pk")
    ]


def bank_export(*, quiz: Quiz, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the quiz's bank in ``fmt``."""
    items = bank_items(quiz=quiz)
    if fmt == "qti":
        data = export_qti(items, identifier=f"quiz-{quiz.pk}")
    elif fmt == "moodle":
        data = export_moodle(items)
    elif fmt == "gift":
        data = export_gift(items)
    else:
        raise BankError([f"format: {fmt!r} is not one of qti, moodle, gift"])
    return data, f"quiz-{quiz.pk}-bank.{EXTENSIONS[fmt]}", CONTENT_TYPES[fmt]


def bank_read(*, data: bytes, fmt: str, filename: str = "") -> list[BankItem]:
    reader = READERS.get(fmt)
    if reader is None:
        raise BankError([f"format: {fmt!r} is not one of qti, moodle, gift"])
    return reader(data, filename=filename)


def _differences(question: Question, item: BankItem, objective_id) -> list[str]:
    current = [(c.text, c.is_correct) for c in sorted(question.choices.all(), key=lambda c: (c.sort_order, c.pk))]
    changed = []
    for name, old, new in (
        ("type", question.type, item.type),
        ("stem", question.stem, item.stem),
        ("explanation", question.explanation, item.explanation),
        ("objective", question.objective_id, objective_id),
        ("source", question.source, item.source),
        ("choices", current, [(c.text, c.correct) for c in item.choices]),
    ):
        if old != new:
            changed.append(name)
    return changed


def bank_plan(*, quiz: Quiz, items: list[BankItem]) -> list[Change]:
    """What importing ``items`` into ``quiz`` would change; raises BankError
    listing every problem (item and field named) if any item is refused."""
    problems = []
    objectives = _objective_scope(quiz)
    keys = [i.key for i in items]
    existing = {
        q.key: q for q in Question.objects.filter(key__in=keys).select_related("quiz").prefetch_related("choices")
    }
    seen = set()
    for item in items:
        where = f"item {item.key}"
        if not KEY_PATTERN.match(item.key):
            problems.append(f"{where}: key: must be 1-40 letters, digits, hyphens or underscores")
        if item.key in seen:
            problems.append(f"{where}: key: appears twice in the file")
        seen.add(item.key)
        other = existing.get(item.key)
        if other is not None and other.quiz_id != quiz.pk:
            problems.append(f"{where}: key: already used by an item of the quiz {other.quiz.title!r}")
        if not item.stem.strip():
            problems.append(f"{where}: stem: empty")
        if len(item.source) > 200:
            problems.append(f"{where}: source: longer than 200 characters")
        for i, choice in enumerate(item.choices, start=1):
            if len(choice.text) > 500:
                problems.append(f"{where}: choice {i}: longer than 500 characters")
        if item.objective and item.objective not in objectives:
            problems.append(
                f"{where}: objective: {item.objective!r} is not an objective of this quiz's module or course"
            )
        for field_name, messages in item_problems(
            type=item.type, choices=[{"text": c.text, "correct": c.correct} for c in item.choices]
        ).items():
            problems.extend(f"{where}: {field_name}: {m}" for m in messages)
    if problems:
        raise BankError(problems)
    changes = []
    for item in items:
        question = existing.get(item.key)
        objective = objectives.get(item.objective)
        if question is None:
            changes.append(Change(item.key, "create", item=item))
        else:
            diff = _differences(question, item, objective.pk if objective else None)
            changes.append(Change(item.key, "update" if diff else "unchanged", diff, item=item))
    return changes


def bank_import(*, quiz: Quiz, items: list[BankItem]) -> list[Change]:
    """Apply the whole file or nothing."""
    with transaction.atomic():
        Quiz.objects.select_for_update().get(pk=quiz.pk)  # one import per quiz at a time
        changes = bank_plan(quiz=quiz, items=items)
        objectives = _objective_scope(quiz)
        questions = {q.key: q for q in Question.objects.filter(quiz=quiz).prefetch_related("choices")}
        next_order = max((q.sort_order for q in questions.values()), default=-1) + 1
        for change in changes:
            if change.action == "unchanged":
                continue
            item = change.item
            question = questions.get(item.key)
            if question is None:
                question = Question(quiz=quiz, key=item.key, sort_order=next_order, active=True)
                next_order += 1
            question.type = item.type
            question.stem = item.stem
            question.explanation = item.explanation
            question.source = item.source
            question.objective = objectives.get(item.objective)
            existing = sorted(question.choices.all(), key=lambda c: (c.sort_order, c.pk)) if question.pk else []
            choices = []
            for position, spec in enumerate(item.choices):
                choice = existing[position] if position < len(existing) else Choice()
                choice.text, choice.is_correct, choice.sort_order = spec.text, spec.correct, position
                choices.append(choice)
            question.choices = choices
            question.save()
    return changes
