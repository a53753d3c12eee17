"""The gazetteer data under rules/places/: the generated divisions table, the hand-curated former
names, zones and townships, and the short-form rules of the build script."""
from __future__ import annotations

from collections import Counter

import pytest

from pipeline import build_gazetteer
from pipeline.rules import load_toml, load_tsv

DIV = load_tsv("places/divisions.tsv")
BY_CODE = {r["code"]: r for r in DIV}
RULES = load_toml("places.toml")


def test_codes_unique_and_six_digits():
    codes = [r["code"] for r in DIV]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)


def test_level_counts():
    levels = Counter(r["level"] for r in DIV)
    assert levels["province"] == 34            # 31 + 台湾省, 香港, 澳门 (their districts dropped)
    assert 330 <= levels["city"] <= 345
    assert 2840 <= levels["county"] <= 2900


@pytest.mark.parametrize("code, name, level, city, province", [
    ("411003", "建安区", "county", "许昌市", "河南省"),        # not 许昌县
    ("411025", "襄城县", "county", "许昌市", "河南省"),
    ("411082", "长葛市", "county", "许昌市", "河南省"),
    ("411000", "许昌市", "city", "许昌市", "河南省"),
    ("110101", "东城区", "county", "北京市", "北京市"),
    ("110000", "北京市", "province", "北京市", "北京市"),     # municipality: its own city
    ("500243", "彭水苗族土家族自治县", "county", "重庆市", "重庆市"),
    ("419001", "济源市", "county", "", "河南省"),            # province-administered
    ("513402", "会理市", "county", "凉山彝族自治州", "四川省"),  # 2021
    ("540481", "米林市", "county", "林芝市", "西藏自治区"),     # 2023
    ("653228", "和康县", "county", "和田地区", "新疆维吾尔自治区"),  # 2024
    ("460302", "西沙区", "county", "三沙市", "海南省"),       # supplement
])
def test_known_units(code, name, level, city, province):
    r = BY_CODE[code]
    assert (r["name"], r["level"], r["city"], r["province"]) == (name, level, city, province)


def test_no_renamed_or_dropped_units_as_current():
    names = {r["name"] for r in DIV}
    assert "许昌县" not in names and "苏鲁交界" not in names and "海域" not in names
    assert not any(r["code"].startswith(("71", "81", "82")) and r["level"] != "province" for r in DIV)
    assert "320576" not in BY_CODE            # 苏州工业园区 is a zone (zones.tsv), not a division


def test_supplement_rows_present_with_status():
    for row in load_tsv("places/supplement.tsv"):
        assert BY_CODE[row["code"]]["name"] == row["name"]
        assert BY_CODE[row["code"]]["status"] == row["status"]


def test_parents_exist():
    for r in DIV:
        if r["city_code"]:
            assert BY_CODE[r["city_code"]]["name"] == r["city"], r
        assert BY_CODE[r["province_code"]]["name"] == r["province"], r


# --------------------------------------------------------------------------- short forms

def test_short_forms_respect_rules():
    blocked = set(RULES["short_forms"]["blocklist"])
    owners = Counter()
    for r in DIV:
        for f in filter(None, r["short_forms"].split("|")):
            assert f not in blocked and len(f) >= 2, r
            owners[f] += 1
    assert owners["襄城"] == 2                 # same level in two cities: kept, context decides
    assert owners["许昌"] == 1 and owners["抚顺"] == 1     # city shadows 抚顺县
    assert "合作" not in owners and "朝阳" not in owners
    assert BY_CODE["130121"]["short_forms"] == "井陉"
    assert BY_CODE["130107"]["short_forms"] == ""          # 井陉矿区
    assert BY_CODE["220000"]["short_forms"] == "吉林"
    assert BY_CODE["220200"]["short_forms"] == ""          # 吉林市: 吉林 is the province


@pytest.mark.parametrize("name, level, forms", [
    ("长葛市", "county", ["长葛"]),
    ("襄城县", "county", ["襄城"]),
    ("魏都区", "county", ["魏都"]),
    ("赵县", "county", []),
    ("城区", "county", []),
    ("管城回族区", "county", ["管城"]),
    ("彭水苗族土家族自治县", "county", ["彭水", "彭水县"]),
    ("长白朝鲜族自治县", "county", ["长白", "长白县"]),
    ("积石山保安族东乡族撒拉族自治县", "county", ["积石山", "积石山县"]),
    ("东乡族自治县", "county", ["东乡", "东乡县"]),
    ("鄂伦春自治旗", "county", ["鄂伦春", "鄂伦春旗"]),
    ("神农架林区", "county", ["神农架"]),
    ("六枝特区", "county", ["六枝"]),
    ("浦东新区", "county", ["浦东"]),
    ("恩施土家族苗族自治州", "city", ["恩施", "恩施州"]),
    ("伊犁哈萨克自治州", "city", ["伊犁", "伊犁州"]),
    ("阿克苏地区", "city", ["阿克苏"]),
    ("兴安盟", "city", ["兴安"]),
    ("雄安新区", "city", ["雄安"]),
    ("内蒙古自治区", "province", ["内蒙古"]),
    ("广西壮族自治区", "province", ["广西"]),
    ("香港特别行政区", "province", ["香港"]),
    ("河南省", "province", ["河南"]),
    ("北京市", "province", ["北京"]),
])
def test_cut_suffix(name, level, forms):
    assert build_gazetteer.cut_suffix(name, level, RULES) == forms


def test_build_is_deterministic():
    try:
        first = build_gazetteer.generate()
    except build_gazetteer.SourceMissing as exc:
        pytest.skip(f"source package for the gazetteer not installed: {exc}")
    assert first == build_gazetteer.generate()


# --------------------------------------------------------------------------- hand-curated files

def test_former_names_point_to_current_units():
    rows = load_tsv("places/former_names.tsv")
    assert len(rows) >= 16
    current = {r["name"] for r in DIV}
    for row in rows:
        unit = BY_CODE[row["code"]]
        assert unit["name"] == row["new_name"], row
        assert unit["city"] == row["city"], row
        assert row["change"] in ("rename", "merge")
        assert 1990 < int(row["year"]) <= 2025
        # an old name that is a current name elsewhere (清河区 of 铁岭) is left to context
        assert row["old_name"] not in current or row["old_name"] in ("清河区",), row
        # the code the unit had before the change (溧水县 320124, now 溧水区 320117)
        assert len(row["old_code"]) == 6 and row["old_code"][:2] == row["code"][:2] or \
            row["old_code"][:2] == "54", row       # 西藏's codes were renumbered with its cities
        assert row["old_code_source"] in ("chineseregion-0.0.5", "cpca-0.5.5", "curator"), row
    assert {"old_name": "许昌县", "new_name": "建安区", "code": "411003", "city": "许昌市",
            "year": "2017", "change": "rename", "old_code": "411023",
            "old_code_source": "chineseregion-0.0.5"} in [dict(r) for r in rows]
    by_old = {r["old_name"]: r for r in rows}
    assert by_old["溧水县"]["old_code"] == "320124" and by_old["溧水县"]["code"] == "320117"


def test_zones_are_consistent():
    rows = load_tsv("places/zones.tsv")
    assert len(rows) >= 30
    names = Counter(r["name"] for r in rows)
    assert max(names.values()) == 1
    for row in rows:
        if row["city_code"]:
            assert BY_CODE[row["city_code"]]["name"] == row["city"], row
            assert BY_CODE[row["city_code"]]["province_code"] == row["province_code"], row
        if row["county_code"]:
            assert BY_CODE[row["county_code"]]["name"] == row["county"], row
            assert BY_CODE[row["county_code"]]["city_code"] == row["city_code"], row
        assert BY_CODE[row["province_code"]]["level"] == "province"
        assert row["kind"] in ("etdz", "htz", "new_area", "cluster", "other")
        if row["code"]:
            assert row["code"] not in BY_CODE
    xuchang = {r["name"]: r for r in rows if r["city"] == "许昌市"}
    assert {"许昌经济技术开发区", "许昌市城乡一体化示范区", "东城区"} <= set(xuchang)
    assert "示范区" in xuchang["许昌市城乡一体化示范区"]["home_aliases"].split("|")
    assert "许昌经开区" in xuchang["许昌经济技术开发区"]["aliases"].split("|")


def test_townships_belong_to_known_counties():
    rows = load_tsv("places/townships.tsv")
    assert len(rows) >= 40
    for row in rows:
        assert BY_CODE[row["county_code"]]["name"] == row["county"], row
        assert row["name"].endswith(("镇", "乡")), row
    assert {"name": "大周镇", "county": "长葛市", "county_code": "411082"} in [dict(r) for r in rows]


def test_context_lists_name_real_places():
    surfaces = {r["name"] for r in DIV} | {r["old_name"] for r in load_tsv("places/former_names.tsv")}
    for name in RULES["context"]["needs_boundary"] + RULES["context"]["needs_prefix"]:
        assert name in surfaces, name
