"""Readers of the input forms beyond plain text and JSONL, one module per form:

- `containers.py`: compression told by content (gzip, bzip2, xz, zstd) and `.zip` archives;
- `tables.py`: `.csv`, `.tsv` and `.parquet` tables of articles;
- `warc.py`: web archives (`.warc`, `.warc.gz`, `.arc`);
- `pdf.py`: e-paper page PDFs (the text layer, columns apart, articles by headline);
- `ocr.py`: scanned pages and images (Tesseract), with `--ocr`.

Every reader takes a `Source` (a file on disk, a decompressed stream or a member of an archive)
and the run's `ReadOptions`, and yields `RawArticle`s; anything it cannot read becomes a
RawArticle with `error` set, never an exception (`read.read_inputs` dispatches by form).
"""
from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

# the most bytes one input (a decompressed file, an archive member) may give: more is refused
# with a reason (a zip bomb, or a file too large to be a batch of articles)
MAX_INPUT_BYTES = 4 << 30


@dataclass
class ReadOptions:
    """How the run reads its inputs (command-line options), and what the readers passed over
    that is not an article (counted, so the run's summary can say so)."""
    ocr: bool = False                       # --ocr: read images and PDFs without text with Tesseract
    ocr_lang: str = "chi_sim"
    columns: tuple[tuple[str, str], ...] = ()   # --columns text=body,date=pubdate: (field, column)
    kind: str | None = None                 # --official KIND: the kind of official source of every article
    skipped: Counter = field(default_factory=Counter)   # reason -> count (WARC request records...)

    def column(self, key: str) -> str:
        """The column of a table that holds the article field `key`."""
        return dict(self.columns).get(key, key)

    def skip(self, reason: str, n: int = 1) -> None:
        """Count an input part that is not an article, e.g. skip("WARC records other than HTML responses")."""
        self.skipped[reason] += n


@dataclass
class Source:
    """One input to read: `name` decides its form (compression suffixes taken off: a
    decompressed `dump.jsonl.gz` is named `dump.jsonl`), `origin` says where it came from
    (`dump.zip!2020/page1.pdf`), `path` is the file on disk when it is one as it stands."""
    name: str
    origin: str
    opener: Callable[[], BinaryIO]
    path: Path | None = None
    size: int | None = None                 # bytes, when known before reading
    sibling: Callable[[str], bytes | None] | None = None   # the bytes of a file beside it (NAME.meta.json)
    named: bool = False                     # named on the command line (not found in a folder or archive)

    def open(self) -> BinaryIO:
        """A fresh binary stream of the content (decompressed)."""
        return self.opener()

    def read_bytes(self, limit: int = MAX_INPUT_BYTES) -> bytes:
        """The whole content; ValueError beyond `limit` bytes."""
        with self.open() as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"more than {limit} bytes once decompressed (refused: a zip bomb or too large an input)")
        return data

    @property
    def stem(self) -> str:
        """The name without its last suffix (page1 of page1.pdf), the default article id."""
        base = self.name.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[0] if "." in base else base

    @classmethod
    def of_file(cls, path: Path, named: bool = False) -> "Source":
        try:
            size = path.stat().st_size
        except OSError:
            size = None

        def sibling(name: str) -> bytes | None:
            other = path.with_name(name)
            return other.read_bytes() if other.is_file() else None

        return cls(name=path.name, origin=str(path), opener=lambda: open(path, "rb"), path=path, size=size,
                   sibling=sibling, named=named)

    @classmethod
    def of_bytes(cls, name: str, origin: str, data: bytes) -> "Source":
        return cls(name=name, origin=origin, opener=lambda: io.BytesIO(data), size=len(data))
