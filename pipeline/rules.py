"""Access to the data files under rules/ (patterns, lexicons, gazetteers).

Every rule and vocabulary the recognisers use lives in rules/ as TOML or TSV; this module only
finds and parses those files, once per process.
"""
from __future__ import annotations

import csv
import functools
import tomllib
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@functools.lru_cache(maxsize=None)
def load_toml(name: str) -> dict:
    """Parse rules/<name> (a TOML file) once and return it."""
    with open(RULES_DIR / name, "rb") as fh:
        return tomllib.load(fh)


@functools.lru_cache(maxsize=None)
def load_tsv(name: str) -> tuple[dict, ...]:
    """Parse rules/<name> (a tab-separated file with a header line; '#' lines are comments)."""
    with open(RULES_DIR / name, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return tuple(csv.DictReader(lines, delimiter="\t"))
