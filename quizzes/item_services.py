"""Writes that change whether an item can be drawn.

``question_activate`` is the one way to put an item (back) into a live bank
outside the admin form: it re-reads the saved choices under a row lock and
refuses, naming the item and the field, an item that breaks the item rules.
PostgreSQL enforces the same rule at commit (migration 0002), so a caller
that skips this service still cannot leave a broken active item behind.
"""

from django.db import transaction

from .item_rules import ItemRuleError, item_problems
from .models import Question


def question_activate(*, question_id: int) -> Question:
    """Make an item active; raises ItemRuleError if its choices do not fit its type."""
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question_id)
        problems = item_problems(type=question.type, choices=question.choices.all())
        if problems:
            raise ItemRuleError(problems, label=f"item {question.key}")
        if not question.active:
            question.active = True
            question.save(update_fields=["active"])
    return question


def question_deactivate(*, question_id: int) -> Question:
    """Take an item out of the draw; always allowed (past attempts keep their snapshot)."""
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question_id)
        if question.active:
            question.active = False
            question.save(update_fields=["active"])
    return question
