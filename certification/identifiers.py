"""Spotting what looks like a patient identifier in free text (pure).

A therapist's capstone and a supervisor's comment are the only free text
this app keeps; HIPAA's Safe Harbor list names what must never appear:
names, dates more precise than a year, phone numbers, e-mail addresses,
record and account numbers. These patterns are deliberately broad: a false
alarm costs the writer a rephrase, a miss puts patient data on the server.
They cannot recognise a bare name ("Maria said ..."); the form says so and
asks for "the client" instead.
"""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("a web address", re.compile(r"\b(?:https?://|www\.)\S+", re.I)),
    ("a phone number", re.compile(r"(?<!\w)(?:\+?\d[\s().-]*){7,15}(?!\w)")),
    (
        "a date",
        re.compile(
            rf"\b(?:\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{1,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b)",
            re.I,
        ),
    ),
    (
        "a record or ID number",
        re.compile(r"\b(?:mrn|dob|ssn|nhs)\b\s*[:#]?\s*\w*\d", re.I),
    ),
    (
        "a record or ID number",
        re.compile(
            r"\b(?:record|chart|account|id|patient|client|medicare|medicaid)\s*(?:no\.?|number|#|:)\s*\w*\d", re.I
        ),
    ),
    ("a record or ID number", re.compile(r"\b(?=\w*\d)(?=\w*[a-z])\w{6,}\b|\b\d{6,}\b", re.I)),
    ("a person's name", re.compile(r"\b(?i:mr|mrs|ms|miss|mx|dr)\.?\s+[A-Z][a-z'-]+")),
    ("a person's name", re.compile(r"\b(?:named|called|name is|name:)\s*[A-Z][a-z'-]+", re.I)),
)

# Scale names with digits that are not identifiers.
ALLOWED = re.compile(
    r"\b(?:phq-?9|phq-?2|gad-?7|qids(?:-sr16|-sr|-c16)?|bdi-?ii|madrs|ham-?d(?:17|24)?|dsm-?5(?:-tr)?|icd-?1[01]|f3[23]\.\d)\b",
    re.I,
)


def find_identifiers(text: str) -> list[str]:
    """What kinds of identifier ``text`` seems to contain, in a stable order
    without repeats; empty when none."""
    cleaned = ALLOWED.sub(" ", text or "")
    found: list[str] = []
    for label, pattern in PATTERNS:
        if label not in found and pattern.search(cleaned):
            found.append(label)
    return found
