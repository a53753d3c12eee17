"""Sector recogniser: assign a sector of the taxonomy in rules/sectors.toml from the words of the
project name, then of the company name."""
from __future__ import annotations

import functools

from .rules import load_toml


@functools.lru_cache(maxsize=1)
def _table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((s["label"], tuple(s["keywords"])) for s in load_toml("sectors.toml")["sector"])


def sector_labels() -> list[str]:
    """The taxonomy's labels, in order, without repeats."""
    return list(dict.fromkeys(label for label, _ in _table()))


def assign_sector(project: str | None, company: str | None = None) -> tuple[str | None, str | None]:
    """(label, keyword) for a project/company, or (None, None). The project's words decide first."""
    for text in (project, company):
        if not text:
            continue
        for label, words in _table():
            for w in words:
                if w in text:
                    return label, w
    return None, None
