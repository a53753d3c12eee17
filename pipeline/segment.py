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

from . import patterns
from .cache import CACHE_DIR
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
# machines. Ours keeps the entries grouped by their first character, and a group is put into jieba's
# dictionary only when a text holding that character is first segmented: every lookup jieba makes
# while segmenting a text is of a piece of that text (`get_DAG`, `calc`, the HMM's runs), so the
# groups of the text's characters give the same tokens as the whole dictionary. One short article
# loads a tenth of it (0.02 s instead of 0.2 s); a long run ends up with all of it.
_CACHE_FORMAT = "groups-1"


def _freq_cache_key(jieba) -> str:
    dict_path = Path(jieba.dt.dictionary or Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)
    st = dict_path.stat()
    raw = f"{_CACHE_FORMAT}|{jieba.__version__}|{dict_path}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class _Groups:
    """The cached dictionary, grouped by first character, and the groups not yet in `freq`."""

    def __init__(self, freq: dict, keys: bytes, freqs: array.array, chars: str, offsets: array.array):
        self.freq = freq
        self.keys = keys
        self.freqs = freqs
        # group g: keys[offsets[3g]:offsets[3g+1]] (bytes), freqs[offsets[3g+2]:offsets[3g+5]]
        self.offsets = offsets
        self.pending = {ch: g for g, ch in enumerate(chars)}

    def load(self, text: str) -> None:
        """Put the groups of `text`'s characters into the dictionary."""
        pending = self.pending
        if not pending:
            return
        todo = pending.keys() & set(text)
        if not todo:
            return
        o, keys, freqs, freq = self.offsets, self.keys, self.freqs, self.freq
        for ch in sorted(todo):                 # sorted: the same dictionary order on every run
            g = pending.pop(ch)
            words = keys[o[3 * g]:o[3 * g + 1]].decode("utf-8").split("\n")
            freq.update(zip(words, freqs[o[3 * g + 2]:o[3 * g + 5]].tolist()))


def _write_groups(dt, keys_p: Path, vals_p: Path) -> None:
    """Write jieba's initialised dictionary as groups by first character: the keys file holds the
    groups' words (one per line, a blank line after each group), the other file the group index
    (its characters, then byte and entry offsets) and the frequencies, the dictionary total last."""
    groups: dict[str, list[str]] = {}
    for w in dt.FREQ:
        groups.setdefault(w[0], []).append(w)
    chars = "".join(sorted(groups))
    keys = bytearray()
    offsets = array.array("q")
    freqs = array.array("q")
    for ch in chars:
        b0 = len(keys)
        keys += "\n".join(groups[ch]).encode("utf-8")
        offsets.extend((b0, len(keys), len(freqs)))
        keys += b"\n\n"
        freqs.extend(dt.FREQ[w] for w in groups[ch])
    offsets.extend((len(keys), len(keys), len(freqs)))      # the end of the last group
    freqs.append(dt.total)
    index = chars.encode("utf-8")
    head = array.array("q", (len(index), len(offsets)))
    vals = head.tobytes() + index + offsets.tobytes() + freqs.tobytes()
    for path, data in ((vals_p, vals), (keys_p, bytes(keys))):
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def _read_groups(keys_p: Path, vals_p: Path) -> _Groups:
    keys = keys_p.read_bytes()
    vals = vals_p.read_bytes()
    head = array.array("q")
    head.frombytes(vals[:16])
    n_index, n_offsets = head
    chars = vals[16:16 + n_index].decode("utf-8")
    offsets = array.array("q")
    offsets.frombytes(vals[16 + n_index:16 + n_index + 8 * n_offsets])
    freqs = array.array("q")
    freqs.frombytes(vals[16 + n_index + 8 * n_offsets:])
    if n_offsets != 3 * len(chars) + 3 or offsets[-1] != len(freqs) - 1 or offsets[-2] != len(keys):
        raise ValueError("cache index and data differ")
    return _Groups({}, keys, freqs, chars, offsets)


def _load_freq(jieba) -> None:
    """Initialise jieba's default tokenizer from our cache (built from jieba's own initialisation
    the first time): its dictionary starts empty and fills by first character as texts are
    segmented (`load_chars`). Loaded in full it is jieba's dictionary, entry for entry."""
    dt = jieba.dt
    if dt.initialized:
        return
    key = _freq_cache_key(jieba)
    keys_p, vals_p = CACHE_DIR / f"jieba-{key}.keys", CACHE_DIR / f"jieba-{key}.freq"
    try:
        groups = _read_groups(keys_p, vals_p)
    except (OSError, ValueError):
        dt.initialize()
        try:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            _write_groups(dt, keys_p, vals_p)
        except OSError:
            pass                   # no writable cache: jieba's own loading next time as well
        return
    dt.FREQ = groups.freq
    dt.total = groups.freqs[-1]
    dt.initialized = True
    get_dag = dt.get_DAG

    def get_DAG(sentence, _load=groups.load, _get_dag=get_dag):   # noqa: N802 (jieba's name)
        _load(sentence)
        return _get_dag(sentence)
    dt.get_DAG = get_DAG
    dt._pipeline_groups = groups


def load_chars(text: str) -> dict:
    """jieba's dictionary (with the user lexicon), holding at least every entry that starts with a
    character of `text`: for looking words up outside of segmenting."""
    jb = _jieba()
    groups = getattr(jb.dt, "_pipeline_groups", None)
    if groups is not None:
        groups.load(text)
    return jb.dt.FREQ


@functools.lru_cache(maxsize=1)
def _jieba():
    """jieba with its dictionary and the user lexicon (rules/lexicon.txt) loaded, once per process."""
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    _load_freq(jieba)
    _add_user_words(jieba.dt)
    return jieba


def _add_user_words(dt) -> None:
    """Add the user lexicon to tokenizer `dt` (its dictionary initialised)."""
    groups = getattr(dt, "_pipeline_groups", None)

    def add(word: str, freq: int | None) -> None:
        if groups is not None:
            groups.load(word)      # the word's group first, or loading it later would overwrite it
        dt.add_word(word, freq)
    _load_user_words(add)


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
_JIEBA_BLOCK = patterns.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+")


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
