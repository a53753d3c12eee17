"""Assembly of records and claims, construction by construction (PATTERNS.md §1 and §3): an
invented text in, the records and claims it must give out."""
import pytest

from pipeline.extract import extract_article
from pipeline.read import RawArticle
from tablefile import rows

TABLE = rows("constructions.tsv")


def _parse(cell: str, width: int) -> list[tuple]:
    out = []
    for item in filter(None, cell.split(";")):
        parts = item.split("|") + [""] * width
        out.append(tuple(p or None for p in parts[:width]))
    return out


@pytest.mark.parametrize("row", TABLE, ids=[r["id"] for r in TABLE])
def test_construction(row):
    text = row["text"].replace("\\n", "\n")
    res = extract_article(RawArticle(id=row["id"], origin="-", text=text, date=row["date"], region=row["region"]))
    assert res.article.status == "ok", res.article.error
    got = [(r.company, r.county, None if r.amount is None else float(r.amount), r.project, r.stage)
           for r in res.records]
    want = [(c, county, None if a is None else float(a), p, s)
            for c, county, a, p, s in _parse(row["records"], 5)]
    assert got == want
    got_claims = [(c.project_count, c.total_amount) for c in res.claims]
    want_claims = [(int(n) if n else None, float(t) if t else None)
                   for n, t in (item.split("/") for item in filter(None, row["claims"].split(";")))]
    assert got_claims == want_claims
