"""Claims: the aggregate figures an article quotes (part of the assemble stage).

Rules are in rules/claims.toml. Per sentence:

  count patterns (累计签约37个项目, 新签约项目32个, 与16家企业签约) + the total that follows them
  (总投资425.9亿元) or comes right before them (总投资110.8亿元的20个项目);
  total-only figures (揽金88亿, 签约额99.75亿元) and figures of other measures that stand alone
  (到位资金107.5亿元, 实际利用外资3257万美元).

Each total carries its measure (investment, contract, funds_received, fdi_actual, fdi_contract,
completed): the nearest measure word before it. A breakdown (其中工业项目23个, 含外资项目5个, 亿元以上
项目18个(工业项目11个、…), 主会场签约项目20个) carries its category and, once the article's claims
are merged, a link to the figure it breaks down (`link_breakdowns`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

import regex

from . import patterns
from .mentions import AmountMention, DateMention, Mentions, within
from .rules import load_toml
from .sentences import Sentence

NUM = r"(?:\d+|[一二两三四五六七八九十百千零〇]+)"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
# every claim_count pattern (rules/claims.toml) has a numeral followed by 个/项/宗/家: a sentence
# without one cannot hold a count (tests/test_assemble.py checks the patterns keep this shape)
_NUMERAL = patterns.compile(r"[\d一二两三四五六七八九十百千万亿零〇几数多余]")
_COUNT_HINT = patterns.compile(r"[\d一二两三四五六七八九十百千零〇][个家项宗]")
_QUALIFIER_TAIL = patterns.compile(r"(约|近|超过|超|逾|达到|达|为|共|计|约为|高达|累计|合计|共计)+$")
_STAGES = ("signed", "negotiating", "started", "operating")


def count_value(s: str) -> int:
    """Integer value of a count written in Arabic or (simple) Chinese numerals."""
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in s:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
    return total + current


def _alt(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _rules():
    r = load_toml("claims.toml")
    stage = load_toml("assemble.toml")["stage"]
    stage_words = sorted(((w, s) for s in _STAGES for w in stage[s]), key=lambda x: len(x[0]), reverse=True)
    measure_of = {w: m for m, words in r["measures"].items() for w in words}
    b = r["breakdown"]
    return {
        "claim_counts": [
            (c["name"], patterns.compile(c["pattern"].replace("{NUM}", NUM)), c.get("unit", "项目"),
             c.get("size_class", False), c.get("category", False))
            for c in r["claim_count"]
        ],
        "total_words": tuple(sorted(r["total_words"], key=len, reverse=True)),
        "total_only_words": tuple(sorted(r["total_only_words"], key=len, reverse=True)),
        "tolerance": Decimal(str(r["headline_tolerance"])),
        "target_re": patterns.compile(_alt(r["target_words"])),
        "result_re": patterns.compile(_alt(r["result_words"])),
        "stage_re": patterns.compile(_alt(w for w, _ in stage_words)),
        "stage_of": dict(stage_words),
        # the nearest measure word before a total: matched on the reversed window, longest first
        "measure_re": patterns.compile("(?:" + _alt(w[::-1] for w in measure_of) + ")"),
        "measure_of": measure_of,
        "measure_word_re": patterns.compile(_alt(sorted(measure_of, key=len, reverse=True))),
        "standalone": frozenset(r["standalone_measures"]),
        "single_re": patterns.compile(_alt(r["single_project_words"])),
        "markers_re": patterns.compile("(?:" + _alt(b["markers"]) + r")[,:]?$"),
        "markers": tuple(b["markers"]),
        "general": _general_rules(r["general"]),
        "plan": frozenset(r["measures"]["plan"]),
        "category_re": patterns.compile("(?:" + _alt(b["categories"]) + ")"),
        "category_strip": tuple(sorted(b["category_strip"], key=len, reverse=True)),
    }


def _general_rules(g: dict) -> dict:
    heads = _alt(g["heads"])
    links = _alt(g["links"])
    return {
        "count": patterns.compile(r"(?<![\d.一二两三四五六七八九十百千万零〇])(?P<cq>逾|超过|超|近|约)?"
                               r"(?P<n>\d+|[一二两三四五六七八九十百千]+)(?P<more>余|多)?(?P<cls>个|项|宗|家)"),
        "right_head": patterns.compile(rf"(?P<mod>[^,;。!?:、\n]{{0,12}}?)(?P<head>{heads})"),
        "left_head": patterns.compile(rf"(?P<head>{heads})(?:\([^()]{{0,24}}\))?(?:{links})*$"),
        "size_left": patterns.compile(rf"(?:以上|及以上|以下|项目)(?:的)?(?:{links})*$"),
        "stage_left": patterns.compile(rf"(?:{_alt(g['stage_left'])})(?:了|的)?(?:{links})*$"),
        "firm_heads": frozenset(g["firm_heads"]),
        "frame_re": patterns.compile(_alt(g["frame"])),
        "reject_re": patterns.compile(_alt(g["reject"])),
        "plan_re": patterns.compile(_alt(g["plan"])),
        "after_head": tuple(g["after_head"]),
        "chain_re": patterns.compile(_alt(g["firm_chain"])),
        "firm_frame_re": patterns.compile(_alt(g["firm_frame"])),
        "cluster_re": patterns.compile(_alt(g["firm_cluster"])),
        "not_after": tuple(g["not_after"]),
        "not_before": tuple(sorted(g["not_before"], key=len, reverse=True)),
    }


@dataclass
class ClaimDraft:
    start: int
    end: int
    anchor: int
    scope: str
    count: int | None = None
    unit: str | None = None
    total: AmountMention | None = None
    date: DateMention | None = None
    rule: str = ""
    count_qualifier: str | None = None     # 逾40个: the count is a bound, not exact
    measure: str | None = None             # what the total measures (rules/claims.toml [measures])
    category: str | None = None            # the class a breakdown counts (工业, 外资, 亿元以上)
    breakdown: bool = False                # 其中…, 含…, a bracket after a figure, a category word
    bracket_of: int | None = None          # anchor of the figure whose bracket holds this one
    parent: "ClaimDraft | None" = None     # the figure a breakdown splits (link_breakdowns)
    para: int = -1                         # the paragraph it is in (merge_claims)


def measure_before(text: str, pos: int, floor: int) -> str | None:
    """The measure of an amount at `pos`: the nearest measure word before it, after `floor`, with
    only qualifiers (约, 达, 累计…) between the word and the amount."""
    r = _rules()
    window = _QUALIFIER_TAIL.sub("", text[max(floor, pos - 12):pos])
    hit = r["measure_re"].match(window[::-1])
    return r["measure_of"][hit.group()[::-1]] if hit else None


def _is_total_word_before(text: str, pos: int, floor: int, words) -> bool:
    window = text[max(floor, pos - 10):pos]
    window = _QUALIFIER_TAIL.sub("", window)
    return any(window.endswith(w) for w in words)


def in_target_context(text: str, sent: Sentence, pos: int) -> bool:
    """Is pos governed by a goal word (力争, 目标...) earlier in its ;-clause, with no word of a
    result (已, 目前, 截至…) between (力争全年引资28亿元,引入超亿元以上项目3个: a goal too)?"""
    r = _rules()
    floor = max(sent.start, text.rfind(";", sent.start, pos) + 1)
    hits = list(r["target_re"].finditer(text, floor, pos))
    return bool(hits) and not r["result_re"].search(text, hits[-1].end(), pos)


def plan_sentence(text: str, sent: Sentence) -> bool:
    """Does the sentence's first clause speak of a plan (2010年,竹山县计划实施…重点项目89个,其中续建…;
    拟实施…项目122个,包括…)? Its counts are no claims."""
    first = text.find(",", sent.start + 1, sent.end)
    second = text.find(",", first + 1, sent.end) if first >= 0 else -1
    head_end = second if second >= 0 else (first if first >= 0 else sent.end)
    return bool(_rules()["general"]["plan_re"].search(text, sent.start, head_end))


def in_plan_context(text: str, sent: Sentence, pos: int) -> bool:
    """Is pos in a clause about plans, reserves or promotions (谋划储备项目…, 推介的重点项目…)? Such
    counts are no claims, nor their totals records."""
    r = _rules()
    floor = max(sent.start, text.rfind(";", sent.start, pos) + 1)
    hits = list(r["general"]["plan_re"].finditer(text, floor, pos))
    return bool(hits) and not r["result_re"].search(text, hits[-1].end(), pos)


def _has_company_between(m: Mentions, a: int, b: int) -> bool:
    return any(a <= c.start and c.end <= b for c in m.companies)


def _clause_start(text: str, sent: Sentence, pos: int) -> int:
    if pos <= sent.start:
        return pos
    start = max(sent.start, *(text.rfind(ch, sent.start, pos) + 1 for ch in ",;:、"))
    bracket = text.rfind("(", start, pos)
    if bracket >= 0 and text.find(")", bracket, pos) < 0:
        start = bracket + 1                 # inside an open bracket: 亿元以上项目18个(工业项目11个…
    return start


def _category(scope: str, rule: str, before: str) -> str | None:
    """The class a breakdown counts, from its scope (其中工业项目 → 工业, 亿元以上项目 → 亿元以上) or a
    category word before it in its clause (主会场签约项目 → 主会场)."""
    r = _rules()
    in_scope = r["category_re"].search(scope)
    if in_scope and "category" in rule:
        return in_scope.group()             # 其中工业项目16个、服务业项目8个: each its own word
    hits = list(r["category_re"].finditer(_without_measures(before)))
    if hits:
        return hits[-1].group()             # the word nearest the count
    cat = scope
    changed = True
    while changed and cat:
        changed = False
        for w in r["category_strip"]:
            if cat.startswith(w) and len(cat) > len(w):
                cat, changed = cat[len(w):], True
            if cat.endswith(w) and len(cat) > len(w):
                cat, changed = cat[: -len(w)], True
    verb = r["stage_re"].search(cat)
    if verb and verb.group() == cat.lstrip("新"):
        return cat                          # 新签约, 开工: the stage is the class
    return cat or None


def _without_measures(before: str) -> str:
    """The text before a figure without its measure words (实际利用外资, 合同外资: no class 外资/合同)."""
    return _rules()["measure_word_re"].sub(lambda m: "\0" * len(m.group()), before)


def _bracket_owner(text: str, sent: Sentence, pos: int) -> int | None:
    """The position right before the ( that encloses pos in its sentence, or None."""
    depth = 0
    for i in range(pos - 1, sent.start - 1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return i
            depth -= 1
    return None


def claims_in_sentence(text: str, sent: Sentence, m: Mentions, used: set[int]) -> list[ClaimDraft]:
    """The claims of one sentence. Amounts a claim takes (its total, the amount of a size class)
    are added to `used`, so that they become no project records."""
    if not _NUMERAL.search(text, sent.start, sent.end) and not within(m.amounts, sent.start, sent.end):
        return []                # a claim counts or sums: no numeral and no amount, no claim
    r = _rules()
    found: list[tuple] = []
    counts = r["claim_counts"] if _COUNT_HINT.search(text, sent.start, sent.end) else ()
    for name, pat, unit, size_class, is_category in counts:
        for hit in pat.finditer(text, sent.start, sent.end):
            if any(hit.start() < e and s < hit.end() for s, e, *_ in found):
                continue
            if in_target_context(text, sent, hit.start()) or plan_sentence(text, sent):
                continue                     # 力争明年新签约亿元以上项目100个: a goal, not a result
            if text.startswith(r["general"]["not_before"], hit.end("n") + 1):
                continue                     # 后3个月项目开工: three months
            scope = hit.groupdict().get("scope") or ""
            cq = hit.groupdict().get("cq")
            found.append((hit.start(), hit.end(), name, count_value(hit.group("n")), unit, size_class,
                          is_category, scope, cq))
    found.extend(_general_counts(text, sent, found, within(m.amounts, sent.start, sent.end)))
    found.sort()
    sent_amounts = within(m.amounts, sent.start, sent.end)
    for a in sent_amounts:                 # 10亿元以上项目8个: the amount is part of the count
        if any(s <= a.start and a.end <= e for s, e, *_ in found):
            used.add(id(a))
    invest = [a for a in sent_amounts if a.role == "investment"]
    claims: list[ClaimDraft] = []
    for i, (s, e, name, n, unit, size_class, is_category, scope, cq) in enumerate(found):
        nxt = found[i + 1][0] if i + 1 < len(found) else sent.end
        lone = not (i > 0 and text[found[i - 1][1]:s].strip() in ("、", "和", "及")) and not size_class \
            and not text[max(sent.start, s - 4):s].endswith(("其中", "其中,", "含", "包括")) \
            and not scope.startswith(("其中", "含", "包括"))
        total = _total_after(text, sent_amounts, used, m, e, nxt, lone)
        if not size_class:
            # or the total right before it: 总投资110.8亿元的20个项目
            if total is None:
                for a in invest:
                    if 0 <= s - a.end <= 2 and id(a) not in used and (text[a.end:s] in ("的", "") or
                                                                      text[a.end:s] == "," and
                                                                      measure_before(text, a.start, sent.start)):
                        total = a                # 总投资110.8亿元的20个项目; 拟投资41亿元,14个项目…
                        break
        if total is not None:
            used.add(id(total))
        scope_text = (scope or text[s:e]).strip() or name
        c = ClaimDraft(sent.start, sent.end, s, scope_text, n, unit, total,
                       rule=f"claim:{name}" + ("+total" if total else ""),
                       count_qualifier="approx" if cq in ("近", "约") else ("over" if cq else None))
        if total is not None:
            c.measure = measure_before(text, total.start, e) or "investment"
        _mark_breakdown(text, sent, c, size_class or is_category, s)
        claims.append(c)
    for a in sent_amounts:
        if id(a) in used or in_target_context(text, sent, a.start):
            continue
        measure = measure_before(text, a.start, _clause_start(text, sent, a.start))
        if a.role == "investment" and _is_total_word_before(text, a.start, sent.start, r["total_only_words"]):
            word = next(w for w in r["total_only_words"] if text[max(sent.start, a.start - 10):a.start].find(w) >= 0)
            c = ClaimDraft(sent.start, sent.end, a.start, word, None, None, a, rule="claim:total-only",
                           measure=measure or "contract")
        elif measure in r["standalone"] and not _about_one_project(text, sent, m, a.start):
            floor = _clause_start(text, sent, a.start)
            c = ClaimDraft(sent.start, sent.end, a.start, text[floor:a.start].strip() or measure, None, None, a,
                           rule=f"claim:measure:{measure}", measure=measure)
        else:
            continue
        used.add(id(a))
        _mark_breakdown(text, sent, c, False, a.start)
        claims.append(c)
    return sorted(claims, key=lambda c: c.anchor)


def _total_after(text: str, amounts, used: set[int], m: Mentions, e: int, nxt: int,
                 lone: bool = True) -> AmountMention | None:
    """The total that follows a count (…37个项目(协议),总投资425.9亿元; 签约项目30个,计划投资258亿元)
    before the next count: the first amount with a measure word before it, no company and no list
    of items (分别是…, 包括…) between, and not the year's planned spending (年度计划投资)."""
    r = _rules()
    for a in amounts:
        if a.start < e or a.end > nxt or id(a) in used or a.role not in ("investment", "other", "funds_received"):
            continue
        if a.role == "funds_received" and not lone:
            return None                   # 已签约项目23个、落地项目11个,到位资金18.6亿元: of all, not of 11
        between = text[e:a.start]
        if text.startswith("的", a.end) and any(c.start == a.end + 1 for c in m.companies):
            return None                   # …38个项目。投资106亿元的理想汽车…项目: one firm's project
        items = _ITEMS_FOLLOW.search(between)
        if items and not _ITEMS_END.search(between, items.end()) and not (
                _NAMES_THEN_TOTAL.search(between) and not any(e <= x.start < a.start for x in amounts)):
            return None                   # 分别是总投资X的A…: the items' amounts, not a total
        if _has_company_between(m, e, a.start) and not items or "。" in between or ";" in between:
            return None
        if between == "、" and a.role == "investment" and not _STOPS.search(text, a.end, a.end + 1):
            return a                      # 签下了8个项目、115亿元大单
        measure = measure_before(text, a.start, e)
        if measure == "plan" or measure == "completed" and len(between.strip(",")) > 2:
            continue
        if _is_total_word_before(text, a.start, e, r["total_words"]) and a.role != "funds_received":
            return a
        if measure is not None and len(between) <= 24:
            return a
    return None


# 有18个产业发展项目,包括A、B…等,总投资45.73亿元: a list of names (none with an amount of its own),
# then the total of them all
_NAMES_THEN_TOTAL = patterns.compile(r"(?:等)?,(?:计划|项目)?(?:总投资|投资总额|总投资额|合计投资|共计投资)(?:额)?(?:为|达|约|共)?$")
_ITEMS_FOLLOW = patterns.compile(r"分别是|分别为|包括|主要有|如|其中")
# …包括A、B、C等项目,累计投资总额逾100亿: the list is closed, the total is everyone's again
_ITEMS_END = patterns.compile(r"等(?:\d+|[一二两三四五六七八九十]+)?(?:个|项)?[\p{Han}]{0,4}?项目,")


def _general_counts(text: str, sent: Sentence, found: list[tuple], amounts) -> list[tuple]:
    """Counts of projects, firms or agreements that no [[claim_count]] pattern took, in a sentence
    about investment (rules/claims.toml [general]): 共签约工业生产性项目65个, 开工411项,
    亿元以上的有680项, 其中:内资67个 (after another count of the sentence)."""
    r = _rules()
    g = r["general"]
    if not g["frame_re"].search(text, sent.start, sent.end) or plan_sentence(text, sent):
        return []
    out = []
    taken = [(s, e) for s, e, *_ in found]
    previous_counts = sorted(s for s, _e, *_ in found)
    for hit in g["count"].finditer(text, sent.start, sent.end):
        s, e = hit.span()
        if any(s < te and ts < e for ts, te in taken):
            continue
        before = text[max(sent.start, s - 3):s]
        right = g["right_head"].match(text, e, min(sent.end, e + 16))
        if right and _COUNT_INSIDE.search(right.group("mod")):
            right = None                    # 9个领域80个项目, 7个县(市)区73个重大项目: the inner count is it
        if before.endswith(g["not_after"]) or hit.group("n") == "一" or \
                text.startswith(g["not_before"], e) and not (right and not _STOPS.search(right.group("mod"))):
            continue                        # 各1个, 前10个月, 7个县, "一个项目、一名领导" (not 68个产业投资项目)
        clause = _clause_start(text, sent, s)
        left = text[clause:s]
        comma_clause = max(sent.start, *(text.rfind(ch, sent.start, s) + 1 for ch in ",;:"))
        if g["reject_re"].search(text, comma_clause, s) or in_target_context(text, sent, s) \
                or in_plan_context(text, sent, s):
            continue
        if left.endswith("等") and any(sent.start <= a.start and a.end <= s for a in amounts) and \
                not any(a.start > e and measure_before(text, a.start, e) for a in amounts):
            continue                        # 投资6000万元的X项目等7个项目: the items are records
        head = None
        if right and not _STOPS.search(right.group("mod")) and not g["reject_re"].search(right.group("mod")):
            head, end = right.group("head"), right.end()
            scope = (left + right.group("mod")).strip()
            if text.startswith(g["after_head"], end):
                continue                    # 13个招商项目专班, 71个项目中 (a reference), 8个项目全部建成投产后
        else:
            lh = g["left_head"].search(left)
            end = e
            if lh:
                head = lh.group("head")
                scope = left[:lh.start()] + head
            elif (g["size_left"].search(left) or g["stage_left"].search(left)) and \
                    text[e:e + 1] in (",", ";", "。", ")", "、", "(", ""):
                head, scope = "项目", left          # 开工411项, 亿元以上的有680项
            elif (previous_counts and any(ps < s for ps in previous_counts) or _breakdown_context(text, sent, s)) \
                    and len(left) <= 12 and text[e:e + 1] in (",", ";", "。", ")", "、", ""):
                head, scope = "项目", left          # 其中:内资67个, 农业:5个 (a breakdown's class)
        if head is None or hit.group("cls") == "家" and head not in g["firm_heads"]:
            continue
        clause_end = min([i for i in (text.find(ch, end, sent.end) for ch in ",;") if i >= 0] or [sent.end])
        if head in g["firm_heads"] and (g["chain_re"].search(scope) or
                                        not g["firm_frame_re"].search(text, comma_clause, clause_end)
                                        or g["cluster_re"].search(text, end, sent.end)):
            continue                        # 引进上下游配套企业80余家: a cluster grows, nobody signs
        unit = "企业" if head in g["firm_heads"] else "项目"
        scope = scope.strip(",:;、 ") or text[s:end]
        out.append((s, end, "general", count_value(hit.group("n")), unit, False, False, scope,
                    hit.group("cq") or hit.group("more")))
        taken.append((s, end))
        previous_counts.append(s)
    return out


_STOPS = patterns.compile(r"[,;。]")
_COUNT_INSIDE = patterns.compile(r"(?:\d+|[一二两三四五六七八九十百千]+)(?:余|多)?(?:个|项|家)")


def _breakdown_context(text: str, sent: Sentence, pos: int) -> bool:
    """Is pos in a list that breaks a figure down (其中…, 按产业分, 分领域看…)?"""
    return bool(regex.search(r"其中|按[\p{Han}]{1,4}分|分[\p{Han}]{1,3}看|包括|涉及", text[sent.start:pos]))


_CARRY = patterns.compile(r"(?:完成|实现)?(?:招商引资)?(?:此次|本次|这次)?(?:签约的?|集中签约的?|所签约的?|这些|这批|该批|上述|以上)?"
                       r"(?:签约)?(?:项目)?(?:预计|计划)?(?:总投资额?|投资总额|计划总投资|协议总投资|签约总额|合同总额|"
                       r"协议投资总额|签约总规模|投资总规模)(?:预计|达到|达|为|共|计)?")


def carry_total(text: str, sent: Sentence, m: Mentions, previous: ClaimDraft, used: set[int]) -> None:
    """A sentence that opens with the total of the projects the sentence before counted (与…等14家
    企业进行了签约。签约项目预计投资总额超百亿元): that count's total, when it has none."""
    if previous.total is not None or previous.count is None or sent.start - previous.end > 2:
        return
    hit = _CARRY.match(text, sent.start, sent.end)
    if not hit:
        return
    amounts = [a for a in within(m.amounts, hit.end(), sent.end) if a.start - hit.end() <= 1 and id(a) not in used]
    if amounts:
        previous.total = amounts[0]
        previous.measure = measure_before(text, amounts[0].start, sent.start) or "investment"
        previous.rule += "+total:next-sentence"
        previous.end = sent.end              # the evidence holds both sentences
        used.add(id(amounts[0]))


def _about_one_project(text: str, sent: Sentence, m: Mentions, pos: int) -> bool:
    """该项目…实际到位资金7.6亿元, X公司…到位资金: the figure of one project, not an aggregate."""
    return _has_company_between(m, sent.start, pos) or bool(_rules()["single_re"].search(text, sent.start, pos))


def _mark_breakdown(text: str, sent: Sentence, c: ClaimDraft, by_rule: bool, pos: int) -> None:
    """Is the claim at `pos` a breakdown of another figure, and of which class?"""
    r = _rules()
    floor = _clause_start(text, sent, pos)
    before = text[floor:pos]
    if "等" in before:                   # A项目、B生态农业基地项目等4个项目: the items' words are no class
        floor += before.rfind("等") + 1
        before = text[floor:pos]
    owner = _bracket_owner(text, sent, pos)
    marked = bool(r["markers_re"].search(text[max(sent.start, floor - 3):pos]) or
                  r["markers_re"].search(text[max(sent.start, pos - 4):pos])) or \
        text[max(sent.start, floor - 3):floor].rstrip(",").endswith(("其中", "含")) or \
        before.lstrip(",").startswith(r["markers"])
    category_word = r["category_re"].search(_without_measures(before)) is not None
    if not (by_rule or marked or owner is not None or category_word):
        return
    c.breakdown = True
    c.bracket_of = owner
    c.category = _category(c.scope, c.rule, before)


def link_breakdowns(claims: list[ClaimDraft], text: str) -> None:
    """Each breakdown's parent: the figure whose bracket holds it, else the last figure before it
    in its paragraph that is not itself a breakdown (其中… follows the total it splits)."""
    for i, c in enumerate(claims):
        if not c.breakdown:
            continue
        candidates = claims[:i]
        if c.bracket_of is not None:
            owner = [k for k in candidates if k.anchor < c.bracket_of and k.start == c.start]
            if owner:
                c.parent = owner[-1]
                continue
        # 天全县引进1亿元及以上项目2个,其中5-10亿元项目1个: 其中 splits the figure right before it in
        # its clause, a breakdown itself or not
        same_clause = [k for k in candidates if k.start == c.start and k.anchor < c.anchor
                       and ";" not in text[k.anchor:c.anchor]]
        opens = max(text.rfind(ch, c.start, c.anchor) for ch in ",;:") + 1
        if same_clause and (text.startswith("其中", max(opens, c.start)) or "其中" in text[max(c.start, c.anchor - 3):c.anchor + 2]):
            c.parent = same_clause[-1]
            continue
        para = text.rfind("\n\n", 0, c.start)
        tops = [k for k in candidates if not k.breakdown and k.start > para]
        if tops:
            c.parent = tops[-1]


# --------------------------------------------------------------------------- merging
def _total_close(a: AmountMention, b: AmountMention, tol: Decimal) -> bool:
    if a.amount_yi is None or b.amount_yi is None:
        return False
    hi = max(a.amount_yi, b.amount_yi)
    return hi > 0 and abs(a.amount_yi - b.amount_yi) <= tol * hi


def _family(measure: str | None) -> str | None:
    """Investment and contract value both state what was signed (揽金400亿 is the 总投资400亿元 of
    the body); the other measures are figures of their own."""
    return "signed" if measure in ("investment", "contract") else measure


def _claim_kind(c: ClaimDraft) -> tuple:
    """What a claim counts: size classes, kinds of projects and stages are told apart."""
    r = _rules()
    verb = r["stage_re"].search(c.scope)
    stage = r["stage_of"][verb.group()] if verb else None
    special = next((k for k in ("size-class", "category") if k in c.rule), None)
    # 5-10亿元项目1个 and 10亿元及以上项目1个 are two figures, as are 工业项目5个 and 农业项目5个
    return (special, (c.category or c.scope) if special else None, stage if stage != "signed" else None)


def _same_claim(c: ClaimDraft, k: ClaimDraft, tol: Decimal) -> bool:
    if c.start == k.start and {c.rule, k.rule} & {"claim:group-total"}:
        group, other = (c, k) if c.rule == "claim:group-total" else (k, c)
        if group.count is None and other.total is None and other.count is not None and not other.breakdown:
            return True                   # A、B等4个项目与…达成合作意向,计划投资79.6亿元: one figure
    if c.start == k.start and c.anchor != k.anchor and (c.breakdown and k.breakdown or (
            c.total is None) == (k.total is None) and not (
            c.total is not None and c.total.amount_yi == k.total.amount_yi)):
        # 名山区…其中10亿元及以上项目1个;宝兴县…1个: two figures of one sentence (but 8个项目集体开工,
        # 分别是…;…,8个项目总投资7.3亿元 gives its one figure's total at the end)
        return False
    if c.breakdown and k.breakdown and c.para == k.para and not (
            c.total is not None and k.total is not None and c.total.amount_yi == k.total.amount_yi):
        return False                      # two breakdowns of one paragraph break down different figures
    if _family(c.measure) != _family(k.measure) and c.measure and k.measure:
        return False                      # 签约额 and 到位资金 are different figures
    if c.count is not None and c.count == k.count and c.total is not None and k.total is not None \
            and c.total.amount_yi == k.total.amount_yi:
        return True                       # the same count and the same total: one figure
    if (c.count_qualifier or k.count_qualifier) and c.count is not None and k.count is not None:
        # headline 逾40个项目,总投资超800亿 vs body 43个,总投资超800亿: one figure
        lo, hi = sorted((c.count, k.count))
        totals_agree = (c.total is None or k.total is None or c.total.amount_yi == k.total.amount_yi
                        or _total_close(c.total, k.total, tol))
        kinds_agree = c.total is not None and k.total is not None or _claim_kind(c) == _claim_kind(k)
        if hi - lo <= max(2, hi // 5) and totals_agree and kinds_agree:
            return True
    if _claim_kind(c) != _claim_kind(k) and c.count is not None and k.count is not None:
        return False
    if c.count is not None and k.count is not None:
        if c.count != k.count or c.unit != k.unit:
            return False
        if c.total is None or k.total is None:
            # a count without its total is the figure of the count with one when the headline
            # states it, not a breakdown of another paragraph (…其中5-10亿元项目1个 / 新能源:1个,总投资6亿元)
            return min(c.para, k.para) <= 0 or not (c.breakdown or k.breakdown)
        return c.total.amount_yi == k.total.amount_yi or bool(
            (c.total.qualifier or k.total.qualifier or c.total.vague or k.total.vague)
            and _total_close(c.total, k.total, tol))
    if c.total is not None and k.total is not None:     # a total-only claim (揽金近200亿, 揽金88亿)
        return c.total.amount_yi == k.total.amount_yi or bool(
            (c.total.qualifier or k.total.qualifier or c.total.vague or k.total.vague)
            and _total_close(c.total, k.total, tol)) or _rounded_of(c, k) or _rounded_of(k, c)
    return False


def _rounded_of(a: ClaimDraft, b: ClaimDraft) -> bool:
    """a is a total-only claim whose figure is b's rounded (揽金88亿 for 88.6亿元): fewer decimals,
    within 5%."""
    if a.count is not None or a.total.amount_yi is None or b.total.amount_yi is None:
        return False
    decimals = lambda d: max(0, -d.normalize().as_tuple().exponent)
    return decimals(a.total.amount_yi) < decimals(b.total.amount_yi) and \
        _total_close(a.total, b.total, Decimal("0.05"))


def _combine(k: ClaimDraft, c: ClaimDraft) -> ClaimDraft:
    def exactness(x: ClaimDraft) -> tuple:
        t = x.total
        return (t is not None, t is not None and t.qualifier is None and not t.vague, x.count is not None,
                x.count_qualifier is None)

    best, other = (k, c) if exactness(k) >= exactness(c) else (c, k)
    if best.rule == "claim:group-total" and other.count is not None:
        best.scope = other.scope.rstrip("等") or best.scope      # the group's own words, not 签约
    if best.count is None:
        best.count, best.unit = other.count, other.unit
    if best.total is None:
        best.total = other.total
        best.measure = best.measure or other.measure
    best.date = best.date or other.date
    if best.breakdown and not other.breakdown:
        best.breakdown, best.category, best.bracket_of = False, None, None
    return best


def merge_claims(claims: list[ClaimDraft], text: str = "") -> list[ClaimDraft]:
    """One claim per figure: a total stated twice, a headline's rounded total and the body's exact
    one, a count repeated without its total. Merged until nothing changes (order-independent)."""
    tol = _rules()["tolerance"]
    for c in claims:
        c.para = text.count("\n\n", 0, c.start)
    out = list(claims)
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                if _same_claim(out[i], out[j], tol):
                    out[i] = _combine(out[i], out[j])
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return sorted(out, key=lambda c: (c.start, c.anchor))
