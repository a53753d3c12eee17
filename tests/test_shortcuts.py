"""The shortcuts that keep extraction fast give the same mentions as the plain way."""
from pathlib import Path

import pytest

from pipeline.amounts import find_amounts
from pipeline.dates import find_dates
from pipeline.extract import _amounts_by_paragraph
from pipeline.normalise import normalise
from pipeline.read import read_txt
from pipeline.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "corpora").rglob("*.txt"))


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_amounts_by_paragraph_equal_amounts_of_the_whole_text(path):
    text = normalise(path.read_text(encoding="utf-8"))
    assert _amounts_by_paragraph(text, 2020) == find_amounts(text, 2020)


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_dates_by_sentence_equal_dates_of_the_whole_text(path):
    raw = read_txt(path)
    text = normalise(raw.text)
    whole = find_dates(text, raw.date)
    by_sentence = []
    for s in split_sentences(text):
        by_sentence += [(d.start + s.start, d.value) for d in find_dates(s.text, raw.date)]
    assert by_sentence == [(d.start, d.value) for d in whole]
