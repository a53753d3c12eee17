"""Amount recogniser: the table in tests/tables/amounts.tsv, offsets, and properties."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.amounts import find_amounts
from pipeline.rules import load_tsv

TABLE = Path(__file__).parent / "tables" / "amounts.tsv"


def _rows():
    with open(TABLE, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        r["context"] = r["context"].replace("\\n", "\n")
        r["raw"] = r["raw"].replace("\\n", "\n")
    return rows


ROWS = _rows()


def _dec(s: str) -> Decimal | None:
    return Decimal(s) if s else None


def test_table_is_large_enough():
    assert len(ROWS) >= 90
    assert sum(r["raw"] == "-" or r["raw"].startswith("!") for r in ROWS) >= 15


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}:{r['raw'] or r['context'][:12]}" for i, r in enumerate(ROWS)])
def test_table(row):
    text, raw = row["context"], row["raw"]
    year = int(row["year"]) if row["year"] else None
    found = find_amounts(text, year)
    if raw == "-":
        assert found == [], row["note"]
        return
    if raw.startswith("!"):
        s = text.index(raw[1:])
        e = s + len(raw) - 1
        assert not [m for m in found if m.start < e and s < m.end], row["note"]
        return
    hits = [m for m in found if m.text == raw]
    assert len(hits) == 1, f"{raw!r} not found once in {[m.text for m in found]} ({row['note']})"
    m = hits[0]
    assert text[m.start:m.end] == raw
    assert m.start == text.index(raw)
    assert m.value == Decimal(row["value"]), row["note"]
    assert m.currency == row["currency"]
    assert m.qualifier == (row["qualifier"] or None)
    assert m.high == _dec(row["high"])
    assert m.vague == (row["vague"] == "1")
    assert m.role == row["role"], row["note"]
    assert m.amount_yi == _dec(row["amount_yi"])
    assert m.converted == (m.currency != "CNY" and m.amount_yi is not None and "parallel" not in m.rule)
    assert m.rule.startswith("amount:")


def test_rule_names():
    text = ("投资1亿8千万元,计划投资5-8亿元,总投资十五亿元,吸引数十亿元投资,"
            "投资5亿元,投资5000000元,总投资60.7亿元(8.8亿美元)")
    rules = {m.rule for m in find_amounts(text)}
    assert rules == {"amount:mixed", "amount:range", "amount:chinese", "amount:vague", "amount:plain",
                     "amount:yuan", "amount:plain+parallel"}


def test_article_with_several_amounts():
    text = ("揽金88亿!我县6个项目集中签约。\n9月16日,鄢陵县举行招商引资项目集中签约仪式,共签约项目6个,"
            "计划总投资88亿元,其中亿元以上项目5个。江南振华医疗用品集团投资12.6亿元的华中物流基地项目,"
            "项目投产后年产值30亿元,年税收1.2亿元;新加坡丰益集团投资3000万美元(约合人民币2亿元)的油脂项目,"
            "年产30万吨。全年到位资金7.6亿元,完成目标任务27亿元。")
    got = [(m.text, m.role) for m in find_amounts(text, 2023)]
    assert got == [
        ("88亿", "investment"), ("88亿元", "investment"), ("12.6亿元", "investment"),
        ("30亿元", "output"), ("1.2亿元", "tax"), ("3000万美元(约合人民币2亿元)", "investment"),
        ("7.6亿元", "funds_received"), ("27亿元", "target"),
    ]


def test_sorted_non_overlapping_and_offsets():
    text = "一期投资8亿元,总投资20亿元;5-8亿元 数十亿元  总投资9\n亿元,１２亿元"
    found = find_amounts(text)
    assert [m.start for m in found] == sorted(m.start for m in found)
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start
    for m in found:
        assert text[m.start:m.end] == m.text


def test_exchange_rate_table():
    rows = load_tsv("exchange_rates.tsv")
    wanted = {"USD", "EUR", "HKD", "JPY", "GBP", "KRW", "SGD", "AUD", "CAD", "TWD"}
    assert {r["currency"] for r in rows} >= wanted
    seen = set()
    for r in rows:
        assert 2005 <= int(r["year"]) <= 2025
        assert Decimal(r["cny_per_unit"]) > 0
        assert r["source"]
        assert (r["year"], r["currency"]) not in seen
        seen.add((r["year"], r["currency"]))
    usd = {int(r["year"]): Decimal(r["cny_per_unit"]) for r in rows if r["currency"] == "USD"}
    assert set(usd) >= set(range(2005, 2025))
    assert all(Decimal("6") < v < Decimal("8.3") for v in usd.values())


def test_year_changes_conversion():
    a = find_amounts("投资1亿美元", 2008)[0]
    b = find_amounts("投资1亿美元", 2023)[0]
    assert (a.amount_yi, b.amount_yi) == (Decimal("6.9451"), Decimal("7.0467"))
    assert a.converted and b.converted


_ALPHABET = st.sampled_from(list(
    "0123456789０１２.,，-—~至到()（） \n亿万元千百十数几多余约近超逾上过以左右美欧港日币人民¥$"
    "一二两三四五六七八九〇零壹贰伍点投资总额期项目吨亩%个的签约年产值税收到位目标任务"
))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_ALPHABET, max_size=60)),
       st.one_of(st.none(), st.integers(1990, 2040)))
def test_never_raises_and_offsets_point_into_text(text, year):
    found = find_amounts(text, year)
    last_end = 0
    for m in found:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.start >= last_end
        last_end = m.end
        assert m.value > 0
        assert m.high is None or m.high > m.value
        assert m.qualifier in (None, "approx", "over", "range")
        assert (m.qualifier == "range") == (m.high is not None)


def test_anchored_search_equals_the_full_search():
    """amounts._next_match skips text without an anchor (万/亿, a currency after a digit): it must
    find exactly what R.full.search finds, at every step of the scan, on every corpus paragraph
    and table row."""
    from pathlib import Path

    from pipeline.amounts import _next_match, _rules, _view
    from pipeline.normalise import normalise
    from pipeline.read import read_inputs

    R = _rules()
    texts = [row["context"] for row in ROWS]
    for raw in read_inputs([str(Path(__file__).resolve().parent.parent / "corpora")]):
        if raw.text:
            texts += normalise(raw.text).split("\n\n")
    steps = 0
    for text in texts:
        view = _view(text)[0]
        pos = 0
        while True:
            want, got = R.full.search(view, pos), _next_match(R, view, pos)
            assert (want and want.span()) == (got and got.span()), (text, pos)
            if want is None:
                break
            steps += 1
            pos = want.start() + 1
    assert steps > 1000
