"""Render a CE certificate as a one-page PDF.

``render_certificate`` is a pure function: it takes a ``CertificatePrint``
(plain data, no Django objects) and returns the PDF bytes. It never touches
the database or the file system, except for reading the font files once
per process (``printfonts``: DejaVu for Latin, Greek and Cyrillic, then
Noto Arabic, Hebrew and Devanagari and WenQuanYi Micro Hei for Chinese,
Japanese and Korean, each parsed when first needed). A line in several
scripts is drawn as runs, one per font, shaped by HarfBuzz and put in
visual order by the Unicode bidi algorithm; ReportLab embeds subsets.

Layout: landscape US Letter, one page, drawn directly on a ReportLab canvas
(no platypus). Every piece of user-supplied text is drawn with
``drawString``-family calls, so markup such as ``<b>`` prints literally;
control characters are stripped. Long names and course titles are wrapped
and shrunk to fit fixed boxes, so the page never overflows.

The output is deterministic: the same input gives byte-identical PDFs
(ReportLab ``invariant`` mode plus a creation date derived from the
completion date).

Speed: fonts are parsed once; decoded logo/signature images are memoised by
content (downscaled to 300 dpi at their printed size); the QR modules go into
the page as one path of merged rectangles; ReportLab's process-wide ASCII85
stream encoding is switched off, under a lock, for the duration of a render
(see ``_binary_streams``).
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass

import segno
from PIL import Image
from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas

from core import printfonts

__all__ = ["CertificatePrint", "render_certificate", "format_date", "draw_text_left", "wrap", "clean", "register_fonts"]


@dataclass(frozen=True)
class CertificatePrint:
    legal_name: str
    course_title: str
    completion_date: datetime.date
    ce_hours: str  # e.g. "6.0"
    format: str  # e.g. "Online, self-paced"
    provider_name: str
    accreditation_statement: str
    signatory_name: str
    signatory_title: str
    code: str  # e.g. "7KQ2M-X9D4R-T3HVA"
    verify_url: str  # e.g. "https://example.org/verify/7KQ2M-X9D4R-T3HVA/"
    signature_image: bytes | None = None  # PNG or JPEG bytes, optional
    logo_image: bytes | None = None  # PNG or JPEG bytes, optional
    # Board credit (all empty on a certificate of completion): one layout,
    # whose content comes from the body's data, never a layout per body.
    credit_type: str = ""  # e.g. "AMA PRA Category 1 Credits\u2122"; replaces "CE contact hours"
    license_number: str = ""
    license_jurisdiction: str = ""
    provider_address: str = ""
    approval_line: str = ""  # e.g. "APA approved sponsor \u00b7 Approval no. 1234"
    credit_statement: str = ""  # the offering's statement, printed after the approval's
    # The same page serves other awards (a program certification): their
    # heading, verb and detail line are data, not a second layout.
    heading: str = "Certificate of Completion"
    verb: str = "has completed"
    details: tuple[str, ...] = ()  # replaces "Completed <date> · hours · format" when given


# --------------------------------------------------------------------------
# Fonts: the chains live in ``printfonts`` (shared with the profile form,
# which refuses names these fonts cannot draw).

FONT_DIR = printfonts.FONT_DIR
SANS = printfonts.SANS
SANS_BOLD = printfonts.SANS_BOLD
SERIF = printfonts.SERIF
SERIF_BOLD = printfonts.SERIF_BOLD


@functools.cache
def register_fonts() -> tuple[str, ...]:
    """Parse and register the primary fonts once per process.

    The script fonts (Arabic, Hebrew, Devanagari, CJK) are parsed the first
    time a text needs them.
    """
    styles = (SANS, SANS_BOLD, SERIF, SERIF_BOLD)
    for name in styles:
        printfonts.register(name)
    return styles


# --------------------------------------------------------------------------
# Page geometry and palette

PAGE_W, PAGE_H = landscape(letter)  # 792 x 612 pt
MARGIN_OUTER = 24  # outer border inset
MARGIN_INNER = 31  # inner border inset
TEXT_W = 600  # width of centred text blocks
SMALL_W = 560  # width of the accreditation statement
CX = PAGE_W / 2

NAVY = Color(0.118, 0.216, 0.345)  # #1E3758
GOLD = Color(0.690, 0.553, 0.341)  # #B08D57
INK = Color(0.13, 0.13, 0.15)
GREY = Color(0.36, 0.37, 0.40)
LIGHT_GREY = Color(0.55, 0.56, 0.58)

QR_SIZE = 1.1 * inch  # including the 4-module quiet zone
QR_BORDER = 4
QR_RIGHT = PAGE_W - 66  # right edge of the QR symbol incl. quiet zone
QR_BOTTOM = 74

SIG_CX = 178  # centre of the signature block
SIG_LINE_Y = 100
SIG_LINE_HALF = 98
STACK_BOTTOM = 162  # the central text stack stays above this line
CODE_CX = CX
CAPTION_LEFT = 300  # leftmost x of the QR caption

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

FLOOR_SIZE = 4.0  # smallest font size text is shrunk to
# Outline stroke, as a fraction of the font size, that makes a regular face
# (the CJK one has no bold) about as heavy as the bold faces beside it.
SYNTHETIC_BOLD_STROKE = 0.03
# Field lengths beyond any real name/title; longer input is cut so that the
# layout and the render time stay bounded.
MAX_CHARS = 500
MAX_STATEMENT_CHARS = 2000

MAX_IMAGE_PIXELS = 40_000_000  # refuse to decode anything bigger
IMAGE_DPI = 300  # images are downscaled to this resolution at their printed size
LOGO_BOX = (220, 44)
SIG_BOX = (176, 46)


# --------------------------------------------------------------------------
# Text helpers

_WS_RE = re.compile(r"\s+")


def clean(text: object, limit: int = MAX_CHARS) -> str:
    """Return ``text`` as a single line of printable characters.

    Control characters (C0/C1, including newlines and tabs) become spaces,
    format characters and lone surrogates are dropped, runs of whitespace
    collapse to one space; at most ``limit`` characters are kept, in NFC
    (the form the profile form checks names in).
    """
    if text is None:
        return ""
    s = printfonts.normalize(str(text)[: limit * 2])
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat == "Cc":
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):
            # format characters (soft hyphen, zero-width and bidi controls),
            # lone surrogates, private-use and unassigned code points
            continue
        else:
            out.append(ch)
    s = _WS_RE.sub(" ", "".join(out)).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


def format_date(d: datetime.date) -> str:
    """``23 November 2026`` (locale independent)."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _width(text: str, font: str, size: float) -> float:
    """Width as drawn: shaped, with fallback fonts, in visual order (see ``printfonts``)."""
    return printfonts.line_width(text, font, size)


def _break_word(word: str, font: str, size: float, max_w: float) -> list[str]:
    """Split a single word that is wider than ``max_w`` into pieces."""
    pieces, cur, cur_w = [], "", 0.0
    for ch in word:
        w = _width(ch, font, size)  # only for words wider than a line: widths add up closely enough
        if cur and cur_w + w > max_w:
            pieces.append(cur)
            cur, cur_w = ch, w
        else:
            cur += ch
            cur_w += w
    if cur:
        pieces.append(cur)
    return pieces


def wrap(text: str, font: str, size: float, max_w: float) -> list[str]:
    """Greedy word wrap; words wider than the line are broken by character."""
    lines: list[str] = []
    cur = ""
    space = _width(" ", font, size)
    cur_w = 0.0
    for word in text.split(" "):
        if not word:
            continue
        w = _width(word, font, size)
        if w > max_w:
            if cur:
                lines.append(cur)
            parts = _break_word(word, font, size, max_w)
            lines.extend(parts[:-1])
            cur = parts[-1]
            cur_w = _width(cur, font, size)
            continue
        if not cur:
            cur, cur_w = word, w
        elif cur_w + space + w <= max_w:
            cur += " " + word
            cur_w += space + w
        else:
            lines.append(cur)
            cur, cur_w = word, w
    if cur:
        lines.append(cur)
    return lines


@dataclass
class Block:
    lines: list[str]
    font: str
    size: float
    leading: float
    color: Color

    @property
    def height(self) -> float:
        # first line: ascent-ish (size); following lines: leading each;
        # plus a descent allowance.
        return self.size + self.leading * (len(self.lines) - 1) + 0.25 * self.size


def fit(
    text: str,
    font: str,
    max_size: float,
    min_size: float,
    max_w: float,
    max_h: float,
    color: Color,
    leading: float = 1.18,
) -> Block:
    """Largest font size at which ``text`` wraps into the ``max_w`` x ``max_h`` box.

    Steps down by half a point to ``min_size``, then keeps shrinking (to
    4 pt) rather than overflow: the full text prints. Only text that cannot
    fit even at 4 pt (far beyond the field limits) is cut, with an ellipsis.
    """
    size = max_size
    while True:
        lines = wrap(text, font, size, max_w) or [""]
        block = Block(lines, font, size, size * leading, color)
        if block.height <= max_h:
            return block
        if size <= FLOOR_SIZE:
            break
        size = max(FLOOR_SIZE, size - 0.5 if size > min_size else size * 0.9)
    keep = max(1, int((max_h - 1.25 * size) / block.leading) + 1)
    last = lines[keep - 1] if keep <= len(lines) else lines[-1]
    while last and _width(last + "\u2026", font, size) > max_w:
        last = last[:-1]
    block.lines = [*lines[: keep - 1], last.rstrip() + "\u2026"]
    return block


def _one_line(text: str, font: str, max_size: float, max_w: float, min_size: float = 4) -> float:
    """Font size (<= max_size) at which ``text`` fits on one line of ``max_w``."""
    w = _width(text, font, max_size)
    if w <= max_w or not w:
        return max_size
    return max(min_size, max_size * max_w / w * 0.999)


# --------------------------------------------------------------------------
# Images


@functools.lru_cache(maxsize=8)
def _prepare_image(data: bytes, max_px_w: int, max_px_h: int) -> ImageReader | None:
    """Decode, normalise and downscale an image once; None if unusable.

    Cached by content: a provider's logo and signatory's signature are the
    same bytes on every certificate, so repeated renders skip the decode.
    """
    try:
        with Image.open(io.BytesIO(data)) as src:
            w, h = src.size
            if w <= 0 or h <= 0 or w * h > MAX_IMAGE_PIXELS:
                return None
            src.load()
            im = src
            has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            if has_alpha:
                im = im.convert("RGBA")
                lo, _hi = im.getchannel("A").getextrema()
                if lo == 255:  # alpha channel present but fully opaque
                    im = im.convert("RGB")
            elif im.mode not in ("RGB", "L"):
                im = im.convert("RGB")
            if im.width > max_px_w or im.height > max_px_h:
                im = im.copy() if im is src else im
                im.thumbnail((max_px_w, max_px_h), Image.Resampling.LANCZOS)
            elif im is src:
                im = im.copy()
        reader = ImageReader(im)
        # Decode everything now, so drawing only reads cached data (and a
        # corrupt image fails here rather than half-way through a page).
        reader.getRGBData()
        if reader._dataA is not None:
            reader._dataA.getRGBData()
        return reader
    except Exception:
        return None


def _image(data: bytes | None, box_w: float, box_h: float) -> ImageReader | None:
    """ImageReader for PNG/JPEG bytes at up to 300 dpi for a ``box_w`` x ``box_h`` pt box."""
    if not data or not isinstance(data, (bytes, bytearray, memoryview)):
        return None
    return _prepare_image(bytes(data), int(box_w / 72 * IMAGE_DPI), int(box_h / 72 * IMAGE_DPI))


def _draw_image(c, reader: ImageReader | None, cx: float, bottom: float, max_w: float, max_h: float) -> bool:
    """Draw ``reader`` centred on ``cx`` with its bottom at ``bottom``, scaled to fit."""
    if reader is None:
        return False
    iw, ih = reader.getSize()
    scale = min(max_w / iw, max_h / ih)
    w, h = iw * scale, ih * scale
    try:
        c.drawImage(reader, cx - w / 2, bottom, w, h, mask="auto")
    except Exception:
        return False
    return True


# --------------------------------------------------------------------------
# QR code


def qr_rectangles(matrix) -> list[tuple[int, int, int, int]]:
    """Cover the dark modules with few rectangles, in module units.

    Horizontal runs of dark modules in a row become one rectangle, and a run
    repeated at the same columns in the following rows is extended downwards.
    Returns ``(col, row, width, height)`` tuples, row 0 at the top.
    """
    rects: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (start, end) -> first row
    n_rows = len(matrix)
    for r in range(n_rows + 1):
        runs = set()
        if r < n_rows:
            row = matrix[r]
            n = len(row)
            col = 0
            while col < n:
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    runs.add((start, col))
                else:
                    col += 1
        for run in [k for k in open_runs if k not in runs]:
            first = open_runs.pop(run)
            rects.append((run[0], first, run[1] - run[0], r - first))
        for run in runs:
            open_runs.setdefault(run, r)
    rects.sort(key=lambda t: (t[1], t[0]))
    return rects


def draw_qr(c, url: str, right: float, bottom: float, size: float = QR_SIZE) -> float:
    """Draw the QR code for ``url`` as vector rectangles; return the module size.

    ``(right - size, bottom)`` is the lower-left corner of the symbol
    including its 4-module quiet zone (left white). Error correction M.
    """
    # A fixed mask: segno would otherwise build and score all eight (about 8 ms
    # of a 25 ms render); every mask gives a valid, scannable symbol.
    qr = segno.make(url, error="m", boost_error=False, mask=0)
    matrix = qr.matrix
    n = len(matrix)
    m = size / (n + 2 * QR_BORDER)
    x0 = right - size + QR_BORDER * m
    top = bottom + size - QR_BORDER * m
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    # Work in module units with the origin at the symbol's top-left corner
    # (y grows downwards), so every rectangle has small integer coordinates.
    c.transform(m, 0, 0, -m, x0, top)
    ops = [f"{x} {y} {w} {h} re" for x, y, w, h in qr_rectangles(matrix)]
    ops.append("f")
    c.addLiteral("\n".join(ops))
    c.restoreState()
    return m


# --------------------------------------------------------------------------
# Rendering


def _draw_line(c, line: str, style: str, size: float, color: Color, cx: float, y: float) -> None:
    """Draw one line centred on ``cx``: runs of fallback fonts, shaped, in visual order."""
    _draw_aligned(c, line, style, size, color, cx, y, centred=True)


def draw_text_left(c, line: str, style: str, size: float, color: Color, x: float, y: float) -> None:
    """Draw one line starting at ``x``, in any script (for other documents,
    such as the credit transcript, that share these fonts)."""
    c.setFont(style, size)
    c.setFillColor(color)
    _draw_aligned(c, line, style, size, color, x, y, centred=False)


def _draw_aligned(c, line: str, style: str, size: float, color: Color, x: float, y: float, *, centred: bool) -> None:
    runs = printfonts.layout_line(line, style)
    if len(runs) == 1 and not runs[0].shaped:  # the primary font alone, unshaped: the plain path
        if centred:
            c.drawCentredString(x, y, line)
        else:
            c.drawString(x, y, line)
        return
    # One text object for the whole line, so extractors read it as one line.
    c.saveState()
    c.setStrokeColor(color)  # for a synthetic bold
    c.setLineWidth(size * SYNTHETIC_BOLD_STROKE)
    t = c.beginText(x - printfonts.line_width(line, style, size) / 2 if centred else x, y)
    for run in runs:
        t.setFont(run.font, size)
        bold = printfonts.synthetic_bold(style, run.font)
        if bold:
            t.setTextRenderMode(2)  # fill and stroke
        t.textOut(run.text)
        if bold:
            t.setTextRenderMode(0)
    c.drawText(t)
    c.restoreState()
    c.setFont(style, size)


def _draw_block(c, block: Block, top: float, cx: float = CX) -> None:
    """Draw a centred text block whose top edge is at ``top``."""
    c.setFont(block.font, block.size)
    c.setFillColor(block.color)
    y = top - block.size
    for line in block.lines:
        _draw_line(c, line, block.font, block.size, block.color, cx, y)
        y -= block.leading


def _line_block(text: str, font: str, size: float, color: Color, max_w: float = TEXT_W) -> Block:
    size = _one_line(text, font, size, max_w)
    return Block([text], font, size, size * 1.2, color)


def _borders(c) -> None:
    c.setStrokeColor(NAVY)
    c.setLineWidth(2.2)
    c.rect(MARGIN_OUTER, MARGIN_OUTER, PAGE_W - 2 * MARGIN_OUTER, PAGE_H - 2 * MARGIN_OUTER, stroke=1, fill=0)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.rect(MARGIN_INNER, MARGIN_INNER, PAGE_W - 2 * MARGIN_INNER, PAGE_H - 2 * MARGIN_INNER, stroke=1, fill=0)


def _ornament(c, y: float) -> None:
    """A short gold rule with a small diamond in the middle."""
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(CX - 90, y, CX - 9, y)
    c.line(CX + 9, y, CX + 90, y)
    c.setFillColor(GOLD)
    p = c.beginPath()
    p.moveTo(CX, y + 4)
    p.lineTo(CX + 4, y)
    p.lineTo(CX, y - 4)
    p.lineTo(CX - 4, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def _pdf_date(d: datetime.date):
    stamp = f"D:{d.year:04d}{d.month:02d}{d.day:02d}000000+00'00'"
    return lambda *_: stamp


_RL_CONFIG_LOCK = threading.Lock()


@contextmanager
def _binary_streams():
    """Turn off ReportLab's ASCII85 stream encoding while we render.

    ASCII85 only makes streams 25% bigger, and without ReportLab's optional C
    accelerator it is slow pure Python (it dominates when a logo or
    signature is embedded). The switch is process-global, so it is held
    under a lock and restored afterwards; other ReportLab documents rendered
    meanwhile merely get plain binary streams, which are equally valid PDF.
    """
    with _RL_CONFIG_LOCK:
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = saved


def render_certificate(data: CertificatePrint) -> bytes:
    """Return the certificate as PDF bytes (one landscape Letter page)."""
    register_fonts()
    with _binary_streams():
        return _render(data)


def _render(data: CertificatePrint) -> bytes:

    legal_name = clean(data.legal_name)
    course_title = clean(data.course_title)
    provider = clean(data.provider_name)
    fmt = clean(data.format)
    hours = clean(data.ce_hours)
    statement = clean(data.accreditation_statement, MAX_STATEMENT_CHARS)
    sig_name = clean(data.signatory_name)
    sig_title = clean(data.signatory_title)
    code = clean(data.code)
    verify_url = clean(data.verify_url)
    date_text = format_date(data.completion_date)
    credit_type = clean(data.credit_type)
    license_text = "  \u00b7  ".join(
        part
        for part in (
            f"License {clean(data.license_number)}" if clean(data.license_number) else "",
            clean(data.license_jurisdiction),
        )
        if part
    )
    address = clean(data.provider_address)
    approval_line = clean(data.approval_line)
    credit_statement = clean(data.credit_statement, MAX_STATEMENT_CHARS)
    statement = " ".join(part for part in (statement, credit_statement) if part)

    buf = io.BytesIO()
    c = rl_canvas.Canvas(
        buf,
        pagesize=(PAGE_W, PAGE_H),
        invariant=1,
        pageCompression=1,
        pdfVersion=(1, 4),
        # Otherwise an unembedded Helvetica is referenced by the page preamble.
        initialFontName=SANS,
        initialFontSize=10,
    )
    c.setDateFormatter(_pdf_date(data.completion_date))
    c.setTitle(f"Certificate {code}")
    c.setAuthor(provider)
    c.setSubject(f"{clean(data.heading)}: {course_title}"[:500])
    c.setCreator(provider)

    _borders(c)

    # ---- central stack: measured first, then centred vertically ----------
    logo = _image(data.logo_image, *LOGO_BOX)
    stack: list[tuple[str, object, float]] = []  # (kind, payload, gap after)
    if logo is not None:
        stack.append(("logo", logo, 10))
    if provider:
        stack.append(("block", fit(provider, SANS_BOLD, 13, 9, TEXT_W, 34, NAVY), 4 if address else 14))
    if address:
        stack.append(("block", fit(address, SANS, 8, 6, TEXT_W, 20, GREY), 12))
    stack.append(("block", _line_block(clean(data.heading), SERIF_BOLD, 32, NAVY), 10))
    stack.append(("ornament", None, 16))
    stack.append(("block", _line_block("This certifies that", SERIF, 13, GREY), 8))
    stack.append(
        ("block", fit(legal_name, SERIF_BOLD, 30, 14, TEXT_W, 62, INK, leading=1.15), 4 if license_text else 10)
    )
    if license_text:
        stack.append(("block", fit(license_text, SANS, 9.5, 7, TEXT_W, 24, GREY), 10))
    stack.append(("block", _line_block(clean(data.verb), SERIF, 13, GREY), 8))
    stack.append(("block", fit(course_title, SERIF_BOLD, 19, 11, TEXT_W, 62, NAVY, leading=1.2), 14))

    details = [f"Completed {date_text}"]
    if hours:
        details.append(f"{hours} {credit_type}" if credit_type else f"{hours} CE contact hours")
    if fmt:
        details.append(fmt)
    if data.details:
        details = [clean(d) for d in data.details]
    detail_text = "  \u00b7  ".join(details)
    stack.append(("block", fit(detail_text, SANS, 10.5, 7, TEXT_W, 28, INK), 10))
    if approval_line:
        stack.append(("block", fit(approval_line, SANS_BOLD, 8.5, 6, SMALL_W, 22, INK), 4))
    if statement:
        # A board's statement is long (ACCME's accreditation and designation
        # wording together run to five lines): it gets more room, not less text.
        box_h = 58 if credit_statement else 40
        stack.append(("block", fit(statement, SANS, 8, 5.5, SMALL_W, box_h, GREY, leading=1.3), 0))

    heights = {"logo": LOGO_BOX[1], "ornament": 8}
    content = sum(payload.height if kind == "block" else heights[kind] for kind, payload, _ in stack)
    gaps = sum(gap for _, _, gap in stack)
    top_limit = PAGE_H - MARGIN_INNER - 26
    bottom_limit = STACK_BOTTOM
    avail = top_limit - bottom_limit
    # Spread spare room over the gaps (up to 1.7x), then centre what is left;
    # a full board certificate closes the gaps (to 0.4x) rather than run
    # into the signature block.
    spread = min(1.7, max(0.4, (avail - content) / gaps)) if gaps else 1.0
    total = content + gaps * spread
    y = top_limit - max(0.0, (avail - total) / 2)

    for kind, payload, gap in stack:
        gap *= spread
        if kind == "logo":
            _draw_image(c, payload, CX, y - heights["logo"], *LOGO_BOX)
            y -= heights["logo"]
        elif kind == "ornament":
            _ornament(c, y - heights["ornament"] / 2)
            y -= heights["ornament"]
        else:
            _draw_block(c, payload, y)
            y -= payload.height
        y -= gap

    # ---- signature block (bottom left) ----------------------------------
    sig = _image(data.signature_image, *SIG_BOX)
    _draw_image(c, sig, SIG_CX, SIG_LINE_Y + 3, *SIG_BOX)
    c.setStrokeColor(INK)
    c.setLineWidth(0.6)
    c.line(SIG_CX - SIG_LINE_HALF, SIG_LINE_Y, SIG_CX + SIG_LINE_HALF, SIG_LINE_Y)
    sig_w = 2 * SIG_LINE_HALF + 16
    y = SIG_LINE_Y - 4
    if sig_name:
        block = fit(sig_name, SANS_BOLD, 10, 7, sig_w, 24, INK)
        _draw_block(c, block, y, cx=SIG_CX)
        y -= block.height + 0.5
    if sig_title:
        block = fit(sig_title, SANS, 8.5, 6, sig_w, 20, GREY, leading=1.15)
        _draw_block(c, block, y, cx=SIG_CX)

    # ---- certificate code (bottom centre) --------------------------------
    c.setFillColor(LIGHT_GREY)
    c.setFont(SANS, 7)
    c.drawCentredString(CODE_CX, SIG_LINE_Y + 12, "CERTIFICATE CODE")
    _draw_block(c, fit(code, SANS_BOLD, 12, 7, 170, 24, INK), SIG_LINE_Y + 9, cx=CODE_CX)

    # ---- QR code + caption (bottom right) --------------------------------
    if verify_url:
        m = draw_qr(c, verify_url, QR_RIGHT, QR_BOTTOM)
        visible_right = QR_RIGHT - QR_BORDER * m
        # One line "Verify at <url>" when it fits at a readable size, else
        # "Verify at" above the URL (the URL shrinks, then breaks, to fit).
        # The caption may extend left under the code block, whose text
        # sits higher.
        cap_w = visible_right - CAPTION_LEFT
        caption = f"Verify at {verify_url}"
        if _width(caption, SANS, 7) <= cap_w:
            lines, size = [caption], 7.0
        elif _width(caption, SANS, 6) <= cap_w:
            lines, size = [caption], 6.0
        else:
            block = fit(verify_url, SANS, 6, 4.5, cap_w, 14, GREY)
            lines, size = ["Verify at", *block.lines], block.size
        c.setFont(SANS, size)
        c.setFillColor(GREY)
        yy = QR_BOTTOM + QR_BORDER * m - 3 - size
        for line in lines:
            c.drawRightString(visible_right, yy, line)
            yy -= size * 1.2

    c.showPage()
    c.save()
    return buf.getvalue()
