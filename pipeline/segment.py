"""Segment stage: word segmentation with spaCy's Chinese language (`spacy.blank("zh")`), using
jieba by default or pkuseg (its default model, shipped with the `pkuseg` package).

The segmenter and its user lexicon (rules/lexicon.txt: company suffixes, boundary words) are
loaded once per process. Only sentences that can carry a record or a claim are segmented (the
assemble stage asks for them), which keeps the pipeline well ahead of segmenting everything.
"""
from __future__ import annotations

import array
import functools
import hashlib
import os
from pathlib import Path

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
        _jieba()
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


# jieba's own cache of its dictionary (a marshal of ~500,000 entries) takes 1-1.4 s to load on our
# machines; the same dictionary as one text of keys and an array of frequencies loads in ~0.3 s.
CACHE_DIR = Path(os.environ.get("PIPELINE_CACHE", Path(__file__).resolve().parent.parent / ".cache"))


def _freq_cache_key(jieba) -> str:
    dict_path = Path(jieba.dt.dictionary or Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)
    st = dict_path.stat()
    raw = f"{jieba.__version__}|{dict_path}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _load_freq(jieba) -> None:
    """Initialise jieba's default tokenizer from our fast cache (built from jieba's own
    initialisation the first time). The dictionary is the same, entry for entry."""
    dt = jieba.dt
    if dt.initialized:
        return
    key = _freq_cache_key(jieba)
    keys_p, vals_p = CACHE_DIR / f"jieba-{key}.keys", CACHE_DIR / f"jieba-{key}.freq"
    try:
        words = keys_p.read_text(encoding="utf-8").split("\n")
        freqs = array.array("q")
        freqs.frombytes(vals_p.read_bytes())
        if len(words) != len(freqs) - 1:
            raise ValueError("cache keys and frequencies differ in length")
        dt.FREQ = dict(zip(words, freqs.tolist()))
        dt.total = freqs[-1]
        dt.initialized = True
        return
    except (OSError, ValueError):
        pass
    dt.initialize()
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        freqs = array.array("q", dt.FREQ.values())
        freqs.append(dt.total)
        for path, data in ((vals_p, freqs.tobytes()), (keys_p, "\n".join(dt.FREQ).encode("utf-8"))):
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
    except OSError:
        pass                       # no writable cache: jieba's own loading next time as well


@functools.lru_cache(maxsize=1)
def _jieba():
    """jieba with its dictionary and the user lexicon (rules/lexicon.txt) loaded, once per process."""
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    _load_freq(jieba)
    _load_user_words(lambda w, f: jieba.add_word(w, f))
    return jieba


@functools.lru_cache(maxsize=65536)
def _jieba_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The tokens of spaCy's zh language with the jieba segmenter, without building a Doc: spaCy
    takes jieba.cut(text, cut_all=False) as the words, and whitespace words become spaces
    (tests/test_segment.py checks that both agree)."""
    out = []
    pos = 0
    for w in _jieba().cut(text, cut_all=False):
        if w and not w.isspace():
            out.append((pos, pos + len(w)))
        pos += len(w)
    return tuple(out)


def warm(name: str = "jieba") -> None:
    """Load what `segment(..., name)` needs (jieba is always loaded: the place recogniser uses it)."""
    if name not in SEGMENTERS:
        raise ValueError(f"unknown segmenter {name!r}; choose one of {', '.join(SEGMENTERS)}")
    _jieba()
    if name != "jieba":
        get_nlp(name)


def segment(text: str, name: str = "jieba") -> list[tuple[int, int]] | tuple[tuple[int, int], ...]:
    """Token spans (start, end) of `text`, whitespace tokens left out."""
    if name == "jieba":
        return _jieba_spans(text)
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
