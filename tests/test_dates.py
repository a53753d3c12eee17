"""Date recogniser: the table in tests/tables/dates.tsv, the publication parser, properties."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.dates import find_dates, parse_publication

TABLE = Path(__file__).parent / "tables" / "dates.tsv"


def _rows():
    with open(TABLE, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _split(cell: str | None) -> list[str]:
    cell = (cell or "").strip()
    return [part.strip() for part in cell.split("|")] if cell else []


ROWS = _rows()


def test_table_is_large_enough():
    assert len(ROWS) >= 50
    assert sum(1 for r in ROWS if not _split(r["text"])) >= 10      # negative rows


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}:{r['note']}" for i, r in enumerate(ROWS)])
def test_table(row):
    publication = row["publication"].strip() or None
    found = find_dates(row["context"], publication)
    expected = list(zip(_split(row["text"]), _split(row["value"]), _split(row["precision"])))
    assert [(m.text, m.value, m.precision) for m in found] == expected
    for m in found:
        assert row["context"][m.start:m.end] == m.text
        assert m.rule


# --- publication parser -------------------------------------------------------------------------

@pytest.mark.parametrize("value, iso, precision", [
    ("2023-03-15", "2023-03-15", "day"),
    ("2023-3-5", "2023-03-05", "day"),
    ("2023/03/15", "2023-03-15", "day"),
    ("2023.3.15", "2023-03-15", "day"),
    ("2023-03-15 08:30:00", "2023-03-15", "day"),
    ("2023-03-15T08:30:00+08:00", "2023-03-15", "day"),
    ("2023年3月15日", "2023-03-15", "day"),
    (" 2024-02-29 ", "2024-02-29", "day"),
    ("2023-03", "2023-03", "month"),
    ("2023年3月", "2023-03", "month"),
    ("2023", "2023", "year"),
    ("２０２３－０３－１５", "2023-03-15", "day"),
])
def test_parse_publication_good(value, iso, precision):
    mention = parse_publication(value)
    assert mention is not None
    assert (mention.value, mention.precision, mention.rule) == (iso, precision, "publication")


def test_parse_publication_date_object():
    assert parse_publication(dt.date(2020, 12, 1)).value == "2020-12-01"
    assert parse_publication(dt.datetime(2020, 12, 1, 9, 30)).value == "2020-12-01"


@pytest.mark.parametrize("value", [None, "", "   ", "unknown", "N/A", "20230315x", "23-03-15", "三月"])
def test_parse_publication_missing_or_malformed(value):
    assert parse_publication(value) is None


@pytest.mark.parametrize("value", ["2023-02-30", "2023-13", "2023-13-01", "2023-04-31", "2023-00-10",
                                   "2023-01-00", "2023-02-29"])
def test_parse_publication_impossible(value):
    with pytest.raises(ValueError, match="impossible publication date"):
        parse_publication(value)


def test_find_dates_rejects_impossible_publication():
    with pytest.raises(ValueError):
        find_dates("9月16日,项目签约", "2023-02-30")


def test_malformed_publication_is_no_publication():
    assert find_dates("9月16日,项目签约", "not a date") == []
    assert [m.value for m in find_dates("2023年9月16日,项目签约", "not a date")] == ["2023-09-16"]


# --- resolution details -------------------------------------------------------------------------

@pytest.mark.parametrize("text, publication, value", [
    ("9月16日签约", "2020", "2020-09-16"),          # year-only publication: no rollback possible
    ("15日签约", "2020", None),                   # a bare day needs the publication month
    ("昨日签约", "2020-05", None),                # a relative day needs the publication day
    ("近日签约", "2020", "2020"),                 # vague is as precise as the publication
    ("今年以来", "2020", "2020-01/2020"),
    ("下月初开工", "2020-12-05", "2021-01-01/2021-01-10"),
    ("2月底", "2024-03-01", "2024-02-21/2024-02-29"),   # leap year
    ("明年以来", "2020-05-01", None),             # "since" a date after publication
])
def test_resolution(text, publication, value):
    values = [m.value for m in find_dates(text, publication)]
    assert values == ([value] if value else [])


def test_rule_names_trace_since():
    (m,) = find_dates("今年以来签约17个项目", "2020-12-01")
    assert m.rule == "rel_year:since"


def test_deterministic():
    text = "2023年3月15日至2023年4月1日,今年1-5月,上半年,日前,12月初"
    assert find_dates(text, "2023-06-10") == find_dates(text, "2023-06-10")


# --- properties ---------------------------------------------------------------------------------

DATEISH = st.text(alphabet=list("0123456789０１２.-/~ 年月日号至到初中底末上下旬半季度第前今去明本同期以来一二三四五六七八九十〇零个近目此"),
                  max_size=40)
PUBLICATIONS = st.one_of(
    st.none(),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)).map(lambda d: d.isoformat()),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)).map(lambda d: d.isoformat()[:7]),
    st.integers(1950, 2090).map(str),
)


def _check(text, mentions):
    previous_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.start >= previous_end                   # sorted, non-overlapping
        previous_end = m.end
        assert m.precision in {"day", "month", "quarter", "year", "range", "vague"}
        assert m.value and m.rule


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), publication=PUBLICATIONS)
def test_arbitrary_text_never_raises(text, publication):
    _check(text, find_dates(text, publication))


@settings(max_examples=500, deadline=None)
@given(text=DATEISH, publication=PUBLICATIONS)
def test_dateish_text_never_raises(text, publication):
    mentions = find_dates(text, publication)
    _check(text, mentions)
    for m in mentions:
        for end in m.value.split("/"):
            assert end[:4].isdigit()


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_absolute_day_round_trip(day):
    text = f"{day.year}年{day.month}月{day.day}日,项目签约"
    (m,) = find_dates(text)
    assert (m.value, m.precision) == (day.isoformat(), "day")


def test_every_rule_match_holds_a_character_the_rule_needs():
    """rules/dates.toml `needs`: find_dates skips a rule on a text without any of those characters,
    which is only right if every match of the rule holds one. Checked on every match of every rule
    in the date table and in all corpus articles."""
    from pipeline.dates import _config, _translation
    from pipeline.normalise import normalise
    from pipeline.read import read_inputs

    texts = [row["context"] for row in _rows()]
    texts += [normalise(raw.text) for raw in read_inputs([str(Path(__file__).parent.parent / "corpora")]) if raw.text]
    rules = _config().rules
    assert all(rule.needs for rule in rules)
    checked = 0
    for text in texts:
        probe = text.translate(_translation())
        for rule in rules:
            for m in rule.pattern.finditer(probe, overlapped=True):
                if m.end() > m.start():
                    assert rule.needs & set(m.group()), (rule.name, m.group())
                    checked += 1
    assert checked > 500
