"""Sentence stage: split the normalised text into sentences (character spans).

A sentence ends at 。!? (and closing quotes right after them) or at a paragraph break. A line
without 。 (a headline) is one sentence, so "揽金88亿! 我县6个项目集中签约" stays together.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import patterns

_END = patterns.compile(r'[。!?]+["”’」』)]*|…{2,}|\.{6}')


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    for p_index, para in enumerate(text.split("\n\n")):
        p_start = pos
        pos += len(para) + 2
        if not para.strip():
            continue
        headline = "。" not in para
        cuts = [] if headline else [m.end() for m in _END.finditer(para)]
        prev = 0
        for cut in cuts + [len(para)]:
            if cut <= prev:
                continue
            chunk = para[prev:cut]
            if chunk.strip():
                out.append(Sentence(p_start + prev, p_start + cut, p_index, chunk))
            prev = cut
    return out
