"""Read stage: turn input paths into raw articles.

Inputs: `.txt` (one article, optional sidecar `NAME.meta.json`), `.jsonl` / `.jsonl.gz` (one
article per line), folders (recursively, in sorted order). Anything that cannot be read becomes
a RawArticle with `error` set, so that every input is accounted for and the batch goes on.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ARTICLE_SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".html", ".htm")
# files that live beside articles but are not articles
SIDE_SUFFIXES = (".meta.json", ".gold.json")
MAX_ARTICLE_CHARS = 2_000_000   # longer texts are refused with a clear reason (see README)
META_KEYS = ("id", "title", "date", "source", "region")


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

    @property
    def content_hash(self) -> str | None:
        if self.text is None:
            return None
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


class UsageError(Exception):
    """A problem with the command line itself (missing input path...)."""


def is_article_file(path: Path) -> bool:
    name = path.name
    if name.endswith(SIDE_SUFFIXES):
        return False
    return name.endswith(ARTICLE_SUFFIXES)


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
    art = RawArticle(id=path.name[: -len(".txt")], origin=str(path))
    meta_path = path.with_name(art.id + ".meta.json")
    try:
        data = path.read_bytes()
        art.text, art.encoding = decode_bytes(data)
    except (OSError, ValueError) as exc:
        art.error = f"cannot read {path}: {exc}"
        return art
    if meta_path.exists():
        art.error = read_txt_meta(meta_path, art)
    return art


def read_txt_meta(meta_path: Path, art: RawArticle) -> str | None:
    """Apply a NAME.meta.json sidecar to an article; returns an error message or None."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8-sig"))
        if not isinstance(meta, dict):
            raise ValueError("sidecar is not a JSON object")
        for key in META_KEYS:
            val = _str_or_none(meta.get(key), key)
            if key == "id":
                art.id = val or art.id
            elif val is not None:
                setattr(art, key, val)
    except (OSError, ValueError) as exc:
        return f"bad sidecar {meta_path.name}: {exc}"
    return None


def _open_binary(path: Path):
    if str(path) == "-":
        import contextlib
        return contextlib.nullcontext(sys.stdin.buffer)
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_html(path: Path) -> RawArticle:
    """An HTML page: body text, title and date from the page; sidecar metadata wins if present."""
    from .htmlpage import parse_html

    stem = path.name.rsplit(".", 1)[0]
    art = RawArticle(id=stem, origin=str(path))
    try:
        data = path.read_bytes()
        declared = regex_charset(data)
        if declared and declared.lower().replace("-", "") in ("gb2312", "gbk", "gb18030"):
            try:
                page, art.encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                page, art.encoding = decode_bytes(data)
        else:
            page, art.encoding = decode_bytes(data)
        art.text, art.title, art.date = parse_html(page)
    except (OSError, ValueError) as exc:
        art.error = f"cannot read {path}: {exc}"
        return art
    meta_path = path.with_name(stem + ".meta.json")
    if meta_path.exists():
        sidecar = read_txt_meta(meta_path, art)
        if sidecar:
            art.error = sidecar
    return art


def regex_charset(data: bytes) -> str | None:
    import re
    hit = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", data[:4096], re.I)
    return hit.group(1).decode("ascii") if hit else None


def read_jsonl(path: Path) -> Iterator[RawArticle]:
    stem = "stdin" if str(path) == "-" else path.name.split(".jsonl")[0]
    lineno = 0
    try:
        with _open_binary(path) as fh:
            for lineno, raw in enumerate(fh, start=1):
                origin = f"{path}:{lineno}"
                default_id = f"{stem}:{lineno}"
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
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield RawArticle(id=f"{stem}:{lineno + 1}", origin=f"{path}:{lineno + 1}",
                         error=f"cannot read {path} after line {lineno}: {exc or type(exc).__name__}")


def read_inputs(inputs: list[str]) -> Iterator[RawArticle]:
    """All raw articles of the inputs, in a deterministic order."""
    for path in expand_inputs(inputs):
        name = path.name
        if str(path) == "-":
            yield from read_jsonl(path)
        elif name.endswith(".txt"):
            yield read_txt(path)
        elif name.endswith((".html", ".htm")):
            yield read_html(path)
        elif name.endswith((".jsonl", ".jsonl.gz")):
            yield from read_jsonl(path)
        else:
            yield RawArticle(id=name, origin=str(path),
                             error=f"unsupported input type: {name} (expected .txt, .html, .jsonl, .jsonl.gz)")
