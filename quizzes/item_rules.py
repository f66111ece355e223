"""The one rule set for an item's choices, by item type.

Pure: no database. The Wagtail question form, the curriculum loader, the
bank importers and the activation service all call ``item_problems``; the
PostgreSQL constraint trigger in migration 0002 states the same rules in SQL
so nothing that bypasses Python (a shell, a raw UPDATE) can leave an active
item that a learner can only get wrong.

Rules (``type``: what the choices must be):
- ``single``: at least three choices, exactly one correct;
- ``true_false``: exactly the two choices "True" and "False", one correct;
- ``multiple`` (select all that apply): at least three choices, at least one
  correct and at least one incorrect (otherwise "tick everything" or "tick
  nothing" is the key).
"""

from collections.abc import Iterable
from dataclasses import dataclass

MIN_CHOICES = 3
TRUE_FALSE_TEXTS = ("True", "False")
ITEM_TYPES = ("single", "true_false", "multiple")


@dataclass(frozen=True)
class ChoiceSpec:
    text: str
    correct: bool


class ItemRuleError(ValueError):
    """An item's choices do not fit its type. ``problems`` maps a field name
    (``type`` or ``choices``) to the messages for it."""

    def __init__(self, problems: dict[str, list[str]], label: str = ""):
        self.problems = problems
        self.label = label
        text = "; ".join(f"{field}: {msg}" for field, msgs in problems.items() for msg in msgs)
        super().__init__(f"{label}: {text}" if label else text)


def _as_specs(choices: Iterable) -> list[ChoiceSpec]:
    specs = []
    for c in choices:
        if isinstance(c, ChoiceSpec):
            specs.append(c)
        elif isinstance(c, dict):
            specs.append(ChoiceSpec(str(c.get("text", "")), bool(c.get("correct", c.get("is_correct", False)))))
        else:  # a Choice model instance or anything shaped like one
            specs.append(ChoiceSpec(str(c.text), bool(c.is_correct)))
    return specs


def item_problems(*, type: str, choices: Iterable) -> dict[str, list[str]]:  # noqa: A002 - the model's field name
    """Messages per field for an item whose choices do not fit its type;
    an empty dict when the item is valid."""
    if type not in ITEM_TYPES:
        return {"type": [f"Unknown item type {type!r}; use one of {', '.join(ITEM_TYPES)}."]}
    specs = _as_specs(choices)
    texts = [s.text.strip() for s in specs]
    correct = sum(1 for s in specs if s.correct)
    messages = []
    if any(not t for t in texts):
        messages.append("Every choice needs text.")
    if len(set(texts)) != len(texts):
        messages.append("Two choices have the same text.")
    if type == "true_false":
        if sorted(texts) != sorted(TRUE_FALSE_TEXTS):
            messages.append('A true/false item has exactly two choices, "True" and "False".')
        if correct != 1:
            messages.append(f"A true/false item has exactly one correct choice (this one has {correct}).")
    elif type == "single":
        if len(specs) < MIN_CHOICES:
            messages.append(f"A single-answer item needs at least {MIN_CHOICES} choices (this one has {len(specs)}).")
        if correct != 1:
            messages.append(f"A single-answer item needs exactly one correct choice (this one has {correct}).")
    else:
        if len(specs) < MIN_CHOICES:
            messages.append(f"A select-all item needs at least {MIN_CHOICES} choices (this one has {len(specs)}).")
        if correct < 1:
            messages.append("A select-all item needs at least one correct choice.")
        if correct == len(specs) and specs:
            messages.append("A select-all item needs at least one incorrect choice.")
    return {"choices": messages} if messages else {}


def check_item(*, type: str, choices: Iterable, label: str = "") -> None:  # noqa: A002
    """Raise ItemRuleError naming ``label`` (the item) when the item breaks the rules."""
    problems = item_problems(type=type, choices=choices)
    if problems:
        raise ItemRuleError(problems, label)
