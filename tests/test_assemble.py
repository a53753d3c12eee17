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


def test_count_hint_is_necessary_for_every_claim_count_pattern():
    """claims._COUNT_HINT skips sentences without a numeral + 个/项/宗/家: every claim_count
    pattern must require one, and on the corpora no pattern matches where the hint does not."""
    import tomllib
    from pathlib import Path

    from pipeline.claims import _COUNT_HINT, _rules
    from pipeline.normalise import normalise
    from pipeline.read import read_inputs
    from pipeline.sentences import split_sentences

    root = Path(__file__).resolve().parent.parent
    raw = tomllib.loads((root / "rules" / "claims.toml").read_text(encoding="utf-8"))
    for c in raw["claim_count"]:
        assert any(f"(?P<n>{{NUM}}){tail}" in c["pattern"] for tail in ("(?:个|项|宗)", "(?:个|项)", "家")), c["name"]
    matched = 0
    for art in read_inputs([str(root / "corpora")]):
        if not art.text:
            continue
        for s in split_sentences(normalise(art.text)):
            hits = [pat for _n, pat, *_ in _rules()["claim_counts"] if pat.search(s.text)]
            if hits:
                matched += 1
                assert _COUNT_HINT.search(s.text), s.text
    assert matched > 100
