"""Compression told by content, not name, and .zip archives (with their limits), on files the
tests make: each form gives the same articles as the plain file."""
import bz2
import gzip
import io
import json
import lzma
import zipfile

import pytest
import zstandard

from pipeline.read import expand_inputs, read_inputs
from pipeline.readers import containers

LINES = [{"id": "a1", "title": "签约", "date": "2021-03-01", "text": "长垣县与华泰新材料有限公司签约。"},
         {"id": "a2", "text": "正文二。"}]
JSONL = ("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n").encode("utf-8")
TXT = "襄城县与某某集团签订了总投资5亿元的项目。".encode("utf-8")

COMPRESS = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
}


def _rows(arts):
    return [(a.id, a.text, a.error) for a in arts]


@pytest.mark.parametrize("kind", sorted(COMPRESS))
@pytest.mark.parametrize("name", ["dump.jsonl", "dump.jsonl.gz", "dump.jsonl.bz2", "dump.jsonl.xz", "dump.jsonl.zst"])
def test_compression_is_told_by_content_whatever_the_name(tmp_path, kind, name):
    p = tmp_path / name
    p.write_bytes(COMPRESS[kind](JSONL))
    arts = list(read_inputs([str(p)]))
    assert _rows(arts) == [("a1", LINES[0]["text"], None), ("a2", "正文二。", None)]


@pytest.mark.parametrize("head, kind", [
    (gzip.compress(b"x")[:4], "gzip"), (bz2.compress(b"x")[:4], "bzip2"), (lzma.compress(b"x")[:6], "xz"),
    (zstandard.ZstdCompressor().compress(b"x")[:4], "zstd"), (b'{"id": 1}', None), (b"PK\x03\x04", None),
])
def test_sniff_compression(head, kind):
    assert containers.sniff_compression(head) == kind


def test_a_plain_file_named_gz_is_read_as_what_it_is(tmp_path):
    p = tmp_path / "dump.jsonl.gz"
    p.write_bytes(JSONL)
    assert [a.id for a in read_inputs([str(p)])] == ["a1", "a2"]


def test_two_layers_and_a_compressed_txt_with_its_sidecar(tmp_path):
    (tmp_path / "dump.jsonl.gz.xz").write_bytes(lzma.compress(gzip.compress(JSONL)))
    (tmp_path / "page.txt.gz").write_bytes(gzip.compress(TXT))
    (tmp_path / "page.meta.json").write_text(json.dumps({"id": "P7", "region": "许昌市"}), encoding="utf-8")
    arts = {a.id: a for a in read_inputs([str(tmp_path)])}
    assert sorted(arts) == ["P7", "a1", "a2"]
    assert arts["P7"].text == TXT.decode() and arts["P7"].region == "许昌市"


def test_folders_pick_up_every_form_and_leave_other_files(tmp_path):
    for name in ["a.txt", "b.jsonl.zst", "c.csv", "d.pdf", "e.warc.gz", "f.zip", "g.png", "h.parquet",
                 "notes.md", "a.meta.json", "a.gold.json", "x.docx"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in expand_inputs([str(tmp_path)])] == [
        "a.txt", "b.jsonl.zst", "c.csv", "d.pdf", "e.warc.gz", "f.zip", "g.png", "h.parquet"]


def _zip(members: dict[str, bytes], **kw) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, **kw) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_members_are_read_as_the_files_they_are(tmp_path):
    inner = _zip({"deep/inner.txt": "内层文章。".encode()})
    data = _zip({
        "2021/03/page.txt": TXT,
        "2021/03/page.meta.json": json.dumps({"id": "Z1", "date": "2021-03-02"}).encode(),
        "dump.jsonl.gz": gzip.compress(JSONL),
        "README.md": b"not an article",
        "__MACOSX/._page.txt": b"junk",
        "nested.zip": inner,
    })
    p = tmp_path / "batch.zip"
    p.write_bytes(data)
    arts = list(read_inputs([str(p)]))
    assert [(a.id, a.error) for a in arts] == [("Z1", None), ("a1", None), ("a2", None), ("inner", None)]
    assert arts[0].date == "2021-03-02" and arts[0].origin == f"{p}!2021/03/page.txt"
    assert arts[3].origin == f"{p}!nested.zip!deep/inner.txt" and arts[3].text == "内层文章。"


def test_a_zip_named_otherwise_is_still_a_zip(tmp_path):
    p = tmp_path / "export.jsonl"
    p.write_bytes(_zip({"x.jsonl": JSONL}))
    assert [a.id for a in read_inputs([str(p)])] == ["a1", "a2"]


def test_zip_bomb_is_refused_with_a_reason_and_the_rest_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(containers, "RATIO_FLOOR", 1 << 20)       # a small bomb stands for a big one
    bomb = b"\0" * (8 << 20)                                      # 8 MiB of zeros deflate ~1000x
    p = tmp_path / "bomb.zip"
    p.write_bytes(_zip({"a.txt": TXT, "zeros.jsonl": bomb, "z.txt": TXT}))
    arts = list(read_inputs([str(p)]))
    assert [a.id for a in arts] == ["a", "z", "zeros"]           # members in sorted order
    assert arts[0].error is None and arts[1].error is None
    assert "zip bomb" in arts[2].error and "inflates" in arts[2].error


def test_member_over_the_size_limit_and_nesting_too_deep(tmp_path, monkeypatch):
    monkeypatch.setattr(containers, "MAX_MEMBER_BYTES", 100)
    p = tmp_path / "big.zip"
    p.write_bytes(_zip({"big.txt": "文".encode() * 100}))
    (a,) = read_inputs([str(p)])
    assert "exceeds the limit" in a.error
    monkeypatch.setattr(containers, "MAX_MEMBER_BYTES", 1 << 30)
    data = TXT
    data = _zip({"d.txt": data})
    for i in range(4):
        data = _zip({f"n{i}.zip": data})
    p = tmp_path / "deep.zip"
    p.write_bytes(data)
    (a,) = read_inputs([str(p)])
    assert "nested more than" in a.error


def _varied() -> bytes:
    return "".join(json.dumps({"id": f"v{i}", "text": f"第{i}篇正文,编号{i * 7919 % 10007}。"}, ensure_ascii=False) + "\n"
                   for i in range(3000)).encode()


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize("make, reason", [
    (lambda: _half(gzip.compress(_varied())), "cannot read"),              # a truncated gzip stream
    (lambda: _half(lzma.compress(_varied())), "cannot read"),
    (lambda: _half(zstandard.ZstdCompressor().compress(_varied())), "cannot read"),
    (lambda: _zip({"a.txt": TXT * 50})[:120], "cannot read the zip archive"),   # a truncated zip
    (lambda: b"PK\x03\x04" + b"\x00" * 40, "cannot read"),
])
def test_damaged_containers_give_an_error_row_and_the_batch_goes_on(tmp_path, make, reason):
    (tmp_path / "a.txt").write_bytes(TXT)
    (tmp_path / "b.jsonl.gz").write_bytes(make())
    (tmp_path / "c.txt").write_bytes(TXT)
    arts = list(read_inputs([str(tmp_path)]))
    assert arts[0].id == "a" and arts[0].error is None and arts[-1].id == "c" and arts[-1].error is None
    bad = [a for a in arts[1:-1] if a.error]
    assert len(bad) == 1 and reason in bad[0].error


def test_encrypted_zip_member_is_an_error_row():
    # zipfile cannot write encrypted members; set the flag bit of a stored member by hand
    data = bytearray(_zip({"s.txt": TXT}))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.find(sig)
        flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
        data[flag_at] |= 0x1
    from pipeline.readers import Source
    (member,) = list(containers.zip_members(Source.of_bytes("e.zip", "e.zip", bytes(data)), depth=0))
    assert isinstance(member, tuple) and "encrypted" in member[2]


def test_the_extract_cli_reads_a_compressed_dump_end_to_end(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    p = tmp_path / "dump.jsonl"                                    # zstd inside, named as plain JSONL
    p.write_bytes(zstandard.ZstdCompressor().compress(
        (json.dumps({"id": "n1", "date": "2021-03-01", "region": "许昌市", "text": TXT.decode()}, ensure_ascii=False)
         + "\n").encode()))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(p), "--out", str(out), "--quiet", "--jobs", "1"],
                       cwd=Path(__file__).parent.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (rec,) = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rec["article_id"] == "n1" and rec["amount_yi"] == 5
