"""Read the test tables in tests/tables/ (TSV with a header line; '#' lines are comments)."""
from __future__ import annotations

import csv
from pathlib import Path

TABLES = Path(__file__).resolve().parent / "tables"


def rows(name: str) -> list[dict]:
    with open(TABLES / name, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
