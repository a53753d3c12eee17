"""The analysis layer (pipeline/database.py) on small hand-made data: every table and view is
checked against numbers computed by hand in the comments."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import database, projects, read
from pipeline.extract import ArticleResult, extract_article
from pipeline.models import Article, Claim, Record
from pipeline.write import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "xuchang-daily-2020-12.txt"

# county-level units of 许昌市 (411000, 河南省 410000)
CHANGGE, YANLING, WEIDU, XIANGCHENG = "411082", "411024", "411002", "411025"
NAMES = {CHANGGE: "长葛市", YANLING: "鄢陵县", WEIDU: "魏都区", XIANGCHENG: "襄城县"}


def rec(article_id, n, company, county, amount, stage, date, project):
    """A record in a 许昌 county; `company` may be None."""
    return Record(article_id=article_id, record_id=f"{article_id}#r{n}", company=company,
                  companies=[company] if company else [], county=NAMES[county], county_code=county,
                  city="许昌市", city_code="411000", province="河南省",
                  amount=amount, currency="CNY" if amount is not None else None, amount_yi=amount,
                  project=project, stage=stage, date=date, evidence="…", start=0, end=1, rule="test")


def claim(article_id, n, scope, count, total, date):
    return Claim(article_id=article_id, claim_id=f"{article_id}#c{n}", scope=scope, project_count=count,
                 count_unit="项目", total_amount=total, currency="CNY" if total is not None else None,
                 total_yi=total, date=date, evidence="…", start=0, end=1, rule="test")


def art(article_id, region, date, status="ok"):
    return Article(article_id=article_id, region=region, date=date, origin="test", status=status,
                   error=None if status == "ok" else "empty text", text="…" if status == "ok" else None)


def results():
    A1, A2, A3, A4, A5 = "A1", "A2", "A3", "A4", "A5"
    return [
        ArticleResult(art(A1, "许昌市", "2020-06-30"), [
            rec(A1, 1, "百菲萨集团", CHANGGE, 15.0, "signed", "2020-06-18", "再生铝项目"),
            rec(A1, 2, "振德集团", YANLING, 76.8, "signed", "2020-06-20", "华中区总部"),
            rec(A1, 3, "力玄科技公司", WEIDU, None, "signed", "2020-06", "飞灰资源利用项目"),
            rec(A1, 4, "百菲萨集团", CHANGGE, 5.0, "signed", "2020-06-18", "铝盐渣循环利用项目"),
        ], [
            claim(A1, 1, "累计签约", 10, 200.0, "2020-01/2020-06"),
            claim(A1, 2, "其中亿元以上项目", 5, 180.0, "2020-01/2020-06"),
        ]),
        ArticleResult(art(A2, "长葛市", "2020-09-10"), [
            # the long form of 百菲萨集团, a bigger amount within 20 %, ground-breaking
            rec(A2, 1, "德国百菲萨(中国)投资有限公司", CHANGGE, 15.5, "started", "2020-09-08", "年产30万吨再生铝项目"),
            rec(A2, 2, "上海临景生物科技公司", CHANGGE, 3.0, "signed", "2020-09-09", "生物科技产业基地"),
        ], [claim(A2, 1, "集中开工", 4, 20.0, "2020-09-10")]),
        ArticleResult(art(A3, "许昌市", "2021-03-01"), [
            # no project name; its amount is close to the 再生铝 project's (15 / 15.5), not to 铝盐渣's (5)
            rec(A3, 1, "百菲萨", CHANGGE, 15.2, "operating", "2021-02-28", None),
            # a longer company name and a longer project name of A1#r2
            rec(A3, 2, "振德医疗用品股份有限公司", YANLING, 80.0, "signed", "2021-02", "振德华中区总部项目"),
            rec(A3, 3, "智联电子", XIANGCHENG, 10.0, "signed", "2021-03", "5G通信模组项目"),
        ], []),
        ArticleResult(art(A4, "襄城县", "2021-05-01"), [
            # same wording as A3#r3 but another investor: another project
            rec(A4, 1, "兆宇电子", XIANGCHENG, 10.0, "signed", "2021-05", "5G通信模组生产项目"),
            # no investor, slightly different wording of A1#r3, no amounts on either side
            rec(A4, 2, None, WEIDU, None, "started", "2021-04", "高温飞灰资源利用项目"),
            # no name, no amount, and 百菲萨 has two projects in 长葛: which one is unknowable
            rec(A4, 3, "百菲萨集团", CHANGGE, None, "signed", "2021-05", None),
        ], []),
        ArticleResult(art(A5, "许昌市", "2020-12-01", status="error")),
    ]


OFFICIAL_CSV = """region_name,region_code,period_start,period_end,metric,value,unit,source
许昌市,411000,2020-01-01,2020-12-31,signed_projects,20,个,test
许昌市,411000,2020-01-01,2020-12-31,signed_amount_yi,400,亿元,test
长葛市,,2020-07-01,2020-12-31,started_projects,2,个,test (code from the name)
许昌市,411000,2021-01-01,2021-12-31,actual_fdi_usd,1.5,亿美元,test (a metric without records)
"""


def build(path: Path, res, official_dir: Path | None, refinish: bool = True):
    store = Store(path, fresh=True)
    store.add(res)
    store.close()                          # runs database.finish with the default official figures
    con = duckdb.connect(str(path))
    if refinish:
        database.finish(con, path.parent, official_dir=official_dir)
    return con


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("db")
    off = d / "official"
    off.mkdir()
    (off / "test.csv").write_text(OFFICIAL_CSV, encoding="utf-8")
    con = build(d / "pipeline.duckdb", results(), off)
    yield con, d
    con.close()


def q(con, sql):
    return con.execute(sql).fetchall()


# --- macros ----------------------------------------------------------------------------------

def test_date_macros(db):
    con, _ = db
    cases = {
        "2020-12": ("2020-12-01", "2020-12-31"),
        "2020-02": ("2020-02-01", "2020-02-29"),
        "2020-Q3": ("2020-07-01", "2020-09-30"),
        "2020-H1": ("2020-01-01", "2020-06-30"),
        "2020": ("2020-01-01", "2020-12-31"),
        "2020-09-17": ("2020-09-17", "2020-09-17"),
        "2020-01/2020-09-18": ("2020-01-01", "2020-09-18"),
        "2020-09-11/2020-09-18": ("2020-09-11", "2020-09-18"),
        "later": (None, None),
    }
    for value, (lo, hi) in cases.items():
        got = q(con, f"SELECT iso_start('{value}')::VARCHAR, iso_end('{value}')::VARCHAR")[0]
        assert got == (lo, hi), value
    assert q(con, "SELECT iso_start(NULL), iso_end(NULL)") == [(None, None)]


def test_claim_stage(db):
    con, _ = db
    got = dict(q(con, """SELECT s, claim_stage(s) FROM (VALUES ('累计签约'), ('集中开工项目'), ('竣工'),
                         ('意向项目'), ('其中亿元以上项目'), ('落地项目')) t(s)"""))
    assert got == {"累计签约": "signed", "集中开工项目": "started", "竣工": "operating", "意向项目": "negotiating",
                   "其中亿元以上项目": None, "落地项目": "signed"}


def test_project_key(db):
    con, _ = db
    got = dict(q(con, """SELECT p, project_key(p) FROM (VALUES ('年产30万吨再生铝项目'), ('再生铝、铝盐渣循环利用项目'),
                         ('"生物科技产业基地'), ('(一期)智能制造科技园')) t(p)"""))
    assert got == {"年产30万吨再生铝项目": "再生铝", "再生铝、铝盐渣循环利用项目": "再生铝铝盐渣循环利用",
                   '"生物科技产业基地': "生物科技产业基地", "(一期)智能制造科技园": "智能制造科技园"}


# --- regions ---------------------------------------------------------------------------------

def test_regions(db):
    con, _ = db
    assert q(con, "SELECT name, level, county_code, city_code, province_code FROM regions WHERE code = '411082'") == \
        [("长葛市", "county", "411082", "411000", "410000")]
    assert q(con, "SELECT level, city_code, province_code FROM regions WHERE code = '411000'") == \
        [("city", "411000", "410000")]
    # a zone without a code keeps its parent city
    assert q(con, "SELECT code, level, city_code, province FROM regions WHERE name = '许昌经济技术开发区'") == \
        [(None, "zone", "411000", "河南省")]
    assert q(con, "SELECT count(*) FROM regions WHERE level = 'province'")[0][0] == 34


def test_article_regions(db):
    con, _ = db
    got = q(con, "SELECT article_id, level, code, county_code, city_code, province_code FROM article_regions ORDER BY 1")
    assert got == [("A1", "city", "411000", None, "411000", "410000"),
                   ("A2", "county", "411082", "411082", "411000", "410000"),
                   ("A3", "city", "411000", None, "411000", "410000"),
                   ("A4", "county", "411025", "411025", "411000", "410000"),
                   ("A5", "city", "411000", None, "411000", "410000")]


# --- projects --------------------------------------------------------------------------------

def test_projects_group_mentions_across_articles(db):
    con, _ = db
    groups = {pid: ids for pid, ids in q(con, "SELECT project_id, record_ids FROM projects")}
    assert groups == {
        "A1#r1": ["A1#r1", "A2#r1", "A3#r1"],      # long/short company name; unnamed, amount close
        "A1#r2": ["A1#r2", "A3#r2"],               # 振德 ⊂ 振德医疗用品, 华中区总部 ⊂ 振德华中区总部
        "A1#r3": ["A1#r3", "A4#r2"],               # no investor on one side, 飞灰资源利用 ⊂ 高温飞灰资源利用
        "A1#r4": ["A1#r4"],
        "A2#r2": ["A2#r2"],
        "A3#r3": ["A3#r3"],                        # same wording as A4#r1 but another investor
        "A4#r1": ["A4#r1"],
        "A4#r3": ["A4#r3"],                        # two candidate projects, no amount: left alone
    }


def test_project_columns(db):
    con, _ = db
    row = q(con, """SELECT name, company, n_mentions, n_articles, first_date, last_date, first_day, last_day,
                           first_stage, latest_stage, stages, amount_yi, amount_min_yi, amount_max_yi,
                           [a.amount_yi FOR a IN amounts], article_ids, county_code
                    FROM projects WHERE project_id = 'A1#r1'""")[0]
    assert row[:6] == ("年产30万吨再生铝项目", "德国百菲萨(中国)投资有限公司", 3, 3, "2020-06-18", "2021-02-28")
    assert [str(d) for d in row[6:8]] == ["2020-06-18", "2021-02-28"]
    assert row[8:11] == ("signed", "operating", ["signed", "started", "operating"])
    # the latest amount given is A3's 15.2; the lowest 15, the highest 15.5
    assert row[11:14] == (Decimal("15.2"), Decimal("15"), Decimal("15.5"))
    assert row[14] == [Decimal("15"), Decimal("15.5"), Decimal("15.2")]
    assert row[15:] == (["A1", "A2", "A3"], CHANGGE)
    row = q(con, "SELECT name, company, amount_yi, latest_stage FROM projects WHERE project_id = 'A1#r2'")[0]
    assert row == ("振德华中区总部项目", "振德医疗用品股份有限公司", Decimal("80"), "signed")
    row = q(con, "SELECT name, company, amount_yi, latest_stage, first_date, last_date FROM projects "
                 "WHERE project_id = 'A1#r3'")[0]
    assert row == ("高温飞灰资源利用项目", "力玄科技公司", None, "started", "2020-06", "2021-04")


def test_project_mentions_and_links(db):
    con, _ = db
    assert q(con, """SELECT record_id, mention_no, linked_by FROM project_mentions
                     WHERE project_id = 'A1#r1' ORDER BY mention_no""") == \
        [("A1#r1", 1, None), ("A2#r1", 2, "name"), ("A3#r1", 3, "attach")]
    assert q(con, "SELECT record_id, linked_record_id, rule FROM project_links ORDER BY 1, 2") == [
        ("A1#r1", "A2#r1", "name"), ("A1#r2", "A3#r2", "name"), ("A1#r3", "A4#r2", "name"),
        ("A3#r1", "A1#r1", "attach")]
    assert q(con, "SELECT count(*) FROM project_mentions")[0][0] == 12


def test_single_mention_projects(db):
    con, _ = db
    assert [r[0] for r in q(con, "SELECT project_id FROM single_mention_projects")] == \
        ["A1#r4", "A2#r2", "A3#r3", "A4#r1", "A4#r3"]


def test_unnamed_mentions_of_one_investor_without_a_named_project_form_one_project(tmp_path):
    res = [ArticleResult(art("B1", "许昌市", "2020-05-01"),
                         [rec("B1", 1, "国控环球公司", WEIDU, None, "signed", "2020-05", None)]),
           ArticleResult(art("B2", "许昌市", "2020-08-01"),
                         [rec("B2", 1, "国控环球", WEIDU, 8.0, "started", "2020-08", None),
                          rec("B2", 2, "国控环球", YANLING, None, "started", "2020-08", None)])]
    con = build(tmp_path / "p.duckdb", res, None)
    # B2#r2 is in another county: not the same project
    assert q(con, "SELECT project_id, record_ids FROM projects ORDER BY 1") == \
        [("B1#r1", ["B1#r1", "B2#r1"]), ("B2#r2", ["B2#r2"])]
    assert q(con, "SELECT rule FROM project_links") == [("company",)]


# --- coverage views --------------------------------------------------------------------------

def test_article_coverage(db):
    con, _ = db
    got = q(con, """SELECT article_id, region_code, records, records_with_amount, itemised_total_yi, claims,
                           headline_claim_id, claimed_count, claimed_total_yi, share_of_total, share_of_count
                    FROM article_coverage ORDER BY article_id""")
    D = Decimal
    assert got == [
        # 15 + 76.8 + 5 = 96.8 of 200 (the larger of the two claims) = 0.484; 4 of 10 records
        ("A1", "411000", 4, 3, D("96.8"), 2, "A1#c1", 10, D("200"), 0.484, 0.4),
        # 15.5 + 3 = 18.5 of 20 = 0.925; 2 of 4
        ("A2", "411082", 2, 2, D("18.5"), 1, "A2#c1", 4, D("20"), 0.925, 0.5),
        ("A3", "411000", 3, 3, D("105.2"), 0, None, None, None, None, None),
        ("A4", "411025", 3, 1, D("10"), 0, None, None, None, None, None),
        ("A5", "411000", 0, 0, D("0"), 0, None, None, None, None, None),
    ]


def test_record_and_claim_regions_roll_up(db):
    con, _ = db
    sums = dict(((lvl, code), (n, s)) for lvl, code, n, s in q(con, """
        SELECT rr.level, rr.code, count(*), sum(r.amount_yi) FROM record_regions rr JOIN records r USING (record_id)
        GROUP BY ALL"""))
    D = Decimal
    # every record is in 许昌市 and 河南省: 12 records, 96.8 + 18.5 + 105.2 + 10 = 230.5
    assert sums[("province", "410000")] == (12, D("230.5"))
    assert sums[("city", "411000")] == (12, D("230.5"))
    # 长葛: A1#r1 15, A1#r4 5, A2#r1 15.5, A2#r2 3, A3#r1 15.2, A4#r3 - = 53.7
    assert sums[("county", CHANGGE)] == (6, D("53.7"))
    assert sums[("county", XIANGCHENG)] == (2, D("20"))
    claims = q(con, "SELECT level, code, count(*) FROM claim_regions GROUP BY ALL ORDER BY 1, 2")
    # A1's two claims (home 许昌市) and A2's one (home 长葛市)
    assert claims == [("city", "411000", 3), ("county", CHANGGE, 1), ("province", "410000", 3)]


def test_region_coverage(db):
    con, _ = db
    cols = """articles, articles_with_claims, claimed_count, claimed_total_yi, itemised_records, itemised_total_yi,
              share_of_total, located_records, located_total_yi, located_projects, located_project_total_yi"""
    D = Decimal
    city = q(con, f"SELECT name, {cols} FROM region_coverage WHERE level = 'city' AND code = '411000'")
    # claimed: A1 10 / 200 + A2 4 / 20 = 14 / 220; itemised 230.5 -> 1.0477;
    # 8 projects; their latest amounts 15.2 + 80 + 5 + 3 + 10 + 10 = 123.2
    assert city == [("许昌市", 5, 2, 14, D("220"), 12, D("230.5"), 1.0477, 12, D("230.5"), 8, D("123.2"))]
    changge = q(con, f"SELECT name, {cols} FROM region_coverage WHERE level = 'county' AND code = '{CHANGGE}'")
    # home 长葛: A2 only; located in 长葛: projects A1#r1 (15.2), A1#r4 (5), A2#r2 (3), A4#r3 (-) = 23.2
    assert changge == [("长葛市", 1, 1, 4, D("20"), 2, D("18.5"), 0.925, 6, D("53.7"), 4, D("23.2"))]
    yanling = q(con, f"SELECT name, {cols} FROM region_coverage WHERE level = 'county' AND code = '{YANLING}'")
    # no article at home in 鄢陵, two records of one project there
    assert yanling == [("鄢陵县", 0, 0, None, None, 0, D("0"), None, 2, D("156.8"), 1, D("80"))]


def test_official_figures_loaded(db):
    con, _ = db
    got = q(con, """SELECT figure_id, region_name, region_code, region_level, period_start::VARCHAR,
                           period_end::VARCHAR, metric, value, unit, file, line FROM official_figures""")
    assert got == [
        (1, "许昌市", "411000", "city", "2020-01-01", "2020-12-31", "signed_projects", Decimal("20"), "个", "test.csv", 2),
        (2, "许昌市", "411000", "city", "2020-01-01", "2020-12-31", "signed_amount_yi", Decimal("400"), "亿元",
         "test.csv", 3),
        (3, "长葛市", "411082", "county", "2020-07-01", "2020-12-31", "started_projects", Decimal("2"), "个",
         "test.csv", 4),
        (4, "许昌市", "411000", "city", "2021-01-01", "2021-12-31", "actual_fdi_usd", Decimal("1.5"), "亿美元",
         "test.csv", 5),
    ]


def test_official_coverage(db):
    con, _ = db
    got = q(con, """SELECT figure_id, stage, measure, official_value, itemised_value, share, itemised_projects,
                           itemised_projects_with_amount, claims, claimed_max FROM official_coverage""")
    D = Decimal
    assert got == [
        # signed in 2020 in 许昌: A1#r1..r4 and A2#r2 = 5 projects of 20
        (1, "signed", "projects", D("20"), D("5"), 0.25, 5, 4, 1, D("10")),
        # amounts as those 2020 mentions give them: 15 + 76.8 + 5 + 3 (力玄 none) = 99.8 of 400 = 0.2495;
        # the only signed claim of 2020 at home in 许昌 is A1#c1 (其中亿元以上项目 names no stage)
        (2, "signed", "amount_yi", D("400"), D("99.8"), 0.2495, 5, 4, 1, D("200")),
        # started in 长葛 in 2020-H2: A2#r1 (2020-09-08) = 1 of 2; A2#c1 集中开工 claims 4
        (3, "started", "projects", D("2"), D("1"), 0.5, 1, 1, 1, D("4")),
        # an unknown metric is listed, not compared
        (4, None, None, D("1.5"), None, None, None, None, None, None),
    ]


def test_bad_official_file_is_skipped_with_a_warning(tmp_path, capfd):
    off = tmp_path / "official"
    off.mkdir()
    (off / "a-good.csv").write_text(OFFICIAL_CSV.splitlines()[0] + "\n" + OFFICIAL_CSV.splitlines()[1] + "\n",
                                    encoding="utf-8")
    (off / "b-bad-date.csv").write_text(OFFICIAL_CSV.splitlines()[0] + "\n许昌市,411000,2020-13-01,2020-12-31,"
                                        "signed_projects,3,个,x\n", encoding="utf-8")
    (off / "c-bad-code.csv").write_text(OFFICIAL_CSV.splitlines()[0] + "\n某地,999999,2020-01-01,2020-12-31,"
                                        "signed_projects,3,个,x\n", encoding="utf-8")
    (off / "d-no-columns.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    con = build(tmp_path / "p.duckdb", results(), off)
    assert q(con, "SELECT file, metric, value FROM official_figures") == [("a-good.csv", "signed_projects", Decimal("20"))]
    err = capfd.readouterr().err
    assert "b-bad-date.csv skipped: line 2" in err
    assert "c-bad-code.csv skipped: line 2: region_code 999999" in err
    assert "d-no-columns.csv skipped" in err


ISSUED_CSV = """region_name,region_code,period_start,period_end,metric,value,unit,issuer,document,url
许昌市,411000,2020-01-01,2020-12-31,signed_amount,4000000,万元,许昌市统计局,communique,http://example.org/a
许昌市,411000,2020-01-01,2020-12-31,signed_projects,20,个,许昌市商务局,bureau_release,http://example.org/b
许昌市,411000,2020-01-01,2020-12-31,foreign_capital_used,15000,万美元,许昌市统计局,communique,http://example.org/a
许昌市,411000,2020-01-01,2020-12-31,funds_in_place,120.5,亿元,许昌市人民政府,work_report,http://example.org/c
"""


def test_published_figures_with_their_issuer_compared_like_with_like(tmp_path):
    off = tmp_path / "official"
    off.mkdir()
    (off / "issued.csv").write_text(ISSUED_CSV, encoding="utf-8")
    con = build(tmp_path / "p.duckdb", results(), off)
    got = q(con, "SELECT metric, value, unit, value_yi, issuer, document, url FROM official_figures ORDER BY figure_id")
    D = Decimal
    assert got == [
        ("signed_amount", D("4000000"), "万元", D("400"), "许昌市统计局", "communique", "http://example.org/a"),
        ("signed_projects", D("20"), "个", None, "许昌市商务局", "bureau_release", "http://example.org/b"),
        ("foreign_capital_used", D("15000"), "万美元", None, "许昌市统计局", "communique", "http://example.org/a"),
        ("funds_in_place", D("120.5"), "亿元", D("120.5"), "许昌市人民政府", "work_report", "http://example.org/c"),
    ]
    cov = q(con, """SELECT metric, stage, measure, official_compared, itemised_value, share, issuer
                    FROM official_coverage ORDER BY figure_id""")
    assert cov == [
        # 400 0000 万元 = 400 亿元 signed in 许昌 in 2020, against the same 99.8 亿元 of named projects
        ("signed_amount", "signed", "amount_yi", D("400"), D("99.8"), 0.2495, "许昌市统计局"),
        ("signed_projects", "signed", "projects", D("20"), D("5"), 0.25, "许昌市商务局"),
        # measures no record has (foreign capital in dollars, funds in place) are listed, not compared
        ("foreign_capital_used", None, None, None, None, None, "许昌市统计局"),
        ("funds_in_place", None, None, None, None, None, "许昌市人民政府"),
    ]


def test_a_published_figure_of_an_unknown_document_kind_skips_the_file(tmp_path, capfd):
    off = tmp_path / "official"
    off.mkdir()
    (off / "issued.csv").write_text(ISSUED_CSV.replace("bureau_release", "newspaper"), encoding="utf-8")
    con = build(tmp_path / "p.duckdb", results(), off)
    assert q(con, "SELECT count(*) FROM official_figures") == [(0,)]
    assert "issued.csv skipped: line 3: document 'newspaper'" in capfd.readouterr().err


def test_no_official_folder(tmp_path):
    con = build(tmp_path / "p.duckdb", results(), tmp_path / "missing")
    assert q(con, "SELECT count(*) FROM official_figures") == [(0,)]
    assert q(con, "SELECT count(*) FROM official_coverage") == [(0,)]



# --- storage ---------------------------------------------------------------------------------

def test_long_texts_are_stored_with_zstd_and_amounts_as_decimal(tmp_path):
    # the sample article: real Chinese text in articles.text and the evidence columns
    res = extract_article(read.read_txt(SAMPLE))
    store = Store(tmp_path / "pipeline.duckdb", fresh=True)
    store.add([res])
    # the steps the bench reports: one insert per table, then the commit
    assert sorted(store.step_seconds) == ["commit", "insert articles", "insert claims", "insert pipeline_state.article_lines",
                                          "insert records"]
    assert all(v > 0 for v in store.step_seconds.values())
    store.close()
    con = duckdb.connect(str(tmp_path / "pipeline.duckdb"), read_only=True)
    for table, column in (("articles", "text"), ("records", "evidence"), ("claims", "evidence")):
        kinds = {c for (c,) in q(con, f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') "
                                       f"WHERE column_name = '{column}' AND segment_type = 'VARCHAR'")}
        assert kinds == {"ZSTD"}, (table, column, kinds)
    # other strings keep DuckDB's own choice
    assert q(con, "SELECT DISTINCT compression FROM pragma_storage_info('records') "
                  "WHERE column_name = 'company' AND segment_type = 'VARCHAR'") != [("ZSTD",)]
    types = dict(q(con, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'records'"))
    assert types["amount_yi"] == "DECIMAL(18,6)" and types["start"] == "BIGINT"
    assert types["companies"] == "VARCHAR[]"
    # the text comes back exactly as stored, offsets and all
    (text,) = q(con, "SELECT text FROM articles")[0]
    assert text == res.article.text
    for r in res.records:
        assert text[r.start:r.end] == r.evidence
    con.close()

# --- exports ---------------------------------------------------------------------------------

def test_parquet_exports_are_readable_without_our_code(db):
    _, d = db
    rec = pq.read_table(d / "records.parquet")
    cla = pq.read_table(d / "claims.parquet")
    assert rec.num_rows == 12 and cla.num_rows == 3
    assert str(rec.schema.field("amount_yi").type) == "decimal128(18, 6)"
    assert sum(v for v in rec.column("amount_yi").to_pylist() if v is not None) == Decimal("230.5")
    assert sorted(cla.column("claim_id").to_pylist()) == ["A1#c1", "A1#c2", "A2#c1"]
    # and DuckDB reads them by path, with no table of ours involved
    fresh = duckdb.connect()
    assert fresh.execute(f"SELECT count(*), sum(amount_yi) FROM '{d / 'records.parquet'}'").fetchall() == \
        [(12, Decimal("230.5"))]


def test_finish_twice_gives_the_same_tables(db, tmp_path):
    con, d = db
    before = q(con, "SELECT project_id, record_ids FROM projects ORDER BY 1")
    database.finish(con, tmp_path, official_dir=d / "official")
    assert q(con, "SELECT project_id, record_ids FROM projects ORDER BY 1") == before
    assert q(con, "SELECT count(*) FROM official_figures") == [(4,)]


def _projects_by_aggregate(con):
    """projects computed the plain way: every project through the general GROUP BY."""
    return q(con, f"SELECT project_id, {projects._PROJECT_AGGREGATES} FROM project_mentions "
                  "GROUP BY project_id ORDER BY project_id")


def test_one_mention_shortcut_gives_the_aggregate_values(db, tmp_path):
    # hand-made data: projects of 1 to 3 mentions, without company, amount or name
    con, _ = db
    assert {n for (n,) in q(con, "SELECT n_mentions FROM projects")} == {1, 2, 3}
    assert q(con, "SELECT * FROM projects ORDER BY project_id") == _projects_by_aggregate(con)
    # the real corpus
    results = [extract_article(raw) for raw in read.read_inputs([str(ROOT / "corpora")])]
    store = Store(tmp_path / "pipeline.duckdb", fresh=True)
    store.add(results)
    store.close()
    con2 = duckdb.connect(str(tmp_path / "pipeline.duckdb"), read_only=True)
    assert q(con2, "SELECT count(*) FROM projects")[0][0] > 200
    assert q(con2, "SELECT * FROM projects ORDER BY project_id") == _projects_by_aggregate(con2)
    con2.close()


# --- roll-up property ------------------------------------------------------------------------

COUNTIES = {"411082": "411000", "411024": "411000", "410102": "410100", "320583": "320500"}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(COUNTIES)), st.integers(0, 1000)), min_size=1, max_size=12))
def test_roll_up_sums_agree_at_every_level(tmp_path_factory, rows):
    """Whatever the records, each county, city and province sums exactly the records inside it."""
    recs = [Record(article_id="P", record_id=f"P#r{i + 1}", company=f"公司{i}号集团", companies=[f"公司{i}号集团"],
                   county_code=code, county=code, city_code=COUNTIES[code], amount=amount / 10, currency="CNY",
                   amount_yi=amount / 10, project=f"项目{i}", evidence="…", start=0, end=1, rule="t")
            for i, (code, amount) in enumerate(rows)]
    path = tmp_path_factory.mktemp("prop") / "p.duckdb"
    con = build(path, [ArticleResult(art("P", "河南省", "2020-01-01"), recs)], None, refinish=False)
    got = {(lvl, code): s for lvl, code, s in q(con, """
        SELECT rr.level, rr.code, sum(r.amount_yi) FROM record_regions rr JOIN records r USING (record_id) GROUP BY ALL""")}
    want: dict = {}
    for code, amount in rows:
        for key in (("county", code), ("city", COUNTIES[code]), ("province", code[:2] + "0000")):
            want[key] = want.get(key, Decimal(0)) + Decimal(amount) / 10
    assert got == want


# --- the sample article ----------------------------------------------------------------------

def test_sample_article_coverage(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(SAMPLE), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(tmp_path / "pipeline.duckdb"), read_only=True)
    got = q(con, """SELECT records, records_with_amount, itemised_total_yi, claimed_count, claimed_total_yi,
                           share_of_total, share_of_count FROM article_coverage""")
    # 15 + 76.8 + 5 + 5 + 50 + 30 + 9 = 190.8 of 425.9 = 0.448; 11 records of 37 = 0.2973
    assert got == [(11, 7, Decimal("190.8"), 37, Decimal("425.9"), 0.448, 0.2973)]
    # the illustrative official figures of corpora/official/ (许昌市, 2020): the same 11 projects
    got = q(con, "SELECT metric, official_value, itemised_value, share FROM official_coverage "
                 "WHERE file = 'xuchang-2020-illustrative.csv' ORDER BY figure_id")
    assert got == [("signed_projects", Decimal("37"), Decimal("11"), 0.2973),
                   ("signed_amount_yi", Decimal("425.9"), Decimal("190.8"), 0.448)]
    assert (tmp_path / "records.parquet").exists() and (tmp_path / "claims.parquet").exists()


# --- the documentation -----------------------------------------------------------------------

def _documented_columns() -> dict[str, list[str]]:
    """docs/database.md: for each `### \\`name\\`` section, the first column of its first table."""
    doc = (ROOT / "docs" / "database.md").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for section in doc.split("\n### ")[1:]:
        name = section.split("`")[1]
        lines = section.splitlines()
        first = next((i for i, ln in enumerate(lines) if ln.startswith("| column ")), None)
        rows = []
        for ln in lines[first:] if first is not None else []:
            if not ln.startswith("|"):
                break
            rows.append(ln)
        if rows:
            out[name] = [r.split("|")[1].strip() for r in rows[2:]]
        elif "Same columns as `projects`" in section:
            out[name] = out["projects"]
    return out


def test_every_table_and_view_is_documented_column_by_column(db):
    con, _ = db
    documented = _documented_columns()
    actual = {t: [c for (c,) in q(con, f"""SELECT column_name FROM information_schema.columns
                                        WHERE table_schema = 'main' AND table_name = '{t}' ORDER BY ordinal_position""")]
              for (t,) in q(con, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")}
    assert sorted(documented) == sorted(actual)
    for name, cols in actual.items():
        assert documented[name] == cols, f"docs/database.md, {name}: documented {documented[name]}, actual {cols}"


def test_claims_of_an_official_source_are_official_figures(tmp_path):
    """A communiqué read like an article (metadata kind, or --official for the run): its claims are
    listed in official_claims with the issuer, the period and the measure; an ordinary article's
    are not; a wrong kind is an error row."""
    import json as _json
    import subprocess
    import sys
    lines = [
        {"id": "gb2020", "title": "长垣县2020年国民经济和社会发展统计公报", "date": "2021-03-20", "region": "长垣县",
         "source": "长垣县统计局", "kind": "communique",
         "text": "全年新签约招商引资项目46个,总投资218.5亿元。"},
        {"id": "news1", "date": "2020-12-01", "region": "长垣县", "source": "新乡日报",
         "text": "今年以来,全县累计签约项目40个,总投资200亿元。"},
        {"id": "bad", "date": "2020-12-01", "region": "长垣县", "kind": "newspaper", "text": "签约项目3个。"},
    ]
    p = tmp_path / "docs.jsonl"
    p.write_text("".join(_json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(p), "--out", str(out), "--jobs", "1", "--quiet"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
    got = q(con, """SELECT article_id, issuer, document, region_name, region_code, period_start::VARCHAR,
                           period_end::VARCHAR, stage, project_count, total_yi::DOUBLE FROM official_claims""")
    # the region as resolved today (长垣县 became 长垣市 in 2019); the period: the year the title names
    assert got == [("gb2020", "长垣县统计局", "communique", "长垣市", "410783", "2020-01-01", "2020-12-31", "signed",
                    46, 218.5)]
    arts = {a["article_id"]: a for a in map(_json.loads, (out / "articles.jsonl").read_text(encoding="utf-8").splitlines())}
    assert arts["gb2020"]["source_kind"] == "communique" and arts["news1"]["source_kind"] is None
    assert "kind 'newspaper'" in arts["bad"]["error"]
    con.close()
    # --official marks every article of the run; a stored article whose kind changes is extracted again
    r = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(p), "--out", str(tmp_path / "o2"), "--db",
                        str(out / "pipeline.duckdb"), "--official", "work_report", "--jobs", "1", "--quiet"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "2 unchanged" not in r.stderr and "1 unchanged" in r.stderr     # gb2020 keeps its own kind
    con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
    assert q(con, "SELECT article_id, document FROM official_claims ORDER BY 1") == [
        ("gb2020", "communique"), ("news1", "work_report")]
