"""Records without an amount (part of the assemble stage): a firm in a signing, negotiation,
building or site frame (X公司与该县签约, X公司董事长…, 在X公司项目现场), and lists of firms or projects
in a stage frame (与中国融通、中建市政…等14家企业进行了签约; 集中开工的A项目、B项目…)."""
from __future__ import annotations

import functools

import regex

from .companies import company_core
from .drafts import (COMPANY_PROJECT, PARTY_AFTER, RecordDraft, brand_mention, clause_bounds, clean_project,
                     county_level, extend_to_xiangmu, project_similar, rules, sentence_opener, stage_near)
from .mentions import Mentions, within
from .sentences import Sentence
from . import patterns


@functools.lru_cache(maxsize=1)
def _frames():
    # company in an agreement / negotiation frame, without an amount
    return {
        "agreement": patterns.compile(r"^(?:的)?(?:战略)?(?:合作|投资|框架|招商)?协议"),
        "sign_after": patterns.compile(r"^(?:\([^()]{0,20}\))?(?:[^,;。]{0,6}?)(?:签订|签约|签署|达成|签定)"),
        # X公司与龙游签订…, 桐昆集团与沭阳经济技术开发区投资协议签约仪式: the company signs with a place
        "party_sign": patterns.compile(r"^(?:已|已经|正|还|也|先后|分别|正式)?(?:与|同|和)[^,;。]{1,24}?"
                                    r"(?:签订|签约|签署|达成|签定|合资建设|合作建设)"),
        # X公司董事长…说 / 代表签约企业致辞: a signing party's officer speaks
        "officer": patterns.compile(r"^(?:\([^()]{0,20}\))?(?:党委书记|党委常委|董事长|总经理|副总经理|总裁|副总裁|"
                                 r"负责人|常务副总经理|执行董事|首席运营官|董事)"),
        # 在X公司建设工地 / X公司项目现场
        "site": patterns.compile(r"^(?:的)?(?:建设工地|项目现场|施工现场|生产车间|厂区)"),
        # 在中国供销集团农特产品生产加工产业园项目现场: the site of the firm's named project
        "project_site": patterns.compile(r"^(?P<x>[^,;。、]{2,30}?项目)(?:建设)?(?:现场|工地)"),
        # X公司(以下简称…)正式进驻经开区, X公司将在香河落地…: the firm moves in
        "moves_in": patterns.compile(r"^(?:\([^()]{0,40}\))?(?:已|已经|正式|成功|顺利|率先)?(?:进驻|入驻|落户|签约落户|落地)"),
        "coop_project": patterns.compile(r"^合作的[\"“]?(?P<x>[^,;。\"”]{2,30}?)[\"”]?(?=[,;。\"”]|$)"),
        # X公司将在我区建设Y项目: the company builds a named project (no amount given)
        "builds": patterns.compile(r"^(?:将|拟|计划|准备|还将)?(?:在[^,;。]{1,12}?)?(?:投资)?(?=建设|打造|兴建|投建|新建|建立|落地)"),
        "clause_start": patterns.compile(r"(?:^|[,;。、:]|其中|此外|签约项目中)$"),
    }


def records_without_amount(text: str, sent: Sentence, m: Mentions, taken_cores: set[str]) -> list[RecordDraft]:
    r = rules()
    f = _frames()
    out = []
    for c in within(m.companies, sent.start, sent.end):
        core = company_core(c.name)
        if core in taken_cores:
            continue
        c_start, c_end = clause_bounds(text, sent, c.start)
        before = text[max(c_start, c.start - 3):c.start]
        after_slice = text[c.end:c_end]
        project = None
        kind = None
        hit = f["coop_project"].match(after_slice)
        lead = r["proj_lead"].match(text, c.end, c_end)
        if before.endswith(("与", "同", "和")) and hit:
            kind, project = "coop-project", hit.group("x")
        elif before.endswith(("与", "同", "和")) and lead:
            kind, project = "signed-project", text[lead.start("x"):extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif before.endswith(("与", "同", "和")) and (f["agreement"].match(after_slice) or f["sign_after"].match(after_slice)):
            kind = "agreement"
            # 与X公司签约,共建Y基地: the project follows in the clause
            lead = r["proj_lead"].search(text, c.end, c_end)
            if lead:
                project = text[lead.start("x"):extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif f["clause_start"].search(text[max(sent.start, c.start - 6):c.start]) and f["builds"].match(after_slice):
            hit = f["builds"].match(after_slice)
            lead = r["proj_lead"].match(text, c.end + hit.end(), c_end)
            if lead:
                kind, project = "company-builds", text[lead.start("x"):extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif f["party_sign"].match(after_slice):
            kind = "party"
            lead = r["proj_lead"].search(text, c.end, c_end)
            if lead:
                project = text[lead.start("x"):extend_to_xiangmu(text, lead.end("x"), c_end)]
        elif before.endswith(("与", "同")) and _SIGN_IN_TURN.match(text, c.end, sent.end):
            kind = "party"                  # 太原市与A,吕梁市与B及C,晋城市与D分别签署合作协议
        elif f["officer"].match(after_slice) or f["site"].match(after_slice):
            kind = "officer" if f["officer"].match(after_slice) else "site"
        elif (before.endswith("在") or _after_zai_and_places(text, c_start, c.start, m)) and f["project_site"].match(after_slice):
            kind, project = "site", f["project_site"].match(after_slice).group("x")
        elif f["clause_start"].search(text[max(sent.start, c.start - 6):c.start]) and f["moves_in"].match(after_slice):
            kind = "moves-in"
        else:
            # X公司Y项目 … 洽谈 / 开工 / 投产 (or 引进X公司Y项目): the company heads a project name in a
            # stage frame
            hit = COMPANY_PROJECT.match(after_slice)
            if hit and (stage_near(text, c.end, c_end, c.end) or stage_near(text, c_start, c.start, c.start)):
                kind, project = "company-project", (hit.group("x") + "项目") if hit.group("x") else None
        if kind is None:
            continue
        stage = stage_near(text, c_start, c_end, c.start)
        if stage is None and kind in ("agreement", "party"):
            stage = "signed"
        if stage is None and kind == "site":
            stage = "started"
        if stage is None and kind == "moves-in":
            stage = "signed"
        if stage is None and kind == "officer":
            stage = stage_near(text, 0, len(text), c.start)   # the article's ceremony
        if stage is None and kind == "company-builds":
            stage = "other"
        if stage is None:
            stage = stage_near(text, sent.start, sent.end, c.start)
        if stage is None:
            continue
        rec = RecordDraft(sent.start, sent.end, c.start, companies=[c], project=clean_project(project),
                          stage=stage, rules=[f"record-no-amount:{kind}"])
        # a list of agreements (A与B的协议,C与D的协议) scopes places to the comma clause; otherwise
        # the ;-clause (an item of a list never borrows the place of the item before it)
        floor = max(c_start, text.rfind(",", c_start, c.start) + 1) if kind == "agreement" else c_start
        places = [p for p in m.places if floor <= p.start and p.end <= c.start and county_level(p)]
        # X公司和新建区政府签约…: the signing party written right after the company
        party = [p for p in m.places if c.end < p.start <= c.end + 4 and county_level(p)
                 and regex.fullmatch(r"(?:已|已经|正|还|也|先后|分别|正式)?[与和同]", text[c.end:p.start])
                 and PARTY_AFTER.match(text, p.end)]
        # X公司计划在空港经济开发区建设…: the place it builds in
        built_in = [p for p in m.places if kind == "company-builds" and c.end <= p.start and p.end <= c_end
                    and text[max(c.end, p.start - 1):p.start] == "在" and county_level(p)]
        # 广河县总投资1.2亿元的…项目初步达成协议;…与广州诚达鞋业等6家公司达成…协议: the county the
        # sentence opens with, before the paragraph's
        opener = [p for p in [sentence_opener(m, sent)] if p is not None and p.end <= c.start]
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

def _after_zai_and_places(text: str, lo: int, at: int, m: Mentions) -> bool:
    """设在滨海新区空港经济区X…项目现场: 在, then only place names, then the firm."""
    i = text.rfind("在", lo, at)
    if i < 0:
        return False
    pos = i + 1
    for p in sorted((p for p in m.places if pos <= p.start and p.end <= at), key=lambda p: p.start):
        if p.start != pos:
            return False
        pos = p.end
    return pos == at and pos > i + 1


# after a firm that a place signs with: more such pairs, each after a comma, and 分别签署 (太原市与A,
# 吕梁市与B及C,晋城市与D分别签署合作协议)
_SIGN_IN_TURN = patterns.compile(r"(?:(?:及|和|、)[^,;。]{2,16}?)?(?:,[^,;。]{2,12}?(?:与|同)[^,;。]{2,20}?)*?"
                              r"(?:,[^,;。]{2,12}?(?:与|同)[^,;。]{2,20}?)?分别(?:签署|签订|签约|达成)")

_SIGNS_WITH = patterns.compile(r"(?:人民政府|政府|管委会)?(?:分别)?[与同](?:分别)?")

_VISIT = patterns.compile(r"拜访|考察|走访|座谈|会见|参观|接待|看望|调研|邀请|参展|展出|展示")

_AGREEMENT_OF = patterns.compile(r"(?:与|同|和)[^,;。]{2,30}?的(?:战略)?(?:合作)?(?:框架)?协议")


def records_from_enumerations(text: str, sent: Sentence, m: Mentions, taken_cores: set[str],
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
        # the list's own clause first (开工建设A、B等项目404个,C、D等一批项目建成投产), then the sentence
        stage = stage_near(text, e.items[-1][1], e.end, e.items[-1][1]) or \
            stage_near(text, e.start, e.items[0][0], e.items[0][0]) or \
            stage_near(text, e.items[-1][1], sent.end, e.items[-1][1]) or \
            stage_near(text, sent.start, sent.end, e.items[0][0]) or \
            stage_near(text, 0, sent.start, sent.start)      # 其中,央企类项目有A、B、C3家企业 after a signing
        if stage is None:
            continue
        # 固安县与A、B、C分别签约: the place that signs with the list is the records' county
        signer = [p for p in m.places if sent.start <= p.start and county_level(p) and not p.ambiguous
                  and _SIGNS_WITH.fullmatch(text, p.end, e.items[0][0])]
        # A、B、C等…的企业,与中宁县签订…: the place the list signs with, after it
        signer = signer or [p for p in m.places if e.items[-1][1] < p.start < sent.end and county_level(p)
                            and not p.ambiguous and text[p.start - 1:p.start] in ("与", "同")
                            and PARTY_AFTER.match(text, p.end)][:1]
        # 昭化区在…上签约A基地等11个项目: the place the sentence opens with signs
        opener = sentence_opener(m, sent)
        if not signer and opener is not None and opener.end <= e.items[0][0]:
            signer = [opener]
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
                project = clean_project(text[a:b])
                if project is None or any(r.project and project_similar(r.project, project) for r in records + out):
                    continue
                rec = RecordDraft(sent.start, sent.end, a, project=project, stage=stage,
                                  rules=["record-no-amount:project-list"])
                brand = brand_mention(text, a, b, m)
                if brand is not None:
                    rec.companies = [brand]
                    rec.rules.append("company:brand")
            if signer:
                rec.place = signer[-1]
                rec.rules.append("place:list-signer")
            out.append(rec)
    return out
