"""Place recogniser: provinces, prefecture-level cities, county-level units, development zones,
townships and anaphora (我县, 该市 ...) in Chinese news text, resolved to names and 6-digit codes.

    find_places(text, home=None, exclude=()) -> list[PlaceMention]
    resolve_region(name) -> PlaceMention | None

Data: rules/places/divisions.tsv (generated, see pipeline/build_gazetteer.py), former_names.tsv,
zones.tsv, townships.tsv; vocabularies and context rules: rules/places.toml. Everything is loaded
and one automaton over all surfaces (Aho-Corasick, pipeline/scan.py) is built at first use; a
10,000-character text takes a few milliseconds.

Matching: leftmost-longest, non-overlapping (许昌经济技术开发区 over 许昌, 襄城县 over 襄城). A name
written right after a province or city that contains it (许昌市东城区, 福州市鼓楼区, 河南省长葛市)
becomes one mention resolved inside that unit. A name several units share (东城区, 鼓楼区, 襄城) is
decided, in this order, by such a prefix, by the same name written with its city earlier in the
text, by the article's home region (same county, city, then province), by a city or province the
text names elsewhere; failing all, the mention is ambiguous (name and code None, candidates set).

A generic zone word right after a city or county-level unit names that unit's zone (曲靖经济技术
开发区, 浏阳经开区); alone it names a zone only in an article whose home has one (经开区, 示范区 in
a 许昌 article). Anaphora: 我县/全市/本区 = the home region (全市 in a county article: its city);
该县/该市 = the last place of that unit named before, else home. Context rules in places.toml [context] keep words out: 合作 is not 合作市, 市场
backs 长葛市场 off to 长葛, 城区 needs its city, 王永年 is a person. The text is expected to be
normalised (simplified characters, no spaces inside words); company names should be passed in
`exclude`.

Levels: province (also the four municipalities, which are their districts' city too), city,
county (县, 县级市, 市辖区, 旗 ...; `county`/`county_code` are the unit itself), zone (code only when
the source package has one), township (code None, `county` filled).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from pipeline import patterns
from pipeline.mentions import PlaceMention
from pipeline.rules import load_toml, load_tsv
from pipeline.scan import Words

_HAN = patterns.compile(r"\p{Han}")
_LEVEL_ORDER = {"province": 0, "city": 1, "county": 2, "zone": 3, "township": 4}


@dataclass(frozen=True)
class _Target:
    key: str                    # code for divisions; zone:/town: keys otherwise
    name: str
    code: str | None
    level: str
    city: str | None
    city_code: str | None
    province: str | None
    province_code: str | None
    county: str | None = None
    county_code: str | None = None

    def inside(self, outer: "_Target") -> bool:
        """True if this unit lies within `outer` (a province, city or county-level unit)."""
        if outer.key == self.key:
            return False
        if outer.level == "province":
            return self.province_code == outer.code
        if outer.level == "city":
            return self.city_code == outer.code
        if outer.level in ("county", "zone") and outer.code:
            return self.county_code == outer.code
        return False


@dataclass(frozen=True)
class _Data:
    targets: dict               # key -> _Target
    index: dict                 # surface -> tuple[(key, via), ...]
    anaphora: dict              # surface -> kind
    zone_suffixes: dict         # generic zone word -> canonical form (经开区 -> 经济技术开发区)
    words: Words                # an automaton over every surface (names, short forms, anaphora, zone words)
    ctx: dict                   # compiled [context] rules


# ---------------------------------------------------------------------------------------------
# loading


def _blank(value: str) -> str | None:
    return value or None


def _load() -> _Data:
    rules = load_toml("places.toml")
    targets: dict[str, _Target] = {}
    index: dict[str, list] = {}

    def add(surface: str, key: str, via: str) -> None:
        entries = index.setdefault(surface, [])
        if (key, via) not in entries:
            entries.append((key, via))

    for row in load_tsv("places/divisions.tsv"):
        level = row["level"]
        t = _Target(
            key=row["code"], name=row["name"], code=row["code"], level=level,
            city=_blank(row["city"]), city_code=_blank(row["city_code"]),
            province=row["province"], province_code=row["province_code"],
            county=row["name"] if level == "county" else None,
            county_code=row["code"] if level == "county" else None)
        targets[t.key] = t
        add(t.name, t.key, "exact")
        for short in filter(None, row["short_forms"].split("|")):
            add(short, t.key, "short")
    for row in load_tsv("places/former_names.tsv"):
        add(row["old_name"], row["code"], "former")
    for row in load_tsv("places/zones.tsv"):
        prov = targets.get(row["province_code"])
        key = f"zone:{row['name']}@{row['city_code'] or row['province_code']}"
        targets[key] = _Target(
            key=key, name=row["name"], code=_blank(row["code"]), level="zone",
            city=_blank(row["city"]), city_code=_blank(row["city_code"]),
            province=prov.name if prov else None, province_code=row["province_code"],
            county=_blank(row["county"]), county_code=_blank(row["county_code"]))
        add(row["name"], key, "zone")
        for alias in filter(None, row["aliases"].split("|")):
            add(alias, key, "zone")
        for alias in filter(None, row["home_aliases"].split("|")):
            add(alias, key, "zone_home")
    for row in load_tsv("places/townships.tsv"):
        county = targets[row["county_code"]]
        key = f"town:{row['name']}@{row['county_code']}"
        targets[key] = _Target(
            key=key, name=row["name"], code=None, level="township",
            city=county.city or (county.name if county.level == "city" else None),
            city_code=county.city_code or (county.code if county.level == "city" else None),
            province=county.province, province_code=county.province_code,
            county=county.name, county_code=county.code)
        add(row["name"], key, "township")
    anaphora = dict(rules["anaphora"])
    suffixes = dict(rules["zones"]["generic_suffixes"])
    return _Data(targets, {k: tuple(v) for k, v in index.items()}, anaphora, suffixes,
                 Words(set(index) | set(anaphora) | set(suffixes)),
                 _context(rules["context"]))


def _context(ctx: dict) -> dict:
    """[context] of places.toml in the shapes the scanner tests against (sets, tuples)."""
    return {
        "boundary_left": frozenset(ctx["boundary_left"]),
        "needs_boundary": frozenset(ctx["needs_boundary"]),
        "needs_prefix": frozenset(ctx["needs_prefix"]),
        "backoff": tuple((tail, tuple(nexts)) for tail, nexts in ctx["backoff"].items()),
        "short_not_followed_by": tuple(ctx["short_not_followed_by"]),
        "person_surnames": frozenset(ctx["person_surnames"]),
    }


@functools.lru_cache(maxsize=1)
def _data() -> _Data:
    return _load()


# ---------------------------------------------------------------------------------------------
# scanning


@dataclass
class _Raw:
    start: int
    end: int
    surface: str
    entries: tuple              # ((key, via), ...); empty for anaphora and zone suffixes
    anaphor: str | None = None  # kind, for 我县/该市 ...
    prefix: "_Raw | None" = None   # the province/city mention written right before (merged)
    suffix: str | None = None   # canonical generic zone word after a place (曲靖 + 经济技术开发区)
    own: str = ""               # surface of the last component (东城区 in 许昌市东城区)
    extra: dict | None = None   # key -> _Target made for this text (曲靖经济技术开发区)


def _overlaps(start: int, end: int, spans) -> bool:
    return any(s < end and start < e for s, e in spans)


def _left_ok(text: str, start: int, prev_end: int, ctx: dict) -> bool:
    if start == 0 or start == prev_end:
        return True
    ch = text[start - 1]
    return ch in ctx["boundary_left"] or not _HAN.match(ch)


def _accept(d: _Data, text: str, start: int, surface: str, prev: _Raw | None,
            home: _Target | None):
    """(entries, zone suffix) of `surface` at `start` after the context rules; None to reject."""
    ctx = d.ctx
    end = start + len(surface)
    after = text[end:end + 4]
    for tail, nexts in ctx["backoff"]:
        if surface.endswith(tail) and after.startswith(nexts):
            return None
    prev_end = prev.end if prev is not None and prev.anaphor is None else -1
    if surface in ctx["needs_boundary"] and not _left_ok(text, start, prev_end, ctx):
        return None
    if surface in d.anaphora:
        return (), None
    entries = d.index.get(surface, ())
    if entries and all(via == "short" for _, via in entries):
        if after.startswith(ctx["short_not_followed_by"]):
            return None
        if len(surface) == 2 and _after_surname(text, start, prev_end, ctx):
            return None
        if _inside_a_word(text, start, end, prev_end):
            return None                   # 投资兴建 is not 资兴, 新上高档 is not 上高
        if surface[-1] in "镇乡" and not _left_ok(text, start, prev_end, ctx):
            return None                   # 干丰镇 is a township, not 丰镇(市)
        if after[:1] in ("乡", "镇") and len({d.targets[k].code for k, _ in entries}) > 1:
            return None                   # 东兴乡 is a township, not 东兴(区 or 市)
    outer = [d.targets[k] for k, _ in prev.entries] if prev_end == start else []
    prefixed_only = surface in ctx["needs_prefix"]
    kept = []
    for key, via in entries:
        t = d.targets[key]
        inside = any(t.inside(o) for o in outer)
        if prefixed_only and not inside and not (
                home is not None and t.city_code and t.city_code in (home.code, home.city_code)
                and not text.startswith("域", end)):
            continue                      # 城中区 alone: only in an article about its own city
        if via == "zone_home" and not (inside or (
                not outer and _home_owns(t, home) and _left_ok(text, start, prev_end, ctx))):
            continue                      # after a place: only that place's zone (襄城经开区)
        kept.append((key, via))
    if kept:
        return tuple(kept), None
    if surface in d.zone_suffixes and any(o.level in ("city", "county") for o in outer):
        return (), d.zone_suffixes[surface]       # 曲靖 + 经济技术开发区: a zone of 曲靖
    return None


def _inside_a_word(text: str, start: int, end: int, prev_end: int) -> bool:
    """A short form that the segmenter does not cut out as a word of its own (投资兴建 → 投资/兴建,
    so 资兴 is not 资兴市; 新上高档 → 新上/高档, not 上高县) is part of other words."""
    from .segment import segment

    a = max(0, start - 4, prev_end if prev_end >= 0 else 0)
    b = min(len(text), end + 4)
    cuts = set()
    for s, e in segment(text[a:b]):
        cuts.add(a + s)
        cuts.add(a + e)
    if end < len(text) and text[end] in "县市区旗":
        return start not in cuts          # 邹平县 for today's 邹平市: the old name of the unit
    return start not in cuts or end not in cuts


def _after_surname(text: str, start: int, prev_end: int, ctx: dict) -> bool:
    """王永年, 张长春: a surname (not part of an earlier mention) after a boundary."""
    return (start >= 1 and start - 1 >= max(prev_end, 0)
            and text[start - 1] in ctx["person_surnames"]
            and _left_ok(text, start - 1, prev_end, ctx))


def _home_owns(zone: _Target, home: _Target | None) -> bool:
    """Does a generic zone word (经开区, 示范区) in an article from `home` mean `zone`?"""
    if home is None:
        return False
    if home.key == zone.key:
        return True
    if zone.county_code:
        return home.code == zone.county_code
    return zone.city_code is not None and zone.city_code == (
        home.code if home.level in ("city", "province") else home.city_code)


def _scan(d: _Data, text: str, home: _Target | None, exclude) -> list[_Raw]:
    """Leftmost-longest scan of the surfaces; a rejected match backs off to shorter ones."""
    found: list[_Raw] = []
    resume = 0                              # after an accepted mention: its end
    by_start = d.words.ends_by_start(text)
    for i in sorted(by_start):
        if i < resume:
            continue
        ends = by_start[i]
        prev = found[-1] if found else None
        for end in reversed(ends):
            if exclude and _overlaps(i, end, exclude):
                continue
            surface = text[i:end]
            accepted = _accept(d, text, i, surface, prev, home)
            if accepted is None:
                continue
            entries, suffix = accepted
            anaphor = d.anaphora.get(surface) if not entries and not suffix else None
            found.append(_Raw(i, end, surface, entries, anaphor=anaphor, suffix=suffix,
                              own=surface))
            resume = end
            break
    return found


# ---------------------------------------------------------------------------------------------
# resolution


def _candidates(d: _Data, raw: _Raw) -> list[_Target]:
    seen: dict[str, _Target] = {}
    for key, _ in raw.entries:
        seen.setdefault(key, raw.extra[key] if raw.extra and key in raw.extra else d.targets[key])
    return list(seen.values())


def _generic_zone(outer: _Target, written: str, suffix: str) -> _Target:
    """A zone named by a place and a generic zone word (浏阳经开区 -> 浏阳经济技术开发区)."""
    county = outer.level == "county"
    name = written + suffix
    return _Target(
        key=f"zone:{name}@{outer.key}", name=name, code=None, level="zone",
        city=outer.city, city_code=outer.city_code, province=outer.province,
        province_code=outer.province_code,
        county=outer.name if county else None, county_code=outer.code if county else None)


def _merge_prefixes(d: _Data, raws: list[_Raw]) -> list[_Raw]:
    """许昌市 + 东城区 written together -> one mention, its candidates cut to those inside 许昌市."""
    out: list[_Raw] = []
    for raw in raws:
        prev = out[-1] if out else None
        if prev is not None and prev.anaphor is None and raw.anaphor is None \
                and prev.end == raw.start:
            outers = _candidates(d, prev)
            if raw.suffix:
                made = [_generic_zone(o, prev.own, raw.suffix) for o in outers
                        if o.level in ("city", "county")]
                out[-1] = _Raw(prev.start, raw.end, prev.surface + raw.surface,
                               tuple((t.key, "zone") for t in made), prefix=prev.prefix,
                               own=prev.own + raw.surface, extra={t.key: t for t in made})
                continue
            inner = [(k, via) for k, via in raw.entries
                     if any(d.targets[k].inside(o) for o in outers)]
            if inner:
                out[-1] = _Raw(prev.start, raw.end, prev.surface + raw.surface, tuple(inner),
                               prefix=prev, own=raw.own)
                continue
        if raw.suffix:                      # its place was not kept (excluded, anaphor): drop
            continue
        out.append(raw)
    return out


def _pick(cands: list[_Target], home: _Target | None, text_units: list[_Target]):
    """Choose among same-surface candidates; returns (target or None, rule)."""
    if home is not None:
        hits = [c for c in cands if c.key == home.key]
        if len(hits) == 1:
            return hits[0], "home"
        home_county = home.code if home.level == "county" else home.county_code
        home_city = home.code if home.level == "city" or (
            home.level == "province" and home.city_code) else home.city_code
        for rule, attr, value in (("home_county", "county_code", home_county),
                                  ("home_city", "city_code", home_city),
                                  ("home_province", "province_code", home.province_code)):
            if value:
                hits = [c for c in cands if getattr(c, attr) == value]
                if len(hits) == 1:
                    return hits[0], rule
    if text_units:
        hits = [c for c in cands if any(c.inside(u) for u in text_units)]
        if len(hits) == 1:
            return hits[0], "text_city"
    return None, "ambiguous"


def _mention(raw: _Raw, t: _Target, via: str, rule: str) -> PlaceMention:
    return PlaceMention(
        start=raw.start, end=raw.end, text=raw.surface, name=t.name, code=t.code, level=t.level,
        city=t.city, city_code=t.city_code, province=t.province,
        county=t.county, county_code=t.county_code, via=via, rule=rule, written=raw.own or raw.surface)


def _ambiguous(raw: _Raw, cands: list[_Target]) -> PlaceMention:
    levels = {c.level for c in cands}
    if len(levels) == 1:
        level = levels.pop()
    elif "county" in levels:              # 东城区: a district of 北京 or a zone of 许昌
        level = "county"
    else:
        level = min(levels, key=_LEVEL_ORDER.__getitem__)

    def common(attr):
        values = {getattr(c, attr) for c in cands}
        return values.pop() if len(values) == 1 else None

    return PlaceMention(
        start=raw.start, end=raw.end, text=raw.surface, name=None, code=None, level=level,
        city=common("city"), city_code=common("city_code"), province=common("province"),
        ambiguous=True,
        candidates=tuple(sorted(_label(c) for c in cands)),
        via=_via(raw, cands[0]), rule="ambiguous")


def _label(t: _Target) -> str:
    """How a candidate is listed: its code, else name(county or city or province)."""
    return t.code or f"{t.name}({t.county or t.city or t.province})"


def _via(raw: _Raw, t: _Target) -> str:
    vias = [via for key, via in raw.entries if key == t.key]
    via = vias[0] if vias else "exact"
    return "zone" if via == "zone_home" else via


_ANAPHOR_LEVEL = {"county": "county", "district": "county", "city": "city",
                  "prefecture": "city", "province": "province"}


def _refers_to(surface: str, m: PlaceMention) -> bool:
    """Can 该县/该区/该市/该州/该省 point back to the earlier mention `m`?"""
    if m.name is None or m.ambiguous:
        return False
    unit = surface[-1]
    if unit == "省":
        return m.level == "province"
    if unit == "区" and m.level == "zone":
        return True
    return m.level in ("city", "county") and m.name.endswith(unit) or (
        unit == "县" and m.level == "county" and m.name.endswith("旗"))


def _anaphor(d: _Data, raw: _Raw, home: _Target | None,
             before: list[PlaceMention]) -> PlaceMention:
    kind = raw.anaphor
    level = _ANAPHOR_LEVEL[kind]
    if raw.surface.startswith("该"):          # "that county": the last one named, else home
        for m in reversed(before):
            if _refers_to(raw.surface, m):
                return PlaceMention(
                    start=raw.start, end=raw.end, text=raw.surface, name=m.name, code=m.code,
                    level=m.level, city=m.city, city_code=m.city_code, province=m.province,
                    county=m.county, county_code=m.county_code, via="anaphora",
                    rule=f"anaphora:{kind}:previous", written=m.written)
    target = None
    if home is not None:
        if kind in ("county", "district"):
            if home.level in ("county", "zone"):
                target = home
        elif kind in ("city", "prefecture"):
            if home.level == "city" or (home.level == "province" and home.city_code):
                target = home
            elif home.level == "county" and home.name.endswith("市") and kind == "city":
                target = home                       # 长葛市 article: 我市 = 长葛市
            elif home.city_code:
                target = d.targets.get(home.city_code)
        elif kind == "province":
            target = home if home.level == "province" else d.targets.get(home.province_code)
    if target is not None:
        return _mention(raw, target, "anaphora", f"anaphora:{kind}")
    outer_city = None
    if home is not None and level == "county":
        outer_city = home if home.level == "city" else None
    return PlaceMention(
        start=raw.start, end=raw.end, text=raw.surface, name=None, code=None, level=level,
        city=outer_city.name if outer_city else None,
        city_code=outer_city.code if outer_city else None,
        province=home.province if home is not None and level != "province" else None,
        via="anaphora", rule=f"anaphora:{kind}:unresolved")


def _resolve(d: _Data, raws: list[_Raw], home: _Target | None) -> list[PlaceMention]:
    out: list[PlaceMention] = []
    settled: dict[str, str] = {}      # surface (without prefix) -> key, from prefixed mentions
    picked: list[_Target | None] = []
    for raw in raws:                  # first pass: what is certain without home/text context
        cands = _candidates(d, raw) if raw.anaphor is None else []
        if len(cands) == 1:
            picked.append(cands[0])
            if raw.prefix is not None:
                settled[raw.own] = cands[0].key
        else:
            picked.append(None)
    text_units = [t for t in picked if t is not None and t.level in ("province", "city")]
    for raw, t in zip(raws, picked):
        if raw.anaphor is not None:
            out.append(_anaphor(d, raw, home, out))
            continue
        cands = _candidates(d, raw)
        if t is not None:
            rule = "prefix" if raw.prefix is not None else "unique"
            out.append(_mention(raw, t, _via(raw, t), rule))
            continue
        key = settled.get(raw.surface)
        if key is not None and key in {c.key for c in cands}:
            t = next(c for c in cands if c.key == key)
            out.append(_mention(raw, t, _via(raw, t), "same_text"))
            continue
        t, rule = _pick(cands, home, text_units)
        out.append(_mention(raw, t, _via(raw, t), rule) if t else _ambiguous(raw, cands))
    return out


# ---------------------------------------------------------------------------------------------
# public API


@functools.lru_cache(maxsize=32768)
def places_in_name(text: str) -> tuple[PlaceMention, ...]:
    """find_places(text) without a home, for short strings looked at again and again (a company's
    core, a list item, a brand, a headline): cached, the cache bounded."""
    return tuple(find_places(text))


def find_places(text: str, home: str | None = None,
                exclude: list[tuple[int, int]] | tuple = ()) -> list[PlaceMention]:
    """Places mentioned in `text`, left to right, without overlaps.

    home: the article's region from its metadata (许昌市, 襄城县, 河南省许昌市...), used to resolve
    short forms, shared names, generic zone words (经开区, 示范区) and anaphora (我县, 全市).
    exclude: (start, end) spans to skip, e.g. company names the caller has found (上海电气集团).
    """
    if not text:
        return []
    d = _data()
    home_t = _home_target(home) if home else None
    raws = _merge_prefixes(d, _scan(d, text, home_t, exclude))
    raws = _unknown_zones(text, raws, home_t, exclude)
    return _resolve(d, raws, home_t)


@functools.lru_cache(maxsize=1)
def _unknown_zone_rules():
    z = load_toml("places.toml")["zones"]["unknown"]
    suffix = "|".join(regex.escape(x) for x in sorted(z["suffixes"], key=len, reverse=True))
    return {"re": patterns.compile(rf"(?:{suffix})"), "not_names": tuple(z["not_names"]),
            "not_chars": set(z["not_chars"]), "left_words": tuple(z["left_words"]),
            "max": z["name_max"], "industry": tuple(z["industry_names"]), "not_inside": tuple(z["not_inside"])}


def _unknown_zones(text: str, raws: list[_Raw], home: _Target | None, exclude) -> list[_Raw]:
    """Zones no table knows (西渡高新区, 绥安开发区; 长春 + 净月高新区): the name of 2-6 characters
    before a zone word, walked back to a boundary; a zone of the place written right before it,
    else of the home county (or city)."""
    z = _unknown_zone_rules()
    out = list(raws)
    for hit in z["re"].finditer(text):
        s0, s1 = hit.span()
        if any(r.start < s1 and s0 < r.end for r in out):
            continue                    # part of a known zone (曲靖经开区, 许昌经济技术开发区)
        i, prefix = s0, None
        while True:
            ended = [r for r in out if r.end == i]
            if ended:                   # 珲春 + 海洋经济发展示范区: a zone of the place before it
                prefix = ended[-1] if ended[-1].anaphor is None else None
                break
            if i <= max(0, s0 - z["max"]):
                break
            ch = text[i - 1]
            if not _HAN.match(ch) or ch in z["not_chars"] or text.endswith(z["left_words"], 0, i):
                break
            i -= 1
        name = text[i:s0]
        if len(name) < 2 or name.startswith(z["not_names"]) or name.endswith(z["industry"]) \
                or any(w in name for w in z["not_inside"]) \
                or (exclude and _overlaps(i, s1, exclude)):
            continue
        outer = None
        if prefix is not None and prefix.entries:
            outer = next((t for t in _candidates(_data(), prefix) if t.level in ("city", "county")), None)
        anchor = outer or home
        start = prefix.start if outer is not None else i
        surface = text[start:s1]
        county = anchor if anchor is not None and anchor.level == "county" else None
        city = anchor if anchor is not None and anchor.level == "city" else None
        t = _Target(key=f"zone:{surface}@{anchor.key if anchor else ''}", name=surface, code=None, level="zone",
                    city=city.name if city else (anchor.city if anchor else None),
                    city_code=city.code if city else (anchor.city_code if anchor else None),
                    province=anchor.province if anchor else None,
                    province_code=anchor.province_code if anchor else None,
                    county=county.name if county else None, county_code=county.code if county else None)
        if any(r.start < s1 and start < r.end and not (start <= r.start and r.end <= s1) for r in out):
            continue
        out = [r for r in out if not (start <= r.start and r.end <= s1)]
        out.append(_Raw(start, s1, surface, ((t.key, "zone"),), own=surface, extra={t.key: t}))
    return sorted(out, key=lambda r: r.start)


# a name written with one of these endings is the unit's own name as the article gives it; a bare
# short form (长葛) is reported by the unit's full name (长葛市)
_WRITTEN_UNIT = ("县", "市", "区", "旗", "园区", "开发区", "高新区", "经开区", "示范区", "新区", "集聚区", "试验区")


@dataclass(frozen=True)
class FormerName:
    """A unit's name before a change (rules/places/former_names.tsv): 溧水县 (320124) became
    溧水区 (320117) in 2013."""
    old_name: str
    old_code: str
    code: str
    year: int


@functools.lru_cache(maxsize=1)
def _former_names() -> dict:
    return {(row["old_name"], row["code"]): FormerName(row["old_name"], row["old_code"], row["code"], int(row["year"]))
            for row in load_tsv("places/former_names.tsv")}


@functools.lru_cache(maxsize=1)
def _renames_by_code() -> dict:
    """code -> the FormerName rows of its renames (the same territory under an older name)."""
    out: dict = {}
    for row in load_tsv("places/former_names.tsv"):
        if row["change"] == "rename":
            out.setdefault(row["code"], []).append(
                FormerName(row["old_name"], row["old_code"], row["code"], int(row["year"])))
    return out


def full_names(places: list[PlaceMention]) -> frozenset:
    """The units an article writes by their full name somewhere (宽甸满族自治县 as well as 宽甸县),
    and the zones it also writes at length: ("临港经开区", "宜宾临港经济技术开发区") pairs."""
    names = {p.name for p in places if p.name and (p.written or p.text) == p.name}
    zones = {p.written or p.text for p in places if p.level == "zone"}
    suffixes = _data().zone_suffixes
    for short in zones:
        for word, long_word in suffixes.items():
            if short.endswith(word) and word != long_word:
                core = short[: -len(word)]
                longer = [z for z in zones if z != short and z.endswith(core + long_word)]
                if core and longer:
                    names.add((short, longer[0]))
    return frozenset(names)


def former_name(p: PlaceMention) -> FormerName | None:
    """The former name a mention is written with (溧水县 for today's 溧水区), or None."""
    if not p.code:
        return None
    return _former_names().get((p.written or p.text, p.code))


def as_of(p: PlaceMention, year: int | None, full_names: frozenset = frozenset()) -> tuple[str | None, str | None]:
    """(name, code) of a county-level mention as the article names it and as valid at `year`: a
    former name keeps its old code for an article from before (or in) the year of the change; a
    unit the article writes in full somewhere (`full_names`) keeps its full name."""
    former = former_name(p)
    if former is None:
        written = p.written or p.text
        if p.level == "zone":
            longer = [b for x in full_names if isinstance(x, tuple) and x[0] == written for b in x[1:]]
            if longer:
                return longer[0], p.code      # 临港经开区 where the article also writes 宜宾临港经济技术开发区
        if p.level in ("county", "zone") and written != p.name and written.endswith(_WRITTEN_UNIT) \
                and p.name not in full_names and not (written[:1] in "市县区" and (p.name or "").endswith(written)):
            # (市城乡一体化示范区 is 我市's: no name of its own, the zone's full name is given)
            return written, p.code           # 岫岩县 (岫岩满族自治县), 毕节高新区 as written
        if year is not None and p.level == "county" and written != p.name and not written.endswith(_WRITTEN_UNIT):
            # 弥勒 in 2012: the short form of both names, so the unit as it was then (弥勒县, its code)
            then = sorted((f for f in _renames_by_code().get(p.code, ())
                           if year <= f.year and f.old_name.startswith(written)), key=lambda f: f.year)
            if then:
                return then[0].old_name, then[0].old_code
        return p.name, p.code
    if year is not None and year <= former.year:
        return former.old_name, former.old_code
    return former.old_name, p.code


@functools.lru_cache(maxsize=4096)
def resolve_region(name: str) -> PlaceMention | None:
    """Turn an article's metadata region (许昌市, 许昌, 襄城县, 河南省许昌市, or a code such as
    411025) into a mention with level and code; None if no place is found in it. Ambiguous names
    (鼓楼区) come back ambiguous. The last place in the string wins (河南省 许昌市 -> 许昌市)."""
    text = (name or "").strip()
    if not text:
        return None
    d = _data()
    if text.isdigit() and text in d.targets:             # a 6-digit code is accepted too
        t = d.targets[text]
        return _mention(_Raw(0, len(text), text, ((t.key, "exact"),)), t, "exact", "code")
    raws = [r for r in _merge_prefixes(d, _scan(d, text, None, ())) if r.anaphor is None]
    if not raws:
        return None
    return _resolve(d, raws, None)[-1]


@functools.lru_cache(maxsize=4096)
def _home_target(home: str) -> _Target | None:
    m = resolve_region(home)
    if m is None or m.ambiguous or m.name is None:
        return None
    d = _data()
    if m.code and m.code in d.targets and m.level != "zone":
        return d.targets[m.code]
    for t in d.targets.values():
        if t.name == m.name and t.level == m.level and t.city_code == m.city_code \
                and t.county_code == m.county_code:
            return t
    if m.level == "zone":        # a zone named by its place and a zone word (曲靖经济技术开发区)
        province_code = m.city_code[:2] + "0000" if m.city_code else None
        return _Target(key=f"zone:{m.name}@{m.city_code}", name=m.name, code=m.code, level="zone",
                       city=m.city, city_code=m.city_code, province=m.province, province_code=province_code,
                       county=m.county, county_code=m.county_code)
    return None
