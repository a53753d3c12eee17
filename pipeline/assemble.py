"""Assemble stage: turn the mentions of one article into project records and claims.

Rules (verbs, project head nouns) are in rules/assemble.toml; claims (pipeline/claims.py) have
theirs in rules/claims.toml. The data flow:

  sentence → claims (count patterns + the total that follows them, other measures, breakdowns)
           → records (one per investment amount not used as a claim total: its item window gives
             the company, place, project; the nearest verb the stage; the sentence's date)
           → records without amounts (a company in a signing / negotiation frame)
  article  → merge duplicate records (same project mentioned twice) and claims (a total stated
             twice, headline vs body)

The parts live in their own modules: drafts.py (record drafts, project names, stage words),
firm_records.py (records without an amount), merge.py (merging), claims.py (claims).
"""
from __future__ import annotations

import regex

from . import patterns
from .claims import (ClaimDraft, carry_total, claims_in_sentence, count_value, in_plan_context, in_target_context,
                     link_breakdowns, measure_before, merge_claims, plan_sentence)
from .drafts import (ANAPHORA_PROJECT, PARTY_AFTER, STOP, RecordDraft, brand_in_text, clause_bounds, clean_project, county_level,
                     date_for, named, paragraph_place, project_after, project_before, rules, sentence_opener,
                     stage_near)
from .firm_records import records_from_enumerations, records_without_amount
from .merge import merge_records
from .mentions import AmountMention, CompanyMention, Mentions, PlaceMention, within
from .sentences import Sentence


def _foreign_short_form(text: str, p: PlaceMention, home: PlaceMention | None) -> bool:
    """A short form (陆河, 阳新) of a unit in another province than the article's home, not after a
    locative (在, 落户…): a trade name or part of a word (陆河稻米加工项目, 永阳新城), not where a
    project lands."""
    if p.via != "short" or home is None or not home.province or not p.province or p.province == home.province:
        return False
    return not rules()["locative_re"].search(text[max(0, p.start - 3):p.start])


def _record_for_amount(text: str, sent: Sentence, a: AmountMention, m: Mentions,
                       prev_end: int, next_start: int, home: PlaceMention | None = None) -> RecordDraft:
    r = rules()
    c_start, c_end = clause_bounds(text, sent, a.start)
    left = max(c_start, prev_end)
    # an item of a 、-list starts after the 、 before its amount: the company and place written
    # after the previous item's amount belong to the previous item (投资150亿元的龙光集团X项目、投资…)
    if prev_end > c_start:                   # only after another item's amount (not 核能、风能设备项目)
        left = max(left, text.rfind("、", left, a.start) + 1)
        # …总投资30亿元的A公司X项目和总投资30亿元的Y项目: the previous item's project is its own
        prev_project, prev_proj_end = project_after(text, prev_end, a.start, m.companies)
        if prev_project:
            left = max(left, prev_proj_end)
    right = min(c_end, next_start)
    rec = RecordDraft(sent.start, sent.end, a.start, amount=a, rules=[a.rule or "amount"])

    # project: right after the amount, else introduced on the left
    project, proj_end = project_after(text, a.end, right, m.companies)
    if project:
        rec.rules.append("project:after")
    else:
        project = project_before(text, left, a.start, list(m.companies) + list(m.places))
        proj_end = a.end
        if project:
            rec.rules.append("project:before")
    rec.project = clean_project(project)
    comma = text.rfind(",", left, a.start) + 1
    if rec.project is None and comma > sent.start and _CLAUSE_OPENS_WITH_TOTAL.match(text, comma):
        # X项目在长垣县开工建设,项目总投资5亿元: the one project the sentence opened with
        # the subject of a clause (after a comma, or opening the sentence) whose verb is a stage's
        names = {clean_project(x.group("x")) for x in _PROJECT_MENTION.finditer(text, sent.start, comma)
                 if (x.start() == sent.start or text[x.start() - 1] == ",")
                 and _STAGE_VERB.search(text, x.end(), _clause_end(text, x.end(), comma))} - {None}
        if len(names) == 1 and not _GROUP_OF_PROJECTS.search(next(iter(names))):
            rec.project = names.pop()
            rec.rules.append("project:earlier-clause")
            brand = brand_in_text(text, rec.project, sent.start, comma, m)
            if brand is not None:
                rec.companies = [brand]
                rec.rules.append("company:brand")

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
        if own and clean_project(text[own.end():proj_end]):
            rec.project = clean_project(text[own.end():proj_end])   # X公司独资的Y项目 → Y项目
    elif [c for c in m.companies if text[a.end:c.start] in ("的", "的“") and c.end <= right]:
        # 60亿元的赣州中航新能源科技有限公司年产20万辆…、20亿AH…项目, 9.87亿元的“华翔轻纺”: the firm
        # the amount is of
        rec.companies = [next(c for c in m.companies if text[a.end:c.start] in ("的", "的“"))]
        rec.rules.append("company:after-amount")
        if rec.project is None:              # …有限公司年产10万辆电动客车、10亿AH动力电池项目
            hit = _PROJECT_TO_CLAUSE_END.match(text, rec.companies[0].start, right)
            if hit and not any(hit.start() < x.start < hit.end() for x in m.amounts):
                rec.project = clean_project(hit.group())
                rec.rules.append("project:after-company")
    elif any(w in text[sent.start:a.start] for w in r["anaphora"]):
        ante = _antecedent(text, sent, m)
        if ante is None and rec.project is None and _OPENS_WITH_PROJECT.match(sent.text):
            # …的福建凯德伦自动化生产项目正在建设中。该项目总投资2.75亿元: the project named before
            prev = _previous_sentence(text, sent)
            names = [x for x in _PROJECT_MENTION.finditer(text, *prev) if clean_project(x.group("x"))]
            if names:
                rec.project = clean_project(names[-1].group("x"))
                rec.rules.append("project:anaphora")
                brand = brand_in_text(text, rec.project, *prev, m)
                if brand is not None:
                    rec.companies = [brand]
                    rec.rules.append("company:brand")
        if ante is not None:
            rec.companies = [ante]
            rec.rules.append("company:anaphora")
            if rec.project is None:
                hit = ANAPHORA_PROJECT.match(text, ante.end, sent.start)
                if hit:
                    rec.project = clean_project(hit.group("x"))
                    rec.rules.append("project:anaphora")
    if not rec.companies and rec.project:
        brand = brand_in_text(text, rec.project, left, right, m)
        if brand is not None:                # the firm at the head of the project's name
            rec.companies = [brand]
            rec.rules.append("company:brand")

    # place: county-level on the left in the item, then right (在X建设), then sentence, paragraph
    # (an ambiguous name, still unresolved against the home, gives no county: the fallbacks may)
    places = [p for p in m.places if not p.ambiguous and not _foreign_short_form(text, p, home)]
    left_places = [p for p in places if left <= p.start and p.end <= a.start and county_level(p)]
    right_places = [p for p in places if a.end <= p.start and p.end <= c_end and p.start < right + 12
                    and county_level(p) and (r["locative_re"].search(text[max(a.end, p.start - 4):p.start])
                                              or text[p.start - 1] in "同与和" and PARTY_AFTER.match(text, p.end))]
    # an item of a ;-list never borrows the place of the item before it
    # (the places before the clause's first amount: one inside an earlier item is that item's)
    first_amount = min([x.start for x in m.amounts if c_start <= x.start < a.start] + [a.start])
    sent_places = [p for p in places if c_start <= p.start and p.end <= first_amount and county_level(p)]
    # 总投资80亿元的金坛动力电池产业园, …有限公司独资的天水市清水县风能开发项目: the place that opens the
    # project's own name
    project_start = text.find(rec.project, a.end, right) if rec.project else -1
    project_end = project_start + len(rec.project) if rec.project else -1
    own_places = [p for p in places if 0 <= project_start <= p.start < project_end and county_level(p)
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
    stage = stage_near(text, seg_start, c_end, anchor, most_advanced=True)   # the item's own predicate
    if stage:
        return stage
    for a, b in ((left, right), (c_start, c_end), (sent.start, sent.end), (para_start, para_end)):
        stage = stage_near(text, a, b, anchor)
        if stage:
            return stage
    return stage_near(text, 0, sent.start, sent.start) or "other"


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


def _clause_end(text: str, start: int, limit: int) -> int:
    """Where the clause that goes on at `start` ends (its comma), at most `limit`."""
    end = text.find(",", start, limit)
    return limit if end < 0 else end


def _previous_sentence(text: str, sent: Sentence) -> tuple[int, int]:
    """The span of the sentence before `sent` in its paragraph (empty at a paragraph's start)."""
    para = text.rfind("\n\n", 0, sent.start)
    floor = para + 2 if para >= 0 else 0
    start = max(floor, text.rfind("。", 0, max(0, sent.start - 1)) + 1)
    return (start, sent.start) if start < sent.start else (sent.start, sent.start)

# a project named in a sentence: after 的/是/了/, or at its start, up to 项目
_PROJECT_MENTION = patterns.compile(rf"(?:(?<=[的是了,])|(?<=^)|(?<=。))(?P<x>[^{STOP}、的]{{2,30}}?项目)")

# a clause that gives the total of "the project" (…开工建设,项目总投资5亿元)
_CLAUSE_OPENS_WITH_TOTAL = patterns.compile(r"(?:(?:该|此)?项目)?(?:计划|预计|规划)?总投资")

# names of a group of projects, not of one (这批项目, 集中签约和开工项目, 重点项目)
_GROUP_OF_PROJECTS = patterns.compile(r"^(?:这批|这些|此次|本次|该批|上述|一批|各类?)|集中|签约项目$|开工项目$|重点项目$|招商引资项目$|[0-9一二三四五六七八九十百]+个")

_STAGE_VERB = patterns.compile(r"开工|动工|开建|奠基|投产|建成|竣工|开业|运营|落户|落地|签约|签订|签署")

_OPENS_WITH_PROJECT = patterns.compile(r"(?:据了解|据悉|据介绍|记者了解到)?,?该项目")

_CATAPHORA = patterns.compile(r"(?:该项目|项目|该基地|该园区)(?:由|系|是由)")

_CLAUSE_END = patterns.compile(r"[,;。]")

_AVERAGE = patterns.compile(r"平均|人均|亩均|户均|单体平均")

# X等项目集中开工总投资达16.09亿元, A、B等企业…签订了16.26亿元的…: a group's total
_GROUP_BEFORE = patterns.compile(r"等(?P<n>\d+|[一二两三四五六七八九十]+)?(?:个|项|家|批)?[\p{Han}]{0,6}?(?:项目|企业)[^;。]{0,14}$")

_OWN_PROJECT = patterns.compile(r"(?:独资|合资|投资|控股|全资)?(?:兴建|建设|打造)?的")

_PROJECT_TO_CLAUSE_END = patterns.compile(r"[^,;。]{4,60}?项目")

_CATAPHORA_CLAUSE = patterns.compile(r"[,;](?:该项目|项目)?(?:由|系|是由)")


def _attach_cataphora(text: str, sentences: list[Sentence], records: list[RecordDraft], m: Mentions) -> None:
    """该项目由X公司投资建设: the company of the project in the sentence before, when that record
    has none."""
    for i, sent in enumerate(sentences[1:], start=1):
        hit = _CATAPHORA.match(text, sent.start, sent.end)
        if not hit:
            continue
        prev = sentences[i - 1]
        cos = [c for c in m.companies if c.start == hit.end()]
        targets = [r for r in records if r.start == prev.start and not named(r) and r.amount is not None]
        if cos and len(targets) == 1:
            targets[0].companies = [cos[0]]
            targets[0].rules.append("company:cataphora")
    for rec in records:                  # 总投资6亿元的X基地落户长葛市,由Y公司投资建设 (one sentence)
        if named(rec) or rec.amount is None:
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

# an amount a size class of projects names (5000万元以上招商引资项目1297项, 投资额1亿元以上)
_SIZE_AFTER = patterns.compile(r"(?:以上|及以上|以下)?(?:\([^()]{0,10}\))?(?:的)?[^,;。、]{0,10}?项目(?:有|共|达|占)?"
                            r"(?:\d+|[一二两三四五六七八九十百千]+)(?:余|多)?(?:个|项)")

_SIZE_OVER = patterns.compile(r"(?:以上|及以上)(?:\)|、|的)")

_NOT_PROJECT_MEASURES = frozenset({"plan", "completed", "funds_received", "fdi_actual"})


def _size_class(text: str, a: AmountMention) -> bool:
    return bool(_SIZE_AFTER.match(text, a.end) or _SIZE_OVER.match(text, a.end))


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
    if not named(rec) or rec.amount is None:
        return False
    c = rec.companies[0]
    return c.start > max(text.rfind(ch, rec.start, rec.amount.start) for ch in ",;") and c.end <= rec.amount.start


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
            c.date = date_for(m, sent, c.anchor)
        if not s_claims and claims:
            tops = [c for c in claims if c.start == claims[-1].start and not c.breakdown]
            if tops:                                   # …14家企业进行了签约。签约项目总投资超百亿元
                # of several counts, the one of them all (共签约项目11个,包括百亿项目1个…,5千万元项目1个。
                # 完成…总投资额157.79亿元)
                widest = max(tops, key=lambda c: (c.count or 0, -c.anchor))
                carry_total(text, sent, m, widest, used)
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
            if not named(rec) and (a.vague or in_target_context(text, sent, a.start)
                                    or in_plan_context(text, sent, a.start) or plan_sentence(text, sent)):
                continue                     # 过亿元签约项目, 力争…突破650亿元, 谋划储备项目…总投资: no project
            if _group_total(rec, m, text):
                # 国家电投、远景能源等企业与海原县签订了16.26亿元的…: the firms' total, a claim
                group = _GROUP_BEFORE.search(text, max(sent.start, a.start - 30), a.start)
                n = count_value(group.group("n")) if group and group.group("n") else None
                claims.append(ClaimDraft(sent.start, sent.end, a.start, "签约", n, "项目" if n else None, a,
                                         rule="claim:group-total",
                                         measure=measure_before(text, a.start, sent.start) or "contract",
                                         date=date_for(m, sent, a.start)))
                used.add(id(a))
                continue
            if rec.companies or rec.project:
                if rec.place is None and sentence_opener(m, sent) is not None \
                        and sentence_opener(m, sent).end <= a.start:
                    rec.place = sentence_opener(m, sent)
                    rec.rules.append("place:sentence-opener")
                if rec.place is None:
                    rec.place = paragraph_place(m, sent, text)
                    if rec.place is not None:
                        rec.rules.append("place:paragraph")
                rec.date = date_for(m, sent, a.start)
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
        for rec in records_without_amount(text, sent, m, taken):
            if rec.place is None:
                rec.place = paragraph_place(m, sent, text)
            rec.date = date_for(m, sent, rec.anchor)
            rec.home = home
            records.append(rec)
    for sent in sentences:
        for rec in records_from_enumerations(text, sent, m, taken, records):
            if rec.place is None:
                rec.place = paragraph_place(m, sent, text)
            rec.date = date_for(m, sent, rec.anchor)
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
