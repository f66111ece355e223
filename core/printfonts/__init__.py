"""The fonts every printed document uses, and which characters they can draw.

A Django-free module on the ground floor: ``accounts`` asks it whether a
legal name can be printed (``uncovered``), ``certificates.pdf`` asks it how to
print one (``layout_line``). Both must give the same answer, so both read the
same font files, which ship with the code in ``files/`` (see
``files/README.md`` for where each comes from and its licence).

Every style (sans, sans bold, serif, serif bold) is a chain: its DejaVu face
for Latin, Greek and Cyrillic, then Noto Naskh Arabic, Noto Serif Hebrew,
Noto Serif Devanagari and WenQuanYi Micro Hei (Chinese, Japanese, Korean).
A character of one of those scripts goes straight to its script's font;
anything else goes to the first font in the chain whose cmap has it.

``layout_line`` splits a line into runs of one font and one bidi level
(Unicode bidi algorithm, python-bidi), shapes each run with HarfBuzz
(uharfbuzz: Arabic joining, Devanagari conjuncts, Hebrew and Arabic glyph
order) and returns the runs in visual order, ready to draw with ReportLab's
shaped-text support. So that text extraction (copy, search, pypdf) gives the
logical text back, every glyph that does not stand for exactly its own
character (a ligature, a conjunct, a contextual form, a reordered vowel sign)
is written under a private code whose ToUnicode entry is its cluster's text
(see ``ExtractableTTFont``).
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz
from bidi import algorithm as _bidi
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, ShapeData, ShapedStr, TTFont

__all__ = [
    "FONT_DIR",
    "SANS",
    "SANS_BOLD",
    "SERIF",
    "SERIF_BOLD",
    "NAME_STYLE",
    "Run",
    "chain",
    "font_for",
    "layout_line",
    "line_width",
    "needs_layout",
    "normalize",
    "register",
    "synthetic_bold",
    "uncovered",
]

FONT_DIR = Path(__file__).resolve().parent / "files"

SANS = "CertDejaVuSans"
SANS_BOLD = "CertDejaVuSans-Bold"
SERIF = "CertDejaVuSerif"
SERIF_BOLD = "CertDejaVuSerif-Bold"
NAME_STYLE = SERIF_BOLD  # the legal name and the course title print in this style

ARABIC, ARABIC_BOLD = "CertNotoNaskhArabic", "CertNotoNaskhArabic-Bold"
HEBREW, HEBREW_BOLD = "CertNotoSerifHebrew", "CertNotoSerifHebrew-Bold"
DEVANAGARI, DEVANAGARI_BOLD = "CertNotoSerifDevanagari", "CertNotoSerifDevanagari-Bold"
CJK = "CertWenQuanYiMicroHei"  # one weight only; bold styles use it as it is

_FILES: dict[str, tuple[str, int]] = {  # name -> (file, index in a .ttc collection)
    SANS: ("DejaVuSans.ttf", 0),
    SANS_BOLD: ("DejaVuSans-Bold.ttf", 0),
    SERIF: ("DejaVuSerif.ttf", 0),
    SERIF_BOLD: ("DejaVuSerif-Bold.ttf", 0),
    ARABIC: ("NotoNaskhArabic-Regular.ttf", 0),
    ARABIC_BOLD: ("NotoNaskhArabic-Bold.ttf", 0),
    HEBREW: ("NotoSerifHebrew-Regular.ttf", 0),
    HEBREW_BOLD: ("NotoSerifHebrew-Bold.ttf", 0),
    DEVANAGARI: ("NotoSerifDevanagari-Regular.ttf", 0),
    DEVANAGARI_BOLD: ("NotoSerifDevanagari-Bold.ttf", 0),
    CJK: ("wqy-microhei.ttc", 0),  # face 0: Micro Hei (1 is its monospaced twin)
}

# Script -> position in a chain. A character of these scripts goes to its
# script's font first: DejaVu Sans has some Arabic and Hebrew letters, but no
# Naskh shaping tables and no serif design to match the rest of the name.
_ARABIC_I, _HEBREW_I, _DEVANAGARI_I, _CJK_I = 1, 2, 3, 4
_CHAINS: dict[str, tuple[str, ...]] = {
    SANS: (SANS, ARABIC, HEBREW, DEVANAGARI, CJK),
    SANS_BOLD: (SANS_BOLD, ARABIC_BOLD, HEBREW_BOLD, DEVANAGARI_BOLD, CJK),
    SERIF: (SERIF, ARABIC, HEBREW, DEVANAGARI, CJK),
    SERIF_BOLD: (SERIF_BOLD, ARABIC_BOLD, HEBREW_BOLD, DEVANAGARI_BOLD, CJK),
}
_SCRIPT_PREFIXES = (
    ("ARABIC", _ARABIC_I),
    ("HEBREW", _HEBREW_I),
    ("DEVANAGARI", _DEVANAGARI_I),
    ("VEDIC", _DEVANAGARI_I),
    ("CJK", _CJK_I),
    ("HIRAGANA", _CJK_I),
    ("KATAKANA", _CJK_I),
    ("HANGUL", _CJK_I),
    ("IDEOGRAPHIC", _CJK_I),
    ("BOPOMOFO", _CJK_I),
)
# Spaces, punctuation and combining marks stay in the font of the run they
# follow when that font has them (so "محمد عبد" shapes as one run).
_FOLLOWS = frozenset(("Zs", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Mn", "Mc", "Me"))

# Private codes for shaped glyphs, in plane 15 (a legal name never contains
# private-use characters: the profile form and the PDF layout both drop them).
_ALIAS_BASE = 0xF0000


_BOLD_STYLES = frozenset((SANS_BOLD, SERIF_BOLD))
_NO_BOLD_FACE = frozenset((CJK,))


def chain(style: str) -> tuple[str, ...]:
    return _CHAINS[style]


def synthetic_bold(style: str, font: str) -> bool:
    """True when ``font`` stands in for a bold style without a bold face of its own.

    The layout then strokes the glyph outlines as well as filling them, so a
    Chinese name is as heavy as the Latin names around it.
    """
    return style in _BOLD_STYLES and font in _NO_BOLD_FACE


def normalize(text: str) -> str:
    """The form a name is checked and printed in (NFC: precomposed letters)."""
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------
# Font files


class ExtractableTTFont(TTFont):
    """A TrueType font whose shaped glyphs still extract as their text.

    ReportLab writes each subset's ToUnicode map from the character codes it
    was given. Shaped glyphs get private codes here (``alias``), and their
    ToUnicode entries are rewritten to the text they stand for (possibly
    several characters, or none for the second glyph of a cluster).
    """

    def __init__(self, name: str, filename: str, subfontIndex: int = 0):  # noqa: N803 (ReportLab's name)
        super().__init__(name, filename, subfontIndex=subfontIndex)
        self.cmap = frozenset(c for c, g in self.face.charToGlyph.items() if g)  # before any alias is added
        self._alias_lock = threading.Lock()
        self._aliases: dict[tuple[int, str], int] = {}
        self._alias_text: dict[int, str] = {}

    def alias(self, gid: int, text: str, advance: float) -> int:
        """A private code drawing glyph ``gid`` that extracts as ``text``."""
        key = (gid, text)
        code = self._aliases.get(key)
        if code is None:
            with self._alias_lock:
                code = self._aliases.get(key)
                if code is None:
                    code = _ALIAS_BASE + len(self._aliases)
                    self.face.charToGlyph[code] = gid
                    self.face.charWidths[code] = advance
                    self._alias_text[code] = text
                    self._aliases[key] = code
        return code

    def addObjects(self, doc):  # noqa: N802 (ReportLab's name)
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            if not any(code in self._alias_text for code in subset):
                continue
            base = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject["toUnicodeCMap:" + base]
            stream.content = _to_unicode_cmap(base, subset, self._alias_text)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(name: str, subset: list[int], texts: dict[int, str]) -> str:
    """ReportLab's ToUnicode CMap, with each alias mapped to its text."""
    entries = [f"<{i:02X}> <{_utf16_hex(texts.get(code, chr(code)))}>" for i, code in enumerate(subset)]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo\n<< /Registry ({name})\n/Ordering ({name})\n/Supplement 0\n>> def",
            f"/CMapName /{name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(entries)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


_LOAD_LOCK = threading.Lock()
_LOADED: dict[str, ExtractableTTFont] = {}


def register(name: str) -> ExtractableTTFont:
    """Parse and register one font on first use (the CJK face takes ~0.6 s)."""
    font = _LOADED.get(name)
    if font is None:
        with _LOAD_LOCK:
            font = _LOADED.get(name)
            if font is None:
                filename, index = _FILES[name]
                font = ExtractableTTFont(name, str(FONT_DIR / filename), subfontIndex=index)
                pdfmetrics.registerFont(font)
                _LOADED[name] = font
    return font


def _covers(name: str, ch: str) -> bool:
    return ord(ch) in register(name).cmap


# --------------------------------------------------------------------------
# Coverage


@functools.lru_cache(maxsize=4096)
def _script_index(ch: str) -> int | None:
    label = unicodedata.name(ch, "")
    for prefix, index in _SCRIPT_PREFIXES:
        if label.startswith(prefix):
            return index
    return None


def font_for(ch: str, style: str = NAME_STYLE) -> str | None:
    """The font that draws ``ch`` in ``style``, or None if none of them can."""
    fonts = _CHAINS[style]
    index = _script_index(ch)
    if index is not None and _covers(fonts[index], ch):
        return fonts[index]
    for name in fonts:
        if _covers(name, ch):
            return name
    return None


def uncovered(text: str, style: str = NAME_STYLE) -> list[str]:
    """The distinct characters of ``text`` that no font of ``style`` can draw.

    Whitespace is not counted (the layout turns it into spaces); everything
    else, letters, marks, punctuation and symbols alike, must have a glyph.
    """
    missing: list[str] = []
    for ch in normalize(text):
        if not ch.isspace() and ch not in missing and font_for(ch, style) is None:
            missing.append(ch)
    return missing


# --------------------------------------------------------------------------
# Line layout


@dataclass(frozen=True)
class Run:
    """One piece of a line in visual order: a font and what to draw with it."""

    font: str
    text: str  # a ReportLab ShapedStr, or a plain str when nothing needs shaping
    advance: float  # width in thousandths of the font size
    shaped: bool = True


def _font_runs(text: str, style: str) -> list[list]:
    """[font, start, end] runs in logical order; characters no font has keep the primary font."""
    primary = _CHAINS[style][0]
    runs: list[list] = []
    for i, ch in enumerate(text):
        if runs and unicodedata.category(ch) in _FOLLOWS and _covers(runs[-1][0], ch):
            runs[-1][2] = i + 1
            continue
        font = font_for(ch, style) or primary
        if runs and runs[-1][0] == font:
            runs[-1][2] = i + 1
        else:
            runs.append([font, i, i + 1])
    return runs


@functools.lru_cache(maxsize=4096)
def needs_layout(text: str, style: str) -> bool:
    """False when ``text`` prints with the primary font alone, left to right, unshaped."""
    primary = register(_CHAINS[style][0])
    for ch in text:
        if ord(ch) not in primary.cmap or _script_index(ch) is not None:
            return True
        if unicodedata.bidirectional(ch) in ("R", "AL", "RLE", "RLO", "RLI"):
            return True
    return False


def _bidi_levels(text: str) -> list[int]:
    """Resolved embedding level of every character (Unicode bidi algorithm, rules P2 to I2).

    python-bidi's fast ``get_display`` returns only the reordered string; the
    levels come from its reference implementation, step by step, as its own
    ``algorithm.get_display`` runs them.
    """
    storage = _bidi.get_empty_storage()
    base_level = _bidi.get_base_level(text)
    storage["base_level"] = base_level
    storage["base_dir"] = ("L", "R")[base_level]
    _bidi.get_embedding_levels(text, storage)
    _bidi.explicit_embed_and_overrides(storage)
    _bidi.resolve_weak_types(storage)
    _bidi.resolve_neutral_types(storage, False)
    _bidi.resolve_implicit_levels(storage, False)
    return [c["level"] for c in storage["chars"]]


def _visual_order(levels: list[int]) -> list[int]:
    """Indices of runs with these levels in display order (rule L2)."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else highest + 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


_HB_FEATURES = {"kern": True, "liga": True}


def _shape(text: str, font_name: str, rtl: bool) -> Run:
    """Shape one run with HarfBuzz; glyphs come back in visual order.

    A glyph that stands for exactly its own character keeps that character's
    code. The glyphs of any other cluster (a ligature, a conjunct, a
    contextual form, a vowel sign drawn before its consonant) get private
    codes that extract as the cluster's characters, one each, in logical
    order for left-to-right runs and reversed for right-to-left ones (which
    extractors read backwards); when a cluster has more characters than
    glyphs, zero-width blank glyphs carry the rest.
    """
    font = register(font_name)
    hb_font = uharfbuzz.Font(font.hbFace)
    buf = uharfbuzz.Buffer()
    buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    uharfbuzz.shape(hb_font, buf, _HB_FEATURES)
    scale = font.pdfScale
    glyphs = list(zip(buf.glyph_infos, buf.glyph_positions, strict=True))
    starts = sorted({info.cluster for info, _ in glyphs})
    ends = {s: (starts[k + 1] if k + 1 < len(starts) else len(text)) for k, s in enumerate(starts)}
    blank = font.face.charToGlyph.get(0x20, 0)

    chars: list[str] = []
    data: list[ShapeData] = []

    def put(code: int, cluster: int, pos) -> None:
        chars.append(chr(code))
        if pos is None:  # a blank carrier glyph: no advance, no offset
            data.append(ShapeData(cluster, 0, 0, 0, 0, font.face.charWidths[code]))
        else:
            data.append(
                ShapeData(
                    cluster,
                    scale(pos.x_advance),
                    scale(pos.y_advance),
                    scale(pos.x_offset),
                    scale(pos.y_offset),
                    font.face.charWidths[code],
                )
            )

    i = 0
    while i < len(glyphs):
        cluster = glyphs[i][0].cluster
        j = i
        while j < len(glyphs) and glyphs[j][0].cluster == cluster:
            j += 1
        group = glyphs[i:j]
        cluster_text = text[cluster : ends[cluster]]
        gid = group[0][0].codepoint
        if len(group) == 1 and len(cluster_text) == 1 and font.face.charToGlyph.get(ord(cluster_text)) == gid:
            put(ord(cluster_text), cluster, group[0][1])
        else:
            letters = list(reversed(cluster_text) if rtl else cluster_text)
            for k in range(max(len(group), len(letters))):
                letter = letters[k] if k < len(letters) else ""
                if k < len(group):
                    info, pos = group[k]
                    code = font.alias(info.codepoint, letter, scale(hb_font.get_glyph_h_advance(info.codepoint)))
                    put(code, cluster, pos)
                else:
                    put(font.alias(blank, letter, scale(hb_font.get_glyph_h_advance(blank))), cluster, None)
        i = j
    shaped = ShapedStr("".join(chars), shapeData=data)
    return Run(font_name, shaped, sum(d.x_advance for d in data))


@functools.lru_cache(maxsize=2048)
def layout_line(text: str, style: str) -> tuple[Run, ...]:
    """Runs of one font each, in visual (left to right) order.

    ``text`` should be normalized and on one line. Widths are in thousandths
    of the font size, so one layout serves every size the text is tried at
    (the certificate shrinks long names step by step); cached, because the
    same names and titles are measured many times per render.

    Characters no font can draw are laid out with the primary font (they
    would print as its .notdef box); the profile form refuses such names
    before they get here.
    """
    primary = _CHAINS[style][0]
    if not needs_layout(text, style):
        register(primary)
        return (Run(primary, text, pdfmetrics.stringWidth(text, primary, 1000), shaped=False),)
    levels = _bidi_levels(text)
    pieces: list[tuple[str, int, int, int]] = []  # font, start, end, level
    for font, start, end in _font_runs(text, style):
        i = start
        while i < end:
            j = i + 1
            while j < end and levels[j] == levels[i]:
                j += 1
            pieces.append((font, i, j, levels[i]))
            i = j
    order = _visual_order([p[3] for p in pieces])
    return tuple(_shape(text[pieces[k][1] : pieces[k][2]], pieces[k][0], pieces[k][3] % 2 == 1) for k in order)


def line_width(text: str, style: str, size: float) -> float:
    """Width of ``text`` in points at ``size``, as ``layout_line`` lays it out."""
    return sum(run.advance for run in layout_line(text, style)) * size / 1000
