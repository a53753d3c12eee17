"""Record drafts and the parts every way of finding a record uses (part of the assemble stage):
the rules of rules/assemble.toml, project names (after an amount, introduced by a verb, cleaned of
determiners and counts), stage words near a position, the firm at the head of a project name, and
the places and dates of a sentence."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import regex

from .companies import brand_of, company_core, known_firm_at_start
from .mentions import AmountMention, CompanyMention, DateMention, Mentions, PlaceMention
from .rules import load_toml
from .sentences import Sentence
from . import patterns


STOP = ",;。!?:"

STAGE_ORDER = ("signed", "negotiating", "started", "operating")

STOP_RE = patterns.compile(rf"[{STOP}]")

_LOCATIVE_START = patterns.compile(r"^(?:在|于|到|落户|选址)")

_INVEST_BUILD = patterns.compile(r"(?:投资|出资|公司|集团)(?:投资)?(?:建设|兴建|打造|投建)")

_DETERMINER = patterns.compile(r"^(?:一个|一座|一处|该|这个|其|新的|了|的|合作的|共建的|正在就|正就|正在|还就|也就)")

DENG_TAIL = patterns.compile(r"等(?:\d+|[一二两三四五六七八九十]+)?(?:个|项|宗)?[\p{Han}]{0,4}?项目$")

_COUNT_NAME = patterns.compile(r"(?:\d+|[一二两三四五六七八九十]+)(?:个|项|宗)[\p{Han}]{0,4}项目$")

COMPANY_PROJECT = patterns.compile(rf"(?P<x>[^{STOP}、]{{0,20}}?)(?:等)?(?:项目)")

XIANGMU_AFTER = patterns.compile(rf"[^{STOP}、和与及]{{0,12}}?项目")

_ITEM_OPEN = r"(?:(?<=[;:。]|有|是|为|包括|分别是|分别为)(?![有是为])|^)"

ANAPHORA_PROJECT = patterns.compile(rf"(?P<x>[^{STOP}、]{{1,25}}?项目)")


@functools.lru_cache(maxsize=1)
def rules():
    r = load_toml("assemble.toml")
    heads = sorted(r["project_heads"], key=len, reverse=True)
    head_alt = "|".join(regex.escape(h) for h in heads)
    lead_alt = "|".join(regex.escape(v) for v in sorted(r["project_lead_verbs"], key=len, reverse=True))
    maxlen = r["project_max_len"]
    name = rf"[^{STOP}\n]{{1,{maxlen}}}?(?:{head_alt})(?:{head_alt})*"
    stage_words = []
    for stage in STAGE_ORDER:
        for w in r["stage"][stage]:
            stage_words.append((w, stage))
    stage_words.sort(key=lambda x: len(x[0]), reverse=True)
    return {
        # project right after the amount: 15亿元的X项目 / 5亿元X项目
        "proj_after": patterns.compile(rf"(?:人民币)?(?:的|用于|,用于)?(?P<x>{name})"),
        # project introduced by a verb: 在东城区建设X / 打造X
        "proj_lead": patterns.compile(rf"(?:{lead_alt})(?:了|的)?(?:(?:有|是|为)(?!色))?+(?P<x>{name})"),
        # project after 的 on the left of the amount: 投资建设的X,总投资
        "proj_de": patterns.compile(rf"的(?:(?:有|是|为)(?!色))?+(?P<x>{name})"),
        "head_end": patterns.compile(rf"(?:{head_alt})$"),
        "head_after": patterns.compile(rf"[^{STOP}\n]{{0,{maxlen}}}?(?:{head_alt})"),
        # a list item that opens with the project's name and gives its total after a comma
        "name_then_total": patterns.compile(
            rf"{_ITEM_OPEN}(?P<x>[^{STOP}、\n]{{2,{maxlen}}}?(?:{head_alt}))(?:\([^()]*\))?,?"
            rf"(?:计划|项目)?(?:总)?投资(?:额|总额)?(?:为|达|约|共)?"),
        # a project that is the subject of a stage clause, its total after the comma (贺兰县5所学校
        # 新建项目也同时开工,总投资3.92亿元)
        "subject_then_total": patterns.compile(
            rf"(?:(?<=[,;:。])|^)(?P<x>[^{STOP}、\n]{{2,{maxlen}}}?(?:{head_alt}))(?:也|还|均|已|已经)?"
            rf"(?:(?:同时|同步|正式|顺利|集中)?(?:开工|签约|落户|投产|竣工|开建|落地)(?:建设)?"
            rf"|由[^,;。]{{2,24}}?(?:投资建设|投资兴建|出资建设|承建|建设)),"
            rf"(?:计划|项目)?(?:总)?投资(?:额|总额)?(?:为|达|约|共)?"),
        "lead_re": patterns.compile(rf"(?:{lead_alt})(?:了|的)?"),
        "locative_re": patterns.compile("(?:" + "|".join(regex.escape(w) for w in r["locatives"]) + ")$"),
        "anaphora": tuple(r["anaphora"]),
        "generic_projects": frozenset(r["generic_projects"]),
        "generic_endings": tuple(r["generic_endings"]),
        "aggregate_re": patterns.compile("|".join(regex.escape(w) for w in r["aggregate_markers"])),
        "stage_re": patterns.compile("|".join(regex.escape(w) for w, _ in stage_words)),
        "stage_of": dict(stage_words),
        "future": tuple(r["stage"].get("future_markers", [])),
        "future_prefix": patterns.compile("(?:" + "|".join(regex.escape(w) for w in sorted(
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
    signed: DateMention | None = None   # when it was signed, recalled by a report of a later stage
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


def clause_bounds(text: str, sent: Sentence, pos: int) -> tuple[int, int]:
    """The ;-clause of the sentence around position pos."""
    a = text.rfind(";", sent.start, pos)
    b = text.find(";", pos, sent.end)
    return (a + 1 if a >= 0 else sent.start), (b if b >= 0 else sent.end)

_PROGRESSION = ("negotiating", "signed", "started", "operating")


def stage_near(text: str, a: int, b: int, anchor: int, most_advanced: bool = False) -> str | None:
    """The stage word nearest to `anchor` in text[a:b] (or the most advanced one: 引进…建成投产 is
    operating). Plans are skipped: 建成后, 投产后, 将于年底投产, 预计明年开工."""
    r = rules()
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


def county_level(p: PlaceMention) -> bool:
    return p.level in ("county", "zone", "township") or (p.ambiguous and p.level != "city")


# --------------------------------------------------------------------------- project names


def extend_to_xiangmu(text: str, end: int, limit: int) -> int:
    """X工程 / X园 followed closely by 项目 (建设工程机械配件项目): the name runs to 项目."""
    hit = XIANGMU_AFTER.match(text, end, limit)
    return hit.end() if hit else end


def project_after(text: str, a: int, b: int, companies=()) -> tuple[str | None, int]:
    r = rules()
    hit = r["proj_lead"].match(text, a, b) or r["proj_after"].match(text, a, b)
    if hit:
        end = extend_to_xiangmu(text, hit.end("x"), b)
        inside = [c for c in companies if c.start < end < c.end]
        if inside:                          # 新疆泽源新材料工程有限公司年产…项目: 工程 is in the name
            more = XIANGMU_AFTER.match(text, inside[0].end, b) or r["head_after"].match(text, inside[0].end, b)
            if more is None:
                return None, a
            end = more.end()
        return text[hit.start("x"):end], end
    # 拟投资5-8亿元,在我市建设X / 投资3亿元在东城区建设X
    hit = r["proj_lead"].search(text, a, min(b, a + 16 + 30))
    if hit and hit.start() - a <= 16 and not STOP_RE.search(text[a:hit.start()].lstrip(",")):
        end = extend_to_xiangmu(text, hit.end("x"), b)
        return text[hit.start("x"):end], end
    return None, a


def project_before(text: str, a: int, b: int, companies=()) -> str | None:
    r = rules()
    best = None
    for pat in (r["proj_lead"], r["proj_de"]):
        for hit in pat.finditer(text, a, b, overlapped=True):
            if any(c.start <= hit.start() < c.end for c in companies):
                continue                  # 开发 inside 新能源开发有限公司 (or 绥安开发区) is no verb
            end = extend_to_xiangmu(text, hit.end("x"), b)
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


def clean_project(x: str | None) -> str | None:
    if not x:
        return None
    # 在东城区建设吾悦广场项目 → 吾悦广场项目: the name starts after the last verb that introduces it
    lead = rules()["lead_re"]
    cut = None
    for hit in lead.finditer(x):
        if len(x) - hit.end() >= 2:
            cut = hit.end()
    if cut is not None and (_LOCATIVE_START.match(x) or lead.match(x)
                            or _INVEST_BUILD.search(x)):
        x = x[cut:]
    x = _DETERMINER.sub("", x).strip("\"“”'")
    x = DENG_TAIL.sub("", x)
    r = rules()
    if _COUNT_NAME.search(x) or x in r["generic_projects"] or x.startswith(("、", "的", "项目", "等")) or \
            _NUMERAL_PROJECT.match(x) or x.endswith(r["generic_endings"]) and r["aggregate_re"].search(x):
        return None                      # 24个项目, 重大项目, 瓦房店市今年引进项目: not a name
    return x if len(x) >= 2 else None

_NUMERAL_PROJECT = patterns.compile(r"^[\d一二两三四五六七八九十]+(?:个|项|大)?项目")

PARTY_AFTER = patterns.compile(r"(?:人民政府|政府|管委会|管理委员会)?[^,;。]{0,8}?(?:签约|签订|签署|达成|就|签定)")


def sentence_opener(m: Mentions, sent: Sentence) -> PlaceMention | None:
    """The county-level place a sentence opens with (广河县总投资…;…): the subject of all its clauses."""
    return next((p for p in m.places if sent.start <= p.start <= sent.start + 2 and county_level(p)
                 and not p.ambiguous), None)


def paragraph_place(m: Mentions, sent: Sentence, text: str) -> PlaceMention | None:
    """The last county-level place named before this sentence in its paragraph."""
    para_start = text.rfind("\n\n", 0, sent.start)
    para_start = 0 if para_start < 0 else para_start
    before = [p for p in m.places if para_start <= p.start and p.end <= sent.start and county_level(p)
              and not p.ambiguous]
    return before[-1] if before else None


def date_for(m: Mentions, sent: Sentence, anchor: int) -> DateMention | None:
    ds = m.dates_in(sent.start, sent.end)
    if not ds:
        return None
    before = [d for d in ds if d.start <= anchor]
    return before[-1] if before else ds[0]


def brand_in_text(text: str, project: str, a: int, b: int, m: Mentions) -> CompanyMention | None:
    """The firm at the head of a project name found in text[a:b] (总投资40亿元的浙江展图高端智能制造项目)."""
    i = text.find(project, a, b + len(project))
    return brand_mention(text, i, i + len(project), m) if i >= 0 else None


def brand_mention(text: str, a: int, b: int, m: Mentions) -> CompanyMention | None:
    """The company of a project name text[a:b]: a company mention inside it, else the firm at its
    head (brand_of: 多走路运动鞋生产二期项目 → 多走路)."""
    inside = [c for c in m.companies if a <= c.start and c.end <= b]
    if inside:
        return inside[0]
    brand = brand_of(text[a:b]) or known_firm_at_start(text[a:b])
    if brand is None:
        return None
    start = text.find(brand, a, b)
    return CompanyMention(start, start + len(brand), brand, brand, company_core(brand), rule="company:brand")


def named(r: RecordDraft) -> bool:
    """Does the record name its company (not only a brand guessed from its project name)?"""
    return any(c.rule != "company:brand" for c in r.companies)


def project_similar(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a in b or b in a
