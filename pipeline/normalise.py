"""Normalise stage: make the raw article text matchable, and keep the result as THE text that all
offsets point into.

Steps (rules in rules/normalise.toml): full-width → half-width; traditional → simplified (only for
texts with traditional characters); converter pinyin removed (項(xiàng)目 → 项目); header, caption
and by-line lines dropped; line breaks inside sentences joined; spaces between Chinese characters
(OCR, old line ends) removed; blank lines collapsed to one paragraph break.
"""
from __future__ import annotations

import functools

import regex

from .rules import load_toml
from . import patterns

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20            # ideographic space
_FULLWIDTH[0x00A0] = 0x20            # no-break space
_FULLWIDTH[0xFF64] = ord("、")       # halfwidth ideographic comma
_FULLWIDTH[0x2028] = ord("\n")
_FULLWIDTH[0x2029] = ord("\n")
_FULLWIDTH[ord("\r")] = None

# a "dense" character: Han, CJK punctuation, digits — spaces next to them are layout, not content
_DENSE = r"[\p{Han}\p{Ps}\p{Pe}\p{Pi}\p{Pf}、。,;:!?%\u3000-\u303f\uff00-\uffef…—·]"
# A ? that stands for a lost character: between Chinese characters (or a digit and one), unless a
# question word comes shortly before it (为何, 如何, 吗...: then it is a question mark typed in ASCII).
_LOST_CHAR = patterns.compile(
    r"(?<!(?:为何|如何|怎么|怎样|什么|是否|多少|为什么|哪|谁|几|吗|呢|么)\p{Han}{0,8})"
    r"(?<=[\p{Han}\d])\?+(?=[\p{Han}\d]|\.\d)")
_SPACE_RUN = patterns.compile(rf"(?<={_DENSE})[ \t]+|[ \t]+(?={_DENSE})")


@functools.lru_cache(maxsize=1)
def _compiled():
    rules = load_toml("normalise.toml")
    drop = [patterns.compile(p) for p in rules["header_lines"] + rules["caption_lines"] + rules["byline_lines"]]
    return {
        "drop": drop,
        "pinyin": patterns.compile(rules["pinyin_garbage"]),
        "keep_end": set(rules["line_end_keeps"]),
        "trad_re": patterns.compile("[" + "".join(regex.escape(c) for c in sorted(set(rules["traditional_markers"]))) + "]"),
    }


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # loaded once, only when a traditional text shows up
    return OpenCC("t2s")


def is_traditional(text: str) -> bool:
    """At least two characters of rules/normalise.toml's traditional_markers."""
    first = _compiled()["trad_re"].search(text)
    return first is not None and _compiled()["trad_re"].search(text, first.end()) is not None


def _drop_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    return any(p.search(s) for p in _compiled()["drop"])


def normalise(text: str) -> str:
    """Return the normalised text of an article (deterministic; never raises on str input)."""
    c = _compiled()
    # a converter's stray ? for a lost character (ASCII ? between Chinese characters; a real question
    # mark in Chinese text is full-width) is marked with U+FFFD so that nothing matches across it
    text = _LOST_CHAR.sub("\ufffd", text)
    text = text.translate(_FULLWIDTH)
    if is_traditional(text):
        text = _t2s().convert(text)
    text = c["pinyin"].sub("", text)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            if current:
                paragraphs.append(_join(current))
                current = []
            continue
        if _drop_line(_SPACE_RUN.sub("", line)):
            continue
        if current and current[-1][-1] in c["keep_end"]:
            paragraphs.append(_join(current))
            current = []
        current.append(line)
    if current:
        paragraphs.append(_join(current))
    return "\n\n".join(p for p in paragraphs if p)


_FRAGMENT_GAP = patterns.compile(r"[ \t]+")
_HAN_ONLY = patterns.compile(r"\p{Han}+")
_HAN_CHAR = patterns.compile(r"\p{Han}")
# digits right after a Chinese character, then a layout space: a number broken by OCR (总投资1 2亿元)
_BROKEN_NUMBER = patterns.compile(r"(?:^|\p{Han})[\d.]+$")


def _join(lines: list[str]) -> str:
    """One paragraph from its lines: the layout spaces and line ends removed, and two newspaper
    columns interleaved line by line (an OCR artefact) put back one after the other when that
    reading joins words across the line ends far better than the reading as printed."""
    fragments = [f for f in _FRAGMENT_GAP.split(" ".join(lines)) if f]
    if len(fragments) >= 6:
        fragments = deinterleave(fragments)
    out = []
    for f in fragments:
        if out and out[-1][-1].isascii() and out[-1][-1].isalnum() and f[0].isascii() and f[0].isalnum() \
                and not _BROKEN_NUMBER.search(out[-1]):
            out.append(" ")    # keep words of Latin text (and numbers) apart
        out.append(f)
    return "".join(out)


def _words(text: str) -> dict:
    """jieba's dictionary (with the user lexicon: the same words whatever ran first), holding
    every word that starts with a character of `text`."""
    from .segment import load_chars
    return load_chars(text)


def _joins_a_word(left: str, right: str) -> bool:
    """Does a dictionary word of 2-4 characters run across the end of `left` into `right`?"""
    words = _words(left[-3:])
    for a in range(1, 4):
        for b in range(1, 4):
            if a + b > 4 or a > len(left) or b > len(right):
                continue
            w = left[-a:] + right[:b]
            # a word (frequency > 0), or for 3-4 characters the start of a longer word (frequency 0)
            if (words.get(w) or (len(w) >= 3 and w in words)) and _HAN_ONLY.fullmatch(w):
                return True
    return False


def deinterleave(fragments: list[str]) -> list[str]:
    """Fragments in reading order: as printed, or the even ones then the odd ones (two columns
    read across), whichever joins more words at the fragment ends. The second reading must win
    clearly (by at least 3 joins, and twice as many), else the printed order stays."""
    han = [f for f in fragments if _HAN_CHAR.match(f[-1]) and len(f) >= 4]
    if len(han) < len(fragments) * 0.6:
        return fragments
    printed = sum(_joins_a_word(a, b) for a, b in zip(fragments, fragments[1:]))
    even, odd = fragments[0::2], fragments[1::2]
    joins = list(zip(even, even[1:])) + list(zip(odd, odd[1:]))
    across = sum(_joins_a_word(a, b) for a, b in joins)
    if across >= printed + 3 and across >= 2 * printed:
        return even + odd
    return fragments
