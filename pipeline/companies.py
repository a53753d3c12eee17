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
from dataclasses import replace

import regex

from .mentions import CompanyMention
from .rules import load_toml

_NAME_CHAR = regex.compile(r"[\p{Han}A-Za-z0-9·&]")
_BRACKET_PART = regex.compile(r"\([^()]{0,8}\)")
_HAS_NAME = regex.compile(r"\p{Han}|[A-Za-z]{2,}|\d{3,}")


@functools.lru_cache(maxsize=1)
def _rules():
    r = load_toml("companies.toml")
    suffixes = sorted(r["suffixes"], key=len, reverse=True)
    return {
        "suffix_re": regex.compile("|".join(regex.escape(s) for s in suffixes)),
        "boundary_words": sorted(r["boundary_words"], key=len, reverse=True),
        "boundary_set": frozenset(r["boundary_words"]),
        "boundary_lens": sorted({len(w) for w in r["boundary_words"]}),
        "boundary_chars": set(r["boundary_chars"]),
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
        name = text[start:e]
        core = company_core(name)
        if start == s or not _valid(name, core):
            continue
        out.append(CompanyMention(start, e, name, name, core, rule=f"company:suffix:{m.group()}"))
        last_end = e
    return out


@functools.lru_cache(maxsize=65536)
def _leading_place_end(core: str) -> int | None:
    """End of the place name a company core starts with (贵州 in 贵州黔岭文化旅游发展), or None."""
    from .places import find_places

    places = [p for p in find_places(core) if p.start == 0]
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
