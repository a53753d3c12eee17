"""HTML article extraction (pipeline/htmlpage.py) on the pages of tests/pages/: pages written for
the tests on the layouts of the sites these articles come from (county portals, e-papers, news
portals, WeChat archives, GBK, table layouts). Each NAME.html has NAME.expected.json: the title,
the date, the body sentences and the navigation/footer/related strings that must stay out."""
import json
from pathlib import Path

import pytest

from pipeline.htmlpage import parse_html
from pipeline.read import decode_page

PAGES = Path(__file__).parent / "pages"
NAMES = sorted(p.stem for p in PAGES.glob("*.html"))


def squash(s: str) -> str:
    return "".join(s.split())


def test_there_are_pages():
    assert len(NAMES) >= 12
    assert all((PAGES / f"{n}.expected.json").exists() for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_page(name):
    exp = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    page, _ = decode_page((PAGES / f"{name}.html").read_bytes())
    text, title, date = parse_html(page)
    assert (title, date) == (exp["title"], exp["date"])
    paras = [squash(p) for p in text.split("\n\n")]
    assert paras[0] == squash(exp["title"])                       # the headline comes first
    for sentence in exp["body_must_contain"]:                      # each body sentence in one paragraph
        assert any(squash(sentence) in p for p in paras), sentence
    for s in exp["body_must_contain"]:                             # paragraph breaks kept
        assert sum(squash(s) in p for p in paras) == 1
    merged = [p for p in paras if sum(squash(s) in p for s in exp["body_must_contain"]) > 1]
    assert merged == []
    whole = squash(text)
    assert [s for s in exp["body_must_not_contain"] if squash(s) in whole] == []


@pytest.mark.parametrize("page", ["", "<html></html>", "<html><body></body></html>",
                                  "<html><body><img src='a.png'><script>var a='总投资9亿元';</script></body></html>",
                                  "<html><head><title></title></head><body><div class='nav'>首页</div></body></html>",
                                  "<<<>>> not html at all &&&"])
def test_page_without_body_gives_empty_text(page):
    text, title, date = parse_html(page)
    assert text == "" and title is None and date is None


def test_paragraphs_are_separated_by_blank_lines():
    page = ("<html><body><h1>某县签约两个项目</h1><div class='c'><p>第一段，某县与一家企业签订了总投资3亿元的项目协议，"
            "项目将建设新型材料生产线。</p><p>第二段，项目建成后预计年产值5亿元，可带动就业300人，税收贡献显著。</p>"
            "第三段直接写在div里，<br>第四段在换行之后，两段都属于正文内容。</div></body></html>")
    text, title, _ = parse_html(page)
    assert title == "某县签约两个项目"
    assert text.split("\n\n") == ["某县签约两个项目",
                                  "第一段，某县与一家企业签订了总投资3亿元的项目协议，项目将建设新型材料生产线。",
                                  "第二段，项目建成后预计年产值5亿元，可带动就业300人，税收贡献显著。",
                                  "第三段直接写在div里，", "第四段在换行之后，两段都属于正文内容。"]


def test_without_trafilatura_output_our_rules_give_the_body(monkeypatch):
    import pipeline.htmlpage as hp
    monkeypatch.setattr(hp, "_main_text", lambda page: None)
    page, _ = decode_page((PAGES / "gov_trs_county.html").read_bytes())
    text, title, date = hp.parse_html(page)
    assert (title, date) == ("宁陵县与恒拓装备签约智能农机制造项目", "2020-12-03")
    assert "项目全部建成后，预计年产各类农机装备1.5万台" in text and "ICP备" not in text
