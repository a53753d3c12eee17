"""Containers of inputs: compression told by content (gzip, bzip2, xz, zstd: a gzip file named
`.jsonl` is read as what it holds) and `.zip` archives (each member read as the file it is, with
limits against zip bombs)."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
import zlib
from dataclasses import replace
from typing import Iterator

from . import MAX_INPUT_BYTES, Source

# first bytes of each compression (the forms' magic numbers)
COMPRESSIONS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
# suffixes that name a compression: taken off the name once the content is decompressed
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zstd")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")      # a zip with members, an empty zip

# zip bombs: a member larger than this once inflated, or inflating by more than MAX_RATIO while
# larger than RATIO_FLOOR bytes, or archives nested deeper than MAX_DEPTH, are refused
MAX_MEMBER_BYTES = 1 << 30
MAX_RATIO = 200
RATIO_FLOOR = 16 << 20
MAX_DEPTH = 3


def read_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a decompressing stream raises on damaged or truncated data."""
    errs: list[type[BaseException]] = [OSError, EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError,
                                       zipfile.BadZipFile]
    try:
        import zstandard
        errs.append(zstandard.ZstdError)
    except ImportError:
        pass
    return tuple(errs)


def sniff_compression(head: bytes) -> str | None:
    for magic, kind in COMPRESSIONS:
        if head.startswith(magic):
            return kind
    return None


def strip_compression_suffix(name: str, layers: int = 1) -> str:
    """The name without its last `layers` compression suffixes (dump.jsonl of dump.jsonl.gz)."""
    for _ in range(layers):
        suf = next((s for s in COMPRESSION_SUFFIXES if name.lower().endswith(s)), None)
        if suf is None:
            break
        name = name[: -len(suf)]
    return name


def _decompressor(kind: str, raw):
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(raw, mode="rb")
    if kind == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    return io.BufferedReader(_ZstdStream(raw))


class _ZstdStream(io.RawIOBase):
    """A zstd stream of one or more frames, that raises EOFError where it ends inside a frame
    (zstandard's own stream reader ends quietly on a truncated file)."""

    def __init__(self, raw):
        import zstandard
        self._raw = raw
        self._new = zstandard.ZstdDecompressor().decompressobj
        self._dobj = self._new()
        self._out = b""
        self._started = False               # bytes of the current frame seen

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        while not self._out:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                if self._started and not self._dobj.eof:
                    raise EOFError("compressed stream ended before the end of its frame (truncated zstd)")
                return 0
            while chunk:
                self._started = True
                self._out += self._dobj.decompress(chunk)
                chunk = b""
                if self._dobj.eof:                        # the next frame starts in what is left
                    chunk = self._dobj.unused_data
                    self._dobj = self._new()
                    self._started = False
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def decompressed(src: Source, head: bytes) -> Source:
    """The source as it reads once decompressed, when its first bytes say it is compressed
    (the caller unwraps several layers: a .jsonl.gz.xz twice); else itself,
    its name without a compression suffix that its content does not bear out."""
    kind = sniff_compression(head)
    if kind is None:
        bare = strip_compression_suffix(src.name)
        return src if bare == src.name else replace(src, name=bare)
    outer = src

    def opener():
        return _decompressor(kind, outer.open())

    return Source(name=strip_compression_suffix(src.name), origin=src.origin, opener=opener,
                  sibling=src.sibling, named=src.named)


def zip_members(src: Source, depth: int) -> Iterator[Source | tuple[str, str, str]]:
    """The members of a zip archive as Sources, in the archive's sorted order, each read while
    the archive is open (as a stream: zipfile never gives more than a member's declared size, and
    checks its CRC at the end); a member refused gives (name, origin, reason). Folders and the archive's own metadata
    (__MACOSX/, ._ files) are skipped."""
    if depth >= MAX_DEPTH:
        yield (src.name, src.origin, f"archives nested more than {MAX_DEPTH} deep (refused)")
        return
    fh = src.open() if src.path is None else open(src.path, "rb")
    try:
        if src.path is None:
            import io
            data = fh.read(MAX_INPUT_BYTES + 1)
            if len(data) > MAX_INPUT_BYTES:
                raise ValueError(f"archive larger than {MAX_INPUT_BYTES} bytes")
            fh.close()
            fh = io.BytesIO(data)
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:   # not a zip, or truncated
        fh.close()
        yield (src.name, src.origin, f"cannot read the zip archive: {exc}")
        return
    with zf:
        names = set(zf.namelist())

        def sibling_of(member: str):
            folder = member.rsplit("/", 1)[0] + "/" if "/" in member else ""

            def sibling(name: str) -> bytes | None:
                return zf.read(folder + name) if folder + name in names else None
            return sibling

        infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
        for info in infos:
            base = info.filename.rsplit("/", 1)[-1]
            if info.filename.startswith("__MACOSX/") or base.startswith("._"):
                continue
            origin = f"{src.origin}!{info.filename}"
            reason = _refused(info)
            if reason:
                yield (base, origin, reason)
                continue
            if info.flag_bits & 0x1:
                yield (base, origin, "encrypted zip member (no password is taken)")
                continue
            yield Source(name=base, origin=origin, opener=lambda info=info: zf.open(info), size=info.file_size,
                         sibling=sibling_of(info.filename))


def _refused(info: zipfile.ZipInfo) -> str | None:
    if info.file_size > MAX_MEMBER_BYTES:
        return f"zip member of {info.file_size} bytes once inflated exceeds the limit of {MAX_MEMBER_BYTES} (refused)"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (f"zip member inflates {info.file_size // max(info.compress_size, 1)}x "
                f"({info.compress_size} -> {info.file_size} bytes): refused as a zip bomb")
    return None
