"""Whether signed projects land (issue 16): the projects' course (first signed, started, operating),
the `landing` view on hand-made data with hand-computed numbers, and the link score of the matcher
on hand-made gold links. The articles are invented, in our own words."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipeline import database
from pipeline.linkscore import score_links
from test_batch import query, run

ARTICLES = [
    {"id": "s1", "date": "2020-03-05", "region": "长垣县", "title": "长垣县签约新型建材项目",
     "text": "3月5日,长垣县与华泰新材料有限公司签订了总投资5亿元的新型建材项目。"},
    {"id": "s2", "date": "2020-04-12", "region": "长垣县", "title": "长垣县签约农产品加工项目",
     "text": "4月12日,长垣县与绿源农业科技有限公司签约总投资3亿元的农产品加工项目。"},
    {"id": "t1", "date": "2020-09-10", "region": "长垣县", "title": "华泰新型建材项目开工",
     "text": "9月10日,华泰新材料新型建材项目在长垣县开工建设,项目总投资5亿元。"},
    {"id": "s3", "date": "2021-02-20", "region": "长垣县", "title": "长垣县签约食品项目",
     "text": "2月20日,长垣县与蓝海食品有限公司签订了总投资2亿元的休闲食品项目。"},
    {"id": "o3", "date": "2022-01-15", "region": "长垣县", "title": "蓝海休闲食品项目投产",
     "text": "1月15日,蓝海食品休闲食品项目在长垣县建成投产,总投资2亿元。"},
]


def _dump(tmp_path: Path) -> Path:
    p = tmp_path / "chain.jsonl"
    p.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    return p


def test_projects_follow_a_signing_to_its_start_and_opening(tmp_path):
    out = tmp_path / "out"
    run("extract", _dump(tmp_path), "--out", out)
    db = out / "pipeline.duckdb"
    rows = query(db, "SELECT project_id, stages, first_signed::VARCHAR, first_started::VARCHAR, "
                     "first_operating::VARCHAR, signed_amount_yi::DOUBLE FROM projects ORDER BY project_id")
    assert rows == [
        ("s1#r1", ["signed", "started"], "2020-03-05", "2020-09-10", None, 5.0),   # 华泰新材料有限公司 / 华泰新材料
        ("s2#r1", ["signed"], "2020-04-12", None, None, 3.0),
        ("s3#r1", ["signed", "operating"], "2021-02-20", None, "2022-01-15", 2.0),
    ]
    landing = query(db, "SELECT region_name, region_code, signing_year, projects_signed, amount_signed_yi::DOUBLE, "
                        "reported_started, reported_operating, share_started, share_operating, median_months_to_start "
                        "FROM landing ORDER BY signing_year")
    # 2020: two signed (5 + 3 亿元), one started 189 days after signing (189 / 30.4375 = 6.2 months)
    # 2021: one signed, reported operating (so started), no start report: no months to start
    assert landing == [("长垣县", "410783", 2020, 2, 8.0, 1, 0, 0.5, 0.0, 6.2),
                       ("长垣县", "410783", 2021, 1, 2.0, 1, 1, 1.0, 1.0, None)]


def _landing_sql() -> str:
    return next(v for v in database.VIEWS if "VIEW landing" in v)


PROJECTS = [  # project_id, county, county_code, city, city_code, first_signed, first_started, first_operating, amount
    ("a", "长垣县", "410783", "新乡市", "410700", "2020-01-10", "2020-03-10", None, 10.0),     # 60 days
    ("b", "长垣县", "410783", "新乡市", "410700", "2020-02-01", "2020-06-01", "2021-01-01", 4.0),   # 121 days
    ("c", "长垣县", "410783", "新乡市", "410700", "2020-05-01", "2021-03-01", None, None),      # 304 days
    ("d", "长垣县", "410783", "新乡市", "410700", "2020-07-01", "2019-12-01", None, 6.0),       # a start before the signing
    ("e", "长垣县", "410783", "新乡市", "410700", "2020-08-01", None, None, 1.5),               # never reported again
    ("f", None, None, "新乡市", "410700", "2021-04-01", None, "2021-10-01", 2.0),              # city only; operating
    ("g", "长垣县", "410783", "新乡市", "410700", None, "2020-05-01", None, 3.0),              # never reported signed
]


def test_landing_view_on_hand_made_projects():
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE projects (project_id VARCHAR, county VARCHAR, county_code VARCHAR, city VARCHAR,
                    city_code VARCHAR, first_signed DATE, first_started DATE, first_operating DATE,
                    signed_amount_yi {database.DECIMAL})""")
    con.executemany("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", PROJECTS)
    con.execute(_landing_sql())
    got = con.execute("SELECT region_level, region_code, region_name, signing_year, projects_signed, projects_with_amount, "
                      "amount_signed_yi::DOUBLE, reported_started, reported_operating, share_started, share_operating, "
                      "median_months_to_start, project_ids FROM landing").fetchall()
    # 长垣县 2020: a-e signed; started after signing: a, b, c (d's start came before); operating: b;
    # months to start 60, 121, 304 days / 30.4375 → median 121 / 30.4375 = 3.98 → 4.0
    assert got == [
        ("city", "410700", "新乡市", 2021, 1, 1, 2.0, 1, 1, 1.0, 1.0, None, ["f"]),
        ("county", "410783", "长垣县", 2020, 5, 4, 21.5, 3, 1, 0.6, 0.2, 4.0, ["a", "b", "c", "d", "e"]),
    ] or got == [
        ("county", "410783", "长垣县", 2020, 5, 4, 21.5, 3, 1, 0.6, 0.2, 4.0, ["a", "b", "c", "d", "e"]),
        ("city", "410700", "新乡市", 2021, 1, 1, 2.0, 1, 1, 1.0, 1.0, None, ["f"]),
    ]


@pytest.fixture
def chain_corpus(tmp_path):
    folder = tmp_path / "chains"
    folder.mkdir()
    golds = {
        "s1": [{"company": "华泰新材料有限公司", "county": "长垣县", "amount": 5, "project": "新型建材项目", "stage": "signed"}],
        "s2": [{"company": "绿源农业科技有限公司", "county": "长垣县", "amount": 3, "project": "农产品加工项目", "stage": "signed"}],
        "t1": [{"company": "华泰新材料", "county": "长垣县", "amount": 5, "project": "华泰新材料新型建材项目", "stage": "started"}],
    }
    for a in ARTICLES:
        if a["id"] not in golds:
            continue
        (folder / f"{a['id']}.txt").write_text(a["text"], encoding="utf-8")
        meta = {k: a[k] for k in ("id", "date", "region", "title")}
        (folder / f"{a['id']}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        (folder / f"{a['id']}.gold.json").write_text(json.dumps({"article_id": a["id"], "records": golds[a["id"]]},
                                                                ensure_ascii=False), encoding="utf-8")
    links = [{"chain": "k1", "project": "华泰新材料 新型建材项目",
              "mentions": [{"article_id": "s1", "record": 0, "stage": "signed"},
                           {"article_id": "t1", "record": 0, "stage": "started"}]},
             {"chain": "k2", "project": "绿源 农产品加工项目 (signed only)",
              "mentions": [{"article_id": "s2", "record": 0, "stage": "signed"}]}]
    path = folder / "links.json"
    path.write_text(json.dumps(links, ensure_ascii=False), encoding="utf-8")
    return path


def test_link_score_on_hand_made_links(chain_corpus, tmp_path):
    s = score_links(chain_corpus, work=tmp_path)
    f = s.figures()
    assert (f["chains"], f["mentions"], f["mentions_found"], f["gold_pairs"], f["gold_pairs_linked"]) == (2, 3, 3, 1, 1)
    assert (f["predicted_pairs"], f["predicted_pairs_right"], f["recall"], f["precision"]) == (1, 1, 1.0, 1.0)
    assert s.reports[0].mentions == ["s1#r1", "t1#r1"]


def test_link_score_counts_a_wrong_link_and_a_missed_one(chain_corpus, tmp_path):
    links = json.loads(chain_corpus.read_text(encoding="utf-8"))
    # gold says s2's project is the one t1 starts (it is not what the matcher links): a miss, and
    # the matcher's s1–t1 link becomes a wrong one
    links[0]["mentions"][0]["article_id"] = "s2"
    links[1]["mentions"][0]["article_id"] = "s1"
    chain_corpus.write_text(json.dumps(links, ensure_ascii=False), encoding="utf-8")
    f = score_links(chain_corpus, work=tmp_path).figures()
    assert (f["gold_pairs"], f["gold_pairs_linked"], f["predicted_pairs"], f["predicted_pairs_right"]) == (1, 0, 1, 0)
    assert f["f1"] == 0.0


@pytest.mark.parametrize("later_date, later_text, one_project", [
    # the signing told again: another name for the same investor's project, the same month
    ("2020-07-20", "7月20日,记者走访了欣源电池项目工地。去年3月,欣源电池股份有限公司在长垣县签约了新能源项目。", True),
    # the same investor, another name, another time: another project
    ("2020-11-20", "11月20日,欣源电池股份有限公司与长垣县签约了储能材料项目。", False),
])
def test_a_reworded_project_of_the_same_investor_at_the_same_time_is_one_project(tmp_path, later_date, later_text,
                                                                                  one_project):
    arts = [{"id": "x1", "date": "2019-03-27", "region": "长垣县",
             "text": "3月27日,长垣县与欣源电池股份有限公司签订了动力电池项目合作协议。"},
            {"id": "x2", "date": later_date, "region": "长垣县", "text": later_text}]
    p = tmp_path / "x.jsonl"
    p.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in arts), encoding="utf-8")
    run("extract", p, "--out", tmp_path / "out")
    db = tmp_path / "out" / "pipeline.duckdb"
    recs = query(db, "SELECT article_id, company, project, date FROM records ORDER BY record_id")
    assert [r[0] for r in recs] == ["x1", "x2"], recs
    n = query(db, "SELECT count(*) FROM projects")[0][0]
    assert n == (1 if one_project else 2), recs


# a start report that recalls the signing under another name for the project (our own words): the
# record is of the start, dated as the article, and keeps the signing's month as signed_date; the
# matcher compares that with the signing report (same investor, amount and time) and links the two.
# Without the recalled signing the names differ and the times do not overlap: no link
RECALLED = [
    {"id": "s4", "date": "2019-03-27", "region": "长垣县", "title": "长垣县签约碳纤维项目",
     "text": "3月27日,长垣县与恒宇新材料股份有限公司签订了总投资28亿元的碳纤维项目。"},
    {"id": "t4", "date": "2020-06-18", "region": "长垣县", "title": "恒宇新材料高性能纤维产业园开工",
     "text": "6月16日,恒宇新材料高性能纤维产业园在长垣县开工。据了解,恒宇新材料股份有限公司总投资28亿元的"
             "高性能纤维产业园项目于2019年3月签约落户。"},
    # another firm's start that recalls a signing nobody reported: the project's first signing
    {"id": "t5", "date": "2021-05-20", "region": "长垣县", "title": "绿洲环保再生资源产业园开工",
     "text": "5月18日,绿洲环保再生资源产业园在长垣县开工。据悉,绿洲环保科技有限公司投资12亿元的"
             "再生资源产业园项目去年8月签约落户。"},
]


@pytest.mark.parametrize("recalled", [True, False])
def test_a_recalled_signing_links_the_start_to_its_signing(tmp_path, recalled):
    arts = [dict(a) for a in RECALLED]
    if not recalled:        # the same start reports without the words that recall the signing
        for a, said in zip(arts[1:], ("于2019年3月签约落户", "去年8月签约落户")):
            assert said in a["text"]
            a["text"] = a["text"].replace(said, "由该公司建设")
    p = tmp_path / "recalled.jsonl"
    p.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in arts), encoding="utf-8")
    out = tmp_path / "out"
    run("extract", p, "--out", out)
    db = out / "pipeline.duckdb"
    recs = query(db, "SELECT article_id, stage, date, signed_date FROM records "
                     "WHERE amount_yi IS NOT NULL ORDER BY article_id")
    rows = query(db, "SELECT project_id, stages, first_signed::VARCHAR, first_started::VARCHAR FROM projects "
                     "WHERE amount_yi IS NOT NULL ORDER BY project_id")
    if recalled:
        assert recs == [("s4", "signed", "2019-03-27", None), ("t4", "started", "2020-06-18", "2019-03"),
                        ("t5", "started", "2021-05-20", "2020-08")]
        assert rows == [("s4#r1", ["signed", "started"], "2019-03-27", "2020-06-18"),
                        ("t5#r1", ["started"], "2020-08-01", "2021-05-20")]
        landing = query(db, "SELECT signing_year, projects_signed, reported_started, median_months_to_start "
                            "FROM landing ORDER BY signing_year")
        # 2019-03-27 to 2020-06-18: 449 days, 14.8 months; 2020-08-01 to 2021-05-20: 292 days, 9.6
        assert landing == [(2019, 1, 1, 14.8), (2020, 1, 1, 9.6)]
    else:
        assert [(a, s, sd) for a, s, _, sd in recs] == [("s4", "signed", None), ("t4", "started", None),
                                                        ("t5", "started", None)]
        assert [r[0] for r in rows] == ["s4#r1", "t4#r1", "t5#r1"]
