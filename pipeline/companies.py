"""Company recogniser: investor company names, by suffix and boundary rules (rules/companies.toml),
and the linking of short and long forms of one company within an article.

Public functions:
- `find_companies(text, tokens=None)`: company mentions in a text (a sentence, usually);
- `link_companies(mentions, text)`: within one article, group the mentions of one company
  (百菲萨集团 = 德国百菲萨(中国)投资有限公司), report each under its longest form, and add the
  short-form mentions (上海电气 for 上海电气集团).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import regex

from .mentions import CompanyMention
from .rules import RULES_DIR, load_toml
from .scan import Words
from . import patterns

_NAME_CHAR = patterns.compile(r"[\p{Han}A-Za-z0-9·&]")
_BRACKET_PART = patterns.compile(r"\([^()]{0,8}\)")
_HAS_NAME = patterns.compile(r"\p{Han}|[A-Za-z]{2,}|\d{3,}")


@functools.lru_cache(maxsize=1)
def _rules():
    r = load_toml("companies.toml")
    suffixes = sorted(r["suffixes"], key=len, reverse=True)
    return {
        "suffix_re": patterns.compile("|".join(regex.escape(s) for s in suffixes)),
        "boundary_words": sorted(r["boundary_words"], key=len, reverse=True),
        "boundary_set": frozenset(r["boundary_words"]),
        "boundary_lens": sorted({len(w) for w in r["boundary_words"]}),
        "boundary_chars": set(r["boundary_chars"]),
        "strict_chars": set(r["strict_boundary_chars"]),
        "countries": sorted(r["country_prefixes"], key=len, reverse=True),
        "generic_tail": sorted(r["generic_tail"], key=len, reverse=True),
        "max_len": r["max_len"],
        "min_core": r["min_core"],
        "not_company": tuple(r["not_company_endings"]),
        "generic_cores": set(r["generic_cores"]),
        "bad_starts": tuple(r["bad_starts"]),
        "generic_endings": tuple(r["generic_core_endings"]),
    }


@functools.lru_cache(maxsize=65536)
def company_core(name: str) -> str:
    """The distinctive part of a name: no country prefix, no bracketed region, no generic tail."""
    r = _rules()
    core = _BRACKET_PART.sub("", name)
    for c in r["countries"]:
        if core.startswith(c) and len(core) > len(c) + 1:
            core = core[len(c):]
            break
    changed = True
    while changed:
        changed = False
        for tail in r["generic_tail"]:
            if core.endswith(tail) and len(core) > len(tail):
                core = core[: -len(tail)]
                changed = True
                break
    return core


def _boundary_word_ends(text: str, lo: int, i: int, r: dict) -> bool:
    """Does a boundary word (与, 签约, ...) end at i and start at lo or later?"""
    words = r["boundary_set"]
    for n in r["boundary_lens"]:
        if i - n < lo:
            break
        if text[i - n:i] in words:
            return True
    return False


def _left_edge(text: str, s: int, token_starts) -> int:
    r = _rules()
    i = s
    limit = max(0, s - r["max_len"])
    while i > limit:
        ch = text[i - 1]
        if ch == ")":                      # a bracketed part inside the name: 百菲萨(中国)投资
            j = text.rfind("(", limit, i - 1)
            if j < 0 or i - 1 - j > 8:
                break
            i = j
            continue
        if not _NAME_CHAR.match(ch):
            break
        if _boundary_word_ends(text, limit, i, r):
            break
        if ch in r["strict_chars"] and token_starts is not None and _starts(token_starts, i - 1) \
                and _starts(token_starts, i):
            break                          # 有 / 以 as a word of its own
        if ch in r["boundary_chars"] and (token_starts is None or _starts(token_starts, i - 1)):
            # 日本森和精工株式会社: a country name just before is the start of the name, not 和
            j = _country_start(text, i - 1, limit)
            if j is None:
                break
            i = j
            continue
        i -= 1
    return i


def _country_start(text: str, i: int, limit: int) -> int | None:
    """If a country prefix plus one or two characters ends right at i, where that prefix itself
    starts the phrase (after punctuation or a boundary), the position where it starts."""
    r = _rules()
    for k in (1, 2):
        for c in r["countries"]:
            j = i - k - len(c)
            if j < limit or text[j:j + len(c)] != c:
                continue
            before = text[j - 1] if j > 0 else ""
            if not before or not _NAME_CHAR.match(before) or before in r["boundary_chars"] \
                    or _boundary_word_ends(text, max(0, j - 6), j, r):
                return j
    return None


def _starts(tokens, i: int) -> bool:
    return tokens.is_start(i) if hasattr(tokens, "is_start") else i in tokens


def _valid(name: str, core: str) -> bool:
    r = _rules()
    if len(core) < r["min_core"] or core in r["generic_cores"]:
        return False
    if name.startswith(r["bad_starts"]) or name.startswith(("(", ")")):
        return False
    if core.endswith(r["not_company"]) or core.endswith(r["generic_endings"]):
        return False
    if not _HAS_NAME.search(core):
        return False
    return True


def find_companies(text: str, tokens=None) -> list[CompanyMention]:
    """Company mentions in `text`, sorted by start. `tokens` (segmenter spans, or a
    `segment.LazyTokens`) refine the left edge: a boundary character such as 与 only ends a name
    where a token starts with it."""
    r = _rules()
    if tokens is None or hasattr(tokens, "is_start"):
        token_starts = tokens
    else:
        token_starts = {a for a, _ in tokens}
    out: list[CompanyMention] = []
    last_end = 0
    for m in r["suffix_re"].finditer(text):
        s, e = m.span()
        # a longer suffix may follow directly (集团 + 有限公司 written apart is one suffix run)
        start = _left_edge(text, s, token_starts)
        if start < last_end:
            start = last_end
        if out and start == out[-1].end and _continues(out[-1].text, text[start:e]):
            # 上海宝冶集团有限公司北京分公司, 新疆农资集团北疆农佳乐有限公司: one company
            prev = out.pop()
            name = text[prev.start:e]
            out.append(CompanyMention(prev.start, e, name, name, company_core(prev.text), rule=prev.rule + "+branch"))
            last_end = e
            continue
        name = text[start:e]
        core = company_core(name)
        if start == s or not _valid(name, core):
            continue
        out.append(CompanyMention(start, e, name, name, core, rule=f"company:suffix:{m.group()}"))
        last_end = e
    return out


_BRANCH = patterns.compile(r"(?:分公司|子公司|分厂|分部|办事处|分行|分院)$")


def _continues(prev: str, piece: str) -> bool:
    """Does `piece`, written right after the company `prev`, continue its name: a branch
    (北京分公司) or a subsidiary under a group (集团 + 北疆农佳乐有限公司)?"""
    if _BRANCH.search(piece) and len(piece) <= 12:
        return True
    return prev.endswith(("集团", "控股")) and len(piece) <= 14 and not piece.startswith(("与", "和", "及", "同"))


@functools.lru_cache(maxsize=65536)
def _leading_place_end(core: str) -> int | None:
    """End of the place name a company core starts with (贵州 in 贵州黔岭文化旅游发展), or None."""
    from .places import places_in_name

    places = [p for p in places_in_name(core) if p.start == 0]
    return places[0].end if places else None


def _place_prefixed_aliases(cores: list[str]) -> dict[str, str]:
    """Short core → long core, where the long core is a place name followed by the short core
    (贵州 + 黔岭 + 文化旅游发展). A long core that merely starts with the short one (上海电气环保 and
    上海电气) is another company, a subsidiary: not linked."""
    out: dict[str, str] = {}
    for long in cores:
        # only a core that holds another core after its first character can be an alias target
        if not any(short != long and len(short) >= 2 and short in long[1:-1] for short in cores):
            continue
        end = _leading_place_end(long)
        if end is None:
            continue
        rest = long[end:]
        matches = [short for short in cores if short != long and len(short) >= 2 and rest.startswith(short)
                   and len(rest) > len(short)]
        if len(matches) == 1:
            out[matches[0]] = long
    return out


def link_companies(mentions: list[CompanyMention], text: str) -> list[CompanyMention]:
    """Link the mentions of one article: same core → same company, reported under the longest
    form. Adds mentions of the short forms (the core, or the name without its suffix) found
    elsewhere in `text`. Returns all mentions sorted by start."""
    groups: dict[str, list[CompanyMention]] = {}
    for m in mentions:
        groups.setdefault(m.core, []).append(m)
    # 黔岭集团 = 贵州黔岭文化旅游发展集团有限公司: the long core is a place + the short core + more
    alias = _place_prefixed_aliases(sorted(groups))
    if alias:
        mentions = [replace(m, core=alias.get(m.core, m.core)) for m in mentions]
        groups = {}
        for m in mentions:
            groups.setdefault(m.core, []).append(m)
    canonical = {core: max((m.text for m in ms), key=lambda t: (len(t), t)) for core, ms in groups.items()}
    taken = [(m.start, m.end) for m in mentions]
    linked = [replace(m, name=canonical[m.core]) for m in mentions]
    r = _rules()
    for core, ms in sorted(groups.items()):
        forms = {core}
        for m in ms:
            bare = m.text
            for tail in r["generic_tail"]:
                if bare.endswith(tail) and len(bare) > len(tail):
                    bare = bare[: -len(tail)]
                    break
            forms.add(bare)
        for form in sorted(forms, key=len, reverse=True):
            if len(form) < 3:
                continue
            a = text.find(form)
            while a >= 0:                  # every occurrence, left to right, not overlapping
                b = a + len(form)
                nxt = text.find(form, b)
                if not any(a < te and ts < b for ts, te in taken):
                    taken.append((a, b))
                    linked.append(CompanyMention(a, b, form, canonical[core], core, rule="company:short-form"))
                a = nxt
    return sorted(linked, key=lambda m: (m.start, m.end))


# --------------------------------------------------------------------------- enumerations, brands
@dataclass(frozen=True)
class Enumeration:
    """Items joined by 、 in one clause (江淮建工、恒信环保、粤海食品等十余家企业与该县签约): each item's
    span and kind ("company" or "project")."""
    start: int
    end: int
    items: tuple


_CLAUSE = patterns.compile(r"[^,;:。!?\n]+")
_COUNT_AFTER = patterns.compile(r"(?:\d+|[一二两三四五六七八九十百]+)(?:余|多)?(?:家|个|项|批)")
_QUOTES = "“”\"'《》「」『』 "


@functools.lru_cache(maxsize=1)
def _enum_rules():
    e = load_toml("companies.toml")["enumerations"]
    b = load_toml("companies.toml")["brands"]
    return {
        "openers": sorted(e["openers"], key=len, reverse=True),
        "lead": tuple(sorted(e["clause_lead"], key=len, reverse=True)),
        "last_end": patterns.compile("|".join(regex.escape(w) for w in sorted(e["last_item_end"], key=len, reverse=True))),
        "not_company": tuple(e["not_company_endings"]),
        "generic": frozenset(e["generic_items"]),
        "person_re": patterns.compile("|".join(regex.escape(w) for w in e["person_words"])),
        "phrase_re": patterns.compile("|".join(regex.escape(w) for w in e["phrase_words"])),
        "firm_tail": patterns.compile(e["firm_tail"]),
        "not_firm_tail": patterns.compile(e["not_firm_tail"]),
        "project_tail": patterns.compile(e["project_tail"]),
        "party_openers": tuple(e["party_openers"]),
        "party_verbs": patterns.compile("|".join(regex.escape(w) for w in e["party_verbs"])),
        "project_heads": tuple(sorted(e["project_heads"], key=len, reverse=True)),
        "project_openers": tuple(e["project_openers"]),
        "listed_phrase_re": patterns.compile("|".join(regex.escape(w) for w in e["phrase_words"]
                                                   if w not in e["listed_phrase_ok"])),
        "single_item": patterns.compile(e["single_item"]),
        "deng_then": tuple(e["deng_then"]),
        "cluster_tail": patterns.compile(e["cluster_tail"]),
        # what a list needs in its sentence to give anything (firm_tail and project_tail words, project
        # heads, party verbs): a sentence without them is passed over (PASS_OVER)
        "signal_re": patterns.compile("|".join(regex.escape(w) for w in sorted(
            set(e["project_heads"]) | set(e["party_verbs"]) | set(e["firm_words"]) | {"项目", "工程"},
            key=len, reverse=True))),
        "item_min": e["item_min"], "item_max": e["item_max"],
        "brand_cut": patterns.compile("|".join(regex.escape(w) for w in sorted(
            b["industry_words"] + b["stop_words"], key=len, reverse=True)) + r"|\d"),
        "name_words": frozenset(b["name_words"]),
        "generic_starts": tuple(sorted(b["generic_starts"], key=len, reverse=True)),
        "brand_min": b["brand_min"], "brand_max": b["brand_max"],
        "brand_chars": frozenset(b["brand_chars"]),
        "brand_word_max_freq": b["brand_word_max_freq"],
        "sector_words": tuple(sorted({k for sec in load_toml("sectors.toml")["sector"] for k in sec["keywords"]},
                                     key=len, reverse=True)),
    }


def _first_item_start(seg: str, r: dict, inside=()) -> int | None:
    """Where the first item of a clause starts: after the last opener word (与, 引进, 包括 …)
    that leaves an item of a plausible length and is not inside a company's name (`inside`:
    offsets in `seg`), else after the clause's lead words."""
    best = None
    for w in r["openers"]:
        i = seg.rfind(w)
        while i >= 0:
            rest = len(seg) - i - len(w)
            if any(a <= i < b for a, b in inside):
                i = seg.rfind(w, 0, i)
                continue
            if r["item_min"] <= rest <= r["item_max"] and (best is None or i + len(w) > best):
                best = i + len(w)
                break
            i = seg.rfind(w, 0, i)
    if best is not None:
        return best
    s = seg.lstrip(_QUOTES)
    for w in r["lead"]:
        if s.startswith(w):
            s = s[len(w):]
            break
    return len(seg) - len(s) if len(s) <= r["item_max"] else None


def _last_item_end(seg: str, r: dict) -> int:
    """Where the last item of a clause ends: at 等, a count (十余家), or a verb after the list."""
    ends = [m.start() for m in r["last_end"].finditer(seg) if m.start() >= r["item_min"]]
    ends += [m.start() for m in _COUNT_AFTER.finditer(seg) if m.start() >= r["item_min"]]
    return min(ends) if ends else len(seg)


@functools.lru_cache(maxsize=1)
def _surnames() -> frozenset:
    return frozenset(load_toml("places.toml")["context"]["person_surnames"])


def _item_kind(item: str, r: dict, listed: bool = False) -> str | None:
    """"project", "company" or None (no name) for a list item; `listed`: the list names projects
    (followed by 等…项目, or after 项目包括), where 1350高炉 and 高速 are parts of projects' names."""
    if not (r["item_min"] <= len(item) <= r["item_max"]) or item in r["generic"] or r["person_re"].search(item):
        return None
    if item.endswith(r["project_heads"]):
        return "project"
    phrase = (r["listed_phrase_re"] if listed else r["phrase_re"]).search(item)
    if (phrase or not listed and regex.search(r"\d", item)) and not _rules()["suffix_re"].search(item):
        return None                         # 早投产, 年产16万吨: phrases, not names
    if item.endswith(r["not_company"]) and not listed or not _HAS_NAME.search(item) or item.isdigit() \
            or item.startswith(r["generic_starts"]) and not listed and not _rules()["suffix_re"].search(item):
        return None                         # 新型电子元器件、电子信息: kinds of firms, not names
    from .places import places_in_name
    whole = [p for p in places_in_name(item) if p.start == 0 and p.end == len(item)]
    return None if whole else "company"


# Pass over what cannot give a record or a claim (a sentence without any word a list of firms or
# projects needs). Off only in the test that shows the output is the same either way.
PASS_OVER = True


def find_enumerations(text: str, start: int = 0, end: int | None = None, companies=()) -> list[Enumeration]:
    """Lists of companies or projects in text[start:end] (a sentence), clause by clause: at least
    two items joined by 、 (和 / 及 before the last one). `companies`: mentions already found, whose
    insides hold no list opener (有 in 有限公司)."""
    end = len(text) if end is None else end
    r = _enum_rules()
    out = []
    if PASS_OVER and not (r["signal_re"].search(text, start, end) or _rules()["suffix_re"].search(text, start, end)):
        return out          # no firm word, project word, signing verb or company suffix: no list can count
    for clause in _CLAUSE.finditer(text, start, end):
        c0 = clause.start()
        body = clause.group()
        one = r["single_item"].search(text, c0, clause.end())
        if one is not None:
            a, b = one.span("x")
            while a < b and text[a] in _QUOTES:
                a += 1
            while b > a and text[b - 1] in _QUOTES:
                b -= 1
            if _item_kind(text[a:b], r, True):
                out.append(Enumeration(c0, clause.end(), ((a, b, "project"),)))
                continue                    # 签约X基地等14个项目: one project named of the 14
        if "、" not in body:
            continue
        parts = body.split("、")
        for k, part in enumerate(parts[:-1]):
            i = part.find("等", r["item_min"])
            if k >= 1 and i > 0 and (part.startswith(r["deng_then"], i + 1) or (
                    r["project_tail"].match(part[i:]) or r["firm_tail"].match(part[i:]))
                    and not regex.search("[与同和跟]", part[i:])) and \
                    not any(c.start <= c0 + sum(len(x) + 1 for x in parts[:k]) + i < c.end for c in companies):
                parts = parts[:k + 1]       # A、B等来自北京、河北的企业: the list ends at 等
                break
        inside = [(c.start - c0, c.end - c0) for c in companies if c.start < c0 + len(parts[0]) and c.end > c0]
        first_start = _first_item_start(parts[0], r, inside)
        if first_start is None:
            continue
        spans = []
        pos = c0
        for k, part in enumerate(parts):
            a = pos + (first_start if k == 0 else 0)
            b = pos + (_last_item_end(part, r) if k == len(parts) - 1 else len(part))
            spans.append((a, b))
            pos += len(part) + 1
        # 和 / 及 joining the last two items: A、B和C
        la, lb = spans[-1]
        last = text[la:lb]
        for conj in ("以及", "和", "及"):
            i = last.find(conj)
            if i >= r["item_min"] and len(last) - i - len(conj) >= r["item_min"]:
                spans[-1:] = [(la, la + i), (la + i + len(conj), lb)]
                break
        tail = text[spans[-1][1]:clause.end()]
        if r["not_firm_tail"].match(tail):
            continue                        # 涵盖新能源、装备制造等领域: sectors
        opener = parts[0][:first_start]
        tailed = bool(r["project_tail"].match(tail))
        deng = text.find("等", spans[-1][0], clause.end())
        if deng >= 0 and r["not_firm_tail"].match(text[deng:clause.end()]):
            continue                        # 涵盖产业发展、基础设施、民生公共服务等多个领域
        # 重点项目涵盖A、B、C等: projects; 央企类项目有A、B、C3家企业: firms
        projects_listed = tailed or opener.endswith(r["project_openers"]) and not r["firm_tail"].match(tail)
        items = []
        for a, b in spans:
            while a < b and text[a] in _QUOTES:
                a += 1
            while b > a and text[b - 1] in _QUOTES:
                b -= 1
            kind = _item_kind(text[a:b], r, tailed)
            if kind == "company" and projects_listed:
                kind = "project"
            if kind:
                items.append((a, b, kind))
        # 唐振生、苏志远、孙金刚、郑立伟等…到X项目现场: names of people listed with the projects
        people = [it for it in items if len(text[it[0]:it[1]]) in (2, 3) and text[it[0]] in _surnames()
                  and not text[it[0]:it[1]].endswith(r["project_heads"])
                  and not _rules()["suffix_re"].search(text[it[0]:it[1]])]
        if len(people) >= 2:
            items = [it for it in items if it not in people]
        known = sum(1 for a, b, k in items if k == "company" and any(
            c.start <= a and b <= c.end and c.rule != "company:list" for c in companies))
        firms = projects_listed or bool(r["firm_tail"].match(tail)) or known >= 1 and opener.endswith(
            ("引进", "引进了", "吸引", "吸引了", "签约", "签下")) or any(
            _rules()["suffix_re"].search(text[a:b]) for a, b, k in items if k == "company") or (
            opener.endswith(r["party_openers"]) and r["party_verbs"].search(text, spans[-1][1], end))
        if r["cluster_tail"].match(tail) and not any(_rules()["suffix_re"].search(text[a:b]) for a, b, _ in items):
            continue                        # 引进数控机床、工业机器人等上下游企业23家: kinds of firms
        if not firms:
            items = [it for it in items if it[2] == "project"]
        if len(items) >= 2 and len(items) * 2 >= len(spans):
            out.append(Enumeration(c0, clause.end(), tuple(items)))
    return out


def brand_of(name: str) -> str | None:
    """The firm named at the head of a project name, or None: 多走路运动鞋生产二期项目 → 多走路,
    河南金滔科技建设项目 → 河南金滔科技, 大唐文昌100MW储能项目 → 大唐; 年产10万吨…, 新型建材项目 → None."""
    from .places import places_in_name
    r = _enum_rules()
    s = name.strip(_QUOTES)
    if s.startswith(r["generic_starts"]):
        return None
    lead = [p for p in places_in_name(s) if p.start == 0 and p.level in ("province", "city", "county")]
    place_end = lead[0].end if lead else 0
    rest = s[place_end:]
    if not rest or rest.startswith(r["generic_starts"]) or rest[0].isdigit():
        return None                         # 贺兰县5所学校新建项目: a count, no firm
    if regex.match(r"\p{Han}{1,4}[镇乡村]", rest):
        return None                         # 东兴镇生态农业示范基地项目: a township's project
    cuts = [m for m in r["brand_cut"].finditer(rest) if m.start() >= r["brand_min"]]
    inner = [p.start for p in places_in_name(rest) if p.start >= r["brand_min"]]
    stop = min([m.start() for m in cuts] + inner) if cuts or inner else None
    if stop is None:
        core = rest
    else:
        core = rest[:stop]
        hit = next((m for m in cuts if m.start() == stop), None)
        if hit is not None and hit.group() in r["name_words"]:
            core = rest[:stop + len(hit.group())]
    bare = core[:stop] if stop is not None else core
    core = core.rstrip("·・-—")
    bare = bare.rstrip("·・-—")
    if not (r["brand_min"] <= len(bare) <= r["brand_max"]) or core in _rules()["generic_cores"] \
            or not regex.fullmatch(r"[\p{Han}A-Za-z0-9·]+", core):
        return None
    if not _trade_name(bare, r):
        return None
    return s[:place_end] + core


def _trade_name(bare: str, r: dict) -> bool:
    """Does `bare` look like a firm's trade name rather than a product (see [brands] brand_chars)?"""
    if bare.startswith(r["sector_words"]) or bare.startswith(r["generic_starts"]) or bare.endswith(("村", "镇", "乡", "山")):
        return False
    if len(bare) <= 3 and bare.endswith(("型", "类", "级")):
        return False                        # 终端型项目, 研发类项目, 百亿级项目: kinds of projects
    if regex.search(r"[A-Za-z]", bare) or any(ch in r["brand_chars"] for ch in bare):
        return True
    from .segment import _jieba
    jb = _jieba()
    tokens = jb.lcut(bare, HMM=False)
    if any(len(t) == 1 for t in tokens):
        return True
    return len(tokens) == 1 and jb.dt.FREQ.get(bare, 0) < r["brand_word_max_freq"]


@functools.lru_cache(maxsize=1)
def _short_rules():
    r = load_toml("companies.toml")["short_names"]
    suffixes = sorted(r["suffixes"], key=len, reverse=True)
    return {"re": patterns.compile("|".join(regex.escape(x) for x in suffixes)),
            "right": patterns.compile(r["short_right"]), "min": r["name_min"], "max": r["name_max"],
            "frames": [patterns.compile(x) for x in r["investor_frames"]]}


def find_short_names(text: str, start: int, end: int, taken) -> list[CompanyMention]:
    """Companies written as a trade name and an industry word (江阴顺丰鞋业与河失镇签定…, 由湖南鑫汇能印业
    投资建设): a trade name of 2-4 characters, with the place written before it, where a company
    acts (rules/companies.toml [short_names])."""
    from .places import places_in_name
    s = _short_rules()
    r = _enum_rules()
    boundary = _rules()["boundary_chars"]
    out = []
    for hit in s["re"].finditer(text, start, end):
        a, b = hit.span()
        if any(x < b and a < y for x, y in taken) or not s["right"].match(text, b):
            continue
        for size in range(s["max"], s["min"] - 1, -1):
            i = a - size
            bare = text[i:a]
            if i < start or not regex.fullmatch(r"\p{Han}+", bare) or any(ch in boundary for ch in bare[:1]):
                continue
            # a place written right before the trade name belongs to it (江阴 + 顺丰 + 鞋业)
            window = text[max(start, i - 6):i]
            places = [p for p in places_in_name(window) if p.end == len(window) and p.level in ("province", "city", "county")]
            j = i - (places[-1].end - places[-1].start) if places else i
            before = text[j - 1] if j > start else ""
            if not places and before and _HAN_NAME.match(before) and before not in boundary:
                continue                    # the name would go on to the left: not a name's start
            if bare in r["generic"] or not _trade_name(bare, r) or places_in_name(bare):
                continue
            full = text[j:b]
            out.append(CompanyMention(j, b, full, full, company_core(full), rule="company:short-name"))
            break
    for hit in (h for f in s["frames"] for h in f.finditer(text, start, end)):
        a, b = hit.span("x")
        name = hit.group("x")
        if any(x < b and a < y for x, y in taken + [(c.start, c.end) for c in out]):
            continue
        if name in r["generic"] or name.endswith(r["not_company"]) or r["person_re"].search(name) or r["phrase_re"].search(name) \
                or any(p.end - p.start == len(name) for p in places_in_name(name)) or name.startswith(("本", "该", "县", "市", "区", "省")):
            continue                        # 由县政府投资建设, 由该公司…, 由平遥县…: no firm's name
        out.append(CompanyMention(a, b, name, name, company_core(name), rule="company:investor-frame"))
    return out


_HAN_NAME = patterns.compile(r"\p{Han}")


@functools.lru_cache(maxsize=1)
def _known_rules():
    k = load_toml("companies.toml")["known_firms"]
    with open(RULES_DIR / "firms.txt", encoding="utf-8") as fh:
        names = sorted({ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")}, key=len, reverse=True)
    e = load_toml("companies.toml")
    after = k["right_words"] + e["brands"]["industry_words"] + e["enumerations"]["project_heads"]
    return {"words": Words(names),
            "left_chars": k["left_chars"], "left_words": tuple(k["left_words"]),
            "right_chars": k["right_chars"], "right_words": tuple(sorted(set(after), key=len, reverse=True)),
            "name_words": tuple(sorted(e["brands"]["name_words"], key=len, reverse=True))}


def known_firm_at_start(name: str) -> str | None:
    """The longest firm of rules/firms.txt that a project name starts with (京东华南智谷…项目 → 京东)."""
    spans = [(a, b) for a, b in _known_rules()["words"].longest(name) if a == 0]
    return name[:spans[0][1]] if spans and spans[0][1] < len(name) else None


def find_known_firms(text: str, start: int, end: int, taken) -> list[CompanyMention]:
    """Well-known firms named by their brand alone (小鹏汽车与肇庆…, 引进京东…, 三峡风电项目): a name of
    rules/firms.txt where it starts a word and no other company mention covers it
    (rules/companies.toml [known_firms])."""
    k = _known_rules()
    out = []
    for a, b in k["words"].longest(text, start, end):
        if any(x < b and a < y for x, y in taken):
            continue
        prev = text[a - 1] if a > start else ""
        left_ok = (not prev or not _HAN_NAME.match(prev) or prev in k["left_chars"]
                   or (prev == "的" and b - a >= 3) or text[max(start, a - 4):a].endswith(k["left_words"]))
        nxt = text[b] if b < end else ""
        right_ok = (not nxt or not _HAN_NAME.match(nxt) or nxt in k["right_chars"]
                    or text.startswith(k["right_words"], b) or text[a:b].endswith(k["name_words"])
                    or text[a:b].endswith(("汽车", "集团", "控股", "股份")) or b - a >= 3)
        if not (left_ok and right_ok):
            continue
        word = next((w for w in k["name_words"] if text.startswith(w, b)), None)
        if word and not text.startswith(("集团", "公司", "股份", "控股"), b) \
                and regex.match(r"[、,,与和及等]|$", text[b + len(word):b + len(word) + 1]):
            b += len(word)                    # 中铁置业、庞大集团: the firm's own name goes on
        name = text[a:b]
        out.append(CompanyMention(a, b, name, name, company_core(name), rule="company:known"))
    return out

