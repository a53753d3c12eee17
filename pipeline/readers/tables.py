"""Tables of articles: `.csv`, `.tsv` and `.parquet`, one article per row, with the columns `id`,
`title`, `date`, `source`, `region` and `text` (other names mapped with `--columns
text=body,date=pubdate`). Only `text` is required; a row without an id gets `NAME:ROW`.

CSV and TSV are read as a stream (any size), in UTF-8 (with or without BOM) or GB18030, told
from the first bytes; Parquet in record batches. A table without a text column becomes one
error row, unless it was found in a folder (not named on the command line) and so is not meant
as articles (a CSV of official figures beside the articles): that one is counted as skipped.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Iterator

from . import ReadOptions, Source

if TYPE_CHECKING:
    from ..read import RawArticle

FIELDS = ("id", "title", "date", "source", "region", "kind", "text")
SNIFF_BYTES = 1 << 16
PARQUET_BATCH = 1024
CSV_FIELD_LIMIT = 64 << 20          # characters in one cell (an article's text); csv's default is 128 KiB


def read_table(src: Source, options: ReadOptions) -> Iterator[RawArticle]:
    """The articles of a CSV, TSV or Parquet table."""
    from ..read import RawArticle

    try:
        if _is_parquet(src):
            yield from _read_parquet(src, options)
        else:
            yield from _read_delimited(src, options)
    except _NoText as exc:
        if not src.named:
            options.skip("tables in folders without a text column (not articles)")
            return
        yield RawArticle(id=src.stem, origin=src.origin, error=str(exc))


class _NoText(ValueError):
    pass


def _is_parquet(src: Source) -> bool:
    with src.open() as fh:
        return fh.read(4) == b"PAR1"


def _columns(header: list[str], options: ReadOptions, src: Source) -> dict[str, int]:
    """Article field -> column index; _NoText when there is no text column."""
    index = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
    wanted = {key: options.column(key) for key in FIELDS}
    if wanted["text"] not in index:
        mapped = "" if wanted["text"] == "text" else f" (mapped to '{wanted['text']}' by --columns)"
        raise _NoText(f"table without a text column{mapped}: {src.name} has columns "
                      f"{', '.join(repr(h) for h in header[:12]) or 'none'}; name it with --columns text=COLUMN")
    return {key: index[col] for key, col in wanted.items() if col in index}


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:          # a character cut at the end of the sniffed bytes
            return "utf-8"
        return "gb18030"


def _read_delimited(src: Source, options: ReadOptions):
    from ..read import RawArticle

    with src.open() as fh:
        head = fh.read(SNIFF_BYTES)
    encoding = _encoding(head)
    delimiter = "\t" if src.name.lower().endswith(".tsv") else ","
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    row_no = 0
    with src.open() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=True)   # damage (an unclosed quote) is an error
        try:
            header = next(reader, None)
            if header is None:
                raise _NoText(f"empty table: {src.name} has no header row")
            cols = _columns(header, options, src)
            for row_no, row in enumerate(reader, start=1):
                if not any(cell.strip() for cell in row):
                    continue
                values = {key: (row[i] if i < len(row) else None) for key, i in cols.items()}
                yield _article(values, src, row_no, encoding)
        except (csv.Error, UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, _NoText):
                raise
            yield RawArticle(id=f"{src.stem}:{row_no + 1}", origin=f"{src.origin}#row={row_no + 1}",
                             error=f"cannot read {src.name} after row {row_no}: {exc}")


def _read_parquet(src: Source, options: ReadOptions):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..read import RawArticle

    try:
        pf = pq.ParquetFile(src.path if src.path is not None else io.BytesIO(src.read_bytes()))
        header = pf.schema_arrow.names
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, _NoText):
            raise
        yield RawArticle(id=src.stem, origin=src.origin, error=f"cannot read the Parquet file: {exc}")
        return
    cols = _columns(header, options, src)
    names = [header[i] for i in cols.values()]
    row_no = 0
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH, columns=names):
            data = batch.to_pydict()
            for j in range(batch.num_rows):
                row_no += 1
                values = {key: data[header[i]][j] for key, i in cols.items()}
                yield _article(values, src, row_no, "parquet")
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield RawArticle(id=f"{src.stem}:{row_no + 1}", origin=f"{src.origin}#row={row_no + 1}",
                         error=f"cannot read {src.name} after row {row_no}: {exc}")


def _cell(value, key: str) -> str | None:
    """A table cell as article metadata: text as it is, numbers and dates written out."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:       # NaN: an empty cell of pandas' making
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10] if key == "date" else value.isoformat()
    if isinstance(value, bytes):
        raise ValueError(f"column for '{key}' holds bytes, expected text")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"column for '{key}' holds {type(value).__name__}, expected text")
    s = str(value)
    return s if s.strip() or key == "text" else None


def _article(values: dict, src: Source, row_no: int, encoding: str):
    from ..read import RawArticle

    default_id = f"{src.stem}:{row_no}"
    art = RawArticle(id=default_id, origin=f"{src.origin}#row={row_no}", encoding=encoding)
    try:
        for key in FIELDS:
            val = _cell(values.get(key), key)
            if key == "id":
                art.id = val or default_id
            elif key == "kind":
                from ..read import _kind
                art.kind = _kind(val)
            elif key == "text":
                art.text = val or ""          # an empty cell: "empty text" at extraction, as in JSONL
            else:
                setattr(art, key, val)
    except ValueError as exc:
        art.error = str(exc)
    return art
