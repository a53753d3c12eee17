"""Claims, form by form (PATTERNS.md §3, corpora/real/GUIDELINE.md "Claims"): an invented text in,
its aggregate figures out, with what each total measures, the class a breakdown counts and the
figure it breaks down."""
from decimal import Decimal

import pytest

from pipeline.extract import extract_article
from pipeline.read import RawArticle
from tablefile import rows

TABLE = rows("claims.tsv")


def _fmt(v) -> str:
    return "" if v is None else format(Decimal(str(v)).normalize(), "f")


def _want(cell: str) -> list[tuple]:
    out = []
    for item in filter(None, cell.split(";")):
        n, total, cur, qual, measure, cat, parent = item.split("/")
        out.append((n, _fmt(total) if total else "", cur, qual, measure, cat, parent))
    return out


@pytest.mark.parametrize("row", TABLE, ids=[r["id"] for r in TABLE])
def test_claims(row):
    text = row["text"].replace("\\n", "\n")
    res = extract_article(RawArticle(id=row["id"], origin="-", text=text, date=row["date"], region=row["region"]))
    assert res.article.status == "ok", res.article.error
    number = {c.claim_id: str(i + 1) for i, c in enumerate(res.claims)}
    got = [("" if c.project_count is None else str(c.project_count), _fmt(c.total_amount), c.currency or "",
            c.amount_qualifier or "", c.measure or "", c.category or "", number.get(c.parent, "") if c.parent else "")
           for c in res.claims]
    assert got == _want(row["claims"]), row["note"]


def test_every_claim_carries_its_evidence():
    res = extract_article(RawArticle(id="e", origin="-", text=TABLE[1]["text"], date="2022-05", region="许昌市"))
    assert res.claims
    for c in res.claims:
        assert res.article.text[c.start:c.end] == c.evidence and c.rule.startswith("claim:")
