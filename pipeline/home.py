"""Home stage: the place an article is about, when its metadata gives no region.

    infer_home(text, title, source, places) -> HomeGuess | None

Most reports are about one county: 记者在平舆县采访了解到, 本报讯 … 我县, 该县, a dateline, the county
that signs (鹿邑县与…签约). Items that name no place of their own belong to that county. A round-up
of several counties of one city has the city as home: its items without a place get only the city.

Each county-level place (a zone of a county and a township count for their county) gets points
from where it is written: headline, source name, dateline, the signing party, the first paragraph,
every further mention; 我县 / 全区 / 我市 add points to the leading unit of that kind. The leader
is the home when it leads clearly; otherwise, with several units of one city, the city. Points
and markers are in rules/home.toml; the `rule` of the guess says which evidence decided it.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

from . import patterns
from .mentions import PlaceMention
from .places import places_in_name
from .rules import load_toml


@dataclass(frozen=True)
class HomeGuess:
    region: str              # what find_places and resolve_region take: a code, else a name
    place: PlaceMention      # the unit, as a place mention (offsets of its first mention)
    rule: str                # home:county:title+dateline, home:city:roundup ...


@functools.lru_cache(maxsize=1)
def _rules() -> dict:
    r = load_toml("home.toml")
    return {"points": r["points"], **{k: r[k] for k in ("min_points", "lead", "roundup_units", "head", "window")},
            "markers": tuple(sorted(r["dateline_markers"], key=len, reverse=True)),
            "signing_after": tuple(sorted(r["signing_after"], key=len, reverse=True)),
            "anaphora": dict(r["anaphora"]),
            "province_anaphora": tuple(r["province_anaphora"]),
            "origin_after": tuple(r["origin_after"])}


def _unit(p: PlaceMention) -> tuple | None:
    """(key, level) of the county-level unit a mention stands for; None for cities, provinces,
    ambiguous names and unresolved anaphora."""
    if p.ambiguous or p.name is None or p.via == "anaphora":
        return None
    if p.level == "township" or (p.level == "zone" and p.county_code):
        return (p.county_code, "county")
    if p.level == "county":
        return (p.code or p.name, "county")
    if p.level == "zone":
        return (f"zone:{p.name}", "zone")
    return None


def _city(p: PlaceMention) -> str | None:
    if p.ambiguous or p.name is None or p.via == "anaphora":
        return None
    if p.level == "city":
        return p.code
    if p.level == "province" and p.city_code == p.code:     # a municipality is its own city
        return p.code
    return p.city_code


def _as_unit_mention(p: PlaceMention) -> PlaceMention:
    """The county-level unit itself for a township or a county's zone (their county)."""
    if p.level == "township" or (p.level == "zone" and p.county_code):
        from .places import resolve_region
        county = resolve_region(p.county_code) if p.county_code else None
        if county is not None:
            return county
    return p


def _dateline_places(text: str, places: list[PlaceMention], r: dict) -> list[PlaceMention]:
    """Places of a dateline or by-line at the head of the text: within `window` characters after a
    marker (本报讯, 记者, 通讯员…), or right before a date and 电/讯 (东北网双鸭山12月21日电)."""
    head = r["head"]
    out = []
    for p in places:
        if p.start >= head:
            break
        before = text[max(0, p.start - r["window"]):p.start]
        after = text[p.end:p.end + 14]
        if any(m in before for m in r["markers"]) or _dated_wire(after):
            out.append(p)
    return out


def _dated_wire(after: str) -> bool:
    return bool(_WIRE.match(after))


_WIRE = patterns.compile(r"^(?:\d{1,2}月\d{1,2}日|\d{1,2}日)?(?:电|讯)")


def _signing_places(text: str, places: list[PlaceMention], r: dict) -> list[PlaceMention]:
    out = []
    for p in places:
        after = text[p.end:p.end + 8]
        for gov in ("人民政府", "政府", "县委", "区委", "市委"):
            if after.startswith(gov):
                after = after[len(gov):]
                break
        if after.startswith(r["signing_after"]):
            out.append(p)
    return out


def _title_places(title: str):
    """The places of a headline or source, outside the names of known firms (宁德时代宜春…项目奠基
    names 宜春, not 宁德)."""
    from .companies import find_known_firms

    firms = [(c.start, c.end) for c in find_known_firms(title, 0, len(title), [])]
    return [p for p in places_in_name(title) if not any(a < p.end and p.start < b for a, b in firms)]


def infer_home(text: str, title: str | None, source: str | None,
               places: list[PlaceMention]) -> HomeGuess | None:
    """The article's home place from its text, headline and source name (see the module doc)."""
    r = _rules()
    points: dict[tuple, float] = defaultdict(float)
    why: dict[tuple, list[str]] = defaultdict(list)
    first: dict[tuple, PlaceMention] = {}
    city_points: dict[str, float] = defaultdict(float)
    city_first: dict[str, PlaceMention] = {}

    province_why: dict[str, set] = defaultdict(set)
    province_first: dict[str, PlaceMention] = {}

    def add(p: PlaceMention, n: float, reason: str) -> None:
        if p.level == "province" and p.code and p.city_code != p.code and not p.ambiguous:
            province_why[p.code].add(reason)            # 山西省, 内蒙古 (not a municipality)
            province_first.setdefault(p.code, p)
        u = _unit(p)
        if u is not None:
            points[u] += n
            if reason not in why[u]:
                why[u].append(reason)
            first.setdefault(u, p)
        c = _city(p)
        if c is not None:
            city_points[c] += n
            city_first.setdefault(c, p)
            city_why[c].add(reason)

    city_why: dict[str, set] = defaultdict(set)
    titled_zones: dict[str, PlaceMention] = {}
    for label, extra in (("title", title), ("source", source)):
        if extra:
            for p in _title_places(extra):
                if label == "title" and p.level == "zone" and p.county_code and not p.ambiguous:
                    titled_zones.setdefault(p.county_code, p)
                if extra.startswith(r["origin_after"], p.end):
                    continue                # 深圳企业落户襄城: where the investors come from
                if p.ambiguous and p.candidates:
                    # 襄城 (襄城县 or 襄城区) in the headline: the one the text names in full
                    named = [q for q in places if q.code in p.candidates and not q.ambiguous]
                    if named:
                        p = named[0]
                add(p, r["points"][label], label)
    for p in _dateline_places(text, places, r):
        add(p, r["points"]["dateline"], "dateline")
    for p in _signing_places(text, places, r):
        add(p, r["points"]["signing"], "signing")
    para_end = text.find("\n\n", min(len(text), 40))
    lede = [p for p in places if p.start < (para_end if para_end > 0 else len(text)) and _unit(p)]
    if lede:
        add(lede[0], r["points"]["lede"], "lede")
    counted: dict[tuple, int] = defaultdict(int)
    for p in places:
        u = _unit(p)
        if u is None:
            c = _city(p)
            if c is not None and p.level == "city":
                city_points[c] += r["points"]["mention"]
                city_first.setdefault(c, p)
            continue
        if counted[u] < r["points"]["mention_cap"]:
            counted[u] += 1
            add(p, r["points"]["mention"], "mentions")
    kinds = defaultdict(int)
    for p in places:
        if p.via == "anaphora" and p.text in r["anaphora"]:
            kinds[r["anaphora"][p.text]] += 1
    strong = {u for u in points if {"title", "source", "dateline"} & set(why[u])}
    for kind in kinds:
        same = [u for u in points if _name_of(first[u]).endswith(kind) or (kind == "区" and u[1] == "zone")]
        if kind == "市":
            # 我市 is a county-level city only where that city is the headline's or dateline's
            # place; otherwise it is the prefecture city
            same = [u for u in same if u in strong]
        if same:
            best = max(same, key=lambda u: (points[u], -first[u].start))
            points[best] += r["points"]["anaphora"]
            why[best].append("anaphora")
            if kind != "市":
                strong.add(best)
        elif kind == "市" and city_points:
            c = max(city_points, key=lambda k: (city_points[k], -city_first[k].start))
            city_points[c] += r["points"]["anaphora"]

    # a province's report: the province in the headline (or source, dateline) or 全省 / 我省 at the
    # head, and no county-level unit or city there
    head_text = (title or "") + text[:r["head"]]
    province_anaphora = any(a in head_text for a in r["province_anaphora"])
    lower_anaphora = any(a in head_text for a, kind in r["anaphora"].items() if kind != "区" or "全区" != a)
    titled = [c for c, w in province_why.items() if w & {"title", "dateline"}]
    unit_strong = [u for u in strong if {"title", "source", "dateline"} & set(why[u])]
    city_strong = [c for c, w in city_why.items() if w & {"title", "source", "dateline", "lede"}
                   and city_first[c].level == "city"]
    if (titled or province_anaphora and province_why) and not unit_strong and not city_strong \
            and not lower_anaphora:
        code = (titled or sorted(province_why, key=lambda c: -len(province_why[c])))[0]
        return HomeGuess(code, province_first[code], "home:province")

    # 我市 / 全市 in the headline or the first lines, and no 我县 / 我区 there: a city's report,
    # unless a county-level city is the headline's or dateline's place
    head = (title or "") + text[:r["head"]]
    head_kinds = {kind for a, kind in r["anaphora"].items() if a in head}
    city_report = head_kinds == {"市"}
    ranked = sorted(points, key=lambda u: (-points[u], first[u].start))
    # 我市 in a county-level city's report (涿州报: 北京房山区与我市…): that city, written 市
    cities_of_their_own = [u for u in ranked if u in strong and _written(first[u]).endswith("市")]
    if city_report and cities_of_their_own:
        unit = _as_unit_mention(_representative(cities_of_their_own[0], first[cities_of_their_own[0]], places))
        return HomeGuess(_region_of(unit), unit, "home:county:" + "+".join(dict.fromkeys(why[cities_of_their_own[0]] + ["anaphora"])))
    # a headline naming a city and no county-level unit: the city's report (枣庄市上半年…, 全市
    # 重点项目集中开工仪式在滕州市举行)
    title_units = {u for u in ranked if "title" in why[u]}
    title_cities = [c for c, w in city_why.items() if "title" in w and city_first[c].level == "city"]
    if title_cities and not title_units and not head_kinds & {"县", "区", "旗"}:
        return _city_guess(title_cities[0], "home:city:title")
    if city_report and ranked and not (ranked[0] in strong and _name_of(first[ranked[0]]).endswith("市")):
        by_city = defaultdict(float)
        for u in ranked:
            c = _city(first[u])
            if c is not None:
                by_city[c] += points[u]
        for c, n in city_points.items():
            by_city[c] += n
        if by_city:
            c = max(by_city, key=lambda k: (by_city[k], k))
            return _city_guess(c, "home:city:anaphora")
    if ranked:
        best = ranked[0]
        second = points[ranked[1]] if len(ranked) > 1 else 0.0
        leads = points[best] >= r["min_points"] and points[best] >= r["lead"] * second
        by_city = defaultdict(set)
        for u in ranked:
            c = _city(first[u])
            if c is not None:
                by_city[c].add(u)
        roundup = any(len(units) >= r["roundup_units"] for units in by_city.values())
        if leads and (best in strong or not roundup and points[best] >= 2 * second):
            unit = _as_unit_mention(_representative(best, first[best], places))
            zone = titled_zones.get(best[0])
            if zone is not None:
                # 库尔勒经济技术开发区…8项目同时开工: the zone the headline names, in its county
                named = [p for p in places if p.level == "zone" and p.name == zone.name]
                return HomeGuess(_region_of(unit), (named or [zone])[0], "home:zone:" + "+".join(why[best]))
            return HomeGuess(_region_of(unit), unit, "home:county:" + "+".join(why[best]))
        if roundup:
            c = max(by_city, key=lambda k: (len(by_city[k]), city_points.get(k, 0)))
            return _city_guess(c, "home:city:roundup")
    if city_points:
        c = max(city_points, key=lambda k: (city_points[k], -city_first[k].start))
        if city_points[c] >= r["min_points"] or not points:
            return _city_guess(c, "home:city")
    return None


def _representative(u: tuple, fallback: PlaceMention, places: list[PlaceMention]) -> PlaceMention:
    """The mention that stands for a unit: the first one in the text written in full (长乐市, not
    the headline's 长乐), so that the home is named as the article names it."""
    mine = [p for p in places if _unit(p) == u and p.via != "anaphora"]
    full = [p for p in mine if (p.written or p.text).endswith(("县", "市", "区", "旗"))]
    return (full or mine or [fallback])[0]


def _titled_cities(title: str | None) -> set:
    return {p.code for p in places_in_name(title)} if title else set()


def _written(p: PlaceMention) -> str:
    return p.written or p.text or p.name or ""


def _name_of(p: PlaceMention) -> str:
    return p.name or p.text


def _region_of(p: PlaceMention) -> str:
    if p.code:
        return p.code
    return f"{p.city or ''}{p.name}"


def _city_guess(code: str, rule: str) -> HomeGuess | None:
    from .places import resolve_region
    city = resolve_region(code)
    if city is None:
        return None
    return HomeGuess(code, city, rule)
