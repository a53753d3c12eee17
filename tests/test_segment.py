"""Segment stage: the direct jieba path gives spaCy's tokens, and the fast dictionary cache is
jieba's own dictionary."""
from pathlib import Path

import pytest

from pipeline import segment as sg
from pipeline.normalise import normalise
from pipeline.read import read_inputs
from pipeline.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent


def _sentences():
    for raw in read_inputs([str(ROOT / "corpora")]):
        if raw.text:
            for s in split_sentences(normalise(raw.text)):
                yield s.text


def test_direct_jieba_equals_spacy_tokens_on_every_corpus_sentence():
    nlp = sg.get_nlp("jieba")
    n = 0
    for text in _sentences():
        # the sentence, a piece cut inside a word, and one with Latin words and runs of spaces
        for t in (text, text[:7], " a b  c " + text[3:12] + "  x"):
            expected = [(tok.idx, tok.idx + len(tok.text)) for tok in nlp.make_doc(t) if not tok.is_space]
            assert list(sg.segment(t, "jieba")) == expected, t
            n += 1
    assert n > 3000


@pytest.mark.parametrize("text, tokens", [
    ("投资兴建", ["投资", "兴建"]),
    ("新上高档项目", ["新上", "高档", "项目"]),          # not 上高 (上高县)
    ("Siemens AG 与", ["Siemens", "AG", "与"]),       # spaces are no tokens
    ("百菲萨(中国)投资有限公司", ["百菲萨", "(", "中国", ")", "投资", "有限公司"]),   # 有限公司: rules/lexicon.txt
])
def test_segment_table(text, tokens):
    assert [text[a:b] for a, b in sg.segment(text, "jieba")] == tokens


def test_fast_dictionary_cache_is_jiebas_dictionary(tmp_path, monkeypatch):
    import jieba

    monkeypatch.setattr(sg, "CACHE_DIR", tmp_path)
    reference = jieba.Tokenizer()
    reference.initialize()
    for attempt in ("build", "load"):          # first run writes the cache, the second reads it
        tok = jieba.Tokenizer()
        monkeypatch.setattr(jieba, "dt", tok)
        sg._load_freq(jieba)
        assert tok.initialized
        assert tok.total == reference.total
        if attempt == "load":
            assert tok.FREQ == {}                  # nothing loaded before a text asks for it
            tok.lcut("投资兴建")
            assert set(w[0] for w in tok.FREQ) == set("投资兴建")
            assert all(tok.FREQ[w] == reference.FREQ[w] for w in tok.FREQ)
            tok._pipeline_groups.load("".join({w[0] for w in reference.FREQ}))
        assert tok.FREQ == reference.FREQ, attempt
        assert len(list(tmp_path.glob("jieba-*"))) == 2


def test_a_dictionary_loaded_by_first_character_segments_as_the_whole_one(tmp_path, monkeypatch):
    """Each text is segmented by a fresh tokenizer that has loaded only the groups of the texts
    before it and its own, and by jieba's own: the tokens agree (the user lexicon included)."""
    import jieba

    monkeypatch.setattr(sg, "CACHE_DIR", tmp_path)
    whole = jieba.Tokenizer()
    whole.initialize()
    sg._load_user_words(lambda w, f: whole.add_word(w, f))
    monkeypatch.setattr(jieba, "dt", jieba.Tokenizer())
    sg._load_freq(jieba)                       # writes the cache
    lazy = jieba.Tokenizer()
    monkeypatch.setattr(jieba, "dt", lazy)
    sg._load_freq(jieba)                       # reads it
    sg._add_user_words(lazy)
    assert lazy._pipeline_groups.pending
    n = 0
    for text in _sentences():
        assert lazy.lcut(text) == whole.lcut(text), text
        assert lazy.lcut(text, HMM=False) == whole.lcut(text, HMM=False), text
        n += 1
    assert n > 1000
    assert lazy.total == whole.total


def test_broken_cache_falls_back_to_jieba(tmp_path, monkeypatch):
    import jieba

    monkeypatch.setattr(sg, "CACHE_DIR", tmp_path)
    tok = jieba.Tokenizer()
    monkeypatch.setattr(jieba, "dt", tok)
    key = sg._freq_cache_key(jieba)
    (tmp_path / f"jieba-{key}.keys").write_text("a\nb", encoding="utf-8")
    (tmp_path / f"jieba-{key}.freq").write_bytes(b"\x01" * 8)      # lengths disagree
    sg._load_freq(jieba)
    assert tok.initialized and len(tok.FREQ) > 100_000
