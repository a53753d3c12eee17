"""The regression check: its scoring on hand-made data, the development corpus it runs on, and
the figures the assembly issue asks for."""
import json
from pathlib import Path

import pytest

from pipeline.regress import Counts, align, compare, evaluate, field_equal, flatten

ROOT = Path(__file__).resolve().parent.parent
CONSTRUCTIONS = [f"P{i}" for i in range(1, 15)] + [f"C{i}" for i in range(1, 11)]
GOLD_FIELDS = {"company", "county", "county_code", "city", "amount", "currency", "amount_qualifier",
               "amount_high", "project", "stage", "sector", "date"}


@pytest.mark.parametrize("name,gold,got,strict,lenient", [
    ("company", "百菲萨集团", "百菲萨集团", True, True),
    ("company", "百菲萨集团", "德国百菲萨集团", False, True),
    ("county", "城乡一体化示范区", "许昌市城乡一体化示范区", False, True),
    ("amount", 76.8, 76.80000001, True, True),
    ("amount", 76.8, 7.68, False, False),
    ("date", "2020-12", "2020-12-05", False, True),
    ("date", "2020-12", "2020-01/2020-12", False, True),
    ("date", "2020-11", "2020-12", False, False),
    ("stage", "signed", "negotiating", False, False),
    ("project", None, None, True, True),
    ("project", "X项目", None, False, False),
])
def test_field_equality(name, gold, got, strict, lenient):
    assert field_equal(name, gold, got, lenient=False) is strict
    assert field_equal(name, gold, got, lenient=True) is lenient


def test_alignment_is_one_to_one_and_prefers_the_best_pair():
    gold = [{"company": "A集团", "amount": 5, "county": "甲县"}, {"company": "B公司", "amount": 5, "county": "乙县"}]
    system = [{"company": "B公司", "amount": 5, "county": "乙县"}, {"company": "A集团", "amount": 5, "county": "甲县"},
              {"company": "C公司", "amount": 9}]
    assert align(gold, system) == [(0, 1), (1, 0)]


def test_prf_and_baseline_comparison():
    c = Counts(tp=8, fp=2, fn=0)
    assert c.prf() == {"precision": 0.8, "recall": 1.0, "f1": 0.8889}
    figures = {"fields": {"company:strict": {"precision": 0.9, "recall": 0.9, "f1": 0.9}}, "wholes": {},
               "company_correct_share": 1.0, "county_correct_share": 0.9}
    baseline = json.loads(json.dumps(figures))
    assert compare(figures, baseline) == []
    baseline["fields"]["company:strict"]["recall"] = 0.95
    assert compare(figures, baseline) == ["fields.company:strict.recall: 0.9000 < baseline 0.9500"]


REAL_FIELDS = {"company", "county", "city", "amount", "currency", "amount_qualifier", "amount_high", "project",
               "stage", "sector"}
CLAIM_FIELDS = {"scope", "project_count", "count_unit", "total_amount", "currency", "amount_qualifier", "measure",
                "category", "parent"}
MEASURES = {None, "investment", "contract", "funds_received", "fdi_actual", "fdi_contract", "completed"}
STAGES = {"signed", "negotiating", "started", "operating", "other"}


def _own_layout(folder: str) -> bool:
    return folder not in ("real", "realstyle")


def test_every_gold_file_is_well_formed_and_beside_its_article():
    golds = sorted(g for g in (ROOT / "corpora").rglob("*.gold.json") if _own_layout(g.parent.name))
    assert len(golds) >= 41
    for g in golds:
        data = json.loads(g.read_text(encoding="utf-8"))
        assert g.with_name(g.name.replace(".gold.json", ".txt")).exists(), g
        for r in data["records"]:
            assert set(r) == GOLD_FIELDS, (g.name, set(r) ^ GOLD_FIELDS)
        for c in data["claims"]:
            assert c.get("project_count") is not None or c.get("total_amount") is not None


@pytest.mark.parametrize("folder", ["real", "realstyle"])
def test_real_and_realstyle_gold_files_follow_the_guideline(folder):
    """corpora/real (texts kept out of the repository) and corpora/realstyle (our own words) are
    annotated by corpora/real/GUIDELINE.md: its fields, stages, measures and breakdown links."""
    golds = sorted((ROOT / "corpora" / folder).glob("*.gold.json"))
    assert golds, folder
    for g in golds:
        data = json.loads(g.read_text(encoding="utf-8"))
        name = g.name[: -len(".gold.json")]
        meta = json.loads(g.with_name(name + ".meta.json").read_text(encoding="utf-8"))
        assert data["article_id"] == name == meta["id"], g.name
        assert "region" not in meta, g.name                   # the home place is the extractor's to find
        assert set(data["home"]) == {"county", "city", "province"}, g.name
        if folder == "real":
            assert {"url", "title", "date", "sha256", "chars", "query"} <= set(meta), g.name
            assert not g.with_name(name + ".txt").exists(), g.name   # third-party texts stay in texts/
        else:
            assert g.with_name(name + ".txt").exists() and meta.get("modelled_on"), g.name
        for r in data["records"]:
            assert set(r) >= REAL_FIELDS, (g.name, REAL_FIELDS - set(r))
            assert r["stage"] in STAGES, (g.name, r["stage"])
            assert r["company"] or r["amount"] is not None, (g.name, r)
            assert (r["amount"] is None) == (r["currency"] is None), (g.name, r)
        for i, c in enumerate(data["claims"]):
            assert set(c) >= CLAIM_FIELDS, (g.name, CLAIM_FIELDS - set(c))
            assert c["project_count"] is not None or c["total_amount"] is not None, (g.name, c)
            assert c["measure"] in MEASURES and (c["measure"] is None) == (c["total_amount"] is None), (g.name, c)
            assert c["parent"] is None or 0 <= c["parent"] < len(data["claims"]) and c["parent"] != i, (g.name, c)


def test_every_construction_is_covered_at_least_twice():
    seen = {}
    for g in (ROOT / "corpora").rglob("*.gold.json"):
        for cid in json.loads(g.read_text(encoding="utf-8")).get("constructions", []):
            seen[cid] = seen.get(cid, 0) + 1
    assert {cid: seen.get(cid, 0) for cid in CONSTRUCTIONS if seen.get(cid, 0) < 2} == {}


def test_development_corpus_meets_the_targets(tmp_path):
    """The team's own corpora (dev, holdout, holdout2, the sample) meet the targets. (`make test`
    runs `pipeline regress` first: the whole of corpora/, realstyle included, against the
    committed baseline.)"""
    import shutil
    for part in ("dev", "holdout", "holdout2"):
        shutil.copytree(ROOT / "corpora" / part, tmp_path / part)
    for f in (ROOT / "corpora").glob("xuchang-daily-2020-12.*"):
        shutil.copy(f, tmp_path / f.name)
    own, _ = evaluate(tmp_path)
    w = own["wholes"]
    assert w["amount_records_strict"]["f1"] >= 0.95
    assert w["claims"]["f1"] >= 0.95
    assert own["company_correct_share"] >= 0.95
    assert own["county_correct_share"] >= 0.95
