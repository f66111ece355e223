"""Lesson Markdown to StreamField data (a list of (block type, value)).

Plain Markdown becomes ``paragraph`` blocks; ``## headings`` become
``heading`` blocks; ``::: keyfact source=KEY`` and ``::: caution [Title]``
fenced sections become callouts; a pipe table (with an optional ``Table:``
caption line above it) becomes a ``table`` block; front-matter references
become a final ``references`` block.

Sources are cited by their registry key: ``[@rush2006]`` or
``[@rush2006; @trivedi2006]`` in prose becomes the short citation linked to
the course bibliography; in callouts and table cells (plain text) it becomes
the short citation in brackets. An unknown key is an error.
"""

import re

import markdown

FENCE_OPEN = re.compile(r"^:::\s*(keyfact|caution|handout)\b(.*)$")
HANDOUT_ATTR = re.compile(r"^\s*slug=([a-z0-9]+(?:-[a-z0-9]+)*)\s+(\S.*)$")
SOURCE_ATTR = re.compile(r"source=(\S+)")
CITATION = re.compile(r"\[@([^\]]+)\]")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


class MarkdownError(ValueError):
    pass


def _inline_text(text):
    """Callout text is plain: drop Markdown emphasis markers and keep only the text of links."""
    text = re.sub(r"\[([^\]@][^\]]*)\]\([^)]*\)", r"\1", " ".join(text.split()))
    return re.sub(r"(\*\*|__|\*|_)(.+?)\1", r"\2", text)


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _paragraph_html(lines):
    return markdown.markdown("\n".join(lines), output_format="html").strip()


def _keys(group, cite, line_no):
    keys = [k.strip().lstrip("@") for k in group.split(";")]
    unknown = [k for k in keys if k not in cite.sources]
    if unknown:
        raise MarkdownError(f"line {line_no}: citation: unknown source key {unknown[0]!r}")
    return keys


def _cite_html(text, cite, line_no):
    def link(match):
        keys = _keys(match.group(1), cite, line_no)
        return "(" + "; ".join(f'<a href="{cite.href(k)}">{cite.short(k)}</a>' for k in keys) + ")"

    return CITATION.sub(link, text)


def _cite_text(text, cite, line_no):
    return CITATION.sub(lambda m: "(" + "; ".join(cite.short(k) for k in _keys(m.group(1), cite, line_no)) + ")", text)


def _handout(rest, lines, cite, line_no, blocks):
    attrs = HANDOUT_ATTR.match(rest)
    if not attrs:
        raise MarkdownError(f"line {line_no}: a handout needs slug=<slug> and a title")
    slug, title = attrs.groups()
    if any(kind == "handout" and value["slug"] == slug for kind, value in blocks):
        raise MarkdownError(f"line {line_no}: handout slug {slug!r} is used twice in this lesson")
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    if not text.strip():
        raise MarkdownError(f"line {line_no}: '::: handout' is empty")
    text = _cite_text(re.sub(r"(\*\*|__)(.+?)\1", r"\2", text), cite, line_no)
    return {"slug": slug, "title": title.strip(), "text": text}


def body_to_blocks(body, references=(), *, cite):
    lines = body.splitlines()
    blocks, prose = [], []
    prose_start = [0]

    def flush():
        if any(line.strip() for line in prose):
            html = _paragraph_html(prose)
            blocks.append(("paragraph", _cite_html(html, cite, prose_start[0] + 1)))
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
            if kind == "handout":
                blocks.append(("handout", _handout(rest, lines[i + 1 : end], cite, i + 1, blocks)))
                i = end + 1
                continue
            text = _cite_text(_inline_text(" ".join(lines[i + 1 : end])), cite, i + 2)
            if not text:
                raise MarkdownError(f"line {i + 1}: '::: {kind}' is empty")
            if kind == "keyfact":
                source = SOURCE_ATTR.search(rest)
                if not source:
                    raise MarkdownError(f"line {i + 1}: a keyfact needs source=<key>")
                key = source.group(1)
                if key not in cite.sources:
                    raise MarkdownError(f"line {i + 1}: keyfact source: unknown source key {key!r}")
                blocks.append(("key_fact", {"text": text, "source": cite.short(key), "source_key": key}))
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
            cells = [[_cite_text(_inline_text(c), cite, start + 1) for c in row] for row in [header, *rows]]
            blocks.append(
                (
                    "table",
                    {
                        "data": cells,
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "table_caption": caption or "",
                    },
                )
            )
            i = end
            continue
        if not prose:
            prose_start[0] = i
        prose.append(line)
        i += 1
    flush()
    if references:
        blocks.append(("references", [{"citation": cite.entry(k).citation(), "source": k} for k in references]))
    return blocks
