"""Containers of inputs: compression told by content (gzip, bzip2, xz, zstd: a gzip file named
`.jsonl` is read as what it holds) and `.zip` archives (each member read as the file it is, with
limits against zip bombs)."""
from __future__ import annotations

import bz2
import gzip
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


def strip_compression_suffix(name: str) -> str:
    for suf in COMPRESSION_SUFFIXES:
        if name.lower().endswith(suf):
            return name[: -len(suf)]
    return name


def _decompressor(kind: str, raw):
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(raw, mode="rb")
    if kind == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    import zstandard
    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)


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

    return Source(name=strip_compression_suffix(src.name), origin=src.origin, opener=opener)


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
