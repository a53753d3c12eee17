"""Validate stage: turn assembled drafts into pydantic Records and Claims (the output contract),
and check that every evidence span points into the normalised text. A violation raises
ValueError, which marks the article as failed with the reason."""
from __future__ import annotations

from .drafts import RecordDraft
from .claims import ClaimDraft
from .models import Claim, Record
from .places import as_of, full_names
from .sectors import assign_sector


def _num(d):
    """Decimal → float, rounded to 6 decimals (what the database's DECIMAL(18,6) holds exactly)."""
    return None if d is None else float(round(d, 6))


def _record(article_id: str, n: int, d: RecordDraft, text: str, home, publication, full: frozenset) -> Record:
    a = d.amount
    place = d.place
    year = int(publication[:4]) if publication and publication[:4].isdigit() else None
    county = county_code = current = current_code = city = city_code = province = flag = None
    if place is not None:
        if place.ambiguous:
            flag = "ambiguous"
        elif place.level == "township":
            county, county_code = place.county, place.county_code
            current, current_code = county, county_code
        elif place.level in ("county", "zone"):
            # 我县 / 该县 for the home: named as the article names its home (溧水县 in 2012)
            named = home if place.via == "anaphora" and home is not None and home.code == place.code else place
            county, county_code = as_of(named, year, full)
            current, current_code = place.name, place.code
        city, city_code, province = place.city, place.city_code, place.province
    if place is None and home is not None and home.level in ("county", "zone"):
        # nothing nearer: the article's home county (its region, 我县/该县)
        county, county_code = as_of(home, year, full)
        current, current_code = home.name, home.code
    if city is None and home is not None and not (place is not None and place.ambiguous):
        if home.level == "city":
            city, city_code, province = home.name, home.code, home.province
        elif home.level in ("county", "zone"):
            city, city_code, province = home.city, home.city_code, home.province
    sector, _kw = assign_sector(d.project, d.company_name)
    date, precision = (d.date.value, d.date.precision) if d.date else (publication, _pub_precision(publication))
    return Record(
        article_id=article_id, record_id=f"{article_id}#r{n}",
        company=d.company_name, companies=list(dict.fromkeys(c.name for c in d.companies)),
        county=county, county_code=county_code, current_county=current, current_county_code=current_code,
        city=city, city_code=city_code, province=province,
        place_flag=flag,
        amount=_num(a.value) if a else None, currency=a.currency if a else None,
        amount_yi=_num(a.amount_yi) if a else None, amount_converted=bool(a and a.converted),
        amount_qualifier=a.qualifier if a else None, amount_high=_num(a.high) if a else None,
        amount_text=a.text if a else None,
        project=d.project, stage=d.stage, sector=sector, date=date, date_precision=precision,
        signed_date=d.signed.value if d.signed else None,
        evidence=text[d.start:d.end], start=d.start, end=d.end, rule=" ".join(d.rules),
    )


def _claim(article_id: str, n: int, c: ClaimDraft, text: str, publication, ids: dict) -> Claim:
    t = c.total
    date, precision = (c.date.value, c.date.precision) if c.date else (publication, _pub_precision(publication))
    return Claim(
        article_id=article_id, claim_id=f"{article_id}#c{n}", scope=c.scope,
        project_count=c.count, count_unit=c.unit,
        total_amount=_num(t.value) if t else None, currency=t.currency if t else None,
        total_yi=_num(t.amount_yi) if t else None, amount_qualifier=t.qualifier if t else None,
        total_high=_num(t.high) if t else None, measure=c.measure if t else None, category=c.category,
        parent=ids.get(id(c.parent)) if c.parent is not None else None, date=date, date_precision=precision,
        evidence=text[c.start:c.end], start=c.start, end=c.end, rule=c.rule,
    )


def _pub_precision(publication: str | None) -> str | None:
    if not publication:
        return None
    return {10: "day", 7: "month", 4: "year"}.get(len(publication))



def validate(article_id: str, text: str, drafts: list[RecordDraft], claim_drafts: list[ClaimDraft],
             home, publication: str | None, places=()) -> tuple[list[Record], list[Claim]]:
    full = full_names(places)
    records = [_record(article_id, i + 1, d, text, home, publication, full) for i, d in enumerate(drafts)]
    ids = {id(c): f"{article_id}#c{i + 1}" for i, c in enumerate(claim_drafts)}
    claims = [_claim(article_id, i + 1, c, text, publication, ids) for i, c in enumerate(claim_drafts)]
    for item in (*records, *claims):
        if text[item.start:item.end] != item.evidence:
            raise ValueError(f"evidence offsets {item.start}-{item.end} do not match the text")
    return records, claims
