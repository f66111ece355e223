"""Where apps above accounts add what they hold about a person: sections of
the learner's data export, and the files to keep before closing the account.
Each app registers at start-up, so both grow with the house without
accounts importing upward."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ExportSection = Callable[..., Any]  # (*, user) -> JSON-ready data

_sections: dict[str, ExportSection] = {}


def register_export_section(name: str, section: ExportSection) -> None:
    _sections[name] = section


def export_sections() -> dict[str, ExportSection]:
    return dict(_sections)


@dataclass(frozen=True)
class Keepsake:
    """A file the learner should download before closing the account."""

    label: str
    url: str
    detail: str = ""


_keepsakes: list[Callable[..., list[Keepsake]]] = []


def register_keepsakes(provider: Callable[..., list[Keepsake]]) -> None:
    if provider not in _keepsakes:
        _keepsakes.append(provider)


def keepsakes(user) -> list[Keepsake]:
    return [item for provider in _keepsakes for item in provider(user=user)]
