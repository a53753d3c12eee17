"""Assemble stage: turn the mentions of one article into project records and claims.

Rules (verbs, project head nouns) are in rules/assemble.toml; claims (pipeline/claims.py) have
theirs in rules/claims.toml. The data flow:

  sentence → claims (count patterns + the total that follows them, other measures, breakdowns)
           → records (one per investment amount not used as a claim total: its item window gives
             the company, place, project; the nearest verb the stage; the sentence's date)
           → records without amounts (a company in a signing / negotiation frame)
  article  → merge duplicate records (same project mentioned twice) and claims (a total stated
             twice, headline vs body)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import regex

from . import places as places_mod
from .claims import (ClaimDraft, carry_total, claims_in_sentence, count_value, in_plan_context, in_target_context,
                     link_breakdowns, measure_before, merge_claims, plan_sentence)
from .companies import brand_of, company_core
from .mentions import AmountMention, CompanyMention, DateMention, Mentions, PlaceMention, within
from .rules import load_toml
from .sentences import Sentence

_STOP = ",;。!?:"
STAGE_ORDER = ("signed", "negotiating", "started", "operating")
_STOP_RE = regex.compile(rf"[{_STOP}]")
_LOCATIVE_START = regex.compile(r"^(?:在|于|到|落户|选址)")
_INVEST_BUILD = regex.compile(r"(?:投资|出资|公司|集团)(?:投资)?(?:建设|兴建|打造|投建)")
_DETERMINER = regex.compile(r"^(?:一个|一座|一处|该|这个|其|新的|了|的|正在就|正就|正在|还就|也就)")
_DENG_TAIL = regex.compile(r"等(?:\d+|[一二两三四五六七八九十]+)?(?:个|项|宗)?[\p{Han}]{0,4}?项目$")
_COUNT_NAME = regex.compile(r"(?:\d+|[一二两三四五六七八九十]+)(?:个|项|宗)[\p{Han}]{0,4}项目$")
_COMPANY_PROJECT = regex.compile(rf"(?P<x>[^{_STOP}、]{{0,20}}?)(?:等)?(?:项目)")
_XIANGMU_AFTER = regex.compile(rf"[^{_STOP}、和与及]{{0,12}}?项目")
_ITEM_OPEN = r"(?:(?<=[;:。]|有|是|为|包括|分别是|分别为)(?![有是为])|^)"
_ANAPHORA_PROJECT = regex.compile(rf"(?P<x>[^{_STOP}、]{{1,25}}?项目)")


@functools.lru_cache(maxsize=1)
def _rules():
    r = load_toml("assemble.toml")
    heads = sorted(r["project_heads"], key=len, reverse=True)
    head_alt = "|".join(regex.escape(h) for h in heads)
    lead_alt = "|".join(regex.escape(v) for v in sorted(r["project_lead_verbs"], key=len, reverse=True))
    maxlen = r["project_max_len"]
    name = rf"[^{_STOP}\n]{{1,{maxlen}}}?(?:{head_alt})(?:{head_alt})*"
    stage_words = []
    for stage in STAGE_ORDER:
        for w in r["stage"][stage]:
            stage_words.append((w, stage))
    stage_words.sort(key=lambda x: len(x[0]), reverse=True)
    return {
        # project right after the amount: 15亿元的X项目 / 5亿元X项目
        "proj_after": regex.compile(rf"(?:人民币)?(?:的|用于|,用于)?(?P<x>{name})"),
        # project introduced by a verb: 在东城区建设X / 打造X
        "proj_lead": regex.compile(rf"(?:{lead_alt})(?:了|的)?(?:(?:有|是|为)(?!色))?+(?P<x>{name})"),
        # project after 的 on the left of the amount: 投资建设的X,总投资
        "proj_de": regex.compile(rf"的(?:(?:有|是|为)(?!色))?+(?P<x>{name})"),
        "head_end": regex.compile(rf"(?:{head_alt})$"),
        "head_after": regex.compile(rf"[^{_STOP}\n]{{0,{maxlen}}}?(?:{head_alt})"),
        # a list item that opens with the project's name and gives its total after a comma
        "name_then_total": regex.compile(
            rf"{_ITEM_OPEN}(?P<x>[^{_STOP}、\n]{{2,{maxlen}}}?(?:{head_alt}))(?:\([^()]*\))?,?"
            rf"(?:计划|项目)?(?:总)?投资(?:额|总额)?(?:为|达|约|共)?"),
        # a project that is the subject of a stage clause, its total after the comma (贺兰县5所学校
        # 新建项目也同时开工,总投资3.92亿元)
        "subject_then_total": regex.compile(
            rf"(?:(?<=[,;:。])|^)(?P<x>[^{_STOP}、\n]{{2,{maxlen}}}?(?:{head_alt}))(?:也|还|均|已|已经)?"
            rf"(?:(?:同时|同步|正式|顺利|集中)?(?:开工|签约|落户|投产|竣工|开建|落地)(?:建设)?"
            rf"|由[^,;。]{{2,24}}?(?:投资建设|投资兴建|出资建设|承建|建设)),"
            rf"(?:计划|项目)?(?:总)?投资(?:额|总额)?(?:为|达|约|共)?"),
        "lead_re": regex.compile(rf"(?:{lead_alt})(?:了|的)?"),
        "locative_re": regex.compile("(?:" + "|".join(regex.escape(w) for w in r["locatives"]) + ")$"),
        "anaphora": tuple(r["anaphora"]),
        "generic_projects": frozenset(r["generic_projects"]),
        "generic_endings": tuple(r["generic_endings"]),
        "aggregate_re": regex.compile("|".join(regex.escape(w) for w in r["aggregate_markers"])),
        "stage_re": regex.compile("|".join(regex.escape(w) for w, _ in stage_words)),
        "stage_of": dict(stage_words),
        "future": tuple(r["stage"].get("future_markers", [])),
        "future_prefix": regex.compile("(?:" + "|".join(regex.escape(w) for w in sorted(
            r["stage"].get("future_prefixes", []), key=len, reverse=True)) + r")[^,;。]{0,8}$"),
        "co_markers": tuple(r["co_investor_markers"]),
    }


# --------------------------------------------------------------------------- drafts
@dataclass
class RecordDraft:
    start: int                      # evidence span (the sentence)
    end: int
    anchor: int                     # where in the text the record was found
    companies: list[CompanyMention] = field(default_factory=list)
    place: PlaceMention | None = None
    home: PlaceMention | None = None
    amount: AmountMention | None = None
    project: str | None = None
    stage: str = "other"
    date: DateMention | None = None
    rules: list[str] = field(default_factory=list)

    @property
    def company_name(self) -> str | None:
        names = list(dict.fromkeys(c.name for c in self.companies))
        return "、".join(names) if names else None

    @property
    def company_cores(self) -> set[str]:
        return {company_core(c.name) for c in self.companies}

    def richness(self) -> int:
        return sum(x is not None for x in (self.company_name, self.place, self.amount, self.project)) \
            + (self.stage != "other") + (self.date is not None)


def _clause_bounds(text: str, sent: Sentence, pos: int) -> tuple[int, int]:
    """The ;-clause of the sentence around position pos."""
    a = text.rfind(";", sent.start, pos)
    b = text.find(";", pos, sent.end)
    return (a + 1 if a >= 0 else sent.start), (b if b >= 0 else sent.end)


_PROGRESSION = ("negotiating", "signed", "started", "operating")


def _stage_near(text: str, a: int, b: int, anchor: int, most_advanced: bool = False) -> str | None:
    """The stage word nearest to `anchor` in text[a:b] (or the most advanced one: 引进…建成投产 is
    operating). Plans are skipped: 建成后, 投产后, 将于年底投产, 预计明年开工."""
    r = _rules()
    best = None
    for m in r["stage_re"].finditer(text, a, b):
        if text.startswith(r["future"], m.end()) or r["future_prefix"].search(text, max(a, m.start() - 12), m.start()):
            continue
        stage = r["stage_of"][m.group()]
        dist = min(abs(m.start() - anchor), abs(m.end() - anchor))
        key = (-_PROGRESSION.index(stage), dist) if most_advanced else (dist, -STAGE_ORDER.index(stage))
        if best is None or key < best[0]:
            best = (key, stage)
    return best[1] if best else None


def _county_level(p: PlaceMention) -> bool:
    return p.level in ("county", "zone", "township") or (p.ambiguous and p.level != "city")



# --------------------------------------------------------------------------- records
def _extend_to_xiangmu(text: str, end: int, limit: int) -> int:
    """X工程 / X园 followed closely by 项目 (建设工程机械配件项目): the name runs to 项目."""
    hit = _XIANGMU_AFTER.match(text, end, limit)
    return hit.end() if hit else end


def _project_after(text: str, a: int, b: int, companies=()) -> tuple[str | None, int]:
    r = _rules()
    hit = r["proj_lead"].match(text, a, b) or r["proj_after"].match(text, a, b)
    if hit:
        end = _extend_to_xiangmu(text, hit.end("x"), b)
        inside = [c for c in companies if c.start < end < c.end]
        if inside:                          # 新疆泽源新材料工程有限公司年产…项目: 工程 is in the name
            more = _XIANGMU_AFTER.match(text, inside[0].end, b) or r["head_after"].match(text, inside[0].end, b)
            if more is None:
                return None, a
            end = more.end()
        return text[hit.start("x"):end], end
    # 拟投资5-8亿元,在我市建设X / 投资3亿元在东城区建设X
    hit = r["proj_lead"].search(text, a, min(b, a + 16 + 30))
    if hit and hit.start() - a <= 16 and not _STOP_RE.search(text[a:hit.start()].lstrip(",")):
        end = _extend_to_xiangmu(text, hit.end("x"), b)
        return text[hit.start("x"):end], end
    return None, a


def _project_before(text: str, a: int, b: int, companies=()) -> str | None:
    r = _rules()
    best = None
    for pat in (r["proj_lead"], r["proj_de"]):
        for hit in pat.finditer(text, a, b, overlapped=True):
            if any(c.start <= hit.start() < c.end for c in companies):
                continue                  # 开发 inside 新能源开发有限公司 (or 绥安开发区) is no verb
            end = _extend_to_xiangmu(text, hit.end("x"), b)
            if best is None or end > best[1]:
                best = (text[hit.start("x"):end], end)
    if best is None:
        # 易德·总部经济大楼及配套项目,总投资5亿元; (a list item that opens with the project's name)
        hit = r["name_then_total"].search(text, a, b)
        if hit and hit.end() == b:
            return hit.group("x")
        hit = r["subject_then_total"].search(text, a, b)
        if hit and hit.end() == b:
            return hit.group("x")
    return best[0] if best else None




def _clean_project(x: str | None) -> str | None:
    if not x:
        return None
    # 在东城区建设吾悦广场项目 → 吾悦广场项目: the name starts after the last verb that introduces it
    lead = _rules()["lead_re"]
    cut = None
    for hit in lead.finditer(x):
        if len(x) - hit.end() >= 2:
            cut = hit.end()
    if cut is not None and (_LOCATIVE_START.match(x) or lead.match(x)
                            or _INVEST_BUILD.search(x)):
        x = x[cut:]
    x = _DETERMINER.sub("", x).strip("\"“”'")
    x = _DENG_TAIL.sub("", x)
    r = _rules()
    if _COUNT_NAME.search(x) or x in r["generic_projects"] or x.startswith(("、", "的", "项目", "等")) or \
            _NUMERAL_PROJECT.match(x) or x.endswith(r["generic_endings"]) and r["aggregate_re"].search(x):
        return None                      # 24个项目, 重大项目, 瓦房店市今年引进项目: not a name
    return x if len(x) >= 2 else None


_NUMERAL_PROJECT = regex.compile(r"^[\d一二两三四五六七八九十]+(?:个|项|大)?项目")


def _foreign_short_form(text: str, p: PlaceMention, home: PlaceMention | None) -> bool:
    """A short form (陆河, 阳新) of a unit in another province than the article's home, not after a
    locative (在, 落户…): a trade name or part of a word (陆河稻米加工项目, 永阳新城), not where a
    project lands."""
    if p.via != "short" or home is None or not home.province or not p.province or p.province == home.province:
        return False
    return not _rules()["locative_re"].search(text[max(0, p.start - 3):p.start])


def _record_for_amount(text: str, sent: Sentence, a: AmountMention, m: Mentions,
                       prev_end: int, next_start: int, home: PlaceMention | None = None) -> RecordDraft:
    r = _rules()
    c_start, c_end = _clause_bounds(text, sent, a.start)
    left = max(c_start, prev_end)
    # an item of a 、-list starts after the 、 before its amount: the company and place written
    # after the previous item's amount belong to the previous item (投资150亿元的龙光集团X项目、投资…)
    if prev_end > c_start:                   # only after another item's amount (not 核能、风能设备项目)
        left = max(left, text.rfind("、", left, a.start) + 1)
        # …总投资30亿元的A公司X项目和总投资30亿元的Y项目: the previous item's project is its own
        prev_project, prev_proj_end = _project_after(text, prev_end, a.start, m.companies)
        if prev_project:
            left = max(left, prev_proj_end)
    right = min(c_end, next_start)
    rec = RecordDraft(sent.start, sent.end, a.start, amount=a, rules=[a.rule or "amount"])

    # project: right after the amount, else introduced on the left
    project, proj_end = _project_after(text, a.end, right, m.companies)
    if project:
        rec.rules.append("project:after")
    else:
        project = _project_before(text, left, a.start, list(m.companies) + list(m.places))
        proj_end = a.end
        if project:
            rec.rules.append("project:before")
    rec.project = _clean_project(project)

    # company: nearest on the left of the amount; co-investors chained by 与/、/和 + 联合投资
    left_cos = [c for c in m.companies if left <= c.start and c.end <= a.start]
    if left_cos:
        chosen = [left_cos[-1]]
        tail = text[left_cos[-1].end:a.start]
        if any(mk in tail for mk in r["co_markers"]):
            for c in reversed(left_cos[:-1]):
                gap = text[c.end:chosen[0].start]
                if gap in ("与", "、", "和", "及", "同"):
                    chosen.insert(0, c)
                else:
                    break
        rec.companies = chosen
        rec.rules.append("company:left")
        if any(mk in tail for mk in r["co_markers"]):
            rec.rules.append("company:co-investors")
    elif rec.project and [c for c in m.companies if a.end <= c.start and c.end <= proj_end]:
        c = [c for c in m.companies if a.end <= c.start and c.end <= proj_end][0]
        rec.companies = [c]
        rec.rules.append("company:in-project")
        own = _OWN_PROJECT.match(text, c.end, proj_end)
        if own and _clean_project(text[own.end():proj_end]):
            rec.project = _clean_project(text[own.end():proj_end])   # X公司独资的Y项目 → Y项目
    elif [c for c in m.companies if text[a.end:c.start] in ("的", "的“") and c.end <= right]:
        # 60亿元的赣州中航新能源科技有限公司年产20万辆…、20亿AH…项目, 9.87亿元的“华翔轻纺”: the firm
        # the amount is of
        rec.companies = [next(c for c in m.companies if text[a.end:c.start] in ("的", "的“"))]
        rec.rules.append("company:after-amount")
        if rec.project is None:              # …有限公司年产10万辆电动客车、10亿AH动力电池项目
            hit = _PROJECT_TO_CLAUSE_END.match(text, rec.companies[0].start, right)
            if hit and not any(hit.start() < x.start < hit.end() for x in m.amounts):
                rec.project = _clean_project(hit.group())
                rec.rules.append("project:after-company")
    elif any(w in text[sent.start:a.start] for w in r["anaphora"]):
        ante = _antecedent(text, sent, m)
        if ante is None and rec.project is None and _OPENS_WITH_PROJECT.match(sent.text):
            # …的福建凯德伦自动化生产项目正在建设中。该项目总投资2.75亿元: the project named before
            prev = _previous_sentence(text, sent)
            names = [x for x in _PROJECT_MENTION.finditer(text, *prev) if _clean_project(x.group("x"))]
            if names:
                rec.project = _clean_project(names[-1].group("x"))
                rec.rules.append("project:anaphora")
                brand = _brand_in_text(text, rec.project, *prev, m)
                if brand is not None:
                    rec.companies = [brand]
                    rec.rules.append("company:brand")
        if ante is not None:
            rec.companies = [ante]
            rec.rules.append("company:anaphora")
            if rec.project is None:
                hit = _ANAPHORA_PROJECT.match(text, ante.end, sent.start)
                if hit:
                    rec.project = _clean_project(hit.group("x"))
                    rec.rules.append("project:anaphora")
    if not rec.companies and rec.project:
        brand = _brand_in_text(text, rec.project, left, right, m)
        if brand is not None:                # the firm at the head of the project's name
            rec.companies = [brand]
            rec.rules.append("company:brand")

    # place: county-level on the left in the item, then right (在X建设), then sentence, paragraph
    # (an ambiguous name, still unresolved against the home, gives no county: the fallbacks may)
    places = [p for p in m.places if not p.ambiguous and not _foreign_short_form(text, p, home)]
    left_places = [p for p in places if left <= p.start and p.end <= a.start and _county_level(p)]
    right_places = [p for p in places if a.end <= p.start and p.end <= c_end and p.start < right + 12
                    and _county_level(p) and (r["locative_re"].search(text[max(a.end, p.start - 4):p.start])
                                              or text[p.start - 1] in "同与和" and _PARTY_AFTER.match(text, p.end))]
    # an item of a ;-list never borrows the place of the item before it
    # (the places before the clause's first amount: one inside an earlier item is that item's)
    first_amount = min([x.start for x in m.amounts if c_start <= x.start < a.start] + [a.start])
    sent_places = [p for p in places if c_start <= p.start and p.end <= first_amount and _county_level(p)]
    # 总投资80亿元的金坛动力电池产业园, …有限公司独资的天水市清水县风能开发项目: the place that opens the
    # project's own name
    project_start = text.find(rec.project, a.end, right) if rec.project else -1
    project_end = project_start + len(rec.project) if rec.project else -1
    own_places = [p for p in places if 0 <= project_start <= p.start < project_end and _county_level(p)
                  and not p.ambiguous and (p.start == project_start or text[p.start - 1] == "的")]
    # 北京绿辰投资10亿元的X项目落户临邑县,投资6亿元的Y项目落户夏津县: a place after the item's own
    # project (落户/在/位于 …) wins over one before the comma that opens the item
    comma = text.rfind(",", left, a.start)
    same_segment = [p for p in left_places if p.start > comma]
    if same_segment or left_places and not right_places:
        rec.place = (same_segment or left_places)[-1]
        rec.rules.append("place:left")
    elif right_places:
        rec.place = right_places[0]
        rec.rules.append("place:right")
    elif own_places:
        rec.place = own_places[0]
        rec.rules.append("place:in-project")
    elif sent_places:
        rec.place = sent_places[-1]
        rec.rules.append("place:sentence")

    rec.stage = _stage_in_context(text, sent, left, right, c_start, c_end, a.start)
    return rec


def _stage_in_context(text: str, sent: Sentence, left: int, right: int, c_start: int, c_end: int,
                      anchor: int) -> str:
    """The stage word nearest to the item, then in its clause, sentence, paragraph, and finally the
    last one before the sentence in the article (a list of projects under a 集中签约 heading)."""
    para_start = text.rfind("\n\n", 0, sent.start)
    para_start = 0 if para_start < 0 else para_start
    para_end = text.find("\n\n", sent.end)
    para_end = len(text) if para_end < 0 else para_end
    seg_start = max(c_start, text.rfind(",", c_start, anchor) + 1)
    stage = _stage_near(text, seg_start, c_end, anchor, most_advanced=True)   # the item's own predicate
    if stage:
        return stage
    for a, b in ((left, right), (c_start, c_end), (sent.start, sent.end), (para_start, para_end)):
        stage = _stage_near(text, a, b, anchor)
        if stage:
            return stage
    return _stage_near(text, 0, sent.start, sent.start) or "other"


def _antecedent(text: str, sent: Sentence, m: Mentions) -> CompanyMention | None:
    """The last company named in the sentence before: in the same paragraph, or, for a paragraph
    that opens with 该项目 (据了解,该项目总投资…), the last sentence of the paragraph before."""
    prev_end = sent.start
    para_start = text.rfind("\n\n", 0, sent.start)
    if para_start >= 0 and not text[para_start + 2:sent.start].strip() and _OPENS_WITH_PROJECT.match(sent.text):
        prev_end = para_start                # 据了解,该项目… opens its paragraph
    else:
        para_start = text.rfind("\n\n", 0, max(0, prev_end - 1))
    floor = text.rfind("\n\n", 0, max(0, prev_end - 1))
    prev_start = max(floor + 2 if floor >= 0 else 0, text.rfind("。", 0, max(0, prev_end - 1)) + 1)
    cands = [c for c in m.companies if prev_start <= c.start and c.end <= prev_end]
    return cands[-1] if cands else None


def _previous_sentence(text: str, sent: Sentence) -> tuple[int, int]:
    """The span of the sentence before `sent` in its paragraph (empty at a paragraph's start)."""
    para = text.rfind("\n\n", 0, sent.start)
    floor = para + 2 if para >= 0 else 0
    start = max(floor, text.rfind("。", 0, max(0, sent.start - 1)) + 1)
    return (start, sent.start) if start < sent.start else (sent.start, sent.start)


# a project named in a sentence: after 的/是/了/, or at its start, up to 项目
_PROJECT_MENTION = regex.compile(rf"(?:(?<=[的是了,])|(?<=^)|(?<=。))(?P<x>[^{_STOP}、的]{{2,30}}?项目)")
_PARTY_AFTER = regex.compile(r"(?:人民政府|政府|管委会|管理委员会)?[^,;。]{0,8}?(?:签约|签订|签署|达成|就|签定)")
_OPENS_WITH_PROJECT = regex.compile(r"(?:据了解|据悉|据介绍|记者了解到)?,?该项目")
_CATAPHORA = regex.compile(r"(?:该项目|项目|该基地|该园区)(?:由|系|是由)")
_SIGNS_WITH = regex.compile(r"(?:人民政府|政府|管委会)?(?:分别)?[与同](?:分别)?")
_CLAUSE_END = regex.compile(r"[,;。]")
_AVERAGE = regex.compile(r"平均|人均|亩均|户均|单体平均")
# X等项目集中开工总投资达16.09亿元, A、B等企业…签订了16.26亿元的…: a group's total
_GROUP_BEFORE = regex.compile(r"等(?P<n>\d+|[一二两三四五六七八九十]+)?(?:个|项|家|批)?[\p{Han}]{0,6}?(?:项目|企业)[^;。]{0,14}$")
_OWN_PROJECT = regex.compile(r"(?:独资|合资|投资|控股|全资)?(?:兴建|建设|打造)?的")
_PROJECT_TO_CLAUSE_END = regex.compile(r"[^,;。]{4,60}?项目")
_CATAPHORA_CLAUSE = regex.compile(r"[,;](?:该项目|项目)?(?:由|系|是由)")


def _attach_cataphora(text: str, sentences: list[Sentence], records: list[RecordDraft], m: Mentions) -> None:
    """该项目由X公司投资建设: the company of the project in the sentence before, when that record
    has none."""
    for i, sent in enumerate(sentences[1:], start=1):
        hit = _CATAPHORA.match(text, sent.start, sent.end)
        if not hit:
            continue
        prev = sentences[i - 1]
        cos = [c for c in m.companies if c.start == hit.end()]
        targets = [r for r in records if r.start == prev.start and not _named(r) and r.amount is not None]
        if cos and len(targets) == 1:
            targets[0].companies = [cos[0]]
            targets[0].rules.append("company:cataphora")
    for rec in records:                  # 总投资6亿元的X基地落户长葛市,由Y公司投资建设 (one sentence)
        if _named(rec) or rec.amount is None:
            continue
        for hit in _CATAPHORA_CLAUSE.finditer(text, rec.amount.end, rec.end):
            if any(rec.amount.end < x.start < hit.start() for x in m.amounts):
                break                        # another amount in between: another project's
            cos = [c for c in m.companies if c.start == hit.end()]
            if cos:
                stop = _CLAUSE_END.search(text, cos[0].end, rec.end)
                if any(cos[0].end <= x.start < (stop.start() if stop else rec.end) for x in m.amounts):
                    break                    # 由X投资2亿元的Y: X's own project
                rec.companies = [cos[0]]
                rec.rules.append("company:cataphora-clause")
                break


def _sentence_opener(m: Mentions, sent: Sentence) -> PlaceMention | None:
    """The county-level place a sentence opens with (广河县总投资…;…): the subject of all its clauses."""
    return next((p for p in m.places if sent.start <= p.start <= sent.start + 2 and _county_level(p)
                 and not p.ambiguous), None)


def _paragraph_place(m: Mentions, sent: Sentence, text: str) -> PlaceMention | None:
    """The last county-level place named before this sentence in its paragraph."""
    para_start = text.rfind("\n\n", 0, sent.start)
    para_start = 0 if para_start < 0 else para_start
    before = [p for p in m.places if para_start <= p.start and p.end <= sent.start and _county_level(p)
              and not p.ambiguous]
    return before[-1] if before else None


def _date_for(m: Mentions, sent: Sentence, anchor: int) -> DateMention | None:
    ds = m.dates_in(sent.start, sent.end)
    if not ds:
        return None
    before = [d for d in ds if d.start <= anchor]
    return before[-1] if before else ds[0]


_SIGN_FRAMES = None


@functools.lru_cache(maxsize=1)
def _frames():
    # company in an agreement / negotiation frame, without an amount
    return {
        "agreement": regex.compile(r"^(?:的)?(?:战略)?(?:合作|投资|框架|招商)?协议"),
        "sign_after": regex.compile(r"^(?:\([^()]{0,20}\))?(?:[^,;。]{0,6}?)(?:签订|签约|签署|达成|签定)"),
        # X公司与龙游签订…, 桐昆集团与沭阳经济技术开发区投资协议签约仪式: the company signs with a place
        "party_sign": regex.compile(r"^(?:与|同|和)[^,;。]{1,24}?(?:签订|签约|签署|达成|签定|合资建设|合作建设)"),
        # X公司董事长…说 / 代表签约企业致辞: a signing party's officer speaks
        "officer": regex.compile(r"^(?:\([^()]{0,20}\))?(?:党委书记|党委常委|董事长|总经理|副总经理|总裁|副总裁|"
                                 r"负责人|常务副总经理|执行董事|首席运营官|董事)"),
        # 在X公司建设工地 / X公司项目现场
        "site": regex.compile(r"^(?:的)?(?:建设工地|项目现场|施工现场|生产车间|厂区)"),
        "coop_project": regex.compile(r"^合作的[\"“]?(?P<x>[^,;。\"”]{2,30}?)[\"”]?(?=[,;。\"”]|$)"),
        # X公司将在我区建设Y项目: the company builds a named project (no amount given)
        "builds": regex.compile(r"^(?:将|拟|计划|准备|还将)?(?:在[^,;。]{1,12}?)?(?:投资)?(?=建设|打造|兴建|投建|新建|建立)"),
        "clause_start": regex.compile(r"(?:^|[,;。、:]|其中|此外|签约项目中)$"),
    }


def _records_without_amount(text: str, sent: Sentence, m: Mentions, taken_cores: set[str]) -> list[RecordDraft]:
    r = _rules()
    f = _frames()
    out = []
    for c in within(m.companies, sent.start, sent.end):
        core = company_core(c.name)
        if core in taken_cores:
            continue
        c_start, c_end = _clause_bounds(text, sent, c.start)
        before = text[max(c_start, c.start - 3):c.start]
        after_slice = text[c.end:c_end]
        project = None
        kind = None
        hit = f["coop_project"].match(after_slice)
        lead = r["proj_lead"].match(text, c.end, c_end)
        if before.endswith(("与", "同", "和")) and hit:
            kind, project = "coop-project", hit.group("x")
        elif before.endswith(("与", "同", "和")) and lead:
            kind, project = "signed-project", text[lead.start("x"):_extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif before.endswith(("与", "同", "和")) and (f["agreement"].match(after_slice) or f["sign_after"].match(after_slice)):
            kind = "agreement"
            # 与X公司签约,共建Y基地: the project follows in the clause
            lead = r["proj_lead"].search(text, c.end, c_end)
            if lead:
                project = text[lead.start("x"):_extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif f["clause_start"].search(text[max(sent.start, c.start - 6):c.start]) and f["builds"].match(after_slice):
            hit = f["builds"].match(after_slice)
            lead = r["proj_lead"].match(text, c.end + hit.end(), c_end)
            if lead:
                kind, project = "company-builds", text[lead.start("x"):_extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif f["party_sign"].match(after_slice):
            kind = "party"
            lead = r["proj_lead"].search(text, c.end, c_end)
            if lead:
                project = text[lead.start("x"):_extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif f["officer"].match(after_slice) or f["site"].match(after_slice):
            kind = "officer" if f["officer"].match(after_slice) else "site"
        else:
            # X公司Y项目 … 洽谈 / 开工 / 投产 (or 引进X公司Y项目): the company heads a project name in a
            # stage frame
            hit = _COMPANY_PROJECT.match(after_slice)
            if hit and (_stage_near(text, c.end, c_end, c.end) or _stage_near(text, c_start, c.start, c.start)):
                kind, project = "company-project", (hit.group("x") + "项目") if hit.group("x") else None
        if kind is None:
            continue
        stage = _stage_near(text, c_start, c_end, c.start)
        if stage is None and kind in ("agreement", "party"):
            stage = "signed"
        if stage is None and kind == "site":
            stage = "started"
        if stage is None and kind == "officer":
            stage = _stage_near(text, 0, len(text), c.start)   # the article's ceremony
        if stage is None and kind == "company-builds":
            stage = "other"
        if stage is None:
            stage = _stage_near(text, sent.start, sent.end, c.start)
        if stage is None:
            continue
        rec = RecordDraft(sent.start, sent.end, c.start, companies=[c], project=_clean_project(project),
                          stage=stage, rules=[f"record-no-amount:{kind}"])
        # a list of agreements (A与B的协议,C与D的协议) scopes places to the comma clause; otherwise
        # the ;-clause (an item of a list never borrows the place of the item before it)
        floor = max(c_start, text.rfind(",", c_start, c.start) + 1) if kind == "agreement" else c_start
        places = [p for p in m.places if floor <= p.start and p.end <= c.start and _county_level(p)]
        # X公司和新建区政府签约…: the signing party written right after the company
        party = [p for p in m.places if c.end < p.start <= c.end + 2 and _county_level(p)
                 and text[c.end:p.start] in ("与", "和", "同") and _PARTY_AFTER.match(text, p.end)]
        # X公司计划在空港经济开发区建设…: the place it builds in
        built_in = [p for p in m.places if kind == "company-builds" and c.end <= p.start and p.end <= c_end
                    and text[max(c.end, p.start - 1):p.start] == "在" and _county_level(p)]
        # 广河县总投资1.2亿元的…项目初步达成协议;…与广州诚达鞋业等6家公司达成…协议: the county the
        # sentence opens with, before the paragraph's
        opener = [p for p in [_sentence_opener(m, sent)] if p is not None and p.end <= c.start]
        if party:
            rec.place = party[0]
        elif built_in:
            rec.place = built_in[0]
        elif places:
            rec.place = places[-1]
        elif opener:
            rec.place = opener[0]
            rec.rules.append("place:sentence-opener")
        out.append(rec)
        taken_cores.add(core)
    return out


# an amount a size class of projects names (5000万元以上招商引资项目1297项, 投资额1亿元以上)
_SIZE_AFTER = regex.compile(r"(?:以上|及以上|以下)?(?:\([^()]{0,10}\))?(?:的)?[^,;。、]{0,10}?项目(?:有|共|达|占)?"
                            r"(?:\d+|[一二两三四五六七八九十百千]+)(?:余|多)?(?:个|项)")
_SIZE_OVER = regex.compile(r"(?:以上|及以上)(?:\)|、|的)")
_NOT_PROJECT_MEASURES = frozenset({"plan", "completed", "funds_received", "fdi_actual"})


def _size_class(text: str, a: AmountMention) -> bool:
    return bool(_SIZE_AFTER.match(text, a.end) or _SIZE_OVER.match(text, a.end))


_VISIT = regex.compile(r"拜访|考察|走访|座谈|会见|参观|接待|看望|调研|邀请|参展|展出|展示")
_AGREEMENT_OF = regex.compile(r"(?:与|同|和)[^,;。]{2,30}?的(?:战略)?(?:合作)?(?:框架)?协议")


def _records_from_enumerations(text: str, sent: Sentence, m: Mentions, taken_cores: set[str],
                               records: list[RecordDraft]) -> list[RecordDraft]:
    """One record per company or project of a list in a stage frame (与中国融通、中建市政…等14家企业
    进行了签约; 集中开工的A项目、B项目…): stage from the nearest stage word, the company of a project
    item the firm at its head (brand_of). Lists of firms visited or met give none."""
    out = []
    for e in m.enumerations:
        if not (sent.start <= e.start and e.end <= sent.end):
            continue
        if _VISIT.search(text, sent.start, e.items[0][1]) or _AGREEMENT_OF.match(text, e.items[-1][1], e.end):
            continue                    # firms visited; A、B与C的合作协议 (parties, not investors)
        stage = _stage_near(text, e.items[-1][1], sent.end, e.items[-1][1]) or \
            _stage_near(text, sent.start, sent.end, e.items[0][0]) or \
            _stage_near(text, 0, sent.start, sent.start)      # 其中,央企类项目有A、B、C3家企业 after a signing
        if stage is None:
            continue
        # 固安县与A、B、C分别签约: the place that signs with the list is the records' county
        signer = [p for p in m.places if sent.start <= p.start and _county_level(p) and not p.ambiguous
                  and _SIGNS_WITH.fullmatch(text, p.end, e.items[0][0])]
        for a, b, kind in e.items:
            if any(x.start < b and a < x.end for x in m.amounts):
                continue                    # 投资6000万元的X项目、…: the amount path has it
            if kind == "company":
                cos = [c for c in m.companies if c.start <= a and b <= c.end] or \
                      [c for c in m.companies if a <= c.start and c.end <= b]
                if not cos or company_core(cos[0].name) in taken_cores:
                    continue
                rec = RecordDraft(sent.start, sent.end, a, companies=[cos[0]], stage=stage,
                                  rules=["record-no-amount:list"])
                taken_cores.add(company_core(cos[0].name))
            else:
                project = _clean_project(text[a:b])
                if project is None or any(r.project and _project_similar(r.project, project) for r in records + out):
                    continue
                rec = RecordDraft(sent.start, sent.end, a, project=project, stage=stage,
                                  rules=["record-no-amount:project-list"])
                brand = _brand_mention(text, a, b, m)
                if brand is not None:
                    rec.companies = [brand]
                    rec.rules.append("company:brand")
            if signer:
                rec.place = signer[-1]
                rec.rules.append("place:list-signer")
            out.append(rec)
    return out


def _group_total(rec: RecordDraft, m: Mentions, text: str) -> bool:
    """Is the record's company one of a list of firms (A、B、C等企业…), so that its amount is theirs
    together? When a company signs with the list (X公司与A、B和C分别签订的…合同), X becomes the
    record's company instead. An amount right after X等项目… / A、B等企业… is the group's too."""
    if rec.amount is not None and _GROUP_BEFORE.search(text, max(rec.start, rec.amount.start - 30), rec.amount.start) \
            and not _named_in_clause(rec, text):
        return True
    if len(rec.companies) != 1 or any(mk in rec.rules for mk in ("company:co-investors",)):
        return False
    c = rec.companies[0]
    for e in m.enumerations:
        firms = [it for it in e.items if it[2] == "company"]
        if len(firms) >= 2 and any(a <= c.start and c.end <= b or c.start <= a and b <= c.end for a, b, _ in firms):
            first = e.items[0][0]
            if text[first - 1:first] in ("与", "同", "和"):
                signer = [x for x in m.companies if x.end == first - 1]
                if signer:
                    rec.companies = [signer[0]]
                    rec.rules.append("company:signs-with-list")
                    return False
                return True                 # 吉木萨尔县与A、B、C签约,签约额总计89.58亿元: their total
            if regex.search(r"[与同和]", text[e.start:first]) and not any(
                    e.start <= x.end <= first and text[x.end:x.end + 1] in "与同和" for x in m.companies):
                return True                 # the list is the other party of a signing, not one investor
            if not text.startswith("等", firms[-1][1]):
                # A、B、C与城区工业园签定的9000万美元的电子项目: a closed list invests together
                joint = [x for a, b, _ in firms for x in m.companies if a <= x.start and x.end <= b][:len(firms)]
                if len(joint) == len(firms):
                    rec.companies = joint
                    rec.rules.append("company:joint-list")
                    return False
            return True
    return False


def _named_in_clause(rec: RecordDraft, text: str) -> bool:
    """Does the record's own clause, after the group, name its firm (…等项目;X公司投资5亿元…)?"""
    if not _named(rec) or rec.amount is None:
        return False
    c = rec.companies[0]
    return c.start > max(text.rfind(ch, rec.start, rec.amount.start) for ch in ",;") and c.end <= rec.amount.start


def _brand_in_text(text: str, project: str, a: int, b: int, m: Mentions) -> CompanyMention | None:
    """The firm at the head of a project name found in text[a:b] (总投资40亿元的浙江展图高端智能制造项目)."""
    i = text.find(project, a, b + len(project))
    return _brand_mention(text, i, i + len(project), m) if i >= 0 else None


def _brand_mention(text: str, a: int, b: int, m: Mentions) -> CompanyMention | None:
    """The company of a project name text[a:b]: a company mention inside it, else the firm at its
    head (brand_of: 多走路运动鞋生产二期项目 → 多走路)."""
    inside = [c for c in m.companies if a <= c.start and c.end <= b]
    if inside:
        return inside[0]
    brand = brand_of(text[a:b])
    if brand is None:
        return None
    start = text.find(brand, a, b)
    return CompanyMention(start, start + len(brand), brand, brand, company_core(brand), rule="company:brand")


# --------------------------------------------------------------------------- merging
def _compatible(a, b) -> bool:
    return a is None or b is None or a == b


def _place_key(p: PlaceMention | None):
    return None if p is None else (p.name or p.text)


def _project_similar(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a in b or b in a


def _named(r: RecordDraft) -> bool:
    """Does the record name its company (not only a brand guessed from its project name)?"""
    return any(c.rule != "company:brand" for c in r.companies)


def _brand_fits(x: RecordDraft, y: RecordDraft) -> bool:
    """A brand guessed from a project name fits the other record's company when one of their
    names holds the other's first two characters (汇元锂电隔膜 / 江苏汇元锂电科技有限公司)."""
    xs = [_without_place(company_core(c.name)) for c in x.companies]
    ys = [_without_place(company_core(c.name)) for c in y.companies]
    return all(any(a[:2] in b or b[:2] in a for b in ys) for a in xs)


def _without_place(core: str) -> str:
    """A company's core without the province or city it opens with (福建凯德伦 → 凯德伦)."""
    lead = [p for p in places_mod.find_places(core) if p.start == 0 and p.level in ("province", "city")]
    rest = core[lead[0].end:] if lead else core
    return rest if len(rest) >= 2 else core


def _same_record(x: RecordDraft, y: RecordDraft) -> bool:
    if not _compatible(_place_key(x.place), _place_key(y.place)):
        return False
    if x.companies and y.companies and not (x.company_cores & y.company_cores):
        if _named(x) and _named(y):
            return False
        if not (_brand_fits(x, y) or x.project and y.project and _project_similar(x.project, y.project)):
            return False
    if x.amount is not None and y.amount is not None:
        if x.start == y.start and x.anchor != y.anchor and not (x.company_cores & y.company_cores):
            return False                  # 总投资30亿元的A项目和总投资30亿元的B项目 in one sentence: two projects
        return (x.amount.amount_yi == y.amount.amount_yi and x.amount.currency == y.amount.currency
                and (x.companies or y.companies or _project_similar(x.project, y.project)))
    if x.companies and y.companies:
        return _project_similar(x.project, y.project)
    return False


def _merge(x: RecordDraft, y: RecordDraft) -> RecordDraft:
    base, other = (x, y) if x.richness() >= y.richness() else (y, x)
    if not base.companies or not _named(base) and _named(other):
        base.companies = other.companies
    elif other.companies and len(other.company_name or "") > len(base.company_name or "") \
            and base.company_cores == other.company_cores:
        base.companies = other.companies
    base.place = base.place or other.place
    base.amount = base.amount or other.amount
    if base.project is None or (other.project and base.amount is other.amount and len(other.project) > len(base.project)):
        base.project = base.project or other.project
    if base.stage == "other":
        base.stage = other.stage
    base.date = base.date or other.date
    base.rules.append("merged")
    return base


def merge_records(drafts: list[RecordDraft]) -> list[RecordDraft]:
    out: list[RecordDraft] = []
    for d in drafts:
        for i, kept in enumerate(out):
            if _same_record(kept, d):
                out[i] = _merge(kept, d)
                break
        else:
            out.append(d)
    return sorted(out, key=lambda d: (d.start, d.anchor))



# --------------------------------------------------------------------------- article
def assemble(text: str, sentences: list[Sentence], m: Mentions,
             home: PlaceMention | None) -> tuple[list[RecordDraft], list[ClaimDraft]]:
    """Records and claims of one article, merged, in text order."""
    records: list[RecordDraft] = []
    claims: list[ClaimDraft] = []
    for sent in sentences:
        used: set[int] = set()
        s_claims = claims_in_sentence(text, sent, m, used)
        for c in s_claims:
            c.date = _date_for(m, sent, c.anchor)
        if not s_claims and claims:
            tops = [c for c in claims if c.start == claims[-1].start and not c.breakdown]
            if tops:                                   # …14家企业进行了签约。签约项目总投资超百亿元
                carry_total(text, sent, m, tops[-1], used)
        claims.extend(s_claims)
        invest = [a for a in within(m.amounts, sent.start, sent.end)
                  if a.role == "investment" and id(a) not in used and not _size_class(text, a)
                  and measure_before(text, a.start, sent.start) not in _NOT_PROJECT_MEASURES]
        for i, a in enumerate(invest):
            prev_end = invest[i - 1].end if i > 0 else sent.start
            next_start = invest[i + 1].start if i + 1 < len(invest) else sent.end
            if _AVERAGE.search(text, max(sent.start, a.start - 12), a.start):
                continue                     # 这些项目平均单个项目投资额5亿元: an average, no project
            rec = _record_for_amount(text, sent, a, m, prev_end, next_start, home)
            if not _named(rec) and (a.vague or in_target_context(text, sent, a.start)
                                    or in_plan_context(text, sent, a.start) or plan_sentence(text, sent)):
                continue                     # 过亿元签约项目, 力争…突破650亿元, 谋划储备项目…总投资: no project
            if _group_total(rec, m, text):
                # 国家电投、远景能源等企业与海原县签订了16.26亿元的…: the firms' total, a claim
                group = _GROUP_BEFORE.search(text, max(sent.start, a.start - 30), a.start)
                n = count_value(group.group("n")) if group and group.group("n") else None
                claims.append(ClaimDraft(sent.start, sent.end, a.start, "签约", n, "项目" if n else None, a,
                                         rule="claim:group-total",
                                         measure=measure_before(text, a.start, sent.start) or "contract",
                                         date=_date_for(m, sent, a.start)))
                used.add(id(a))
                continue
            if rec.companies or rec.project:
                if rec.place is None and _sentence_opener(m, sent) is not None \
                        and _sentence_opener(m, sent).end <= a.start:
                    rec.place = _sentence_opener(m, sent)
                    rec.rules.append("place:sentence-opener")
                if rec.place is None:
                    rec.place = _paragraph_place(m, sent, text)
                    if rec.place is not None:
                        rec.rules.append("place:paragraph")
                rec.date = _date_for(m, sent, a.start)
                rec.home = home
                records.append(rec)
            elif not s_claims and a.qualifier is None:
                # a bare investment amount with a place but nothing else (OCR fragments): kept
                # only to be merged into a richer mention of the same project
                if rec.place is not None:
                    rec.rules.append("fragment")
                    rec.home = home
                    records.append(rec)
    taken = set()
    for rec in records:
        taken |= rec.company_cores
    for sent in sentences:
        for rec in _records_without_amount(text, sent, m, taken):
            if rec.place is None:
                rec.place = _paragraph_place(m, sent, text)
            rec.date = _date_for(m, sent, rec.anchor)
            rec.home = home
            records.append(rec)
    for sent in sentences:
        for rec in _records_from_enumerations(text, sent, m, taken, records):
            if rec.place is None:
                rec.place = _paragraph_place(m, sent, text)
            rec.date = _date_for(m, sent, rec.anchor)
            rec.home = home
            records.append(rec)
    _attach_cataphora(text, sentences, records, m)
    merged = merge_records(records)
    merged = [r for r in merged if "fragment" not in r.rules or "merged" in r.rules and (r.companies or r.project)]
    # a project that names neither a firm nor an amount is no record (the guideline): 集中开工的A项目、
    # B项目… are counted by the article's claims
    merged = [r for r in merged if r.companies or r.amount is not None]
    claims = merge_claims(claims, text)
    link_breakdowns(claims, text)
    return merged, claims
