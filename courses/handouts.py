"""Client handouts: one plain-text source, shown in the lesson and printed as PDF.

A handout is written in a lesson as a ``::: handout slug=... Title`` callout.
``handout_parts`` turns its text into headings, paragraphs and bullet items;
the lesson template and ``render_handout_pdf`` both use it, so the web page
and the PDF always carry the same words.

``render_handout_pdf`` is a pure function of its arguments (no database, no
files): portrait US Letter via ReportLab's platypus, with the built-in
Helvetica fonts. All text is escaped before it reaches ReportLab's mini
markup, and the output is byte-for-byte deterministic (invariant mode).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer


def handout_parts(text):
    """[(kind, text)] with kind in {"heading", "paragraph", "bullets"}; bullets carry a list."""
    parts, para, bullets = [], [], []

    def flush():
        if para:
            parts.append(("paragraph", " ".join(para)))
            para.clear()
        if bullets:
            parts.append(("bullets", list(bullets)))
            bullets.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            parts.append(("heading", line[3:].strip()))
        elif line.startswith("- "):
            if para:
                flush()
            bullets.append(line[2:].strip())
        elif bullets and raw.startswith("  "):
            bullets[-1] += " " + line
        else:
            if bullets:
                flush()
            para.append(line)
    flush()
    return parts


def _styles():
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName="Helvetica-Bold", fontSize=18, leading=22),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontName="Helvetica-Bold", fontSize=12.5),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=10.5, leading=14.5),
        "footer": ParagraphStyle("footer", parent=base["BodyText"], fontName="Helvetica", fontSize=8, leading=10),
    }


def render_handout_pdf(*, title, text, course_title, footer):
    """The handout as PDF bytes."""
    styles = _styles()
    story = [Paragraph(escape(title), styles["title"]), Spacer(1, 6)]
    for kind, value in handout_parts(text):
        if kind == "heading":
            story.append(Paragraph(escape(value), styles["heading"]))
        elif kind == "paragraph":
            story.append(Paragraph(escape(value), styles["body"]))
            story.append(Spacer(1, 4))
        else:
            items = [ListItem(Paragraph(escape(item), styles["body"]), leftIndent=14) for item in value]
            story.append(ListFlowable(items, bulletType="bullet", start="\u2022", leftIndent=14))
            story.append(Spacer(1, 4))
    story += [Spacer(1, 14), Paragraph(escape(f"{course_title}. {footer}"), styles["footer"])]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=0.9 * inch,
        rightMargin=0.9 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title=title,
        author=course_title,
        invariant=1,
    )
    doc.build(story)
    return buffer.getvalue()
