import gzip
import json

import pytest

from pipeline.read import UsageError, decode_bytes, expand_inputs, read_inputs


def test_txt_with_sidecar(tmp_path):
    (tmp_path / "a.txt").write_text("襄城县签约。", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"id": "X1", "title": "t", "date": "2020-12",
                                                      "source": "许昌日报", "region": "许昌市"}), encoding="utf-8")
    (tmp_path / "a.gold.json").write_text("{}", encoding="utf-8")
    arts = list(read_inputs([str(tmp_path)]))
    assert len(arts) == 1            # the sidecar and the gold file are not articles
    a = arts[0]
    assert (a.id, a.source, a.region, a.date, a.text, a.error) == ("X1", "许昌日报", "许昌市", "2020-12", "襄城县签约。", None)


def test_txt_without_sidecar_takes_the_file_name(tmp_path):
    (tmp_path / "news-7.txt").write_text("正文。", encoding="utf-8")
    (a,) = read_inputs([str(tmp_path / "news-7.txt")])
    assert a.id == "news-7" and a.source is None


def test_jsonl_and_gz_with_bad_lines(tmp_path):
    lines = [json.dumps({"id": "a", "title": "t", "date": "2021-03-01", "source": "s", "text": "正文一"}, ensure_ascii=False),
             "{not json",
             json.dumps({"title": "no id", "date": None, "source": "s", "text": "正文二"}, ensure_ascii=False),
             json.dumps({"id": "c", "text": 5}),
             json.dumps({"id": "d"})]
    p = tmp_path / "dump.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    arts = list(read_inputs([str(p)]))
    assert [a.id for a in arts] == ["a", "dump:2", "dump:3", "c", "d"]
    assert arts[0].error is None and arts[0].text == "正文一"
    assert "line 2" in arts[1].error
    assert arts[2].error is None and arts[2].text == "正文二"
    assert "text" in arts[3].error and "int" in arts[3].error
    assert "missing 'text'" in arts[4].error


def test_truncated_gzip_is_an_error_not_a_crash(tmp_path):
    p = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(("\n".join(json.dumps({"id": str(i), "text": "正文" * 200}) for i in range(50))).encode())
    p.write_bytes(data[: len(data) // 2])
    arts = list(read_inputs([str(p)]))
    assert arts[-1].error and "cannot read" in arts[-1].error
    assert all(a.error is None for a in arts[:-1])


def test_encodings():
    assert decode_bytes("项目".encode("utf-8")) == ("项目", "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + "项目".encode("utf-8")) == ("项目", "utf-8-sig")
    assert decode_bytes("襄城县签约项目".encode("gb18030")) == ("襄城县签约项目", "gb18030")
    with pytest.raises(ValueError, match="binary"):
        decode_bytes(b"\x00\x01\x02binary")


def test_missing_input_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        expand_inputs([str(tmp_path / "nope")])
