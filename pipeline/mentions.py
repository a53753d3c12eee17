"""Typed mentions that the recognisers return. Offsets are character offsets into the text passed
to the recogniser (the article's normalised text, or a part of it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class AmountMention:
    start: int
    end: int
    text: str                      # raw text of the amount, qualifiers included
    value: Decimal                 # in 亿 of `currency`; the low end for ranges
    currency: str                  # ISO 4217 code; CNY for 元/人民币
    qualifier: str | None = None   # None, "approx", "over", "range"
    high: Decimal | None = None    # high end for ranges (and vague amounts)
    vague: bool = False            # 数十亿元, 近百亿元 ...
    role: str = "other"            # investment, phase, output, sales, tax, funds_received,
                                   # target, size_class, other
    amount_yi: Decimal | None = None   # value converted to 亿元 CNY
    converted: bool = False        # amount_yi was converted with an exchange rate
    rule: str = ""                 # which rule produced it (for tracing)


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    text: str                      # surface text as written (长葛, 我县, 市城乡一体化示范区)
    name: str | None               # canonical current name (长葛市, 建安区) or None if ambiguous
    code: str | None               # 6-digit administrative code; None for zones or ambiguous
    level: str                     # "province", "city", "county", "zone", "township"
    city: str | None = None        # parent city (prefecture-level) name
    city_code: str | None = None
    province: str | None = None
    county: str | None = None      # for townships: the county they belong to
    county_code: str | None = None
    ambiguous: bool = False        # several candidates and nothing to choose between them
    candidates: tuple[str, ...] = ()   # codes / names of the candidates when ambiguous
    via: str = "exact"             # exact, short, former, anaphora, zone, township
    rule: str = ""
    written: str = ""              # the unit's own name as written (东城区 in 许昌市东城区; 溧水县)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: str                     # ISO: 2023-03-15, 2023-03, 2023-Q3, 2023, or interval a/b
    precision: str                 # day, month, quarter, year, range, vague
    rule: str = ""


@dataclass(frozen=True)
class CompanyMention:
    start: int
    end: int
    text: str                      # surface name
    name: str                      # name reported (longest linked form in the article)
    core: str = ""                 # name without place/country prefix and generic suffixes
    rule: str = ""


@dataclass
class HomePlace:
    """What an article is about, from its metadata: used to resolve short forms and anaphora."""
    region: str | None = None      # e.g. 许昌市 or 襄城县 from metadata
    extra: dict = field(default_factory=dict)


@dataclass
class Mentions:
    """All mentions of one article, each list sorted by start. Dates are only needed in the
    sentences that hold a record or a claim: `find_dates(start, end)` finds them on demand."""
    amounts: list[AmountMention]
    places: list[PlaceMention]
    companies: list[CompanyMention]
    find_dates: object = None
    enumerations: list = field(default_factory=list)   # companies.Enumeration: lists of firms / projects
    _dates: dict = field(default_factory=dict)

    def dates_in(self, start: int, end: int) -> list[DateMention]:
        key = (start, end)
        if key not in self._dates:
            self._dates[key] = self.find_dates(start, end) if self.find_dates else []
        return self._dates[key]


def within(items, a: int, b: int):
    """The mentions that lie inside [a, b)."""
    return [m for m in items if a <= m.start and m.end <= b]
