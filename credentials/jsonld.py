"""JSON-LD canonicalisation over contexts stored in this app.

Signing and verifying must never fetch anything: a fetched context could be
changed by whoever serves it (and so change what a signature means), and the
network may be down. The loader answers only the URLs in
``contexts/index.json`` and refuses every other one.
"""

import json
from functools import cache
from pathlib import Path

from pyld import jsonld

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"


class ContextNotAllowed(ValueError):
    """A document names a JSON-LD context this site does not hold."""


@cache
def _index() -> dict[str, str]:
    return json.loads((CONTEXT_DIR / "index.json").read_text())


@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXT_DIR / _index()[url]).read_text())


def allowed_context_urls() -> frozenset[str]:
    return frozenset(_index())


def document_loader(url: str, options: dict | None = None) -> dict:
    """PyLD document loader over the stored contexts only."""
    if url not in _index():
        raise ContextNotAllowed(f"JSON-LD context not available offline: {url[:200]}")
    # A fresh copy each time: PyLD may annotate what it is given. The
    # "static" tag lets PyLD keep the processed context across operations
    # (these files never change), which roughly halves canonicalisation time.
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(json.dumps(_context(url))),
        "tag": "static",
    }


def canonicalize(document: dict) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0) as N-Quads, in "safe mode".

    A JSON-LD processor silently drops what its contexts do not define (an
    unknown property, a relative type, a null), so a signature would still
    verify over a file that carries such additions. Like the Data Integrity
    specification's safe mode, anything that would be dropped is an error.

    PyLD names the algorithm URDNA2015; RDFC-1.0 is its W3C standardisation
    and gives the same output."""
    check_nothing_dropped(document)
    return _SafeProcessor().normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader, "base": None},
    )


def _dropped(expanded_property):
    raise UnsafeDocument(f"The term {str(expanded_property)[:60]!r} is not defined by the document's contexts.")


class _SafeProcessor(jsonld.JsonLdProcessor):
    """Expands once (inside ``normalize``), refusing whatever expansion would drop."""

    def __init__(self):
        super().__init__(on_property_dropped=_dropped)

    def expand(self, input_, options):
        expanded = super().expand(input_, options)
        _check_absolute_iris(expanded)
        return expanded


def _is_absolute(iri: str) -> bool:
    return iri.startswith("_:") or (":" in iri and not iri.startswith(":"))


def _check_absolute_iris(expanded, depth: int = 0) -> None:
    """Relative ``@type`` and ``@id`` values are dropped from the RDF."""
    if depth > 64:
        raise UnsafeDocument("The document is nested too deeply.")
    if isinstance(expanded, list):
        for item in expanded:
            _check_absolute_iris(item, depth + 1)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key == "@type" and "@value" not in expanded:
                for type_ in value if isinstance(value, list) else [value]:
                    if not isinstance(type_, str) or not _is_absolute(type_):
                        raise UnsafeDocument(f"The type {str(type_)[:60]!r} is not defined by the document's contexts.")
            elif key == "@id":
                if not isinstance(value, str) or not _is_absolute(value):
                    raise UnsafeDocument(f"The identifier {str(value)[:60]!r} is not an absolute IRI.")
            elif key != "@value":
                _check_absolute_iris(value, depth + 1)


# JSON-LD keywords a credential may use. A processor silently drops any other
# "@..." key and every null value, so a signature would still verify over a
# file that carries them: refuse them instead (the spirit of the Data
# Integrity "safe mode").
_KEYWORDS = frozenset(
    {"@context", "@id", "@type", "@value", "@language", "@direction", "@list", "@set", "@graph", "@vocab"}
)


class UnsafeDocument(ValueError):
    """The document holds data a JSON-LD processor would ignore."""


def check_nothing_dropped(value, path: str = "$", depth: int = 0) -> None:
    if depth > 32:
        raise UnsafeDocument("The document is nested too deeply.")
    if value is None:
        raise UnsafeDocument(f"{path} is null; a signature does not cover null values.")
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("@") and key not in _KEYWORDS:
                raise UnsafeDocument(f"{path} has the unknown keyword {key[:40]!r}.")
            if key == "@context":
                continue
            check_nothing_dropped(item, f"{path}.{key[:40]}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_nothing_dropped(item, f"{path}[{index}]", depth + 1)
