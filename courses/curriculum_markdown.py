"""Lesson Markdown to StreamField data (a list of (block type, value)).

Plain Markdown becomes ``paragraph`` blocks; ``## headings`` become
``heading`` blocks; ``::: keyfact source=FILE`` and ``::: caution [Title]``
fenced sections become callouts; a pipe table (with an optional ``Table:``
caption line above it) becomes a ``table`` block; front-matter references
become a final ``references`` block.
"""

import re

import markdown

FENCE_OPEN = re.compile(r"^:::\s*(keyfact|caution)\b(.*)$")
SOURCE_ATTR = re.compile(r"source=(\S+)")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


class MarkdownError(ValueError):
    pass


def _inline_text(text):
    """Callout text is plain: drop Markdown emphasis markers."""
    return re.sub(r"(\*\*|__|\*|_)(.+?)\1", r"\2", " ".join(text.split()))


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _paragraph_html(lines):
    return markdown.markdown("\n".join(lines), output_format="html").strip()


def body_to_blocks(body, references=()):
    lines = body.splitlines()
    blocks, prose = [], []

    def flush():
        if any(line.strip() for line in prose):
            blocks.append(("paragraph", _paragraph_html(prose)))
        prose.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE_OPEN.match(line.strip())
        if fence:
            flush()
            kind, rest = fence.groups()
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == ":::"), None)
            if end is None:
                raise MarkdownError(f"line {i + 1}: '::: {kind}' is not closed with ':::'")
            text = _inline_text(" ".join(lines[i + 1 : end]))
            if not text:
                raise MarkdownError(f"line {i + 1}: '::: {kind}' is empty")
            if kind == "keyfact":
                source = SOURCE_ATTR.search(rest)
                if not source:
                    raise MarkdownError(f"line {i + 1}: a keyfact needs source=<file>")
                blocks.append(("key_fact", {"text": text, "source": source.group(1)}))
            else:
                blocks.append(("caution", {"title": rest.strip() or "Clinical caution", "text": text}))
            i = end + 1
            continue
        if line.startswith("## "):
            flush()
            blocks.append(("heading", line[3:].strip()))
            i += 1
            continue
        caption = None
        start = i
        if line.startswith("Table:") and i + 1 < len(lines) and TABLE_ROW.match(lines[i + 1]):
            caption, start = line[len("Table:") :].strip(), i + 1
        if TABLE_ROW.match(lines[start]) and start + 1 < len(lines) and TABLE_RULE.match(lines[start + 1]):
            flush()
            end = start + 2
            while end < len(lines) and TABLE_ROW.match(lines[end]):
                end += 1
            header = _cells(lines[start])
            rows = [_cells(row) for row in lines[start + 2 : end]]
            if any(len(row) != len(header) for row in rows):
                raise MarkdownError(f"line {start + 1}: every table row needs {len(header)} cells")
            blocks.append(
                (
                    "table",
                    {
                        "data": [[_inline_text(c) for c in row] for row in [header, *rows]],
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "table_caption": caption or "",
                    },
                )
            )
            i = end
            continue
        prose.append(line)
        i += 1
    flush()
    if references:
        blocks.append(("references", [{"citation": r.text, "source": r.source or ""} for r in references]))
    return blocks
