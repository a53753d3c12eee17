"""The home stage (pipeline/home.py, rules/home.toml): which place an article is about when its
metadata gives no region, from its headline, source name, by-line, signing party and anaphora."""
import pytest

from pipeline.extract import extract_article
from pipeline.read import RawArticle
from tablefile import rows

TABLE = rows("home.tsv")


def _article(row):
    return extract_article(RawArticle(id=row["id"], origin="-", text=row["text"], date="2021-05",
                                      region=row["region"] or None, title=row["title"] or None,
                                      source=row["source"] or None)).article


@pytest.mark.parametrize("row", TABLE, ids=[r["id"] for r in TABLE])
def test_home(row):
    art = _article(row)
    assert art.status == "ok", art.error
    got = (art.home or "", art.home_code or "", ":".join((art.home_rule or "").split(":")[:2]))
    assert got == (row["home"], row["code"], row["rule"]), row["note"]


def test_blank_region_is_no_region():
    row = next(r for r in TABLE if r["id"] == "t2")
    assert _article({**row, "region": "  "}).home == "固安县"


def test_home_rule_names_each_signal_once():
    for row in TABLE:
        art = _article(row)
        if art.home_rule and art.home_rule.count(":") == 2:
            signals = art.home_rule.split(":")[2].split("+")
            assert len(signals) == len(set(signals)), art.home_rule
