"""Amount recogniser: money amounts in Chinese news text -> AmountMention (value in 亿 of the stated
currency, qualifier, range, role, value converted to 亿元).

Public: find_amounts(text, year=None). Every vocabulary and context rule is in rules/amounts.toml;
annual exchange rates are in rules/exchange_rates.tsv. Matching runs on a private "view" of the
text (full-width and traditional forms folded, whitespace dropped) whose offsets are mapped back,
so "总投资9\\n亿元" or "１２亿元" are found and their offsets point into the caller's text.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from .mentions import AmountMention
from .rules import load_toml, load_tsv

__all__ = ["find_amounts"]

_YI = Decimal(100000000)
_WAN = Decimal(10000)
# an Arabic number, atomic so that a digit run is never re-split (no catastrophic backtracking)
_AR = r"(?>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?)"


def _alt(words) -> str:
    """Alternation of literal words, longest first (so 及以上 wins over 以上)."""
    items = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in items) + ")"


@dataclass(frozen=True)
class _Rules:
    fold: dict
    digits: dict
    small: dict
    point: str
    over_markers: str
    vague_some: str
    vague_teens: tuple
    bare_vague: frozenset
    pairs: frozenset
    cur_suffix: dict
    cur_prefix: dict
    generic: str
    default_cur: str
    max_yi: Decimal
    pq: dict                  # prefix qualifier word -> (qualifier, bare_only)
    sq: dict                  # suffix qualifier word -> qualifier
    full: re.Pattern
    anchor: re.Pattern        # 万/亿, or a currency right after a digit: every match of `full` has one
    alphabet: frozenset       # every character a match of `full` can hold (before its anchor)
    pre_token: re.Pattern
    main_parts: re.Pattern
    low_parts: re.Pattern
    par_bracket: re.Pattern
    par_comma: re.Pattern
    blocked: re.Pattern
    breaks: str
    before_window: int
    after_window: int
    before_rx: dict           # role -> pattern anchored at the end ($)
    after_rx: tuple           # ((role, pattern), ...) tried in order
    size_after: re.Pattern
    bare_over_after: re.Pattern


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    r = load_toml("amounts.toml")
    num = r["numerals"]
    cd = "".join(num["digits"])
    cu = "".join(num["small_units"])
    pt = re.escape(num["point"])
    over = "".join(num["over_markers"])
    some = "".join(num["vague_some"])
    teens = tuple(num["vague_teens"])
    cur = r["currency"]
    cur_alt = _alt(cur["suffix"])

    # a numeral: Arabic numbers and Chinese digits/units; an Arabic number inside follows a unit (3千5百)
    sec = rf"(?:{_AR}|[{cd}{cu}])(?:(?<=[{cu}]){_AR}|[{cd}{cu}]|{pt}(?=[{cd}]))*"
    # a match never starts inside a numeral (统一亿元, 十5亿): also keeps long digit runs linear
    guard = rf"(?<![\d.])(?!(?<=[{cd}{cu}])[{cd}{cu}])(?!(?<=[{cu}])\d)"
    vague = rf"(?:[{some}][{cu}]?|{_alt(teens)}[{cu}]?)"
    numpart = rf"(?:{vague}|{sec})"
    big = rf"(?:万亿|亿(?:零?{sec}[{over}]?万)?|万(?:零?{sec}(?={cur_alt}))?)"
    main = rf"(?:(?:{numpart})?[{over}]?{big}|{_AR}(?={cur_alt}))"
    low = rf"(?:{numpart}[{over}]?(?:{big})?{cur_alt}?)"

    pq, pq_alts = {}, []
    for q in r["prefix_qualifiers"]:
        w = q["word"]
        pq[w] = (q["qualifier"], bool(q.get("bare_only")))
        a = re.escape(w)
        if q.get("not_after"):
            a = f"(?<![{re.escape(q['not_after'])}])" + a
        if q.get("bare_only"):
            a += rf"(?=[{cu}]?[{over}]?[万亿])"
        pq_alts.append((len(w), a))
    pq_alt = "(?:" + "|".join(a for _, a in sorted(pq_alts, key=lambda x: -x[0])) + ")"
    pre_token = rf"(?:{pq_alt}|{_alt(cur['prefix'])})"
    sep = _alt(r["ranges"]["separators"])
    post = _alt(r["suffix_qualifiers"])
    rmb = re.escape(cur["trailing_cny"])
    full = (
        rf"{guard}(?P<pre>{pre_token}{{0,3}})"
        rf"(?:(?P<low>{low})(?P<sep>{sep}))?"
        rf"(?P<main>{main})(?P<m3>[{over}])?(?P<cur>{cur_alt})?(?P<rmb>{rmb})?(?P<post>{post})?"
    )
    main_parts = (
        rf"(?P<n>{numpart})?(?P<i>[{over}])?"
        rf"(?P<b>万亿|亿(?:零?(?P<sub>{sec})(?P<si>[{over}])?万)?|万(?:零?(?P<sub2>{sec}))?)?"
    )
    low_parts = main_parts + rf"(?P<c>{cur_alt})?"
    par = r["parallel"]
    roles = r["roles"]
    before_rx = {role: re.compile(f"(?:{'|'.join(sorted(p, key=len, reverse=True))})$")
                 for role, p in roles["before"].items()}
    before_rx["not_money"] = re.compile(f"(?:{'|'.join(r['blocklist']['not_money_before'])})$")
    after_rx = tuple((role, re.compile("|".join(roles["after"][role]))) for role in roles["after_order"])
    return _Rules(
        fold=r["fold"],
        digits=num["digits"],
        small=num["small_units"],
        point=num["point"],
        over_markers=over,
        vague_some=some,
        vague_teens=teens,
        bare_vague=frozenset(num["bare_vague"]),
        pairs=frozenset(tuple(p) for p in num["pairs"]),
        cur_suffix=cur["suffix"],
        cur_prefix=cur["prefix"],
        generic=cur["generic"],
        default_cur=cur["default"],
        max_yi=Decimal(str(r["limits"]["max_yi"])),
        pq=pq,
        sq=r["suffix_qualifiers"],
        full=re.compile(full, re.ASCII),
        anchor=re.compile(rf"[万亿]|(?<=[0-9])(?:{cur_alt})"),
        alphabet=frozenset(full) | frozenset("0123456789"),
        pre_token=re.compile(_alt(list(pq) + list(cur["prefix"]))),
        main_parts=re.compile(main_parts, re.ASCII),
        low_parts=re.compile(low_parts, re.ASCII),
        par_bracket=re.compile(rf"\((?P<conv>{_alt(par['conversion_words'])})?"),
        par_comma=re.compile(rf",(?P<conv>{_alt(par['comma_conversion_words'])})"),
        blocked=re.compile("(?:" + "|".join(r["blocklist"]["suffixes"]) + ")"),
        breaks=roles["clause_breaks"],
        before_window=roles["before_window"],
        after_window=roles["after_window"],
        before_rx=before_rx,
        after_rx=after_rx,
        size_after=re.compile(r["size_class"]["after"]),
        bare_over_after=re.compile(r["size_class"]["bare_over_after"]),
    )


@functools.lru_cache(maxsize=1)
def _rates() -> dict:
    table: dict[str, list] = {}
    for row in load_tsv("exchange_rates.tsv"):
        table.setdefault(row["currency"], []).append((int(row["year"]), Decimal(row["cny_per_unit"])))
    return {cur: sorted(v) for cur, v in table.items()}


def _rate(currency: str, year: int | None) -> Decimal | None:
    rows = _rates().get(currency)
    if not rows:
        return None
    if year is None:
        return rows[-1][1]
    return min(rows, key=lambda yr: (abs(yr[0] - year), yr[0]))[1]


def _clean(d: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (12000, not 1.2E+4)."""
    d = d.normalize()
    if d.as_tuple().exponent > 0 and d.adjusted() < 28:
        return d.quantize(Decimal(1))
    return d


# ------------------------------------------------------------------ the view

_NEEDS_SLOW_VIEW = re.compile(r"\s")


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict:
    fold = _rules().fold
    table = {ord(k): v for k, v in fold.items()}
    for c in range(0xFF01, 0xFF5F):           # full width → half width, then folded like the slow path
        half = chr(c - 0xFEE0)
        table[c] = fold.get(half, half)
    return table


def _view(text: str) -> tuple[str, list[int], frozenset]:
    """Folded text without whitespace, the caller's offset of each view character, and the view
    positions that followed a line break (clause boundaries for the role windows)."""
    fold = _rules().fold
    table = _fold_table()
    if not _NEEDS_SLOW_VIEW.search(text):
        # normalised text (no whitespace): fold character for character, offsets unchanged
        return text.translate(table), range(len(text)), frozenset()
    chars, index, after_nl = [], [], set()
    nl = False
    for i, ch in enumerate(text):
        if ch.isspace():
            nl = nl or ch in "\n\r\u2028\u2029"
            continue
        if nl:
            after_nl.add(len(chars))
            nl = False
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        chars.append(fold.get(ch, ch))
        index.append(i)
    return "".join(chars), index, frozenset(after_nl)


# ------------------------------------------------------------------ numbers

_BRACKETED = re.compile(r"\([^()]*\)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|.", re.S | re.ASCII)


def _parse_number(s: str) -> Decimal | None:
    """Value of a numeral with its units, or None if malformed.

    3541.07万 -> 35410700; also 一百二十亿, 1亿8千万, 二〇 (digit by digit), 1.2万亿, 一点五亿, 3千5.
    """
    R = _rules()
    toks = _TOKEN.findall(s.replace(",", ""))
    total = wan = section = Decimal(0)
    num: Decimal | None = None
    num_cn = False            # the pending number is a run of Chinese digits (二〇 = 20)
    after_unit = False        # the pending digit directly follows a small unit (一百二 = 120)
    last_small: int | None = None
    last = None               # None, digit, unit, zero, big
    seen_yi = False

    def close() -> Decimal:
        n = num or Decimal(0)
        if num is not None and after_unit and last_small:
            n = n * last_small / 10
        return section + n

    i = 0
    while i < len(toks):
        t = toks[i]
        if "0" <= t[0] <= "9":
            if num is not None:
                return None
            num, num_cn, after_unit, last = Decimal(t), False, last == "unit", "digit"
        elif t in R.digits:
            d = R.digits[t]
            if d == 0 and last in ("unit", "big"):
                last = "zero"
            elif num is not None:
                if not (num_cn and last == "digit"):
                    return None
                num = num * 10 + d
            else:
                num, num_cn, after_unit, last = Decimal(d), True, last == "unit", "digit"
        elif t == R.point:
            digs = []
            while i + 1 < len(toks) and toks[i + 1] in R.digits:
                i += 1
                digs.append(str(R.digits[toks[i]]))
            if num is None or last != "digit" or not digs:
                return None
            num += Decimal("0." + "".join(digs))
        elif t in R.small:
            u = R.small[t]
            if num is None:
                if last is not None:
                    return None
                num = Decimal(1)
            if last_small is not None and u >= last_small:
                return None
            section += num * u
            num, last_small, last, after_unit = None, u, "unit", False
        elif t == "万":
            s_ = close()
            if s_ == 0 or wan:
                return None
            wan, section, num, last_small, last, after_unit = s_ * _WAN, Decimal(0), None, None, "big", False
        elif t == "亿":
            s_ = wan + close()
            if s_ == 0 or seen_yi:
                return None
            total, wan, section, num = s_ * _YI, Decimal(0), Decimal(0), None
            last_small, last, after_unit, seen_yi = None, "big", False, True
        else:
            return None
        i += 1
    return total + wan + close()


def _big_value(big: str) -> Decimal:
    return {"万亿": _WAN * _YI, "亿": _YI, "万": _WAN}.get(big, Decimal(1))


@dataclass
class _Mag:
    low: Decimal              # in 亿
    high: Decimal | None
    vague: bool
    over: bool                # 多/余 inside
    chinese: bool             # written without Arabic digits
    mixed: bool
    empty: bool               # no numeral at all (上亿元)
    unit: str                 # 万亿 / 亿 / 万 / "" (yuan)
    small_tail: int | None    # 3千万: the 千 (a range's bare low end inherits it)


def _magnitude(m: re.Match) -> _Mag | None:
    """Value of a matched number + unit (main_parts/low_parts groups)."""
    R = _rules()
    n = m.group("n") or ""
    b = m.group("b") or ""
    unit = "万亿" if b.startswith("万亿") else b[:1]
    scale = _big_value(unit) / _YI
    over = bool(m.group("i") or m.group("si"))
    chinese = not any("0" <= c <= "9" for c in n)

    def mk(lo, hi, vague, empty=False, mixed=False, tail=None) -> _Mag:
        return _Mag(_clean(lo), None if hi is None else _clean(hi), vague, over, chinese, mixed, empty, unit, tail)

    if not n:
        return mk(scale, None, True, empty=True) if unit else None
    teens = next((t for t in R.vague_teens if n.startswith(t)), None)
    if n[0] in R.vague_some or teens:
        rest = n[len(teens) if teens else 1:]
        mult = Decimal(R.small.get(rest, 1)) if rest else Decimal(1)
        if teens:
            return mk(10 * mult * scale, 20 * mult * scale, True)
        return mk(mult * scale, 10 * mult * scale, True)
    if len(n) in (2, 3) and n[0] in R.digits and n[1] in R.digits and (len(n) == 2 or n[2] in R.small):
        a, c = R.digits[n[0]], R.digits[n[1]]
        if (a, c) in R.pairs:
            mult = Decimal(R.small.get(n[2], 1)) if len(n) == 3 else Decimal(1)
            return mk(a * mult * scale, c * mult * scale, True)
    strip = "".join(ch for ch in n + b if ch not in R.over_markers)
    v = _parse_number(strip)
    if v is None or v == 0:
        return None
    tail = R.small.get(n[-1]) if len(n) >= 2 and n[-1] in R.small and n[-2] not in R.small else None
    return mk(v / _YI, None, n in R.bare_vague, mixed=bool(m.group("sub") or m.group("sub2")), tail=tail)


# ------------------------------------------------------------------ candidates

@dataclass
class _Cand:
    vs: int                   # view span (qualifiers included)
    ve: int
    value: Decimal
    high: Decimal | None
    currency: str
    has_currency: bool
    qualifier: str | None
    vague: bool
    chinese: bool
    empty_or_bare: bool
    over_prefix: bool
    post: str | None
    post_start: int
    rule: str
    parallel_cny: Decimal | None = None


def _candidate(view: str, m: re.Match) -> _Cand | None:
    R = _rules()
    quals, pre_cur = [], None
    over_prefix = False
    bare_only_prefix = False
    for t in R.pre_token.findall(m.group("pre")):
        if t in R.pq:
            q, bare_only = R.pq[t]
            quals.append(q)
            over_prefix |= q == "over"
            bare_only_prefix |= bare_only
        else:
            pre_cur = R.cur_prefix[t]
    main_m = R.main_parts.fullmatch(m.group("main"))
    mag = _magnitude(main_m) if main_m and main_m.group("b") else None
    yuan_only = False
    if mag is None:
        if main_m is None or main_m.group("b") or not m.group("cur"):
            return None
        n = main_m.group("n") or ""
        if not n or not "0" <= n[0] <= "9" or main_m.group("i"):
            return None
        v = _parse_number(n)
        if v is None or v == 0:
            return None
        mag = _Mag(_clean(v / _YI), None, False, False, False, False, False, "", None)
        yuan_only = True
    if (mag.empty and not quals) or max(mag.low, mag.high or 0) > R.max_yi:
        return None
    if bare_only_prefix and not (mag.empty or main_m.group("n") in R.bare_vague | set(R.small)):
        return None
    vs = m.start()
    value, high, vague, rule = mag.low, mag.high, mag.vague, "amount:plain"
    if mag.mixed:
        rule = "amount:mixed"
    elif yuan_only:
        rule = "amount:yuan"
    elif mag.chinese:
        rule = "amount:chinese"
    if mag.vague:
        rule = "amount:vague"
    if m.group("low") is not None:
        lm = R.low_parts.fullmatch(m.group("low"))
        lo = _magnitude(lm) if lm and lm.group("b") else None
        bare_low = lm and lm.group("n") and not lm.group("b") and lm.group("n")[0] not in R.vague_some
        if bare_low and not mag.empty:
            v = _parse_number("".join(c for c in lm.group("n") if c not in R.over_markers))
            if v is not None:
                tail = mag.small_tail if lm.group("n")[-1] not in R.small else 1
                scale = _big_value(mag.unit) / _YI * (tail or 1)
                lo = _Mag(_clean(v * scale), None, False, False, False, False, False, mag.unit, None)
        if lo is not None and lo.low < (mag.high or mag.low):
            value, high = lo.low, mag.high or mag.low
            vague = vague or lo.vague
            rule = "amount:range"
        else:                  # not a range after all (2020-5亿): start at the main part
            vs = m.start("main")
            quals, pre_cur, over_prefix = [], None, False
    qual = None
    if high is not None:
        qual = "range"
    else:
        if m.group("post"):
            quals.append(R.sq[m.group("post")])
        if mag.over or m.group("m3"):
            quals.append("over")
        qual = "approx" if "approx" in quals else ("over" if "over" in quals else None)
    cur_word = m.group("cur")
    if cur_word and cur_word != R.generic:
        currency = R.cur_suffix[cur_word]
    elif pre_cur:
        currency = pre_cur
    else:
        currency = R.default_cur
    has_currency = bool(cur_word or pre_cur or m.group("rmb"))
    return _Cand(
        vs=vs, ve=m.end(), value=value, high=high, currency=currency, has_currency=has_currency,
        qualifier=qual, vague=vague, chinese=mag.chinese, empty_or_bare=mag.empty or mag.vague,
        over_prefix=over_prefix, post=m.group("post"), post_start=m.start("post") if m.group("post") else -1,
        rule=rule,
    )


def _blocked(view: str, c: _Cand) -> bool:
    """An amount without a currency followed by 吨, 平方米, 人 ... counts something else."""
    if c.has_currency:
        return False
    return _rules().blocked.match(view, c.ve) is not None


def _parallel(view: str, c: _Cand) -> None:
    """Absorb 60.7亿元(8.8亿美元) / 3000万美元(约合人民币2亿元) / ...,约合人民币2亿元 into `c`."""
    R = _rules()
    for rx, closing in ((R.par_bracket, True), (R.par_comma, False)):
        om = rx.match(view, c.ve)
        if not om:
            continue
        im = R.full.match(view, om.end())
        inner = _candidate(view, im) if im else None
        if inner is None or inner.vs != om.end():
            continue
        if not (om.group("conv") or (inner.has_currency and inner.currency != c.currency)):
            continue
        end = inner.ve
        if closing:
            if not view.startswith(")", end):
                continue
            end += 1
        c.ve = end
        c.rule += "+parallel"
        if c.currency != "CNY" and inner.currency == "CNY" and inner.high is None:
            c.parallel_cny = inner.value
        return


def _role(view: str, after_nl: frozenset, c: _Cand, prev_end: int) -> str:
    R = _rules()
    size_at = c.post_start if c.post_start >= 0 else c.ve
    if R.size_after.match(view[size_at:size_at + R.after_window]):
        return "size_class"
    if (c.over_prefix and c.empty_or_bare and not c.post
            and R.bare_over_after.match(view[c.ve:c.ve + R.after_window])):
        return "size_class"
    lo = max(prev_end, c.vs - R.before_window)
    cs = c.vs
    while cs > lo and view[cs - 1] not in R.breaks and cs not in after_nl:
        cs -= 1
    window = _BRACKETED.sub("", view[cs:c.vs])      # 总投资(含一期)5亿元: skip the aside
    for end in range(len(window), 0, -1):
        best = None
        for role, rx in R.before_rx.items():
            km = rx.search(window, 0, end)
            if km and (best is None or len(km.group()) > best[1]):
                best = (role, len(km.group()))
        if best:
            return best[0]
    tail = view[c.ve:c.ve + R.after_window]
    for i, ch in enumerate(tail):
        if ch in R.breaks or (i and c.ve + i in after_nl):
            tail = tail[:i]
            break
    for role, rx in R.after_rx:
        if rx.match(tail):
            return role
    return "other"


# ------------------------------------------------------------------ public

def _next_match(R: _Rules, view: str, pos: int):
    """`R.full.search(view, pos)`, without running the large pattern over text that cannot hold a
    match: every match holds an anchor (its 万/亿, or the currency after its digits), and all its
    characters before the anchor are in R.alphabet. So the leftmost match lies between an anchor
    and the start of the run of alphabet characters that ends at it; anchors are tried in order."""
    full, alphabet = R.full, R.alphabet
    while True:
        a = R.anchor.search(view, pos)
        if a is None:
            return None
        at = a.start()
        s = at
        while s > pos and view[s - 1] in alphabet:
            s -= 1
        for p in range(s, at + 1):
            m = full.match(view, p)
            if m is not None:
                return m
        pos = at + 1


def find_amounts(text: str, year: int | None = None) -> list[AmountMention]:
    """Money amounts in `text`, sorted by start and non-overlapping.

    Values are exact Decimals in 亿 of the stated currency; amount_yi is the value in 亿元 (foreign
    currencies converted with the annual average rate of `year`, or of the latest year if None).
    """
    R = _rules()
    view, index, after_nl = _view(text)
    out: list[AmountMention] = []
    pos, prev_end = 0, 0
    while True:
        m = _next_match(R, view, pos)
        if m is None:
            break
        c = _candidate(view, m)
        if c is None or _blocked(view, c) or c.value <= 0:
            pos = m.start() + 1
            continue
        _parallel(view, c)
        role = _role(view, after_nl, c, prev_end)
        if not c.has_currency and (role == "not_money" or (c.chinese and role == "other")):
            pos = m.start() + 1
            continue
        if role == "not_money":
            role = "other"
        if c.currency == "CNY":
            amount_yi, converted = c.value, False
        elif c.parallel_cny is not None:
            amount_yi, converted = c.parallel_cny, False
        else:
            rate = _rate(c.currency, year)
            amount_yi = None if rate is None else _clean(c.value * rate)
            converted = rate is not None
        start, end = index[c.vs], index[c.ve - 1] + 1
        out.append(AmountMention(
            start=start, end=end, text=text[start:end], value=c.value, currency=c.currency,
            qualifier=c.qualifier, high=c.high, vague=c.vague, role=role, amount_yi=amount_yi,
            converted=converted, rule=c.rule,
        ))
        pos = prev_end = c.ve
    return out
