"""Read stage: turn input paths into raw articles.

Inputs: `.txt` (one article, optional sidecar `NAME.meta.json`), `.jsonl` (one article per line),
`.html`, and the forms of `readers/` (tables, web archives, PDFs, images), any of them compressed
(told by content) or in a `.zip`; folders are searched recursively, in sorted order. `read_source`
dispatches one input by its form. Anything that cannot be read becomes a RawArticle with `error`
set, so that every input is accounted for and the batch goes on.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .readers import ReadOptions, Source
from .readers.containers import ZIP_MAGIC, decompressed, read_errors, strip_compression_suffix, zip_members

# the forms read, by the name's suffix once compression suffixes (.gz, .bz2, .xz, .zst) are taken off;
# compression, zip, PDF, images, WARC and Parquet are also told by their first bytes
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl",)
HTML_SUFFIXES = (".html", ".htm")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")
WARC_SUFFIXES = (".warc", ".arc")
PDF_SUFFIXES = (".pdf",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
ZIP_SUFFIXES = (".zip",)
ARTICLE_SUFFIXES = (TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + TABLE_SUFFIXES + WARC_SUFFIXES
                    + PDF_SUFFIXES + IMAGE_SUFFIXES + ZIP_SUFFIXES)
# files that live beside articles but are not articles
SIDE_SUFFIXES = (".meta.json", ".gold.json")
MAX_ARTICLE_CHARS = 2_000_000   # longer texts are refused with a clear reason (see README)
MAX_WHOLE_BYTES = 64 << 20      # a .txt or .html file larger than this is refused before decoding
MAX_LINE_BYTES = 128 << 20      # a longer JSONL line is refused unparsed (bounded memory, whatever the input)
MAX_LAYERS = 4                  # layers of compression unwrapped (a .jsonl.gz.xz has two)
META_KEYS = ("id", "title", "date", "source", "region", "kind")
# kinds of official sources (metadata `kind`, or --official KIND for a whole run): their claims are
# official figures, issued by the article's `source` (docs/database.md, official_claims)
SOURCE_KINDS = ("communique", "work_report", "bureau_release", "government_release")


@dataclass
class RawArticle:
    id: str
    origin: str
    text: str | None = None
    title: str | None = None
    date: str | None = None
    source: str | None = None
    region: str | None = None
    encoding: str | None = None
    error: str | None = None
    kind: str | None = None          # an official source's kind (SOURCE_KINDS), else None

    @property
    def content_hash(self) -> str | None:
        """The first 16 hex digits of the text's sha256 (computed once per text)."""
        if self.text is None:
            return None
        cached = self.__dict__.get("_hash")
        if cached is None or cached[0] is not self.text:
            cached = self.__dict__["_hash"] = (self.text, hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16])
        return cached[1]


class UsageError(Exception):
    """A problem with the command line itself (missing input path...)."""


def is_article_file(path: Path | str) -> bool:
    name = (path.name if isinstance(path, Path) else path).lower()
    if name.endswith(SIDE_SUFFIXES):
        return False
    return strip_compression_suffix(name, MAX_LAYERS).endswith(ARTICLE_SUFFIXES)


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files named on the command line, and article files under named folders, in sorted order."""
    out: list[Path] = []
    for raw in inputs:
        if raw == "-":
            out.append(Path("-"))
            continue
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"input path does not exist: {raw}")
        if p.is_dir():
            # files, and links that lead nowhere (they become error rows, not silent gaps)
            found = sorted(q for q in p.rglob("*") if (q.is_file() or (q.is_symlink() and not q.exists()))
                           and is_article_file(q))
            out.extend(found)
        else:
            out.append(p)
    return out


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode article bytes: UTF-8 (with or without BOM), else GB18030. Raises ValueError."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if b"\x00" in data[:4096]:
        raise ValueError("binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValueError(f"undecodable bytes (not UTF-8 or GB18030): {exc.reason} at byte {exc.start}") from None
    return text, "gb18030"


def _str_or_none(value, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"field '{key}' has type {type(value).__name__}, expected a string")
    return str(value)


def _kind(value) -> str | None:
    """An article's `kind`: one of SOURCE_KINDS or nothing; ValueError otherwise."""
    kind = _str_or_none(value, "kind")
    if kind is not None and kind not in SOURCE_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    return kind


def _from_mapping(obj: dict, default_id: str, origin: str) -> RawArticle:
    art = RawArticle(id=default_id, origin=origin)
    try:
        if not isinstance(obj, dict):
            raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
        art.id = _str_or_none(obj.get("id"), "id") or default_id
        art.title = _str_or_none(obj.get("title"), "title")
        art.date = _str_or_none(obj.get("date"), "date")
        art.source = _str_or_none(obj.get("source"), "source")
        art.region = _str_or_none(obj.get("region"), "region")
        art.kind = _kind(obj.get("kind"))
        text = obj.get("text")
        if text is None:
            raise ValueError("missing 'text'")
        if not isinstance(text, str):
            raise ValueError(f"field 'text' has type {type(text).__name__}, expected a string")
        art.text = text
    except ValueError as exc:
        art.error = str(exc)
    return art


def read_txt(path: Path) -> RawArticle:
    """One .txt article file on disk (with its NAME.meta.json sidecar, if any)."""
    return _read_txt(Source.of_file(path))


def _read_txt(src: Source) -> RawArticle:
    art = RawArticle(id=src.stem, origin=src.origin)
    try:
        art.text, art.encoding = decode_bytes(src.read_bytes(MAX_WHOLE_BYTES))
    except (OSError, ValueError) + read_errors() as exc:
        art.error = f"cannot read {src.origin}: {exc}"
        return art
    art.error = _apply_sidecar(src, art)
    return art


def _apply_sidecar(src: Source, art: RawArticle) -> str | None:
    """The NAME.meta.json beside the article, if there is one; returns an error message or None."""
    name = art.id + ".meta.json"
    try:
        data = src.sibling(name) if src.sibling else None
    except (OSError, ValueError) + read_errors() as exc:
        return f"bad sidecar {name}: {exc}"
    if data is None:
        return None
    return apply_meta(data, name, art)


def read_txt_meta(meta_path: Path, art: RawArticle) -> str | None:
    """Apply a NAME.meta.json sidecar file to an article; returns an error message or None."""
    try:
        data = meta_path.read_bytes()
    except OSError as exc:
        return f"bad sidecar {meta_path.name}: {exc}"
    return apply_meta(data, meta_path.name, art)


def apply_meta(data: bytes, name: str, art: RawArticle) -> str | None:
    """Apply the bytes of a NAME.meta.json sidecar to an article; returns an error message or None."""
    try:
        meta = json.loads(data.decode("utf-8-sig"))
        if not isinstance(meta, dict):
            raise ValueError("sidecar is not a JSON object")
        for key in META_KEYS:
            val = _kind(meta.get(key)) if key == "kind" else _str_or_none(meta.get(key), key)
            if key == "id":
                art.id = val or art.id
            elif val is not None:
                setattr(art, key, val)
    except ValueError as exc:          # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return f"bad sidecar {name}: {exc}"
    return None


def read_html(path: Path) -> RawArticle:
    """An HTML page on disk (see `_read_html`)."""
    return _read_html(Source.of_file(path))


def _read_html(src: Source) -> RawArticle:
    """An HTML page: body text, title and date from the page; sidecar metadata wins if present."""
    from .htmlpage import parse_html

    art = RawArticle(id=src.stem, origin=src.origin)
    try:
        data = src.read_bytes(MAX_WHOLE_BYTES)
        art.text, art.encoding = decode_page(data)
        art.text, art.title, art.date = parse_html(art.text)
    except (OSError, ValueError) + read_errors() as exc:
        art.error = f"cannot read {src.origin}: {exc}"
        return art
    art.error = _apply_sidecar(src, art)
    return art


def decode_page(data: bytes) -> tuple[str, str]:
    """Decode the bytes of an HTML page: its declared charset when it is a GB one, else as
    `decode_bytes` does. Returns (text, encoding)."""
    declared = regex_charset(data)
    if declared and declared.lower().replace("-", "").replace("_", "") in ("gb2312", "gbk", "gb18030"):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    return decode_bytes(data)


def regex_charset(data: bytes) -> str | None:
    import re
    hit = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", data[:4096], re.I)
    return hit.group(1).decode("ascii") if hit else None


def read_jsonl(path: Path) -> Iterator[RawArticle]:
    """A JSONL file on disk, or `-` for stdin."""
    if str(path) == "-":
        src = Source(name="stdin.jsonl", origin="-", opener=lambda: _Unclosed(sys.stdin.buffer))
        return _read_jsonl(src, "stdin")
    return _read_jsonl(Source.of_file(path), None)


class _Unclosed:
    """stdin as a context manager that does not close it."""

    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        return self.fh

    def __exit__(self, *exc):
        return False


def _read_jsonl(src: Source, stem: str | None) -> Iterator[RawArticle]:
    stem = stem or src.name.split(".jsonl")[0]
    lineno = 0
    try:
        with src.open() as fh:
            while True:
                raw = fh.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    break
                lineno += 1
                origin = f"{src.origin}:{lineno}"
                default_id = f"{stem}:{lineno}"
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    while raw and not raw.endswith(b"\n"):     # the rest of the line, in bounded pieces
                        raw = fh.readline(MAX_LINE_BYTES)
                    yield RawArticle(id=default_id, origin=origin,
                                     error=f"line {lineno} is longer than {MAX_LINE_BYTES} bytes (refused)")
                    continue
                if not raw.strip():
                    continue
                try:
                    line, _enc = decode_bytes(raw)
                    obj = json.loads(line)
                except ValueError as exc:
                    yield RawArticle(id=default_id, origin=origin,
                                     error=f"malformed JSONL at line {lineno}: {exc}")
                    continue
                yield _from_mapping(obj, default_id, origin)
    except read_errors() as exc:
        yield RawArticle(id=f"{stem}:{lineno + 1}", origin=f"{src.origin}:{lineno + 1}",
                         error=f"cannot read {src.origin} after line {lineno}: {exc or type(exc).__name__}")


def read_inputs(inputs: list[str], options: ReadOptions | None = None) -> Iterator[RawArticle]:
    """All raw articles of the inputs, in a deterministic order."""
    options = options or ReadOptions()
    named = {Path(raw) for raw in inputs if raw != "-" and not Path(raw).is_dir()}
    for path in expand_inputs(inputs):
        arts = read_jsonl(path) if str(path) == "-" else read_source(Source.of_file(path, named=path in named), options)
        for art in arts:
            if options.kind and art.kind is None:
                art.kind = options.kind          # --official KIND: every article of the run
            yield art


def read_source(src: Source, options: ReadOptions, depth: int = 0) -> Iterator[RawArticle]:
    """The articles of one input, by its form: its first bytes first (compression, zip, PDF,
    images, WARC, Parquet), else its name."""
    for _ in range(MAX_LAYERS):
        try:
            head = _head(src)
        except (OSError, ValueError) + read_errors() as exc:
            yield _failed(src, f"cannot read {src.origin}: {exc}")
            return
        inner = decompressed(src, head)
        if inner is src:
            break
        src = inner
    else:
        yield _failed(src, f"more than {MAX_LAYERS} layers of compression (refused)")
        return
    form = form_of(src.name, head)
    if form == "zip":
        for member in zip_members(src, depth):
            if isinstance(member, tuple):
                name, origin, reason = member
                yield RawArticle(id=name.rsplit(".", 1)[0], origin=origin, error=reason)
            elif is_article_file(member.name):
                yield from read_source(member, options, depth + 1)
        return
    if form == "txt":
        yield _read_txt(src)
    elif form == "html":
        yield _read_html(src)
    elif form == "jsonl":
        yield from _read_jsonl(src, None)
    elif form == "table":
        from .readers.tables import read_table
        yield from read_table(src, options)
    elif form == "warc":
        from .readers.warc import read_warc
        yield from read_warc(src, options)
    elif form == "pdf":
        from .readers.pdf import read_pdf
        yield from read_pdf(src, options)
    elif form == "image":
        from .readers.ocr import read_image
        yield from read_image(src, options)
    else:
        yield _failed(src, f"unsupported input type: {src.name} (expected {', '.join(ARTICLE_SUFFIXES)}, "
                           f"or any of them compressed with gzip, bzip2, xz or zstd)")


def form_of(name: str, head: bytes) -> str | None:
    """The form of an input: by its first bytes where they tell, else by its name."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    if head.startswith((b"WARC/", b"filedesc://")):
        return "warc"
    if head.startswith(b"PAR1"):
        return "table"
    low = name.lower()
    for form, suffixes in (("txt", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("html", HTML_SUFFIXES),
                           ("table", TABLE_SUFFIXES), ("warc", WARC_SUFFIXES), ("pdf", PDF_SUFFIXES),
                           ("image", IMAGE_SUFFIXES), ("zip", ZIP_SUFFIXES)):
        if low.endswith(suffixes):
            return form
    return None


def _head(src: Source, n: int = 16) -> bytes:
    with src.open() as fh:
        return fh.read(n)


def _failed(src: Source, reason: str) -> RawArticle:
    return RawArticle(id=src.stem, origin=src.origin, error=reason)
