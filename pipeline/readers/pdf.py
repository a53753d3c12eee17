"""E-paper page PDFs: the text layer in reading order, columns apart, one article per headline.

Why pdfplumber: the page has to be laid out again from its characters — which column a line
belongs to, where a paragraph starts, which lines are headlines — and pdfplumber gives every
character with its box and font size (`page.chars`). pypdfium2's plain text comes in content-stream
order, which on a newspaper page runs across the columns and has no font sizes; pdfminer itself
has the same characters, but its layout analysis (LAParams) groups text boxes by heuristics that
merge neighbouring columns of Chinese text, so we would end up redoing pdfplumber's character
extraction by hand. pdfplumber is pdfminer underneath (its exceptions are pdfminer's, wrapped).

The layout of a page (`page_articles`):

- Characters: upright, non-blank ones (vertical text, e.g. a vertical headline, is left out);
  the body size is the median character size of the page, a headline line one whose median
  size is more than HEADLINE_RATIO (1.3) times that.
- Columns: from the x-distribution of the body-size characters — an x range that (almost) no
  body character covers, between text on both sides, is a gutter (`_gutters`). Text lines are
  cut at gutters; a line that still crosses a gutter (a banner headline across the top, a page
  header) spans columns and splits the region into horizontal bands above and below it; each
  band is laid out again on its own (its own columns), so a two-column top story above a
  three-column bottom half is read right when a spanning headline separates them. A headline
  with no body text beside it (a banner narrower than the gutter it should cross) splits the
  region the same way: it heads the columns below it.
- The topmost line of the page is a page header (spanning) when set apart from the rest by
  more than a line's height.
- Reading order: band by band top to bottom; in a band column by column, left first, each top
  to bottom. Lines inside a paragraph are joined (no space between Chinese characters, one
  between Latin words); a paragraph break (a blank line) where the vertical gap is larger than
  the line spacing, where a line is indented, or after a short line ending a sentence.
- Articles: each headline (consecutive headline lines are one title) starts an article; the
  text before the first headline is the page header: its date (`dates.find_dates`) becomes
  the date of the page's articles (and of later pages without one), a paper name in it
  (XX日报) the source; it is dropped unless it is long (> PREAMBLE_KEEP characters: the
  continuation of an article from an earlier page), then it is an article without title.
  No headline: the page is one article.

Ids: `NAME:pN` for a page that is one article, `NAME:pN:K` (K = 1, 2... in reading order) for
a page of several; origin `FILE#page=N`.

Limits: columns are found per band, so two layouts side by side or stacked without a spanning
line between them are read with the columns of the band as a whole; a headline set beside (not
above) its body, boxes (框) and pictures' captions are read as they fall in their column; an
article that jumps to another band or page is not followed.

Pages without a text layer (a scan): without `--ocr` an error row saying it needs OCR (one row
for the file when no page has text, else one per textless page); with `--ocr` the textless
pages go to `ocr.ocr_pdf` (the whole file when no page has text, else page by page with its
`pages` selection). A page whose characters have no Unicode mapping ("(cid:123)") counts as
textless. Encrypted or damaged PDFs give one error row with the reason, never an exception.
"""
from __future__ import annotations

import io
import re
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from . import ReadOptions, Source

if TYPE_CHECKING:
    from ..read import RawArticle

ENCODING = "pdf-text-layer"
HEADLINE_RATIO = 1.3
PREAMBLE_KEEP = 150               # non-space characters before the first headline kept as an article
MAX_DEPTH = 4                     # bands within bands
NO_TEXT = "the PDF has no text layer (a scanned page): it needs OCR, run with --ocr"
NO_UNICODE = "the PDF's text has no Unicode mapping (fonts without ToUnicode): it needs OCR, run with --ocr"
ENCRYPTED = "encrypted PDF: cannot read without the password"
_SENTENCE_END = set("。!?!?;;…\"”』」")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]")
_PAPER = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{1,8}(?:日报|晚报|早报|时报|商报|导报|周报|都市报))")


# -- the file ------------------------------------------------------------------------------------

def read_pdf(src: Source, options: ReadOptions) -> Iterator[RawArticle]:
    """The articles of a PDF of e-paper pages (see the module docstring); never raises."""
    from ..read import RawArticle

    try:
        import pdfplumber
    except ImportError:
        yield RawArticle(id=src.stem, origin=src.origin, error="cannot read PDFs: pip install pdfplumber")
        return
    try:
        pdf = pdfplumber.open(src.path if src.path is not None else io.BytesIO(src.read_bytes()))
    except Exception as exc:       # pdfminer raises many types (PSEOF, PDFSyntaxError, KeyError...)
        yield RawArticle(id=src.stem, origin=src.origin, error=_file_error(exc))
        return
    try:
        try:
            pages = list(pdf.pages)
        except Exception as exc:
            yield RawArticle(id=src.stem, origin=src.origin, error=_file_error(exc))
            return
        if not pages:
            yield RawArticle(id=src.stem, origin=src.origin, error="cannot read the PDF: it has no pages")
            return
        # one pass; pages without text (or unreadable) before the first page with text wait, so
        # that a file of scans only is one row (or one OCR of the whole file)
        pending: list[tuple[int, str | Exception]] = []
        seen_text = False
        date = None
        for n, page in enumerate(pages, start=1):
            page_id, page_origin = f"{src.stem}:p{n}", f"{src.origin}#page={n}"
            try:
                chars = page.chars
                kind: str | Exception = _text_kind(chars)
                found = page_articles(chars) if kind == "text" else None
            except Exception as exc:      # a page we cannot read or lay out: say so, read the others
                if len(pages) == 1:
                    yield RawArticle(id=src.stem, origin=src.origin, error=_file_error(exc))
                    return
                kind, found = exc, None
            finally:
                _close(page)
            if found is None:
                if seen_text:
                    yield from _no_text(src, options, n, kind)
                else:
                    pending.append((n, kind))
                continue
            if not seen_text:
                seen_text = True
                for m, k in pending:
                    yield from _no_text(src, options, m, k)
                pending = []
            date = found.date or date
            many = len(found.articles) > 1
            for k, (title, text) in enumerate(found.articles, start=1):
                yield RawArticle(id=f"{page_id}:{k}" if many else page_id, origin=page_origin, text=text,
                                 title=title, date=date, source=found.source, encoding=ENCODING)
        if pending and all(isinstance(k, str) for _, k in pending):     # no page has text: a scan
            if options.ocr:
                yield from _ocr(src, options, None)
            else:
                kinds = {k for _, k in pending}
                yield RawArticle(id=src.stem, origin=src.origin, error=NO_TEXT if "none" in kinds else NO_UNICODE)
        else:
            for m, k in pending:
                yield from _no_text(src, options, m, k)
    finally:
        try:
            pdf.close()
        except Exception:
            pass


def _no_text(src: Source, options: ReadOptions, n: int, kind: str | Exception) -> Iterator[RawArticle]:
    """The row(s) of page n that has no usable text: OCR'd with --ocr, else an error row."""
    from ..read import RawArticle

    page_id, page_origin = f"{src.stem}:p{n}", f"{src.origin}#page={n}"
    if isinstance(kind, Exception):
        yield RawArticle(id=page_id, origin=page_origin, error=f"cannot read page {n} of the PDF: {_reason(_unwrap(kind))}")
    elif options.ocr:
        yield from _ocr(src, options, n)
    else:
        yield RawArticle(id=page_id, origin=page_origin, error=NO_TEXT if kind == "none" else NO_UNICODE)


def _ocr(src: Source, options: ReadOptions, page: int | None) -> Iterator[RawArticle]:
    """OCR of the whole file (page None) or of one page, through `ocr.ocr_pdf`."""
    from ..read import RawArticle

    page_id, origin = (src.stem, src.origin) if page is None else (f"{src.stem}:p{page}", f"{src.origin}#page={page}")
    try:
        from .ocr import ocr_pdf
    except ImportError as exc:
        yield RawArticle(id=page_id, origin=origin, error=f"OCR is unavailable (pipeline.readers.ocr: {exc})")
        return
    try:
        rows = ocr_pdf(src, options) if page is None else ocr_pdf(src, options, pages=[page])
        for row in rows:
            if page is not None and row.id == src.stem:   # a file-level error row: name the page
                row.id, row.origin = page_id, origin
            yield row
    except Exception as exc:               # ocr_pdf should not raise; if it does, the batch goes on
        yield RawArticle(id=page_id, origin=origin, error=f"OCR failed: {_reason(exc)}")


def _text_kind(chars: list[dict]) -> str:
    """'text', 'none' (no characters: a scan) or 'cid' (characters without Unicode mapping)."""
    shown = [c["text"] for c in chars if c.get("text") and not c["text"].isspace()]
    if not shown:
        return "none"
    if sum(t.startswith("(cid:") for t in shown) > len(shown) / 2:
        return "cid"
    return "text"


def _close(page) -> None:
    try:
        page.close()                        # frees the page's parsed objects
    except Exception:
        pass


def _unwrap(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's exception in PdfminerException(original)."""
    if type(exc).__name__ == "PdfminerException" and exc.args and isinstance(exc.args[0], BaseException):
        return exc.args[0]
    return exc


def _file_error(exc: BaseException) -> str:
    exc = _unwrap(exc)
    try:
        from pdfminer.pdfdocument import PDFEncryptionError
        from pdfminer.pdfdocument import PDFPasswordIncorrect
        encrypted: tuple = (PDFEncryptionError, PDFPasswordIncorrect)
    except ImportError:
        encrypted = ()
    if encrypted and isinstance(exc, encrypted):
        return ENCRYPTED
    return f"cannot read the PDF: {_reason(exc)}"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- one page --------------------------------------------------------------------------------------

@dataclass
class PageArticles:
    articles: list[tuple[str | None, str]]      # (title, text) in reading order
    date: str | None = None                     # from the page header
    source: str | None = None                   # the paper named in the page header


@dataclass
class _Seg:
    """Characters of one printed line inside one column (or across columns)."""
    chars: list[dict]
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0

    def __post_init__(self):
        self.x0 = min(c["x0"] for c in self.chars)
        self.x1 = max(c["x1"] for c in self.chars)
        self.top = min(c["top"] for c in self.chars)
        self.bottom = max(c["bottom"] for c in self.chars)
        self.size = statistics.median(c["size"] for c in self.chars)

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Line:
    """A line in reading order: its text, whether it is a headline, and where it sits."""
    text: str
    head: bool
    size: float
    top: float
    bottom: float
    x0: float
    x1: float
    run: int                        # lines of one run (a column of a band) follow each other
    left: float = 0.0               # the run's left and right edges
    right: float = 0.0
    header: bool = False            # the page header line (first line, set apart)


@dataclass
class _Ctx:
    body: float                     # the page's body character size
    runs: int = 0
    lines: list[_Line] = field(default_factory=list)


def page_articles(chars: list[dict]) -> PageArticles:
    """The articles of a page from its characters (pdfplumber's `page.chars`)."""
    chars = [c for c in chars if c.get("upright", True) and c.get("text") and not c["text"].isspace()
             and c["x1"] >= c["x0"] and c["bottom"] >= c["top"] and c.get("size", 0) > 0]
    if not chars:
        return PageArticles([])
    body = statistics.median(c["size"] for c in chars)
    ctx = _Ctx(body=body)
    _region(chars, ctx, 0)
    return _articles(ctx.lines, body)


def _is_head(size: float, body: float) -> bool:
    return size > HEADLINE_RATIO * body


def _region(chars: list[dict], ctx: _Ctx, depth: int) -> None:
    """Lay out a region of the page (the whole page, or a band of it): append its lines to ctx."""
    body_chars = [c for c in chars if not _is_head(c["size"], ctx.body)] or chars
    cols = _columns(body_chars, ctx.body)
    segs = _segments(chars, cols)
    spanning: list[_Seg] = []
    inside: list[_Seg] = []
    for seg in segs:
        (spanning if depth < MAX_DEPTH and _spans(seg, cols) else inside).append(seg)
    if depth < MAX_DEPTH and len(cols) > 1:
        # a headline with no body text beside it heads the columns below it (a banner narrower
        # than the columns it covers): it splits the region like a spanning line
        body_segs = [s for s in inside if not _is_head(s.size, ctx.body)]
        free = [s for s in inside if _is_head(s.size, ctx.body)
                and not any(b.top < s.bottom + 0.3 * ctx.body and b.bottom > s.top - 0.3 * ctx.body
                            for b in body_segs)]
        spanning += free
        inside = [s for s in inside if all(s is not f for f in free)]
    header_ids: set[int] = set()
    if depth == 0:
        header = _page_header(segs, ctx.body)
        if header:
            header_ids = {id(s) for s in header}
            spanning = [s for s in spanning if id(s) not in header_ids] + header
            inside = [s for s in inside if id(s) not in header_ids]
    if not spanning:
        _read_columns(inside, cols, ctx)
        return
    # bands between the spanning rows, each laid out on its own
    rows = _rows(sorted(spanning, key=lambda s: (s.mid, s.x0)))
    bands: list[list[_Seg]] = [[] for _ in range(len(rows) + 1)]
    for seg in inside:
        bands[sum(1 for row in rows if _row_mid(row) < seg.mid)].append(seg)
    for i, band in enumerate(bands):
        if band:
            _region([c for s in band for c in s.chars], ctx, depth + 1)
        if i < len(rows):
            row = rows[i]
            ctx.runs += 1
            line = _line_of(sorted((c for s in row for c in s.chars), key=lambda c: c["x0"]), ctx, ctx.runs)
            line.header = any(id(s) in header_ids for s in row)
            ctx.lines.append(line)


def _columns(chars: list[dict], body: float) -> list[tuple[float, float]]:
    """The columns of a region: x intervals between gutters."""
    lo = min(c["x0"] for c in chars)
    hi = max(c["x1"] for c in chars)
    gutters = _gutters(chars, lo, hi, body)
    edges = [lo] + [x for g in gutters for x in g] + [hi]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _gutters(chars: list[dict], lo: float, hi: float, body: float) -> list[tuple[float, float]]:
    """x ranges (almost) no character covers, between text on both sides: at 1-pt resolution, a
    run of bins covered by at most a tenth of the lines a full column has, at least half a
    character wide, with enough text (a tenth of the region's characters) on each side."""
    n = int(hi - lo) + 2
    if n < 3 or len(chars) < 20:
        return []
    cover = [0] * n
    for c in chars:
        a, b = int(c["x0"] - lo + 0.5), int(c["x1"] - lo + 0.5)
        for i in range(max(a, 0), min(b, n)):
            cover[i] += 1
    full = sorted(v for v in cover if v)
    if not full:
        return []
    level = full[int(len(full) * 0.9)]
    low = max(1, level // 10) if level >= 10 else 0
    width = max(3.0, 0.5 * body)
    runs: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(cover + [low + 1]):
        if v <= low and start is None:
            start = i
        elif v > low and start is not None:
            if i - start >= width and start > 0 and i < n:
                runs.append((start, i))
            start = None
    centers = sorted((c["x0"] + c["x1"]) / 2 - lo for c in chars)
    need = max(5, len(chars) // 10)
    gutters: list[tuple[float, float]] = []
    last = 0.0
    for a, b in runs:
        left = sum(1 for x in centers if last <= x < a)
        right = sum(1 for x in centers if x >= b)
        if left >= need and right >= need:
            gutters.append((lo + a, lo + b))
            last = b
    return gutters


def _col_of(x: float, cols: list[tuple[float, float]]) -> int | None:
    """The column holding x, None in a gutter."""
    for i, (a, b) in enumerate(cols):
        if a - 0.5 <= x <= b + 0.5:
            return i
    return None


def _segments(chars: list[dict], cols: list[tuple[float, float]]) -> list[_Seg]:
    """Printed lines cut at the gutters: characters of a row (bottoms within a third of their
    size) in x order, a new segment wherever the gap between two of them holds a gutter."""
    splits = [(cols[i][1] + cols[i + 1][0]) / 2 for i in range(len(cols) - 1)]
    out: list[_Seg] = []
    for row in _char_rows(chars):
        row.sort(key=lambda c: c["x0"])
        cur = [row[0]]
        for c in row[1:]:
            prev = cur[-1]
            if any(prev["x1"] <= s <= c["x0"] for s in splits) or c["x0"] - prev["x1"] > 4 * max(prev["size"], c["size"]):
                out.append(_Seg(cur))
                cur = [c]
            else:
                cur.append(c)
        out.append(_Seg(cur))
    return out


def _char_rows(chars: list[dict]) -> list[list[dict]]:
    rows: list[list[dict]] = []
    anchor = None
    for c in sorted(chars, key=lambda c: (c["bottom"], c["x0"])):
        if anchor is not None and c["bottom"] - anchor["bottom"] <= 0.33 * min(c["size"], anchor["size"]):
            rows[-1].append(c)
        else:
            rows.append([c])
            anchor = c
    return rows


def _spans(seg: _Seg, cols: list[tuple[float, float]]) -> bool:
    if len(cols) < 2:
        return False
    seen = {_col_of((c["x0"] + c["x1"]) / 2, cols) for c in seg.chars}
    return None in seen or len(seen) > 1


def _page_header(segs: list[_Seg], body: float) -> list[_Seg]:
    """The topmost row of the page when it is no headline and stands apart from the rest (a gap
    of more than a body line below it): the page header (paper, date, page), even when its parts
    fall in different columns."""
    if len(segs) < 2:
        return []
    ordered = sorted(segs, key=lambda s: s.top)
    first = ordered[0]
    row = [s for s in ordered if s.top < first.bottom and abs(s.mid - first.mid) < 0.5 * first.size]
    if any(_is_head(s.size, body) for s in row):
        return []
    bottom = max(s.bottom for s in row)
    rest = [s for s in ordered if all(s is not r for r in row)]
    if not rest:
        return []
    gap = min(s.top for s in rest) - bottom
    return row if gap > body else []


def _rows(segs: list[_Seg]) -> list[list[_Seg]]:
    """Spanning segments (sorted by mid) grouped into rows: one row per printed line."""
    rows: list[list[_Seg]] = []
    for s in segs:
        if rows and abs(s.mid - _row_mid(rows[-1])) < 0.4 * max(s.size, rows[-1][0].size):
            rows[-1].append(s)
        else:
            rows.append([s])
    return rows


def _row_mid(row: list[_Seg]) -> float:
    return (min(s.top for s in row) + max(s.bottom for s in row)) / 2


def _read_columns(segs: list[_Seg], cols: list[tuple[float, float]], ctx: _Ctx) -> None:
    """A band without spanning lines: each column top to bottom, left column first."""
    by_col: dict[int, list[_Seg]] = {}
    for s in segs:
        i = _col_of((s.x0 + min(s.x1, s.x0 + s.size)) / 2, cols)
        by_col.setdefault(i if i is not None else 0, []).append(s)
    for i in sorted(by_col):
        ctx.runs += 1
        run: list[_Line] = []
        for row in _rows(sorted(by_col[i], key=lambda s: (s.mid, s.x0))):
            run.append(_line_of(sorted((c for s in row for c in s.chars), key=lambda c: c["x0"]), ctx, ctx.runs))
        body_lines = [ln for ln in run if not ln.head] or run
        left = min(ln.x0 for ln in body_lines)
        right = max(ln.x1 for ln in body_lines)
        for ln in run:
            ln.left, ln.right = left, right
        ctx.lines.extend(run)


def _line_of(chars: list[dict], ctx: _Ctx, run: int) -> _Line:
    size = statistics.median(c["size"] for c in chars)
    parts: list[str] = []
    prev = None
    for c in chars:
        if prev is not None:
            gap = c["x0"] - prev["x1"]
            em = max(prev["size"], c["size"])
            latin = not _CJK.match(prev["text"][-1]) and not _CJK.match(c["text"][0])
            if gap > 0.6 * em or (latin and gap > 0.15 * em):
                parts.append(" ")
        parts.append(c["text"])
        prev = c
    x0 = min(c["x0"] for c in chars)
    x1 = max(c["x1"] for c in chars)
    return _Line("".join(parts), _is_head(size, ctx.body), size, min(c["top"] for c in chars),
                 max(c["bottom"] for c in chars), x0, x1, run, x0, x1)


# -- lines to articles -------------------------------------------------------------------------------

def _articles(lines: list[_Line], body: float) -> PageArticles:
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:])
            if a.run == b.run and not a.head and not b.head and b.top > a.bottom - 0.5 * body]
    leading = statistics.median(gaps) if gaps else 0.5 * body
    preamble: list[_Line] = []
    found: list[tuple[list[_Line], list[_Line]]] = []      # (title lines, body lines)
    prev = None
    for ln in lines:
        if ln.head and not ln.header:
            if prev is not None and prev.head and not prev.header and found and not found[-1][1]:
                found[-1][0].append(ln)
            else:
                found.append(([ln], []))
        elif found:
            found[-1][1].append(ln)
        else:
            preamble.append(ln)
        prev = ln
    out = PageArticles([])
    pre_text = _body_text(preamble, leading, body)
    if found:
        head = pre_text[:200]
        out.date = _date_of(head)
        paper = _PAPER.search(head)
        out.source = paper.group(1) if paper else None
        if sum(not ch.isspace() for ch in pre_text) > PREAMBLE_KEEP:
            out.articles.append((None, pre_text))
    elif preamble:
        header = [ln for ln in preamble if ln.header]
        if header:
            head = " ".join(ln.text for ln in header)
            out.date = _date_of(head)
            paper = _PAPER.search(head)
            out.source = paper.group(1) if paper else None
        out.articles.append((None, _body_text([ln for ln in preamble if not ln.header] or preamble, leading, body)))
    for title_lines, body_lines in found:
        out.articles.append((_title(title_lines), _body_text(body_lines, leading, body)))
    return out


def _title(lines: list[_Line]) -> str:
    parts: list[str] = []
    for prev, ln in zip([None] + lines, lines):
        if prev is not None:
            parts.append(_joiner(parts[-1], ln.text) if abs(prev.size - ln.size) < 0.1 * ln.size else " ")
        parts.append(ln.text)
    return "".join(parts).strip()


def _body_text(lines: list[_Line], leading: float, body: float) -> str:
    """Lines joined into paragraphs, a blank line between paragraphs."""
    out: list[str] = []
    prev = None
    for ln in lines:
        if prev is not None:
            out.append("\n\n" if _new_paragraph(prev, ln, leading, body) else _joiner(out[-1], ln.text))
        out.append(ln.text)
        prev = ln
    return "".join(out).strip()


def _new_paragraph(prev: _Line, ln: _Line, leading: float, body: float) -> bool:
    if prev.head or ln.head or prev.header or ln.header:
        return True
    if ln.x0 - ln.left >= 1.2 * ln.size:                 # an indented line
        return True
    if prev.run == ln.run and ln.top - prev.bottom > leading + 0.6 * body:   # a vertical gap
        return True
    # a short line ending a sentence (the last line of a paragraph)
    return prev.run == ln.run and prev.right - prev.x1 > 2 * prev.size and prev.text[-1:] in _SENTENCE_END


def _joiner(before: str, after: str) -> str:
    """What goes between two lines of one paragraph: a space between two Latin words only."""
    return " " if _LATIN.match(before[-1:] or "") and _LATIN.match(after[:1]) else ""


def _date_of(text: str) -> str | None:
    """The date of a page header (an absolute day, else month), as ISO."""
    if not text.strip():
        return None
    from ..dates import find_dates
    try:
        mentions = find_dates(text)
    except ValueError:
        return None
    for precision in ("day", "month"):
        for m in mentions:
            if m.precision == precision and "/" not in m.value:
                return m.value
    return None
