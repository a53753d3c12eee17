"""The sample article the project was created from (OCR'd 许昌日报 page, December 2020):
end to end through the command line, into JSONL and DuckDB."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpora" / "xuchang-daily-2020-12.txt"

# (company, county, amount in 亿元) — the seven itemised projects with amounts
EXPECTED = {
    ("百菲萨", "长葛市", 15.0),
    ("振德集团", "鄢陵县", 76.8),
    ("上海电气集团", "襄城县", 5.0),
    ("力玄科技公司", "魏都区", 5.0),
    ("新城控股公司", "东城区", 50.0),
    ("平安建投公司", "城乡一体化示范区", 30.0),
    ("中骏集团", "许昌经济技术开发区", 9.0),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(ARTICLE), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _matches(rec: dict, company: str, county: str, amount: float) -> bool:
    return (rec["company"] is not None and company in rec["company"]
            and rec["county"] is not None and county in rec["county"]
            and rec["amount_yi"] == pytest.approx(amount))


def test_exactly_the_seven_records_with_amounts(out):
    records = [r for r in _jsonl(out / "records.jsonl") if r["amount"] is not None]
    assert len(records) == 7, [(r["company"], r["county"], r["amount"]) for r in records]
    for company, county, amount in EXPECTED:
        hits = [r for r in records if _matches(r, company, county, amount)]
        assert len(hits) == 1, (company, county, amount, [(r["company"], r["county"], r["amount"]) for r in records])


def test_places_are_resolved_in_xuchang(out):
    records = {r["company"]: r for r in _jsonl(out / "records.jsonl") if r["amount"] is not None}
    assert records["新城控股公司"]["county_code"] != "110101"       # not Beijing's 东城区
    assert records["新城控股公司"]["city"] == "许昌市"
    assert records["上海电气集团"]["county_code"] == "411025"       # 襄城县 of 许昌, not 襄阳's 襄城区
    assert records["力玄科技公司"]["county_code"] == "411002"
    assert records["振德集团"]["county_code"] == "411024"
    assert all(r["currency"] == "CNY" for r in records.values())


def test_records_are_traceable(out):
    text = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True).execute(
        "SELECT text FROM articles").fetchone()[0]
    for r in _jsonl(out / "records.jsonl") + _jsonl(out / "claims.jsonl"):
        assert text[r["start"]:r["end"]] == r["evidence"]
        assert r["rule"]
    for r in _jsonl(out / "records.jsonl"):
        if r["amount_text"]:
            assert r["amount_text"] in r["evidence"]


def test_claims(out):
    claims = _jsonl(out / "claims.jsonl")
    pairs = [(c["project_count"], c["total_yi"]) for c in claims]
    assert pairs.count((37, 425.9)) == 1, pairs          # stated twice, one claim
    assert (7, 154.3) in pairs
    assert (30, None) in pairs
    assert (26, None) in pairs
    assert (10, None) in pairs and (3, None) in pairs     # 10多个合作意向, 三项合作协议
    assert not any(c["project_count"] == 37 and c["total_yi"] is None for c in claims)


def test_no_record_or_claim_from_distractors(out):
    records = _jsonl(out / "records.jsonl")
    claims = _jsonl(out / "claims.jsonl")
    counts = {c["project_count"] for c in claims}
    assert not counts & {720, 40, 1818, 11, 41, 18}
    # 拜访考察…等4家企业 is a visit; the 4 that is a claim counts the city's projects on stage
    assert [c["scope"] for c in claims if c["project_count"] == 4] == ["我市有"]
    for r in records:
        assert r["amount_text"] is None or "吨" not in r["amount_text"]
        assert "E-mail" not in r["evidence"] and "电话" not in r["evidence"]
    amounts = {r["amount"] for r in records if r["amount"] is not None}
    assert amounts <= {15.0, 76.8, 5.0, 50.0, 30.0, 9.0}
    for c in claims:
        assert "跟踪台账" not in c["scope"] and "商户" not in c["scope"]


def test_coverage_view(out):
    con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
    row = con.execute("""SELECT itemised_count, itemised_total_yi FROM coverage
                         WHERE claimed_count = 37 AND claimed_total_yi = 425.9""").fetchall()
    assert len(row) == 1
    assert row[0][0] == 7
    assert float(row[0][1]) == pytest.approx(190.8)
    assert str(row[0][1]).startswith("190.8")


def test_article_row(out):
    (art,) = _jsonl(out / "articles.jsonl")
    assert art["status"] == "ok" and art["error"] is None
    assert art["source"] == "许昌日报" and art["date"] == "2020-12"
    assert art["n_records"] == len(_jsonl(out / "records.jsonl"))
    assert art["n_claims"] == len(_jsonl(out / "claims.jsonl"))


def test_pkuseg_segmenter_gives_the_same_seven(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(ARTICLE), "--out", str(tmp_path),
                           "--segmenter", "pkuseg"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    records = [r for r in _jsonl(tmp_path / "records.jsonl") if r["amount"] is not None]
    assert len(records) == 7
    for expected in EXPECTED:
        assert sum(_matches(r, *expected) for r in records) == 1, expected
