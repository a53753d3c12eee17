"""Date recogniser: finds dates in an article's text and resolves them to ISO values.

    find_dates(text, publication=None) -> list[DateMention]
    parse_publication(value) -> DateMention | None

Absolute dates (2023年3月15日, 二〇二三年三月, 2023-03-15, 2021-2025年) are resolved on their own;
relative ones (9月16日, 15日, 12月初, 今年以来, 1-5月, 上半年, 第三季度, 去年, 日前) against the
publication date and are skipped when there is none (or when it is too coarse: 15日 needs a
publication month, 昨天 a publication day). A "since" form (今年以来, 2020年以来, 3月以来) without a
publication date is reported without its 以来, as the plain start.

Value formats: day 2023-03-15, month 2023-03, quarter 2023-Q3, year 2023, range "a/b" (each end at
its own precision), vague = the publication date as precise as it is. All patterns and
vocabularies are in rules/dates.toml.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass

import regex
from . import patterns

from pipeline.mentions import DateMention
from pipeline.rules import load_toml

_RULES_FILE = "dates.toml"


# --- publication date ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Pub:
    year: int
    month: int | None
    day: int | None

    @property
    def iso(self) -> str:
        return _iso(self.year, self.month, self.day)


_PUB_RE = patterns.compile(
    r"^\s*(?P<y>\d{4})(?:\s*(?:[-/.年])\s*(?P<m>\d{1,2})(?:\s*(?:[-/.月])\s*(?P<d>\d{1,2})\s*日?)?\s*月?)?"
    r"\s*(?:年)?(?:[T\s].*)?$"
)


def parse_publication(value: str | dt.date | None) -> DateMention | None:
    """Parse a publication date from metadata: "YYYY-MM-DD", "YYYY-MM" or "YYYY" (also with / or .
    separators, 2023年3月15日, or a trailing time such as "2023-03-15 08:30:00").

    Returns a DateMention (start 0, end len(value), precision day / month / year, rule
    "publication"), or None when the value is None, empty or not a date at all. Raises ValueError
    when the value is shaped like a date but impossible (2023-02-30, 2023-13).
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        iso = value.isoformat()
        return DateMention(0, len(iso), iso, iso, "day", "publication")
    if not isinstance(value, str):
        return None
    text = value.translate(_translation())
    m = _PUB_RE.match(text)
    if not m:
        return None
    year = int(m["y"])
    month = int(m["m"]) if m["m"] else None
    day = int(m["d"]) if m["d"] else None
    try:
        dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError as exc:
        raise ValueError(f"impossible publication date {value!r}: {exc}") from None
    iso = _iso(year, month, day)
    precision = "year" if month is None else "month" if day is None else "day"
    return DateMention(0, len(value), value, iso, precision, "publication")


def _to_pub(publication) -> _Pub | None:
    if isinstance(publication, str):
        return _str_to_pub(publication)
    if isinstance(publication, DateMention):
        mention = publication
    else:
        mention = parse_publication(publication)
    return _mention_to_pub(mention)


@functools.lru_cache(maxsize=4096)
def _str_to_pub(publication: str) -> _Pub | None:
    return _mention_to_pub(parse_publication(publication))


def _mention_to_pub(mention: DateMention | None) -> _Pub | None:
    if mention is None:
        return None
    parts = [int(p) for p in mention.value.split("-")]
    parts += [None] * (3 - len(parts))
    return _Pub(*parts)


# --- compiled rules -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    pattern: regex.Pattern
    needs: frozenset = frozenset()   # characters of which every match holds one (empty: no filter)


@dataclass(frozen=True)
class _Config:
    rules: tuple[_Rule, ...]
    year_min: int
    year_max: int
    rollback: frozenset
    numerals: dict
    relative_year: dict
    relative_month: dict
    relative_day: dict
    month_parts: dict
    halves: dict
    year_parts: dict


def _alternation(words, guards=None) -> str:
    guards = guards or {}
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return "|".join(regex.escape(w) + guards.get(w, "") for w in ordered)


def _guarded_words(words, not_after: str) -> str:
    return f"(?<![{regex.escape(not_after)}])(?:{_alternation(words)})" if not_after else _alternation(words)


def _vague_fragment(cfg: dict) -> str:
    numerals = cfg["numeral_not_after"]
    alts = []
    for word, guard in sorted(cfg["words"].items(), key=lambda kv: (-len(kv[0]), kv[0])):
        before = numerals + regex.escape(guard.get("not_after", ""))
        alt = f"(?<![{before}]){regex.escape(word)}"
        if guard.get("not_before"):
            alt += f"(?![{regex.escape(guard['not_before'])}])"
        alts.append(alt)
    return "(?P<v>" + "|".join(alts) + ")"


@functools.lru_cache(maxsize=1)
def _config() -> _Config:
    data = load_toml(_RULES_FILE)
    rel_guard = data["relative_guard"]["not_after"]
    part_guards = data.get("part_guards", {})
    fragments = dict(data["fragments"])
    fragments.update({
        "RY": f"(?P<ry#>{_guarded_words(data['relative_year'], rel_guard)})",
        "RM": f"(?P<rm#>{_guarded_words(data['relative_month'], rel_guard)})",
        "RD": f"(?P<rd#>{_guarded_words(data['relative_day'], rel_guard)})",
        "SEP": f"(?:{_alternation(data['separators']['list'])})",
        "PART": f"(?P<part#>{_alternation(data['month_parts'], part_guards)})",
        "H": f"(?P<h#>{_alternation(data['halves'])})",
        "YP": f"(?P<yp#>{_alternation(data['year_parts'], part_guards)})",
        "V": _vague_fragment(data["vague"]),
    })

    def expand(match: regex.Match) -> str:
        name, suffix = match["name"], match["suffix"] or ""
        if name not in fragments:
            raise KeyError(f"rules/{_RULES_FILE}: unknown placeholder {{{name}{suffix}}}")
        return fragments[name].replace("#", suffix)

    placeholder = patterns.compile(r"\{(?P<name>[A-Z]+?)(?P<suffix>[0-9])?\}")
    rules = tuple(
        _Rule(r["name"], r["kind"], patterns.compile(placeholder.sub(expand, r["pattern"])), frozenset(r.get("needs", "")))
        for r in data["rules"]
    )
    unknown = {r.kind for r in rules} - set(_RESOLVERS)
    if unknown:
        raise KeyError(f"rules/{_RULES_FILE}: unknown rule kinds {sorted(unknown)}")
    return _Config(
        rules=rules,
        year_min=data["limits"]["year_min"],
        year_max=data["limits"]["year_max"],
        rollback=frozenset(data["resolution"]["rollback_kinds"]),
        numerals=dict(data["numerals"]),
        relative_year=dict(data["relative_year"]),
        relative_month=dict(data["relative_month"]),
        relative_day=dict(data["relative_day"]),
        month_parts={k: tuple(v) for k, v in data["month_parts"].items()},
        halves={k: tuple(v) for k, v in data["halves"].items()},
        year_parts={k: tuple(v) for k, v in data["year_parts"].items()},
    )


@functools.lru_cache(maxsize=1)
def _translation() -> dict:
    return str.maketrans(load_toml(_RULES_FILE)["normalise"])


# --- value helpers ------------------------------------------------------------------------------

def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    out = f"{year:04d}"
    if month is not None:
        out += f"-{month:02d}"
        if day is not None:
            out += f"-{day:02d}"
    return out


def _precision_of(iso: str) -> str:
    if "-Q" in iso:
        return "quarter"
    return {4: "year", 7: "month", 10: "day"}[len(iso)]


def _number(text: str, cfg: _Config) -> int:
    """1-2 digit Arabic or Chinese number (十, 十五, 二十一, 三十)."""
    if text.isdigit():
        return int(text)
    digits = cfg.numerals
    if "十" in text:
        tens, _, units = text.partition("十")
        return (digits[tens] if tens else 1) * 10 + (digits[units] if units else 0)
    return digits[text]


def _year_number(text: str, cfg: _Config) -> int | None:
    year = int(text) if text.isdigit() else int("".join(str(cfg.numerals[c]) for c in text))
    return year if cfg.year_min <= year <= cfg.year_max else None


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


class _Infer:
    """Marker: the year is not written and must be inferred from the publication date."""


def _year(gd: dict, suffix: str, pub: _Pub | None, cfg: _Config):
    """Written year of one end: int, None (unresolvable), or _Infer when absent."""
    if gd.get("y" + suffix):
        return _year_number(gd["y" + suffix], cfg)
    if gd.get("ry" + suffix):
        return pub.year + cfg.relative_year[gd["ry" + suffix]] if pub else None
    return _Infer


def _infer_year(pub: _Pub, month: int, kind: str, cfg: _Config) -> int:
    if kind in cfg.rollback and pub.month is not None and month > pub.month:
        return pub.year - 1
    return pub.year


def _resolve_year(gd, pub, cfg, kind, month_for_rollback):
    year = _year(gd, "", pub, cfg)
    if year is _Infer:
        return _infer_year(pub, month_for_rollback, kind, cfg) if pub else None
    return year


@dataclass(frozen=True)
class _Res:
    lo: str                  # lower bound (used for ranges and for "since" forms)
    hi: str
    single: str | None       # the value when the expression is one unit (day/month/quarter/year)
    precision: str


def _single(iso: str, precision: str | None = None, lo: str | None = None, hi: str | None = None) -> _Res:
    return _Res(lo or iso, hi or iso, iso, precision or _precision_of(iso))


def _span(lo: str, hi: str) -> _Res | None:
    if lo == hi:
        return _single(lo)
    return _Res(lo, hi, None, "range") if lo < hi else None


# --- resolvers, one per rule kind --------------------------------------------------------------

def _r_day(gd, pub, cfg):
    m1, d1 = _number(gd["m"], cfg), _number(gd["d"], cfg)
    has_end = bool(gd.get("d2"))
    m2 = _number(gd["m2"], cfg) if gd.get("m2") else m1
    y1 = _resolve_year(gd, pub, cfg, "day", m1)
    if y1 is None:
        return None
    start = dt.date(y1, m1, d1).isoformat()
    if not has_end:
        return _single(start)
    y2 = _year(gd, "2", pub, cfg) if gd.get("y2") else y1 + (m2 < m1)
    if y2 is None:
        return None
    return _span(start, dt.date(y2, m2, _number(gd["d2"], cfg)).isoformat())


def _r_month(gd, pub, cfg):
    if gd.get("rm"):
        if not pub or pub.month is None:
            return None
        year, month = _shift_month(pub.year, pub.month, cfg.relative_month[gd["rm"]])
        return _single(_iso(year, month))
    m1 = _number(gd["m"], cfg)
    m2 = _number(gd["m2"], cfg) if gd.get("m2") else None
    # A cumulative range from January (1-10月) reports a finished period: its end decides the year.
    y1 = _resolve_year(gd, pub, cfg, "month", m2 if (m2 and m1 == 1) else m1)
    if y1 is None or not 1 <= m1 <= 12:
        return None
    if m2 is None:
        return _single(_iso(y1, m1))
    y2 = _year(gd, "2", pub, cfg) if gd.get("y2") else y1 + (m2 < m1)
    if y2 is None or not 1 <= m2 <= 12:
        return None
    return _span(_iso(y1, m1), _iso(y2, m2))


def _r_month_part(gd, pub, cfg):
    first, last = cfg.month_parts[gd["part"]]
    if gd.get("m"):
        month = _number(gd["m"], cfg)
        year = _resolve_year(gd, pub, cfg, "month_part", month)
    elif not pub or pub.month is None:
        return None
    else:
        year, month = _shift_month(pub.year, pub.month, cfg.relative_month.get(gd.get("rm"), 0))
    if year is None or not 1 <= month <= 12:
        return None
    last = min(last, calendar.monthrange(year, month)[1])
    return _span(_iso(year, month, first), _iso(year, month, last))


def _r_day_only(gd, pub, cfg):
    if not pub or pub.month is None:
        return None
    d1 = _number(gd["d"], cfg)
    if gd.get("rm"):
        year, month = _shift_month(pub.year, pub.month, cfg.relative_month[gd["rm"]])
    else:
        year, month = pub.year, pub.month
        if "day_only" in cfg.rollback and pub.day is not None and d1 > pub.day:
            year, month = _shift_month(year, month, -1)
    start = dt.date(year, month, d1).isoformat()
    if not gd.get("d2"):
        return _single(start)
    return _span(start, dt.date(year, month, _number(gd["d2"], cfg)).isoformat())


def _r_rel_day(gd, pub, cfg):
    if not pub or pub.day is None:
        return None
    day = dt.date(pub.year, pub.month, pub.day) + dt.timedelta(days=cfg.relative_day[gd["rd"]])
    return _single(day.isoformat())


def _months(gd, pub, cfg, kind, first: int, last: int) -> _Res | None:
    year = _resolve_year(gd, pub, cfg, kind, last)
    if year is None:
        return None
    return _span(_iso(year, first), _iso(year, last))


def _r_quarter(gd, pub, cfg):
    q1 = _number(gd["q"], cfg)
    q2 = _number(gd["q2"], cfg) if gd.get("q2") else None
    year = _resolve_year(gd, pub, cfg, "quarter", 3 * (q2 or q1))
    if year is None:
        return None
    if q2 is None:
        return _single(f"{year:04d}-Q{q1}", "quarter", _iso(year, 3 * q1 - 2), _iso(year, 3 * q1))
    return _span(_iso(year, 3 * q1 - 2), _iso(year, 3 * q2)) if q2 > q1 else None


def _r_quarters_to(gd, pub, cfg):
    return _months(gd, pub, cfg, "quarters_to", 1, 3 * _number(gd["q"], cfg))


def _r_half(gd, pub, cfg):
    return _months(gd, pub, cfg, "half", *cfg.halves[gd["h"]])


def _r_year_part(gd, pub, cfg):
    return _months(gd, pub, cfg, "year_part", *cfg.year_parts[gd["yp"]])


def _r_year(gd, pub, cfg):
    y1 = _resolve_year(gd, pub, cfg, "year", 1)
    if y1 is None:
        return None
    if gd.get("y2"):
        y2 = _year(gd, "2", pub, cfg)
        return _Res(str(y1), str(y2), None, "range") if y2 and y2 > y1 else None
    return _single(f"{y1:04d}", "year", _iso(y1, 1), _iso(y1, 12))


def _r_vague(gd, pub, cfg):
    return _single(pub.iso, "vague") if pub else None


_RESOLVERS = {
    "day": _r_day, "month": _r_month, "month_part": _r_month_part, "day_only": _r_day_only,
    "rel_day": _r_rel_day, "quarter": _r_quarter, "quarters_to": _r_quarters_to,
    "half": _r_half, "year_part": _r_year_part, "year": _r_year, "vague": _r_vague,
}


# --- matching -----------------------------------------------------------------------------------

def _candidate(text: str, match: regex.Match, rule: _Rule, pub: _Pub | None, cfg: _Config):
    gd = match.groupdict()
    try:
        res = _RESOLVERS[rule.kind](gd, pub, cfg)
    except (ValueError, KeyError, OverflowError):   # 2月30日, 三十九日, year out of range
        return None
    if res is None:
        return None
    start, end, name = match.start(), match.end(), rule.name
    if gd.get("since"):
        if pub is None:
            end = match.start("since")
        elif res.lo[: len(pub.iso)] > pub.iso[: len(res.lo)]:
            return None                              # "since" a date after publication
        else:
            res, name = _Res(res.lo, pub.iso, None, "range"), name + ":since"
    value = res.single if res.single is not None else f"{res.lo}/{res.hi}"
    return DateMention(start, end, text[start:end], value, res.precision, name)


def find_dates(text: str, publication: str | dt.date | DateMention | None = None) -> list[DateMention]:
    """Date mentions in `text`, sorted by start and non-overlapping (the longest reading wins).

    `publication` is the article's publication date (see parse_publication); relative forms are
    resolved against it and skipped without it. Raises ValueError for an impossible publication
    date such as 2023-02-30.
    """
    if not text:
        return []
    cfg = _config()
    pub = _to_pub(publication)
    probe = text.translate(_translation())
    candidates = []
    present = set(probe)
    for order, rule in enumerate(cfg.rules):
        if rule.needs and rule.needs.isdisjoint(present):
            continue                                 # no character the rule's matches must hold
        for match in rule.pattern.finditer(probe, overlapped=True):
            if match.end() == match.start():
                continue
            mention = _candidate(text, match, rule, pub, cfg)
            if mention is not None and mention.end > mention.start:
                candidates.append((-(mention.end - mention.start), order, mention.start, mention))
    candidates.sort(key=lambda c: c[:3])
    taken = [False] * len(text)
    chosen = []
    for *_, mention in candidates:
        if any(taken[mention.start:mention.end]):
            continue
        taken[mention.start:mention.end] = [True] * (mention.end - mention.start)
        chosen.append(mention)
    chosen.sort(key=lambda m: m.start)
    return chosen
