"""What a question bank holds when it travels, and the safe reading of
files from outside.

``BankItem`` is exactly what our item types hold (stem, choices and keys,
explanation, objective and source); every format reads into it and writes
from it, so a round trip loses nothing. Anything a file holds that a
BankItem cannot (images, other interactions, partial credit, per-choice
feedback) is refused with the item and field named, never dropped.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_UPLOAD_BYTES = 5 * 2**20  # a bank of a few hundred items is well under 1 MiB
MAX_UNPACKED_BYTES = 20 * 2**20
MAX_ZIP_MEMBERS = 2000
MAX_ITEMS = 1000
MAX_CHOICES = 8
KEY_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


@dataclass(frozen=True)
class BankChoice:
    text: str
    correct: bool


@dataclass(frozen=True)
class BankItem:
    key: str
    type: str
    stem: str
    explanation: str
    choices: tuple[BankChoice, ...]
    objective: str = ""
    source: str = ""

    def as_json(self):
        return {
            "key": self.key,
            "type": self.type,
            "stem": self.stem,
            "explanation": self.explanation,
            "objective": self.objective,
            "source": self.source,
            "choices": [{"text": c.text, "correct": c.correct} for c in self.choices],
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            key=data["key"],
            type=data["type"],
            stem=data["stem"],
            explanation=data["explanation"],
            objective=data.get("objective", ""),
            source=data.get("source", ""),
            choices=tuple(BankChoice(c["text"], bool(c["correct"])) for c in data["choices"]),
        )


@dataclass
class BankError(Exception):
    """A file refused as a whole; ``problems`` name the item and field of each."""

    problems: list[str] = field(default_factory=list)

    def __str__(self):
        return "; ".join(self.problems)


def refuse(*problems: str):
    raise BankError(list(problems))


def check_size(data: bytes, what: str = "file"):
    if len(data) > MAX_UPLOAD_BYTES:
        refuse(f"{what}: {len(data):,} bytes is larger than the {MAX_UPLOAD_BYTES // 2**20} MiB limit")


def utf8_text(data: bytes, what: str = "file") -> str:
    """Strict UTF-8 (a byte-order mark allowed), or a clear refusal."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        refuse(f"{what}: not UTF-8 text (invalid byte at position {exc.start}); save it as UTF-8 and try again")


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def parse_xml(data: bytes, what: str = "file"):
    """Parse XML from outside: UTF-8 only, no DTD, no entities (billion laughs,
    external entities), size-limited. Returns the root element."""
    check_size(data, what)
    declared = _DECLARED.match(data)
    if declared and declared.group(1).decode().lower().replace("_", "-") not in ("utf-8", "utf8"):
        refuse(f"{what}: declares the encoding {declared.group(1).decode()}; only UTF-8 is accepted")
    utf8_text(data, what)
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        refuse(f"{what}: XML with a DOCTYPE or entity declarations is not accepted")
    except ParseError as exc:
        refuse(f"{what}: not well-formed XML ({exc})")


def read_zip(data: bytes) -> dict[str, bytes]:
    """The members of a zip, with every limit and path check applied before
    anything is decompressed; nothing is ever written to disk."""
    check_size(data, "package")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        refuse("package: not a zip file")
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_ZIP_MEMBERS:
        refuse(f"package: {len(infos)} files is more than the {MAX_ZIP_MEMBERS} allowed")
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name) or "\\" in name:
            refuse(f"package: {name!r} points outside the package folder")
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        refuse(f"package: unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
    files = {}
    budget = MAX_UNPACKED_BYTES
    for info in infos:
        with archive.open(info) as member:
            content = member.read(budget + 1)  # the declared size can lie: cap what is read
        budget -= len(content)
        if budget < 0:
            refuse(f"package: unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
        files[info.filename] = content
    return files


def item_type_for(*, multiple: bool, texts: list[str]) -> str:
    """Our type from a format's single/multiple answer flag and the choice texts."""
    if multiple:
        return "multiple"
    return "true_false" if sorted(t.strip() for t in texts) == ["False", "True"] else "single"
