"""Pure validation of submitted answers against an attempt's snapshot."""

from core.errors import InvalidInput
from core.parsing import parse_id


class InvalidAnswer(InvalidInput):
    """The payload names a question or choice that is not part of the attempt."""


SINGLE_CHOICE_TYPES = ("single", "true_false")
MAX_FIELD_LEN = 20


def _as_int(value, what):
    number = parse_id(value) if not isinstance(value, str) or len(value) <= MAX_FIELD_LEN else None
    if number is None:
        raise InvalidAnswer(f"That {what} is not valid.")
    return number


def index_snapshot(snapshot):
    return {q["id"]: q for q in snapshot["questions"]}


def parse_selection(snapshot_index, question_id, choice_ids):
    """Validate one question's selection; returns (question_id, sorted ids)."""
    qid = _as_int(question_id, "question")
    question = snapshot_index.get(qid)
    if question is None:
        raise InvalidAnswer("That question is not part of this attempt.")
    if not isinstance(choice_ids, (list, tuple)):
        raise InvalidAnswer("Choices must be sent as a list.")
    if len(choice_ids) > len(question["choices"]):
        raise InvalidAnswer("Too many choices were sent for this question.")
    ids = sorted({_as_int(c, "choice") for c in choice_ids})
    allowed = {c["id"] for c in question["choices"]}
    if any(c not in allowed for c in ids):
        raise InvalidAnswer("A selected choice does not belong to this question.")
    if question["type"] in SINGLE_CHOICE_TYPES and len(ids) > 1:
        raise InvalidAnswer("Choose only one answer for this question.")
    return qid, ids


def parse_form(snapshot, data):
    """``data`` maps form field names to lists of values (a QueryDict's
    ``lists()``). Fields are ``q_<question id>``; anything else starting with
    ``q_`` is tampering and refuses the whole submission."""
    index = index_snapshot(snapshot)
    answers = {}
    for name, values in data:
        if not name.startswith("q_"):
            continue
        qid, ids = parse_selection(index, name[2:], list(values))
        if ids:
            answers[qid] = ids
    return answers


def unanswered(snapshot, answers):
    return [q["id"] for q in snapshot["questions"] if not answers.get(q["id"])]
