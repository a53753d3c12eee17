"""Property-based tests: text repair and the recognisers never raise on arbitrary text, and every
offset they give points into the text they were given."""
from hypothesis import given
from hypothesis import strategies as st

from pipeline.companies import find_companies, link_companies
from pipeline.extract import extract_article
from pipeline.normalise import normalise
from pipeline.places import find_places
from pipeline.read import RawArticle
from pipeline.segment import segment
from pipeline.sentences import split_sentences

# Text made of the characters these articles are made of, plus anything else.
ALPHABET = st.sampled_from(list("襄城县长葛市与集团有限公司签订了总投资亿元万的项目,。;、()()“”0123456789.-—年月日约超逾"
                                "我县东城区合作上海电气項簽約億縣 \n\t?？\u3000１２，\ufffd<>&"))
TEXT = st.one_of(st.text(ALPHABET, max_size=200), st.text(max_size=200))


@given(TEXT)
def test_normalise_never_raises_and_is_stable(text):
    once = normalise(text)
    assert isinstance(once, str)
    for s in split_sentences(once):
        assert once[s.start:s.end] == s.text


@given(TEXT, st.sampled_from([None, "许昌市", "襄城县", "北京市"]))
def test_places_offsets(text, home):
    for p in find_places(text, home):
        assert 0 <= p.start < p.end <= len(text) and text[p.start:p.end] == p.text


@given(TEXT)
def test_companies_offsets(text):
    found = find_companies(text, segment(text))
    for m in link_companies(found, text):
        assert 0 <= m.start < m.end <= len(text) and text[m.start:m.end] == m.text


@given(TEXT, st.sampled_from([None, "2020-12", "2023-09-20"]))
def test_whole_extraction_never_raises_and_evidence_points_into_the_text(text, date):
    res = extract_article(RawArticle(id="p", origin="-", text=text, date=date, region="许昌市"))
    assert res.article.status in ("ok", "error")
    if res.article.status == "ok":
        for item in (*res.records, *res.claims):
            assert res.article.text[item.start:item.end] == item.evidence
