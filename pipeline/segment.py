"""Segment stage: word segmentation with spaCy's Chinese language (`spacy.blank("zh")`), using
jieba by default or pkuseg (its default model, shipped with the `pkuseg` package).

The segmenter and its user lexicon (rules/lexicon.txt: company suffixes, boundary words) are
loaded once per process. Only sentences that can carry a record or a claim are segmented (the
assemble stage asks for them), which keeps the pipeline well ahead of segmenting everything.
"""
from __future__ import annotations

import functools
import os

import regex

from .rules import RULES_DIR

SEGMENTERS = ("jieba", "pkuseg")


def _load_user_words(add) -> None:
    path = RULES_DIR / "lexicon.txt"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            add(word, freq)


@functools.lru_cache(maxsize=None)
def get_nlp(name: str = "jieba"):
    """The spaCy pipeline for segmenter `name`, built once per process."""
    import spacy

    if name not in SEGMENTERS:
        raise ValueError(f"unknown segmenter {name!r}; choose one of {', '.join(SEGMENTERS)}")
    if name == "jieba":
        import jieba
        import logging
        jieba.setLogLevel(logging.WARNING)
        _load_user_words(lambda w, f: jieba.add_word(w, f))
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    else:
        import pkuseg
        model = os.path.join(os.path.dirname(pkuseg.__file__), "models", "default")
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
        nlp.tokenizer.initialize(pkuseg_model=model)
        words = []
        _load_user_words(lambda w, f: words.append(w))
        nlp.tokenizer.pkuseg_update_user_dict(words)
    return nlp


def segment(text: str, name: str = "jieba") -> list[tuple[int, int]]:
    """Token spans (start, end) of `text`, whitespace tokens left out."""
    doc = get_nlp(name).make_doc(text)
    return [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]


# jieba segments each run of these characters on its own (its `re_han_default`), so segmenting the
# run around a position gives exactly the tokens that segmenting the whole text gives there.
_JIEBA_BLOCK = regex.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+")


class LazyTokens:
    """Token starts of a text, segmented only where asked (the company recogniser asks about a
    few boundary characters per sentence). Results are those of segmenting the whole text."""

    def __init__(self, text: str, name: str = "jieba"):
        self.text = text
        self.name = name
        self.starts: set[int] = set()
        self.done: list[tuple[int, int]] = []      # segmented ranges

    def _segment(self, a: int, b: int) -> None:
        for s, _e in segment(self.text[a:b], self.name):
            self.starts.add(a + s)
        self.done.append((a, b))

    def is_start(self, i: int) -> bool:
        if not any(a <= i < b for a, b in self.done):
            if self.name == "jieba":
                for m in _JIEBA_BLOCK.finditer(self.text, max(0, i - 64), min(len(self.text), i + 64)):
                    if m.start() <= i < m.end():
                        a, b = m.span()
                        # the run may extend beyond the window: widen it to the whole run
                        while a > 0 and _JIEBA_BLOCK.match(self.text[a - 1]):
                            a -= 1
                        while b < len(self.text) and _JIEBA_BLOCK.match(self.text[b]):
                            b += 1
                        self._segment(a, b)
                        break
                else:
                    return True          # punctuation or space: a token of its own
            else:
                self._segment(0, len(self.text))   # pkuseg's model looks at the whole sentence
        return i in self.starts
