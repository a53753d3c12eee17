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

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20            # ideographic space
_FULLWIDTH[0x00A0] = 0x20            # no-break space
_FULLWIDTH[0xFF64] = ord("、")       # halfwidth ideographic comma
_FULLWIDTH[0x2028] = ord("\n")
_FULLWIDTH[0x2029] = ord("\n")
_FULLWIDTH[ord("\r")] = None

# a "dense" character: Han, CJK punctuation, digits — spaces next to them are layout, not content
_DENSE = r"[\p{Han}\p{Ps}\p{Pe}\p{Pi}\p{Pf}、。,;:!?%\u3000-\u303f\uff00-\uffef…—·]"
_LOST_CHAR = regex.compile(r"(?<=\p{Han})\?+(?=\p{Han}|\d)|(?<=\d)\?+(?=\p{Han})")
_SPACE_RUN = regex.compile(rf"(?<={_DENSE})[ \t]+|[ \t]+(?={_DENSE})")


@functools.lru_cache(maxsize=1)
def _compiled():
    rules = load_toml("normalise.toml")
    drop = [regex.compile(p) for p in rules["header_lines"] + rules["caption_lines"] + rules["byline_lines"]]
    return {
        "drop": drop,
        "pinyin": regex.compile(rules["pinyin_garbage"]),
        "keep_end": set(rules["line_end_keeps"]),
        "trad": set(rules["traditional_markers"]),
    }


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # loaded once, only when a traditional text shows up
    return OpenCC("t2s")


def is_traditional(text: str) -> bool:
    trad = _compiled()["trad"]
    return sum(1 for ch in text if ch in trad) >= 2


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
        line = _SPACE_RUN.sub("", line.strip())
        if not line:
            if current:
                paragraphs.append("".join(current))
                current = []
            continue
        if _drop_line(line):
            continue
        if current and current[-1][-1] in c["keep_end"]:
            paragraphs.append("".join(current))
            current = []
        elif current and current[-1][-1].isascii() and current[-1][-1].isalpha() and line[0].isascii() and line[0].isalpha():
            line = " " + line   # keep words of Latin text apart
        current.append(line)
    if current:
        paragraphs.append("".join(current))
    return "\n\n".join(p for p in paragraphs if p)
