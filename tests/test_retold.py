"""Retold signings (pipeline/retold.py): a start or opening report recalls the project's signing;
the article's record takes the stage the headline reports. Texts written for these tests."""
from __future__ import annotations

import pytest

from pipeline.extract import extract_article
from pipeline.read import RawArticle

CASES = [
    # (title, publication, text, expected (company core piece, stage, signed_date) of the amount-bearing record)
    ("恒宇新材料年产5万吨碳纤维项目在东港区开工", "2022-04-18",
     "4月16日,恒宇新材料年产5万吨碳纤维项目在东港区开工。据了解,该项目于2021年9月签约,由恒宇新材料股份有限公司投资建设,总投资28亿元。",
     ("恒宇", "started", "2021-09")),
    ("临川区60亿元锂电项目一期投产", "2021-11-02",
     "11月1日,临川区锂电项目一期投产。据悉,该项目去年5月签约落户,由华拓动力科技有限公司投资60亿元建设,分两期实施。",
     ("华拓", "operating", "2020-05")),
    # a signing of the same day as the report is not retold
    ("明远集团食品产业园项目开工", "2022-03-10",
     "3月9日,明远集团与沙县签订了总投资6亿元的食品产业园项目合作协议。",
     ("明远", "signed", None)),
    # another project signed long ago, not the headline's: it stays signed
    ("恒宇新材料碳纤维项目开工", "2022-04-18",
     "恒宇新材料碳纤维项目开工。另外,该区于2021年6月与东岳制药有限公司签订了投资9亿元的原料药项目。",
     ("东岳", "signed", None)),
    # a headline of a signing: nothing is restaged
    ("东港区与恒宇新材料签约", "2022-04-18",
     "东港区与恒宇新材料股份有限公司签约。该公司于2021年9月签订了总投资28亿元的碳纤维项目。",
     ("恒宇", "signed", None)),
]


@pytest.mark.parametrize("title,date,text,expected", CASES)
def test_a_retold_signing_takes_the_headline_stage(title, date, text, expected):
    res = extract_article(RawArticle(id="t", origin="-", text=text, title=title, date=date, region=None))
    piece, stage, signed = expected
    recs = [r for r in res.records if r.amount_yi is not None and r.company and piece in r.company]
    assert recs, [(r.company, r.amount_yi, r.stage) for r in res.records]
    assert {r.stage for r in recs} == {stage}, [(r.company, r.stage, r.rule) for r in res.records]
    for r in recs:
        assert ("stage:retold" in r.rule) == (stage != "signed")
        if "stage:retold" in r.rule:
            assert r.date == date            # the article's date, not the signing's
            assert r.signed_date == signed, (r.company, r.signed_date)
        else:
            assert r.signed_date is None
