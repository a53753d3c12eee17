"""Article extraction from HTML pages (read stage): the body text, the title and the date.

trafilatura (favor_precision, tables kept, comments left out) chooses the main text of the page;
the lines themselves come from our own pass over the page (html.parser, one line per block), which
also gives the title, the date (then htmldate) and the whole body when trafilatura finds nothing.
rules/html.toml cleans the lines: skipped elements, lines that are only link text (menus,
related-article lists, 上一篇/下一篇) and the by-lines, share bars, footers of drop_lines are left out. docs/html-extraction.md has the comparison behind this choice
(python -m pipeline.bench.html_compare).

Output convention (unchanged): the title first, then one paragraph per block, joined by blank
lines ("\\n\\n"); lines without Chinese text, the title line and short date lines are left out.
"""
from __future__ import annotations

import functools
import html
from html.parser import HTMLParser

import regex

from . import patterns
from .rules import load_toml

_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
          "blockquote", "td", "dd", "dt", "pre", "table", "ul", "ol"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}
_HEADINGS = {"h1", "h2", "h3"}
_INLINE = {"a", "span", "font", "b", "strong", "em", "i", "u", "small", "big", "sub", "sup", "label",
           "abbr", "cite", "code", "s", "strike", "mark", "q", "time", "founder-content"}
_NO_TEXT = {"head", "script", "style", "noscript", "template", "textarea", "select"}
_SPACE = patterns.compile(r"[\s\u00a0\u3000]+")


@functools.lru_cache(maxsize=1)
def _rules():
    r = load_toml("html.toml")
    return {
        "skip_tags": set(r["skip_tags"]),
        "skip_words": tuple(r["skip_class_words"]),
        "drop": [patterns.compile(p) for p in r["drop_lines"]],
        "title_meta": [m.lower() for m in r["title_meta"]],
        "title_split": patterns.compile(r["title_separators"]),
        "date_meta": [m.lower() for m in r["date_meta"]],
        "date": patterns.compile(r["date_pattern"]),
        "date_lines": int(r.get("date_lines", 12)),
        "link_min": int(r.get("link_line_min_chars", 2)),
        "part_min": int(r.get("main_part_min_chars", 10)),
    }


def _squash(s: str) -> str:
    return _SPACE.sub("", s)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        r = _rules()
        self.skip_tags = r["skip_tags"]
        self.skip_words = r["skip_words"]
        self.stack: list[tuple[str, bool, int]] = []    # (tag, skipping, element number)
        self.parent: dict[int, int] = {}            # element number -> its enclosing block element
        self._eid = 0
        self.body_id = 0
        self.meta: dict[str, str] = {}
        self.links: list[str] = []                  # the canonical / og:url address (for htmldate)
        self.title = ""
        self.h1 = ""
        self.headings: list[str] = []               # h1-h3 text
        self._in_title = False
        self._in_h1 = False
        self._heading: list[str] | None = None
        self._anchor: list[str] | None = None
        self.anchors: set[str] = set()              # text of every <a> (squashed)
        self.lines: list[list[str]] = [[]]          # text blocks outside skipped elements
        self.all_lines: list[list[str]] = [[]]      # every text block of the body (dates, titles)
        self.all_blocks: list[int] = [0]            # the block element each of all_lines starts in
        self.all_skipped: list[bool] = [False]      # whether it starts in a skipped element

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _newline(self):
        self.lines.append([])
        self.all_lines.append([])
        self.all_blocks.append(0)
        self.all_skipped.append(False)

    def _block(self) -> int:
        return next((e for t, _, e in reversed(self.stack) if t not in _INLINE), 0)

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.links.append(a["href"])
        if tag in _BLOCK:
            self._newline()
        if tag in _VOID:
            return
        marker = (a.get("class", "") + " " + a.get("id", "")).lower()
        skip = self.skipping or tag in self.skip_tags or any(w in marker for w in self.skip_words)
        self._eid += 1
        if tag not in _INLINE:
            self.parent[self._eid] = self._block()
        self.stack.append((tag, skip, self._eid))
        if tag == "title":
            self._in_title = True
        if tag in ("body", "html") and not self.body_id or tag == "body":
            self.body_id = self._eid
        if tag == "h1":
            self._in_h1 = True
        if tag in _HEADINGS:
            self._heading = []
        if tag == "a":
            self._anchor = []

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self._newline()
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        if tag in _HEADINGS and self._heading is not None:
            self.headings.append(_SPACE.sub(" ", "".join(self._heading)).strip())
            self._heading = None
        if tag == "a" and self._anchor is not None:
            self.anchors.add(_squash("".join(self._anchor)))
            self._anchor = None
        for i in range(len(self.stack) - 1, -1, -1):   # tolerate unclosed tags
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if self._anchor is not None:
            self._anchor.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if any(t in _NO_TEXT for t, _, _ in self.stack):
            return
        if not self.all_lines[-1] and data.strip():
            self.all_blocks[-1] = self._block()
            self.all_skipped[-1] = self.skipping
        self.all_lines[-1].append(data)
        if self.skipping:
            return
        if self._in_h1:
            self.h1 += data
        self.lines[-1].append(data)


def _text_lines(chunks: list[list[str]], blocks: list[int] | None = None, skipped: list[bool] | None = None):
    """The non-empty lines of text blocks (and, given the blocks, the block of each line and
    whether it lies in a skipped element)."""
    out, where, skip = [], [], []
    for i, chunk in enumerate(chunks):
        line = regex.sub(r"\s+", " ", html.unescape("".join(chunk))).strip()
        if line:
            out.append(line)
            where.append(blocks[i] if blocks else 0)
            skip.append(skipped[i] if skipped else False)
    return (out, where, skip) if blocks is not None else out


def _title(p: _Page, lines: list[str]) -> str | None:
    """The meta title, else the h1, else the <title> cut at its site-name separators: the part that
    is also a heading or a line of the page, else the longest part."""
    r = _rules()
    title = next((p.meta[k] for k in r["title_meta"] if p.meta.get(k)), None) or p.h1.strip()
    if title:
        return _SPACE.sub(" ", title).strip()
    full = _SPACE.sub(" ", p.title).strip()
    if not full:
        return None
    seen = {_squash(x) for x in lines} | {_squash(h) for h in p.headings}
    if _squash(full) in seen:
        return full
    parts = [x.strip() for x in r["title_split"].split(full) if x.strip()]
    hit = next((x for x in parts if _squash(x) in seen), None)
    return hit or max(parts, key=len, default=full)


def _date(p: _Page, lines: list[str], title: str | None, page: str) -> str | None:
    """The meta date; else a date in the first lines from the title on, else in the first lines of
    the page; else htmldate (the URL of
    the canonical link, markup, "发布时间" patterns), without its extensive guessing."""
    r = _rules()
    hit = None
    for k in r["date_meta"]:
        hit = r["date"].search(p.meta.get(k, ""))
        if hit:
            break
    starts = [0]
    if title:
        t = _squash(title)
        starts.insert(0, next((i for i, ln in enumerate(lines) if _squash(ln) == t), 0))
    for start in starts:
        if hit:
            break
        for line in lines[start:start + r["date_lines"]]:
            hit = r["date"].search(line)
            if hit:
                break
    if hit:
        return f"{int(hit.group(1)):04d}-{int(hit.group(2)):02d}-{int(hit.group(3)):02d}"
    try:
        import htmldate
        return htmldate.find_date(page, url=p.links[0] if p.links else None, original_date=True,
                                  extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:       # htmldate gives up on a page: no date rather than no article
        return None


def _main_text(page: str) -> tuple[str, set[str]] | None:
    """trafilatura's main text: (all of it squashed, the set of its squashed lines and table cells);
    None when it finds none or fails."""
    try:
        import trafilatura
        text = trafilatura.extract(page, output_format="txt", include_comments=False, include_tables=True,
                                   favor_precision=True)
    except Exception:
        return None
    if not text:
        return None
    text = text.replace("\\|", "|")
    cells = {_squash(c) for ln in text.split("\n") for c in ln.split("|")} - {""}
    return _squash(text.replace("|", "")), cells


def _chosen(line: str, main: tuple[str, set[str]]) -> bool:
    """Our line is in trafilatura's main text: a whole line or cell of it, or (long enough not to
    be found by chance inside a body sentence) a part of it."""
    sq = _squash(line)
    return sq in main[1] or (len(sq) >= _rules()["part_min"] and sq in main[0])


def _only_links(line: str, anchors: list[str]) -> bool:
    """A line made of link text only (a menu, a related headline, 上一篇: ...)."""
    rest = _squash(line)
    for a in anchors:
        if a in rest:
            rest = rest.replace(a, "")
            if not regex.search(r"\p{Han}", rest):
                return True
    return False


def _parse(page: str, use_trafilatura: bool = True) -> tuple[str, str | None, str | None]:
    r = _rules()
    p = _Page()
    p.feed(page)
    p.close()
    all_lines, blocks, skipped = _text_lines(p.all_lines, p.all_blocks, p.all_skipped)
    lines = _text_lines(p.lines)
    title = _title(p, all_lines)
    date_s = _date(p, all_lines, title, page)
    # trafilatura chooses the main text; its lines are taken from our pass over the page, which
    # keeps one line per block (trafilatura joins the paragraphs of a table cell into one line)
    chosen = _main_text(page) if use_trafilatura else None
    if chosen is None:
        main = lines
    else:
        keep = [_chosen(ln, chosen) for ln in all_lines]
        # trafilatura leaves out text lying loose in the body element after a <br> or a <p>
        # ("<div><p>A</p>B<br>C</div>" gives only A): our lines in the block of a chosen line, or
        # directly in the block that holds it (not <body> itself), are kept too
        near = {blocks[i] for i, k in enumerate(keep) if k}
        near |= {p.parent.get(b, 0) for b in near}
        near -= {0, p.body_id}
        # and the elements our rules skip (skip_tags, skip_class_words) stay out
        main = [ln for ln, k, b, sk in zip(all_lines, keep, blocks, skipped) if (k or b in near) and not sk]
    anchors = sorted((a for a in p.anchors if len(a) >= r["link_min"] and regex.search(r"\p{Han}", a)),
                     key=len, reverse=True)
    t = _squash(title) if title else None
    body = [ln for ln in main if regex.search(r"\p{Han}", ln)
            and not any(d.search(ln) for d in r["drop"])
            and not (t and _squash(ln) == t)
            and not (len(ln) < 40 and r["date"].search(ln))
            and not _only_links(ln, anchors)]
    if title:
        body.insert(0, title)          # the headline is part of the article (it may carry a total)
    return "\n\n".join(body), title, date_s


def parse_html(page: str) -> tuple[str, str | None, str | None]:
    """(body text, title, date as YYYY-MM-DD or None) of an HTML page."""
    return _parse(page)
