"""GIFT, Moodle's plain-text question format (multiple-choice and true/false).

Written as::

    // [id:m1-q01] [tag:objective:m1-o1] [tag:source:002_x.txt]
    ::m1-q01::Stem text{
    =Right answer
    ~Wrong answer
    ####Explanation
    }

Select-all items give each right answer ``%<100/k>%`` and each wrong one
``%-100%`` (Moodle's convention; our grading stays all or nothing). True/false
items are written as a single-answer question with the choices "True" and
"False" in our order (Moodle's ``{T}`` short form is read too). ``[id:]`` and
``[tag:]`` comments are how Moodle itself keeps an id number and tags in GIFT.
Numeric, matching, short-answer, essay and missing-word questions, and
per-answer feedback, are refused with the item and field named.
"""

from __future__ import annotations

import re

from .bank import (
    KEY_PATTERN,
    MAX_CHOICES,
    MAX_ITEMS,
    BankChoice,
    BankError,
    BankItem,
    check_size,
    item_type_for,
    refuse,
    utf8_text,
)

SPECIAL = "~=#{}:\\"


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in SPECIAL else ch for ch in text)
    return out.replace("\n", "\\n")


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def export_gift(items: list[BankItem]) -> bytes:
    blocks = []
    for item in items:
        meta = [f"[id:{item.key}]"]
        if item.objective:
            meta.append(f"[tag:objective:{item.objective}]")
        if item.source:
            meta.append(f"[tag:source:{item.source.replace(']', ')')}]")
        lines = ["// " + " ".join(meta), f"::{escape(item.key)}::{escape(item.stem)}{{"]
        n_correct = sum(c.correct for c in item.choices)
        for choice in item.choices:
            if item.type == "multiple":
                weight = f"{100 / n_correct:.5f}".rstrip("0").rstrip(".") if choice.correct else "-100"
                lines.append(f"~%{weight}%{escape(choice.text)}")
            else:
                lines.append(("=" if choice.correct else "~") + escape(choice.text))
        if item.explanation:
            lines.append("####" + escape(item.explanation))
        lines.append("}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _split_unescaped(text, separators):
    """Split at unescaped separator characters, keeping which one opened each part."""
    parts, current, opener, i = [], [], None, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch in separators:
            parts.append((opener, "".join(current)))
            current, opener = [], ch
        else:
            current.append(ch)
        i += 1
    parts.append((opener, "".join(current)))
    return parts


def _find_unescaped(text, ch, start=0):
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def _blocks(text):
    """Questions are separated by blank lines; comment lines attach to the next question."""
    block, comments = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if block:
                yield comments, "\n".join(block)
                block, comments = [], []
            continue
        if stripped.startswith("//") and not block:
            comments.append(stripped[2:].strip())
        elif stripped.startswith("$CATEGORY:") and not block:
            continue  # categories hold no items
        else:
            block.append(line)
    if block:
        yield comments, "\n".join(block)


def _parse_question(comments, block, position) -> BankItem:
    meta = " ".join(comments)
    ident = re.search(r"\[id:([^\]]+)\]", meta)
    tags = re.findall(r"\[tag:([^\]]+)\]", meta)
    title = ""
    body = block.strip()
    if body.startswith("::"):
        end = body.find("::", 2)
        if end < 0:
            refuse(f"question {position}: title: '::' is not closed")
        title, body = unescape(body[2:end]).strip(), body[end + 2 :]
    key = (ident.group(1).strip() if ident else "") or title
    where = f"question {position} ({key or 'no title'})"
    if not KEY_PATTERN.match(key):
        refuse(f"{where}: title/[id:]: the key must be 1-40 letters, digits, hyphens or underscores")
    open_at = _find_unescaped(body, "{")
    close_at = _find_unescaped(body, "}", open_at + 1) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        refuse(f"{where}: answers: no {{...}} answer block")
    if body[close_at + 1 :].strip():
        refuse(f"{where}: stem: text after the answers (a missing-word question) cannot be represented")
    stem_raw = body[:open_at]
    for prefix in ("[html]", "[plain]", "[moodle]"):
        stem_raw = stem_raw.replace(prefix, "", 1) if stem_raw.lstrip().startswith(prefix) else stem_raw
    if stem_raw.lstrip().startswith("[markdown]"):
        refuse(f"{where}: stem: markdown text cannot be represented")
    stem = unescape(stem_raw).strip()
    answers = body[open_at + 1 : close_at].strip()
    explanation = ""
    general = answers.find("####")
    if general >= 0:
        explanation, answers = unescape(answers[general + 4 :]).strip(), answers[:general].strip()
    short_tf = re.fullmatch(r"(T|TRUE|F|FALSE)((#[^#].*)?)", answers, re.S)
    if short_tf:
        if short_tf.group(2):
            refuse(f"{where}: answer feedback: per-answer feedback cannot be represented; use ####")
        true = short_tf.group(1).startswith("T")
        choices = (BankChoice("True", true), BankChoice("False", not true))
        return BankItem(key, "true_false", stem, explanation, choices, *_meta(tags))
    if answers.startswith("#") or "->" in answers or not answers:
        refuse(f"{where}: type: numeric, matching and essay questions cannot be represented")
    parts = [(opener, text) for opener, text in _split_unescaped(answers, "=~") if opener or text.strip()]
    if any(opener is None for opener, _ in parts):
        refuse(f"{where}: answers: every answer starts with = or ~")
    if len(parts) > MAX_CHOICES:
        refuse(f"{where}: answers: {len(parts)} is more than the {MAX_CHOICES} allowed")
    choices, weighted = [], False
    for opener, raw in parts:
        weight = None
        match = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", raw)
        if match:
            weight, raw = float(match.group(1)), raw[match.end() :]
            weighted = True
        feedback_at = _find_unescaped(raw, "#")
        if feedback_at >= 0:
            refuse(f"{where}: answer feedback: per-answer feedback cannot be represented; use ####")
        correct = opener == "=" or (weight is not None and weight > 0)
        choices.append(BankChoice(unescape(raw).strip(), correct))
    if any(o == "=" for o, _ in parts):
        if sum(o == "=" for o, _ in parts) > 1:
            refuse(f"{where}: answers: several '=' answers are alternatives in GIFT; mark select-all answers with ~%w%")
        if weighted:
            refuse(f"{where}: answer weight: partial credit on a single-answer question cannot be represented")
        multiple = False
    else:
        multiple = weighted
    if not any(c.correct for c in choices) and not weighted:
        refuse(f"{where}: answers: no answer is marked right (= or a positive %weight%)")
    kind = item_type_for(multiple=multiple, texts=[c.text for c in choices])
    return BankItem(key, kind, stem, explanation, tuple(choices), *_meta(tags))


def _meta(tags):
    objective = next((t.split(":", 1)[1] for t in tags if t.startswith("objective:")), "")
    source = next((t.split(":", 1)[1] for t in tags if t.startswith("source:")), "")
    return objective, source


def import_gift(data: bytes, *, filename: str = "") -> list[BankItem]:
    check_size(data, filename or "file")
    text = utf8_text(data, filename or "file")
    items, problems = [], []
    for position, (comments, block) in enumerate(_blocks(text), start=1):
        if position > MAX_ITEMS:
            refuse(f"{filename or 'file'}: more than {MAX_ITEMS} questions")
        try:
            items.append(_parse_question(comments, block, position))
        except BankError as exc:
            problems.extend(exc.problems)
    if problems:
        refuse(*problems)
    if not items:
        refuse(f"{filename or 'file'}: no questions found")
    return items
