import pytest

from pipeline.companies import company_core, find_companies, link_companies
from pipeline.segment import segment
from tablefile import rows

TABLE = rows("companies.tsv")


def test_table_is_large_enough():
    assert len(TABLE) >= 50


@pytest.mark.parametrize("row", TABLE, ids=[r["note"] for r in TABLE])
def test_company_table(row):
    text = row["text"]
    expected = [] if row["expected"] == "(none)" else row["expected"].split("|")
    found = find_companies(text, segment(text))
    assert [m.text for m in found] == expected
    for m in found:
        assert text[m.start:m.end] == m.text


@pytest.mark.parametrize("short,long", [
    ("百菲萨集团", "德国百菲萨(中国)投资有限公司"),
    ("上海电气", "上海电气集团"),
    ("平安建投", "平安建投公司"),
    ("瑞祥集团", "瑞祥(中国)投资有限公司"),
])
def test_short_and_long_forms_share_a_core(short, long):
    assert company_core(short) == company_core(long)


@pytest.mark.parametrize("a,b", [("上海电气集团", "上海电气环保集团"), ("上海电气集团", "上海电气数科公司")])
def test_subsidiaries_are_not_linked(a, b):
    assert company_core(a) != company_core(b)


def test_linking_reports_the_longest_form_and_finds_short_mentions():
    text = "百菲萨集团在长葛投资。德国百菲萨(中国)投资有限公司是外资企业。像百菲萨这样的企业落户长葛。"
    found = find_companies(text, segment(text))
    linked = link_companies(found, text)
    assert {m.name for m in linked} == {"德国百菲萨(中国)投资有限公司"}
    assert [m.text for m in linked if m.rule == "company:short-form"] == ["百菲萨"]


def test_short_form_inside_a_subsidiary_name_is_not_a_mention():
    text = "与上海电气集团签约;建安区与上海电气环保集团的合作协议;与上海电气分别签订了协议"
    linked = link_companies(find_companies(text, segment(text)), text)
    names = [(m.text, m.name) for m in linked]
    assert ("上海电气环保集团", "上海电气环保集团") in names
    assert ("上海电气", "上海电气集团") in names
    assert len(names) == 3


def test_lazy_segmentation_gives_the_same_companies_as_segmenting_everything():
    from pathlib import Path
    from pipeline.normalise import normalise
    from pipeline.segment import LazyTokens
    from pipeline.sentences import split_sentences
    root = Path(__file__).resolve().parent.parent / "corpora"
    checked = 0
    for path in sorted(root.rglob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        for s in split_sentences(text):
            full = find_companies(s.text, segment(s.text))
            lazy = find_companies(s.text, LazyTokens(s.text))
            assert [(m.start, m.end) for m in full] == [(m.start, m.end) for m in lazy], s.text
            checked += len(full)
    assert checked > 100


def test_a_short_name_links_to_the_long_name_that_puts_a_place_before_it():
    text = "榕江县与贵州黔岭文化旅游发展集团有限公司签约。黔岭集团将投资数十亿元。"
    linked = link_companies(find_companies(text, segment(text)), text)
    assert {m.name for m in linked} == {"贵州黔岭文化旅游发展集团有限公司"}


FIRM_NAMES = rows("firm_names.tsv")


@pytest.mark.parametrize("row", FIRM_NAMES, ids=[r["note"] for r in FIRM_NAMES])
def test_firm_names_beyond_the_suffix_rules(row):
    from pipeline.extract import recognise
    from pipeline.normalise import normalise
    from pipeline.sentences import split_sentences

    text = normalise(row["text"])
    m, _home, _rule = recognise(text, split_sentences(text), "jieba", None, "许昌市", None, None)
    expected = [] if row["expected"] == "(none)" else row["expected"].split("|")
    assert [c.name for c in m.companies] == expected
