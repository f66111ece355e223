"""The credit transcript as a PDF: a pure function of plain data (no
database), drawn with the certificate's fonts so names and titles in any
script print as on the certificates."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas as rl_canvas

from certificates.pdf import clean, draw_text_left, format_date, register_fonts, wrap
from core import printfonts

SANS, SANS_BOLD = printfonts.SANS, printfonts.SANS_BOLD
PAGE_W, PAGE_H = letter
MARGIN = 48
INK = Color(0.13, 0.13, 0.15)
GREY = Color(0.36, 0.37, 0.40)
NAVY = Color(0.118, 0.216, 0.345)
# Column left edges and widths (points; the text block is 516 wide): completed,
# course, board and credit, hours, status and code.
COLUMNS = ((MARGIN, 58), (MARGIN + 62, 168), (MARGIN + 234, 140), (MARGIN + 378, 34), (MARGIN + 416, 100))
HEADINGS = ("Completed", "Course", "Board and credit", "Hours", "Status and code")


@dataclass(frozen=True)
class TranscriptRow:
    completed: datetime.date
    course_title: str
    board: str
    credit_type: str
    hours: str
    status: str  # e.g. "Issued", "Revoked"
    code: str


@dataclass(frozen=True)
class TranscriptTotal:
    board: str
    credit_type: str
    hours: str


@dataclass(frozen=True)
class TranscriptPrint:
    legal_name: str
    provider_name: str
    period: str  # e.g. "1 January 2025 to 31 December 2026"
    board: str  # e.g. "All boards"
    generated: datetime.date
    rows: tuple[TranscriptRow, ...]
    totals: tuple[TranscriptTotal, ...]


def render_transcript(data: TranscriptPrint) -> bytes:
    register_fonts()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter, invariant=1, initialFontName=SANS, initialFontSize=10)
    c.setTitle("CE credit transcript")
    c.setAuthor(clean(data.provider_name))

    def header() -> float:
        y = PAGE_H - MARGIN
        draw_text_left(c, clean(data.provider_name), SANS_BOLD, 10, NAVY, MARGIN, y)
        y -= 24
        draw_text_left(c, "CE credit transcript", SANS_BOLD, 18, INK, MARGIN, y)
        y -= 20
        draw_text_left(c, clean(data.legal_name), SANS_BOLD, 12, INK, MARGIN, y)
        y -= 15
        meta = f"{clean(data.board)} \u00b7 {clean(data.period)} \u00b7 generated {format_date(data.generated)}"
        draw_text_left(c, meta, SANS, 9, GREY, MARGIN, y)
        return y - 24

    def table_heading(y: float) -> float:
        for (x, _), heading in zip(COLUMNS, HEADINGS, strict=True):
            draw_text_left(c, heading, SANS_BOLD, 8, GREY, x, y)
        c.setStrokeColor(GREY)
        c.setLineWidth(0.5)
        c.line(MARGIN, y - 4, PAGE_W - MARGIN, y - 4)
        return y - 16

    y = table_heading(header())
    if not data.rows:
        draw_text_left(c, "No credit certificates in this period.", SANS, 9, INK, MARGIN, y)
        y -= 14
    for row in data.rows:
        cells = (
            [f"{row.completed.day} {row.completed:%b %Y}"],
            wrap(clean(row.course_title), SANS, 8.5, COLUMNS[1][1]),
            wrap(f"{clean(row.board)}: {clean(row.credit_type)}", SANS, 8.5, COLUMNS[2][1]),
            [clean(row.hours)],
            [clean(row.status), clean(row.code)],
        )
        height = max(len(lines) for lines in cells) * 11 + 6
        if y - height < MARGIN + 40:
            c.showPage()
            y = table_heading(PAGE_H - MARGIN)
        for (x, _), lines in zip(COLUMNS, cells, strict=True):
            yy = y
            for line in lines:
                draw_text_left(c, line, SANS, 8.5, INK, x, yy)
                yy -= 11
        y -= height
    y -= 10
    if y < MARGIN + 30 + 14 * len(data.totals):
        c.showPage()
        y = PAGE_H - MARGIN
    draw_text_left(c, "Totals (issued certificates only)", SANS_BOLD, 10, INK, MARGIN, y)
    y -= 15
    for total in data.totals or (TranscriptTotal("No issued credit", "", "0"),):
        text = f"{clean(total.board)}: {clean(total.hours)} {clean(total.credit_type)}".strip()
        draw_text_left(c, text, SANS, 9.5, INK, MARGIN, y)
        y -= 13
    c.showPage()
    c.save()
    return buf.getvalue()
