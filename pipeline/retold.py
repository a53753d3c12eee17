"""Retold signings (part of the assemble stage): a report of a start or an opening often recalls
when its project was signed (据悉,该项目于2019年3月签约). The record of the article is of the stage
the article reports, so a `signed` record dated well before the publication takes the headline's
stage and the article's date, when the headline reports a start or an opening of the same project
(rules/assemble.toml, [retold]); the date it gave becomes its `signed_date`, which the project
matcher compares with signings (docs/database.md). The record keeps the rule `stage:retold`.

    restage_retold(drafts, text, title, publication)    the drafts, some restaged in place
"""
from __future__ import annotations

import datetime as dt
import functools

from .drafts import RecordDraft, stage_near
from .normalise import normalise
from .rules import load_toml


@functools.lru_cache(maxsize=1)
def _rules() -> dict:
    r = load_toml("assemble.toml")["retold"]
    return {"min_days": int(r["min_days"]), "stages": frozenset(r["stages"]),
            "project_chars": int(r["project_chars"]), "generic": frozenset(r["generic_pairs"])}


def headline_of(text: str, title: str | None) -> str | None:
    """The article's headline: its title, else the first line of the text where it reads as one
    (short, no full stop)."""
    if title and title.strip():
        return normalise(title.strip())
    first = text.lstrip().split("\n", 1)[0].strip()
    return first if 0 < len(first) <= 60 and "。" not in first else None


def _first_day(value: str) -> dt.date | None:
    """The first day of an ISO date value (2019-03-27, 2019-03, 2019, 2019-Q1, a/b intervals)."""
    v = value.split("/", 1)[0]
    try:
        if len(v) == 10:
            return dt.date.fromisoformat(v)
        if len(v) == 7 and v[4] == "-" and v[5:].isdigit():
            return dt.date(int(v[:4]), int(v[5:]), 1)
        if v[:4].isdigit():
            return dt.date(int(v[:4]), 1, 1)
    except ValueError:
        return None
    return None


def _amount_text(yi: float) -> str:
    return f"{yi:g}亿"


def _about_headline(d: RecordDraft, headline: str) -> bool:
    """The headline is about the draft's project: it holds its amount, a piece of its project name,
    or a distinctive two-character piece of its firm's core."""
    from .places import find_places

    r = _rules()
    if d.amount is not None and d.amount.value is not None and _amount_text(float(d.amount.value)) in headline:
        return True
    if d.project:
        n = r["project_chars"]
        name = d.project.removesuffix("项目")
        if any(name[i:i + n] in headline for i in range(0, max(0, len(name) - n) + 1) if len(name) >= n):
            return True
    for core in d.company_cores:
        places = [(p.start, p.end) for p in find_places(core)]
        for i in range(len(core) - 1):
            pair = core[i:i + 2]
            if pair in r["generic"] or any(a < i + 2 and i < b for a, b in places):
                continue
            if pair in headline:
                return True
    return False


def restage_retold(drafts: list[RecordDraft], text: str, title: str | None, publication: str | None) -> list[RecordDraft]:
    """The drafts, with each retold signing of the headline's project given the headline's stage, its
    date as the signing's (`signed`) and no date of its own (the record then takes the article's)."""
    r = _rules()
    pub = _first_day(publication) if publication else None
    headline = headline_of(text, title)
    if pub is None or not headline:
        return drafts
    stage = stage_near(headline, 0, len(headline), 0, most_advanced=True)
    if stage not in r["stages"]:
        return drafts
    for d in drafts:
        if d.stage != "signed" or d.date is None:
            continue
        day = _first_day(d.date.value)
        if day is None or (pub - day).days < r["min_days"] or not _about_headline(d, headline):
            continue
        d.stage = stage
        d.signed, d.date = d.date, None
        d.rules.append("stage:retold")
    return drafts
