"""Passing over what cannot hold a record or a claim (companies.PASS_OVER: sentences without any word
a list of firms or projects needs) changes nothing: on a mixed slice of the benchmark corpus (one
article in five about investment, the rest other news) and on the corpora, the output is the same,
field by field, as when everything is looked at."""
import gzip
import json

import pytest

from pipeline import companies
from pipeline.bench.corpus import build_corpus
from pipeline.extract import extract_article
from pipeline.read import RawArticle, read_inputs


def _outputs(raws) -> list:
    out = []
    for raw in raws:
        res = extract_article(raw)
        out.append((res.article.model_dump(), [r.model_dump() for r in res.records], [c.model_dump() for c in res.claims]))
    return out


@pytest.fixture(scope="module")
def mixed_slice(tmp_path_factory):
    path = tmp_path_factory.mktemp("mixed") / "mixed.jsonl.gz"
    figures = build_corpus(path, 0.4, mixed=True)
    assert figures["mixed"] and 0.15 < figures["investment_articles"] / figures["articles"] < 0.25
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [RawArticle(id=r["id"], origin=str(path), text=r["text"], title=r["title"], date=r["date"],
                       source=r["source"], region=r["region"]) for r in rows]


@pytest.mark.parametrize("which", ["mixed", "corpora"])
def test_passing_over_changes_nothing(which, mixed_slice, monkeypatch):
    from pathlib import Path
    raws = mixed_slice if which == "mixed" else [
        a for a in read_inputs([str(Path(__file__).resolve().parent.parent / "corpora")]) if a.text]
    assert companies.PASS_OVER
    fast = _outputs(raws)
    monkeypatch.setattr(companies, "PASS_OVER", False)
    slow = _outputs(raws)
    assert len(fast) == len(slow) > 100
    for a, b in zip(fast, slow):
        assert a == b, a[0]["article_id"]
    assert sum(len(r) for _, r, _ in fast) > 50          # the slice holds records to compare


@pytest.mark.parametrize("which", ["mixed", "corpora"])
def test_claim_gate_changes_nothing(which, mixed_slice, monkeypatch):
    """claims_in_sentence passes over sentences with no numeral and no amount (claims._NUMERAL): with
    a gate that lets every sentence in, the output is the same."""
    import regex
    from pathlib import Path

    from pipeline import claims
    raws = mixed_slice if which == "mixed" else [
        a for a in read_inputs([str(Path(__file__).resolve().parent.parent / "corpora")]) if a.text]
    fast = _outputs(raws)
    monkeypatch.setattr(claims, "_NUMERAL", regex.compile(""))
    slow = _outputs(raws)
    assert fast == slow
    assert sum(len(c) for _, _, c in fast) > 50          # the texts hold claims to compare
