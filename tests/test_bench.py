"""The benchmark corpus builder of `make bench` (pipeline/bench.py): deterministic, made of varied
articles rather than repeats. Nothing here measures or asserts a time."""
from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from pipeline.bench import AMOUNT_RE, Variator, build_corpus, company_names, load_divisions, source_articles

MB = 0.4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    a = build_corpus(d / "a.jsonl.gz", MB)
    b = build_corpus(d / "b.jsonl.gz", MB)
    arts = [json.loads(line) for line in gzip.open(d / "a.jsonl.gz", "rt", encoding="utf-8")]
    return a, b, d, arts


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_corpus(corpus, tmp_path):
    a, b, d, _arts = corpus
    assert (d / "a.jsonl.gz").read_bytes() == (d / "b.jsonl.gz").read_bytes()
    assert {k: v for k, v in a.items() if k != "path"} == {k: v for k, v in b.items() if k != "path"}
    c = build_corpus(tmp_path / "c.jsonl.gz", MB, seed=7)
    assert c["sha256"] != a["sha256"]


def test_size_and_every_text_distinct(corpus):
    a, _b, _d, arts = corpus
    assert a["text_bytes"] >= MB * (1 << 20)
    assert a["articles"] == len(arts) and a["chars"] == sum(len(x["text"]) for x in arts)
    assert len({x["text"] for x in arts}) == len(arts)                      # no plain repeats
    assert len({x["id"] for x in arts}) == len(arts)
    n_src = len(source_articles())
    assert len(arts) > 3 * n_src                                            # every source several times


def test_variants_keep_the_structure_of_their_source():
    src = source_articles()
    v = Variator(src)
    for n in range(2 * len(src)):
        art = v.variant(n)
        raw = src[n % len(src)]
        assert art["text"].count("\n") == raw.text.count("\n")
        assert art["id"].startswith(raw.id + "~v")
        assert art["source"] == raw.source
        assert len(AMOUNT_RE.findall(art["text"])) == len(AMOUNT_RE.findall(raw.text))


def test_companies_places_amounts_and_years_vary(corpus):
    _a, _b, _d, arts = corpus
    names = set(company_names(20240607))
    by_source: dict[str, list[dict]] = {}
    for x in arts:
        by_source.setdefault(x["id"].split("~v")[0], []).append(x)
    generated = Counter(n for x in arts for n in names if n in x["text"])
    assert len(generated) > 200 and max(generated.values()) <= 3             # rotated, hardly ever reused
    by_name, _counties = load_divisions()
    regions = Counter(x["region"] for x in arts)
    assert len(regions) > 50
    # regions the gazetteer does not know as current units (a former county, a zone) stay as they are
    assert sum(n for r, n in regions.items() if r in by_name) >= 0.9 * len(arts)
    src = {r.id: r for r in source_articles()}
    for sid, group in by_source.items():
        raw = src[sid]
        amounts = {tuple(AMOUNT_RE.findall(x["text"])) for x in group}
        if AMOUNT_RE.search(raw.text):
            assert len(amounts) > 1, sid
        years = {x["date"][:4] for x in group if x["date"]}
        if raw.date:
            assert len(years) > 1, sid
    dev = by_source["dev-a-02"]
    assert all("上海锦程智能装备有限公司" not in x["text"] for x in dev)
    assert all("禹州市" not in x["text"] for x in dev[:5])


def test_the_extractor_finds_the_generated_companies():
    from pipeline.extract import extract_article
    from pipeline.read import RawArticle

    names = set(company_names(20240607))
    v = Variator(source_articles())
    found = 0
    for n in range(41):
        art = v.variant(n)
        raw = RawArticle(id=art["id"], origin="test", text=art["text"], title=art["title"], date=art["date"],
                         source=art["source"], region=art["region"])
        res = extract_article(raw)
        found += sum(1 for r in res.records for c in r.companies if c in names)
    assert found >= 30


def test_scaling_bounds_from_the_serial_part():
    from pipeline.bench import scaling_bounds
    r = {"jieba": {"jobs1": {"wall_s": 100.0, "serial_s": 10.0}}, "machine_parallel": {"capacity": 1.5}}
    b = scaling_bounds(r)
    assert b["two_cores"] == pytest.approx(100 / (10 + 45))      # 1.82x
    assert b["host"] == pytest.approx(100 / (10 + 60))           # 1.43x
    assert scaling_bounds({"jieba": {"jobs1": {"wall_s": 10.0}}}) is None
