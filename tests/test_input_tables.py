"""Tables of articles (.csv, .tsv, .parquet) on files the tests make: columns by name or mapped
with --columns, encodings, cell types, and bad tables as error rows."""
import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import parse_columns
from pipeline.read import UsageError, read_inputs
from pipeline.readers import ReadOptions

ROOT = Path(__file__).parent.parent
TEXT1 = "12月2日,长垣县与华泰新材料有限公司签订了总投资5亿元的新型建材项目。"
TEXT2 = "今年以来,全县累计签约项目12个,总投资86.5亿元。"
ROWS = [
    {"id": "t1", "title": "长垣签约", "date": "2021-12-03", "source": "新乡日报", "region": "长垣市", "text": TEXT1},
    {"id": "", "title": "", "date": "", "source": "", "region": "", "text": TEXT2},
]


def _csv(rows, header=None, delimiter=",", encoding="utf-8") -> bytes:
    header = header or list(rows[0])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h.split("=")[-1], r.get(h, "")) for h in header])
    return buf.getvalue().encode(encoding)


def _meta(a):
    return (a.id, a.title, a.date, a.source, a.region, a.text, a.error)


EXPECTED = [("t1", "长垣签约", "2021-12-03", "新乡日报", "长垣市", TEXT1, None),
            ("news:2", None, None, None, None, TEXT2, None)]


@pytest.mark.parametrize("name, data", [
    ("news.csv", _csv(ROWS)),
    ("news.csv", b"\xef\xbb\xbf" + _csv(ROWS)),                  # UTF-8 with BOM (Excel's export)
    ("news.csv", _csv(ROWS, encoding="gb18030")),                # GBK/GB18030 export
    ("news.tsv", _csv(ROWS, delimiter="\t")),
    ("news.csv", _csv(ROWS, header=["text", "region", "id", "date", "title", "source"])),   # any column order
])
def test_delimited_tables(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    arts = list(read_inputs([str(p)]))
    assert [_meta(a) for a in arts] == EXPECTED
    assert arts[0].origin == f"{p}#row=1"


def test_parquet_with_typed_columns(tmp_path):
    p = tmp_path / "news.parquet"
    table = pa.table({"id": pa.array([101, None]), "title": ["长垣签约", None],
                      "date": pa.array([dt.date(2021, 12, 3), None], pa.date32()),
                      "source": ["新乡日报", None], "region": ["长垣市", None], "text": [TEXT1, TEXT2],
                      "extra": [1.5, 2.5]})
    pq.write_table(table, p, row_group_size=1)
    arts = list(read_inputs([str(p)]))
    assert [_meta(a) for a in arts] == [("101",) + EXPECTED[0][1:], EXPECTED[1]]


def test_parquet_timestamps_give_the_day(tmp_path):
    p = tmp_path / "ts.parquet"
    pq.write_table(pa.table({"text": [TEXT1], "date": pa.array([dt.datetime(2021, 12, 3, 8, 30)], pa.timestamp("s"))}), p)
    (a,) = read_inputs([str(p)])
    assert a.date == "2021-12-03" and a.id == "ts:1"


@pytest.mark.parametrize("spec, expected", [
    ("text=body,date=pubdate", (("text", "body"), ("date", "pubdate"))),
    (" text = 正文 , id=编号", (("text", "正文"), ("id", "编号"))),
    ("", ()),
])
def test_parse_columns(spec, expected):
    assert parse_columns(spec) == expected


@pytest.mark.parametrize("spec", ["body", "text=", "words=body", "text=body,,"])
def test_parse_columns_refuses_bad_specs(spec):
    with pytest.raises(UsageError):
        parse_columns(spec)


def test_columns_mapped_by_option(tmp_path):
    p = tmp_path / "export.csv"
    p.write_bytes(_csv([{"编号": "c1", "pubdate": "2021-12-03", "body": TEXT1}], header=["编号", "pubdate", "body"]))
    opts = ReadOptions(columns=parse_columns("text=body,date=pubdate,id=编号"))
    (a,) = read_inputs([str(p)], opts)
    assert (a.id, a.date, a.text, a.error) == ("c1", "2021-12-03", TEXT1, None)


def test_csv_without_a_text_column_named_on_the_command_line_is_an_error_row(tmp_path):
    p = tmp_path / "figures.csv"
    p.write_bytes(_csv([{"region": "长垣市", "value": "86.5"}]))
    (a,) = read_inputs([str(p)])
    assert "without a text column" in a.error and "'region'" in a.error and "--columns" in a.error
    (a,) = read_inputs([str(p)], ReadOptions(columns=(("text", "body"),)))
    assert "mapped to 'body'" in a.error


def test_a_table_without_text_found_in_a_folder_is_passed_over_and_counted(tmp_path):
    (tmp_path / "figures.csv").write_bytes(_csv([{"region": "长垣市", "value": "86.5"}]))
    (tmp_path / "news.csv").write_bytes(_csv(ROWS))
    opts = ReadOptions()
    arts = list(read_inputs([str(tmp_path)], opts))
    assert [a.id for a in arts] == ["t1", "news:2"]
    assert dict(opts.skipped) == {"tables in folders without a text column (not articles)": 1}


def test_bad_rows_and_bad_tables(tmp_path):
    good = tmp_path / "a.csv"
    good.write_bytes(_csv(ROWS))
    empty_text = tmp_path / "b.csv"
    empty_text.write_bytes(_csv([{"id": "e1", "text": ""}, {"id": "e2", "text": TEXT1}]))
    broken = tmp_path / "c.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 50)
    quote = tmp_path / "d.csv"                     # an unclosed quote runs to the end of the file
    quote.write_bytes(b'id,text\nq1,"' + "未闭合".encode() * 10 + b"\n")
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    arts = list(read_inputs([str(good), str(empty_text), str(broken), str(quote), str(empty)]))
    by = [(a.id, a.error) for a in arts]
    assert by[:2] == [("t1", None), ("a:2", None)]
    assert by[2] == ("e1", None) and arts[2].text == "" and by[3] == ("e2", None)   # "empty text" at extraction, as in JSONL
    assert by[4][0] == "c" and "cannot read the Parquet file" in by[4][1]
    assert by[5][0] == "d:1" and "cannot read d.csv" in by[5][1]
    assert by[6][0] == "e" and "no header row" in by[6][1]


def test_extract_cli_on_a_table_with_columns(tmp_path):
    p = tmp_path / "export.tsv"
    p.write_bytes(_csv([{"key": "k1", "pubdate": "2021-12-03", "place": "长垣市", "body": TEXT1}],
                       header=["key", "pubdate", "place", "body"], delimiter="\t"))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(p), "--out", str(out), "--quiet", "--jobs", "1",
                        "--columns", "id=key,date=pubdate,region=place,text=body"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (rec,) = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (rec["article_id"], rec["amount_yi"], rec["county"]) == ("k1", 5, "长垣县")
    r = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(p), "--out", str(out), "--quiet",
                        "--columns", "body"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "FIELD=COLUMN" in r.stderr
