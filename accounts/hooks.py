"""Where apps above accounts add what they hold about a person to the
learner's data export. Each app registers its sections at start-up, so the
export grows with the house without accounts importing upward."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ExportSection = Callable[[Any], Any]  # user -> JSON-ready data

_sections: dict[str, ExportSection] = {}


def register_export_section(name: str, section: ExportSection) -> None:
    _sections[name] = section


def export_sections() -> dict[str, ExportSection]:
    return dict(_sections)
