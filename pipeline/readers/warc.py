"""Web archives: `.warc` and `.arc` (gzip-compressed or not), read with warcio as a stream.

Each HTML page in the archive is an article: a `response` record with HTTP status 200 (or 203, a
page through a transforming proxy) and Content-Type text/html or application/xhtml+xml, or a
`resource` record of those types. Its body text, title and date come from `htmlpage.parse_html`;
its source is the record's WARC-Target-URI; its date is the page's, else the record's WARC-Date;
its id is `STEM:N` and its origin `ARCHIVE#record=N`, N the 1-based ordinal of the record among
all the archive's records (warcinfo included), so both are stable across runs.

The charset of a page is the HTTP Content-Type's (charset=gbk), else the page's meta charset,
else UTF-8, else GB18030 (`read.decode_page`). Other records (warcinfo, request, metadata,
revisit, images) and responses with another status (redirects, errors) are counted as skipped,
under two reasons. A record that
cannot be read gives an error row and the archive goes on; a damaged or truncated archive gives
the pages before the damage and one error row; a file that is not an archive gives an error row.
"""
from __future__ import annotations

import codecs
import gzip
import re
from typing import TYPE_CHECKING, Iterator

from . import ReadOptions, Source
from .containers import read_errors

if TYPE_CHECKING:
    from ..read import RawArticle

# the reasons records are passed over (printed in the run's summary: keep them few and stable)
SKIP_NOT_PAGE = "WARC records that are not HTML pages (request, metadata, images...)"
SKIP_STATUS = "WARC responses with a status other than 200 (redirects, errors)"

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_STATUSES = ("200", "203")      # 204/205 have no content, 206 is a part of a page
PAGE_RECORDS = ("response", "resource")
# charsets servers declare by default, not from the page (Chinese pages are never Latin-1)
UNINFORMATIVE = {"iso8859-1", "latin-1", "ascii", "cp1252", "windows-1252"}
_GB = ("gb2312", "gbk", "gb18030", "cp936", "xgbk")


class _Damaged(Exception):
    """The archive's stream cannot be read on (truncated, corrupt compression)."""


class _Guarded:
    """The archive's stream for warcio: read errors become `_Damaged` (warcio takes an
    EOFError for the end of the archive, and would end quietly where a .warc.gz is cut)."""

    def __init__(self, fh):
        self.fh = fh
        self.count = 0

    def read(self, size=-1):
        try:
            data = self.fh.read(size)
        except (ValueError,) + read_errors() as exc:
            raise _Damaged(str(exc) or type(exc).__name__) from exc
        self.count += len(data)
        return data

    def tell(self):
        return self.count

    def close(self):
        self.fh.close()


def read_warc(src: Source, options: ReadOptions) -> Iterator[RawArticle]:
    """The HTML pages of a WARC or ARC archive, in the archive's order."""
    from warcio.archiveiterator import ArchiveIterator
    from ..read import RawArticle

    head = b""
    n = 0               # records begun
    done = 0            # records read whole (pages, skipped records and error rows alike)
    try:
        fh = src.open()
    except (OSError, ValueError) + read_errors() as exc:
        yield RawArticle(id=src.stem, origin=src.origin, error=f"cannot read {src.origin}: {exc}")
        return
    try:
        raw = fh
        with src.open() as first:
            head = first.read(16)
        if head[:2] == b"\x1f\x8b":          # given still compressed: any gzip, one member per record or not
            raw = gzip.GzipFile(fileobj=fh, mode="rb")
            head = _gzip_head(src)
        guarded = _Guarded(raw)
        it = ArchiveIterator(guarded, arc2warc=True)
        for record in it:
            n += 1
            row = _record(record, n, src, options)
            done = n
            if row is not None:
                yield row
        if guarded.count > it.offset:     # bytes after the last whole record that warcio let go
            raise _Damaged(f"{guarded.count - it.offset} bytes after the last whole record "
                           f"(the archive is cut short)")
        if n == 0:
            yield RawArticle(id=src.stem, origin=src.origin, error="empty web archive (no records)")
    except Exception as exc:        # warcio raises many kinds on bad input; none may stop the batch
        reason = _reason(exc)
        if done == 0 and not isinstance(exc, _Damaged) and not head.startswith((b"WARC/", b"filedesc://")):
            yield RawArticle(id=src.stem, origin=src.origin, error=f"not a web archive (WARC or ARC): {reason}")
        else:
            yield RawArticle(id=f"{src.stem}:{done + 1}", origin=f"{src.origin}#record={done + 1}",
                             error=f"cannot read the web archive after record {done}: {reason}")
    finally:
        try:
            fh.close()
        except Exception:
            pass


def _gzip_head(src: Source) -> bytes:
    try:
        with src.open() as first:
            return gzip.GzipFile(fileobj=first, mode="rb").read(16)
    except (ValueError,) + read_errors():
        return b""


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    if isinstance(exc, (_Damaged, ValueError, OSError, EOFError)) or type(exc).__name__ == "ArchiveLoadFailed":
        return text
    return f"a damaged record ({type(exc).__name__}: {text})"     # warcio tripping over broken headers


def _record(record, n: int, src: Source, options: ReadOptions) -> RawArticle | None:
    """The article of one record, an error row, or None (skipped); reads the record to its end.
    Raises _Damaged when the record is cut short."""
    from ..read import MAX_WHOLE_BYTES, RawArticle

    url = record.rec_headers.get_header("WARC-Target-URI")
    kind = _page_kind(record)
    data = None
    art = RawArticle(id=f"{src.stem}:{n}", origin=f"{src.origin}#record={n}", source=url)
    if kind == "page":
        try:
            data = record.content_stream().read(MAX_WHOLE_BYTES + 1)
            if len(data) > MAX_WHOLE_BYTES:
                raise ValueError(f"page larger than {MAX_WHOLE_BYTES} bytes (refused)")
        except _Damaged:
            raise
        except Exception as exc:        # a bad Content-Encoding, chunking...
            art.error = f"cannot read the page of record {n} ({url}): {_reason(exc)}"
    _drain(record, n)
    if kind == "status":
        options.skip(SKIP_STATUS)
        return None
    if kind != "page":
        options.skip(SKIP_NOT_PAGE)
        return None
    if art.error:
        return art
    try:
        from ..htmlpage import parse_html
        page, art.encoding = _decode(data, _header_charset(record))
        art.text, art.title, art.date = parse_html(page)
    except Exception as exc:
        art.error = f"cannot read the page of record {n} ({url}): {_reason(exc)}"
        return art
    if not art.date:
        art.date = _warc_day(record.rec_headers.get_header("WARC-Date"))
    return art


def _page_kind(record) -> str:
    """"page", "status" (a response with a status other than 200: a redirect, an error) or "other"."""
    if record.rec_type not in PAGE_RECORDS:
        return "other"
    if record.rec_type == "response":
        if record.http_headers is None:      # dns:, whois: ... or a response without HTTP
            return "other"
        if record.http_headers.get_statuscode() not in PAGE_STATUSES:
            return "status"
        return "page" if _is_html(record.http_headers.get_header("Content-Type")) else "other"
    return "page" if _is_html(record.content_type) else "other"


def _is_html(ctype: str | None) -> bool:
    return bool(ctype) and ctype.split(";", 1)[0].strip().lower() in HTML_TYPES


def _drain(record, n: int) -> None:
    """Read the record to its end; _Damaged when its content is shorter than its Content-Length."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    if getattr(stream, "limit", 0) > 0:
        raise _Damaged(f"record {n} ends {stream.limit} bytes before its Content-Length (truncated)")
    length = record.rec_headers.get_header("Content-Length")
    if length is None or not length.strip().isdigit():
        raise _Damaged(f"record {n} has no valid Content-Length ({length!r})")


def _header_charset(record) -> str | None:
    headers = record.http_headers
    ctype = headers.get_header("Content-Type") if headers is not None else record.content_type
    hit = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", ctype or "", re.I)
    return hit.group(1) if hit else None


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    """The page's text and encoding: by the charset the HTTP header declares when the bytes bear
    it out, else as `read.decode_page` does (the meta charset, else UTF-8, else GB18030)."""
    from ..read import decode_page

    codec = _codec(declared)
    if codec and not data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass                    # a server that says utf-8 of a GBK page: the page's own word
    return decode_page(data)


def _codec(declared: str | None) -> str | None:
    if not declared:
        return None
    if declared.lower().replace("-", "").replace("_", "") in _GB:
        return "gb18030"            # the superset: GBK pages use its characters beyond GB2312
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None
    return None if name in UNINFORMATIVE else name


def _warc_day(value: str | None) -> str | None:
    hit = re.match(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    return "-".join(hit.groups()) if hit else None
