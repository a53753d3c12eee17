"""The benchmark corpus builder of `make bench` (pipeline/bench/corpus.py): deterministic, made of varied
articles rather than repeats. Nothing here measures or asserts a time."""
from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from pipeline.bench.corpus import AMOUNT_RE, Variator, build_corpus, company_names, load_divisions, source_articles

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
    from pipeline.bench.targets import scaling_bounds
    r = {"jieba": {"jobs1": {"wall_s": 100.0, "serial_s": 10.0}}, "machine_parallel": {"capacity": 1.5}}
    b = scaling_bounds(r)
    assert b["two_cores"] == pytest.approx(100 / (10 + 45))      # 1.82x
    assert b["host"] == pytest.approx(100 / (10 + 60))           # 1.43x
    assert scaling_bounds({"jieba": {"jobs1": {"wall_s": 10.0}}}) is None


# --- the ceiling of segmenting less (bench `_ceiling`) -------------------------------------------

RELEVANT = [  # sentence, kept with the signing words (the issue's filter), kept with every stage word
    ("襄城县与某某集团签订了总投资5亿元的项目。", True, True),
    ("项目计划总投资3000万美元。", True, True),
    ("该项目投资约1.5亿。", True, True),
    ("今年以来累计签约37个项目。", True, True),
    ("全县共签约项目17个。", True, True),
    ("十个项目集中开工。", True, True),
    ("共有3家企业参加推介会。", True, True),
    ("项目落户我县。", True, True),
    ("某公司投资建设的中央厨房项目也同步开工。", False, True),
    ("双方就新能源汽车电机壳体项目开展了洽谈。", False, True),
    ("县委书记出席会议并讲话。", False, False),
    ("这是一个重要的机遇。", False, False),
    ("千万不要错过这次机会。", False, False),
    ("2023年5月,天气晴。", False, False),
    ("他看了两个小时的材料。", False, False),
]


@pytest.mark.parametrize("sentence,signing,stages", RELEVANT)
def test_relevant_sentences_table(sentence, signing, stages):
    from pipeline.bench.measure import ALL_STAGES, relevant_pattern
    assert bool(relevant_pattern().search(sentence)) is signing
    assert bool(relevant_pattern(ALL_STAGES).search(sentence)) is stages


def test_relevant_sentences_keeps_those_sentences_in_order():
    from pipeline.bench.measure import relevant_sentences
    text = "县委书记出席会议。\n\n我县与16家企业集中签约。天气很好。项目总投资5亿元。"
    assert relevant_sentences(text) == ["我县与16家企业集中签约。", "项目总投资5亿元。"]


def test_every_stage_word_keeps_the_sentence_of_every_record_and_claim_the_issue_filter_does_not():
    """The ceiling's filters on the corpus: with every stage word, the evidence sentence of every
    record and claim is kept; the issue's filter (amount, count, signing word) drops the sentences
    of projects that only started or are negotiated (XX项目同步开工), so it is an upper bound."""
    from pipeline.bench.measure import ALL_STAGES, relevant_pattern
    from pipeline.extract import extract_article

    narrow, wide = relevant_pattern(), relevant_pattern(ALL_STAGES)
    evidence = []
    for raw in source_articles():
        res = extract_article(raw)
        evidence += [x.evidence for x in res.records + res.claims]
    assert len(evidence) > 200
    assert [e for e in evidence if not wide.search(e)] == []
    assert any(not narrow.search(e) for e in evidence)
