"""Article extraction from HTML pages (read stage): the body text, the title and the date.

Scripts, styles, navigation, related-article lists, share bars and disclaimers are left out
(rules/html.toml). The body is the element whose paragraphs hold the most Chinese text.
"""
from __future__ import annotations

import functools
import html
from html.parser import HTMLParser

import regex

from .rules import load_toml

_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
          "blockquote", "td", "dd", "dt", "pre", "table", "ul", "ol"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}


@functools.lru_cache(maxsize=1)
def _rules():
    r = load_toml("html.toml")
    return {
        "skip_tags": set(r["skip_tags"]),
        "skip_words": tuple(r["skip_class_words"]),
        "drop": [regex.compile(p) for p in r["drop_lines"]],
        "title_meta": [m.lower() for m in r["title_meta"]],
        "date_meta": [m.lower() for m in r["date_meta"]],
        "date": regex.compile(r["date_pattern"]),
    }


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        r = _rules()
        self.skip_tags = r["skip_tags"]
        self.skip_words = r["skip_words"]
        self.stack: list[tuple[str, bool]] = []     # (tag, skipping)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self._in_title = False
        self._in_h1 = False
        self.lines: list[list[str]] = [[]]          # text blocks
        self.body_lines: list[int] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
            return
        if tag in _BLOCK:
            self.lines.append([])
        if tag in _VOID:
            return
        marker = (a.get("class", "") + " " + a.get("id", "")).lower()
        skip = self.skipping or tag in self.skip_tags or any(w in marker for w in self.skip_words)
        self.stack.append((tag, skip))
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self.lines.append([])
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        for i in range(len(self.stack) - 1, -1, -1):   # tolerate unclosed tags
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if self.skipping:
            return
        if self._in_h1:
            self.h1 += data
        self.lines[-1].append(data)


def parse_html(page: str) -> tuple[str, str | None, str | None]:
    """(body text, title, date as YYYY-MM-DD or None) of an HTML page."""
    r = _rules()
    p = _Page()
    p.feed(page)
    p.close()
    lines = []
    for chunk in p.lines:
        line = regex.sub(r"\s+", " ", html.unescape("".join(chunk))).strip()
        if line and not any(d.search(line) for d in r["drop"]):
            lines.append(line)
    title = next((p.meta[k] for k in r["title_meta"] if p.meta.get(k)), None) or p.h1.strip() or p.title.strip() or None
    if title:
        title = regex.split(r"\s*[_|\-–—]\s*(?=[^_|\-–—]*$)", title)[0].strip() if len(title) > 40 else title.strip()
    date = None
    for k in r["date_meta"]:
        hit = r["date"].search(p.meta.get(k, ""))
        if hit:
            date = hit
            break
    if date is None:
        for line in lines[:12]:            # the date near the title
            hit = r["date"].search(line)
            if hit:
                date = hit
                break
    date_s = f"{int(date.group(1)):04d}-{int(date.group(2)):02d}-{int(date.group(3)):02d}" if date else None
    # the body: the text lines with Chinese sentences, without the title line and date lines
    body = [ln for ln in lines if regex.search(r"\p{Han}", ln)
            and not (title and ln == title) and not (len(ln) < 40 and r["date"].search(ln))]
    if title:
        body.insert(0, title)          # the headline is part of the article (it may carry a total)
    return "\n\n".join(body), title, date_s
