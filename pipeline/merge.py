"""Merging record drafts (part of the assemble stage): one record per project, however often the
article mentions it (a headline and the body, a firm named in full and by its brand, a project's
amount in one sentence and its company in the next)."""
from __future__ import annotations

from . import places as places_mod
from .companies import company_core
from .drafts import RecordDraft, named, project_similar
from .mentions import PlaceMention




def _compatible(a, b) -> bool:
    return a is None or b is None or a == b


def _place_key(p: PlaceMention | None):
    return None if p is None else (p.name or p.text)


def _brand_fits(x: RecordDraft, y: RecordDraft) -> bool:
    """A brand guessed from a project name fits the other record's company when one of their
    names holds the other's first two characters (汇元锂电隔膜 / 江苏汇元锂电科技有限公司)."""
    xs = [_without_place(company_core(c.name)) for c in x.companies]
    ys = [_without_place(company_core(c.name)) for c in y.companies]
    return all(any(a[:2] in b or b[:2] in a for b in ys) for a in xs)


def _without_place(core: str) -> str:
    """A company's core without the province or city it opens with (福建凯德伦 → 凯德伦)."""
    lead = [p for p in places_mod.places_in_name(core) if p.start == 0 and p.level in ("province", "city")]
    rest = core[lead[0].end:] if lead else core
    return rest if len(rest) >= 2 else core


def _same_record(x: RecordDraft, y: RecordDraft) -> bool:
    if not _compatible(_place_key(x.place), _place_key(y.place)):
        return False
    if x.companies and y.companies and not (x.company_cores & y.company_cores):
        if named(x) and named(y):
            return False
        if not (_brand_fits(x, y) or x.project and y.project and project_similar(x.project, y.project)):
            return False
    if x.amount is not None and y.amount is not None:
        if x.start == y.start and x.anchor != y.anchor and not (x.company_cores & y.company_cores):
            return False                  # 总投资30亿元的A项目和总投资30亿元的B项目 in one sentence: two projects
        return (x.amount.amount_yi == y.amount.amount_yi and x.amount.currency == y.amount.currency
                and (x.companies or y.companies or project_similar(x.project, y.project)))
    if x.companies and y.companies:
        return project_similar(x.project, y.project)
    return False


def _merge(x: RecordDraft, y: RecordDraft) -> RecordDraft:
    base, other = (x, y) if x.richness() >= y.richness() else (y, x)
    if not base.companies or not named(base) and named(other):
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
