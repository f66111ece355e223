"""Moodle XML question format (multichoice and truefalse questions).

Mapping: the key is the question's ``name`` and ``idnumber``; the stem its
``questiontext``; the explanation its ``generalfeedback``; single answer or
select-all is ``single``; correct choices have a positive ``fraction``;
objective and source travel as tags ``objective:<key>`` and
``source:<text>``. True/false items are written as Moodle ``truefalse``
questions with their choices in our order. Categories are skipped (they hold
no items); any other question type, per-choice feedback or partial credit on
a single-answer item is refused with the item and field named.
"""

from __future__ import annotations

from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement, tostring

from .bank import (
    KEY_PATTERN,
    MAX_CHOICES,
    MAX_ITEMS,
    BankChoice,
    BankError,
    BankItem,
    item_type_for,
    parse_xml,
    refuse,
)

INLINE_HTML = {"p", "br", "span", "em", "strong", "b", "i", "u", "sub", "sup", "div"}


def _text_element(parent, tag, text, fmt="plain_text"):
    element = SubElement(parent, tag, format=fmt) if fmt else SubElement(parent, tag)
    SubElement(element, "text").text = text
    return element


def export_moodle(items: list[BankItem]) -> bytes:
    quiz = Element("quiz")
    for item in items:
        if item.type == "true_false":
            question = SubElement(quiz, "question", type="truefalse")
        else:
            question = SubElement(quiz, "question", type="multichoice")
        _text_element(question, "name", item.key, fmt=None)
        _text_element(question, "questiontext", item.stem)
        _text_element(question, "generalfeedback", item.explanation)
        SubElement(question, "defaultgrade").text = "1"
        SubElement(question, "penalty").text = "0"
        SubElement(question, "hidden").text = "0"
        SubElement(question, "idnumber").text = item.key
        n_correct = sum(c.correct for c in item.choices)
        if item.type != "true_false":
            SubElement(question, "single").text = "false" if item.type == "multiple" else "true"
            SubElement(question, "shuffleanswers").text = "true"
            SubElement(question, "answernumbering").text = "abc"
        for choice in item.choices:
            if item.type == "true_false":
                text, fraction = choice.text.lower(), "100" if choice.correct else "0"
            elif item.type == "multiple":
                # Moodle needs weights that add to 100; our grading is all or nothing.
                text, fraction = (
                    choice.text,
                    (f"{100 / n_correct:.5f}".rstrip("0").rstrip(".") if choice.correct else "-100"),
                )
            else:
                text, fraction = choice.text, "100" if choice.correct else "0"
            answer = _text_element(question, "answer", text)
            answer.set("fraction", fraction)
            _text_element(answer, "feedback", "")
        tags = [f"objective:{item.objective}" if item.objective else "", f"source:{item.source}" if item.source else ""]
        if any(tags):
            tag_list = SubElement(question, "tags")
            for tag in filter(None, tags):
                _text_element(tag_list, "tag", tag, fmt=None)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(quiz, encoding="unicode").encode("utf-8")


class _HtmlText(HTMLParser):
    def __init__(self, where):
        super().__init__(convert_charrefs=True)
        self.where = where
        self.pieces = []

    def handle_starttag(self, tag, attrs):
        if tag not in INLINE_HTML:
            raise BankError([f"{self.where}: contains <{tag}>, which cannot be represented (text only)"])
        if tag == "br":
            self.pieces.append("\n")

    def handle_data(self, data):
        self.pieces.append(data)


def _field_text(element, where):
    if element is None:
        return ""
    text = element.findtext("text") or ""
    if element.get("format", "html") in ("html", "moodle_auto_format"):
        parser = _HtmlText(where)
        parser.feed(text)
        parser.close()
        text = "".join(parser.pieces)
    elif element.get("format") == "markdown":
        refuse(f"{where}: markdown text cannot be represented; export as plain text or HTML")
    if element.findall("file"):
        refuse(f"{where}: embedded files cannot be represented (text only)")
    return text.strip()


def _import_question(question, position) -> BankItem:
    kind = question.get("type")
    name = (question.findtext("name/text") or "").strip()
    key = (question.findtext("idnumber") or "").strip() or name
    where = f"question {position} ({key or 'no name'})"
    if kind not in ("multichoice", "truefalse"):
        refuse(f"{where}: type: Moodle {kind!r} questions cannot be represented; only multichoice and truefalse")
    if not KEY_PATTERN.match(key):
        refuse(f"{where}: idnumber/name: the key must be 1-40 letters, digits, hyphens or underscores")
    answers = question.findall("answer")
    if len(answers) > MAX_CHOICES:
        refuse(f"{where}: answers: {len(answers)} is more than the {MAX_CHOICES} allowed")
    choices = []
    for i, answer in enumerate(answers, start=1):
        if _field_text(answer.find("feedback"), f"{where}: answer {i} feedback"):
            refuse(f"{where}: answer {i} feedback: per-choice feedback cannot be represented; use the general feedback")
        try:
            fraction = float(answer.get("fraction", "0"))
        except ValueError:
            refuse(f"{where}: answer {i} fraction: {answer.get('fraction')!r} is not a number")
        text = _field_text(answer, f"{where}: answer {i}")
        if kind == "truefalse":
            text = {"true": "True", "false": "False"}.get(text.lower(), text)
        choices.append((text, fraction))
    single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
    if kind == "multichoice" and single and any(0 < f < 100 for _, f in choices):
        refuse(f"{where}: answer fraction: partial credit on a single-answer question cannot be represented")
    tags = [(t.findtext("text") or "").strip() for t in question.findall("tags/tag")]
    objective = next((t.split(":", 1)[1] for t in tags if t.startswith("objective:")), "")
    source = next((t.split(":", 1)[1] for t in tags if t.startswith("source:")), "")
    texts = [t for t, _ in choices]
    return BankItem(
        key=key,
        type="true_false" if kind == "truefalse" else item_type_for(multiple=not single, texts=texts),
        stem=_field_text(question.find("questiontext"), f"{where}: questiontext"),
        explanation=_field_text(question.find("generalfeedback"), f"{where}: generalfeedback"),
        choices=tuple(BankChoice(t, f > 0) for t, f in choices),
        objective=objective,
        source=source,
    )


def import_moodle(data: bytes, *, filename: str = "") -> list[BankItem]:
    root = parse_xml(data, filename or "file")
    if root.tag != "quiz":
        refuse(f"{filename or 'file'}: not Moodle XML (the root element is <{root.tag}>, not <quiz>)")
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    if len(questions) > MAX_ITEMS:
        refuse(f"{filename or 'file'}: {len(questions)} questions is more than the {MAX_ITEMS} allowed")
    items, problems = [], []
    for position, question in enumerate(questions, start=1):
        try:
            items.append(_import_question(question, position))
        except BankError as exc:
            problems.extend(exc.problems)
    if problems:
        refuse(*problems)
    return items
