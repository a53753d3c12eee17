"""Web archives (.warc, .warc.gz, .arc) written by the tests with warcio: the HTML pages become
articles (source = the URL), the other records are counted as skipped, and damaged archives give
the pages before the damage and one error row."""
import gzip
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.read import RawArticle, read_inputs, read_source
from pipeline.readers import ReadOptions, Source
from pipeline.readers.warc import SKIP_NOT_PAGE, SKIP_STATUS, read_warc

ROOT = Path(__file__).parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

BODY1 = "12月2日,长垣县与华泰新材料有限公司签订了总投资5亿元的新型建材项目,项目建成后年产值可达8亿元。"
BODY2 = "今年以来,我县围绕主导产业开展精准招商,累计签约项目12个,总投资86.5亿元,其中亿元以上项目9个。"
BODY3 = "11月28日,封丘县与绿源农业科技有限公司签约总投资3亿元的果蔬冷链物流园项目。"
BODY4 = "滑县产业集聚区召开项目推进会,要求各部门优化服务,确保签约项目早落地、早投产。"


def page(title: str, date: str | None, body: str, charset: str | None = "utf-8") -> str:
    """A county government page: navigation, a title, the date near it, the body and a footer."""
    meta = f'<meta charset="{charset}">' if charset else ""
    when = f'<div class="info">{date} 来源:县融媒体中心 浏览次数:26</div>' if date else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}_长垣县人民政府</title></head><body>"
            '<div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/zsyz">招商引资</a></div>'
            f"<h1>{title}</h1>{when}<div class=\"content\"><p>{body}</p>"
            "<p>签约仪式上,双方负责人分别介绍了项目的基本情况和下一步工作安排。</p></div>"
            '<div class="footer">主办:长垣县人民政府办公室 版权所有 备案号:豫ICP备00000000号</div>'
            "</body></html>")


PAGE1 = page("长垣县签约新型建材项目", "2021-12-03", BODY1)
PAGE2 = page("我县招商引资工作成效明显", "2021-11-30", BODY2, charset=None)
PAGE3 = page("封丘县签约冷链物流园项目", "2021-11-29", BODY3, charset="gbk")
PAGE4 = page("滑县召开项目推进会", None, BODY4)

U1 = "http://www.changyuan.gov.cn/zsyz/2021/1203/1.html"
U2 = "http://www.changyuan.gov.cn/zsyz/2021/1130/2.html"
U3 = "https://www.fengqiu.gov.cn/news/3.html"
U4 = "http://www.huaxian.gov.cn/xw/4.html"


class Archive:
    """Records written one by one with warcio's WARCWriter."""

    def __init__(self, gzip: bool = True):
        self.buf = io.BytesIO()
        self.w = WARCWriter(self.buf, gzip=gzip)

    def warcinfo(self):
        self.w.write_record(self.w.create_warcinfo_record("crawl.warc", {"software": "test-crawler/1.0"}))
        return self

    def request(self, url: str):
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True)
        self.w.write_record(self.w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http))
        return self

    def response(self, url: str, body: bytes, ctype="text/html; charset=utf-8", status="200 OK",
                 date="2021-12-05T08:30:00Z", extra=()):
        headers = ([("Content-Type", ctype)] if ctype else []) + list(extra)
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        rec = self.w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                        warc_headers_dict={"WARC-Date": date})
        self.w.write_record(rec)
        return self

    def metadata(self, url: str):
        rec = self.w.create_warc_record(url, "metadata", payload=io.BytesIO(b"outlink: http://example.cn/a\r\n"),
                                        warc_content_type="application/warc-fields")
        self.w.write_record(rec)
        return self

    def data(self) -> bytes:
        return self.buf.getvalue()


def full_archive(gz: bool = True) -> bytes:
    """warcinfo; request+response pairs for 3 pages (UTF-8; GBK by the HTTP header only; GBK by the
    meta only), an image, a 404, a redirect and a metadata record."""
    return (Archive(gz).warcinfo()
            .request(U1).response(U1, PAGE1.encode("utf-8"))                                    # records 2, 3
            .request(U2).response(U2, PAGE2.encode("gbk"), ctype="text/html; charset=GBK")        # 4, 5
            .request(U3).response(U3, PAGE3.encode("gbk"), ctype="text/html")                    # 6, 7
            .response("http://www.changyuan.gov.cn/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                      ctype="image/png")                                                        # 8
            .response("http://www.changyuan.gov.cn/missing.html", b"<html>Not Found</html>",
                      status="404 Not Found")                                                   # 9
            .response("http://www.changyuan.gov.cn/old", b"", status="301 Moved Permanently", ctype=None,
                      extra=[("Location", U1)])                                                 # 10
            .metadata(U1)                                                                       # 11
            .data())


def _src(name: str, data: bytes) -> Source:
    return Source.of_bytes(name, name, data)


def _read(name: str, data: bytes, options: ReadOptions | None = None) -> list[RawArticle]:
    return list(read_source(_src(name, data), options or ReadOptions()))


def _fields(a: RawArticle):
    return (a.id, a.source, a.title, a.date, a.error)


EXPECTED = [("crawl:3", U1, "长垣县签约新型建材项目", "2021-12-03", None),
            ("crawl:5", U2, "我县招商引资工作成效明显", "2021-11-30", None),
            ("crawl:7", U3, "封丘县签约冷链物流园项目", "2021-11-29", None)]


def test_html_responses_are_the_articles_and_the_rest_is_counted():
    options = ReadOptions()
    arts = _read("crawl.warc.gz", full_archive(), options)
    assert [_fields(a) for a in arts] == EXPECTED
    for a, body in zip(arts, (BODY1, BODY2, BODY3)):
        assert body in a.text
        assert "首页" not in a.text and "版权所有" not in a.text      # navigation and footer left out
    assert [a.encoding for a in arts] == ["utf-8", "gb18030", "gb18030"]
    assert [a.origin for a in arts] == ["crawl.warc.gz#record=3", "crawl.warc.gz#record=5", "crawl.warc.gz#record=7"]
    # warcinfo, 3 requests, the image and the metadata; the 404 and the redirect
    assert dict(options.skipped) == {SKIP_NOT_PAGE: 6, SKIP_STATUS: 2}


@pytest.mark.parametrize("body, ctype, expected", [
    (PAGE2.encode("gbk"), "text/html; charset=gbk", "gb18030"),            # the header only
    (PAGE3.encode("gbk"), "text/html", "gb18030"),                         # the meta only
    (PAGE2.encode("gbk"), "text/html; charset=utf-8", "gb18030"),          # a server that says utf-8 of GBK
    (PAGE1.encode("utf-8"), "text/html; charset=ISO-8859-1", "utf-8"),     # a server default, not the page's
    (PAGE2.encode("gbk"), None, "gb18030"),                                # no Content-Type: no page
    (PAGE1.encode("utf-8"), "application/xhtml+xml", "utf-8"),
    (b"\xef\xbb\xbf" + PAGE1.encode("utf-8"), "text/html; charset=utf-8", "utf-8-sig"),
])
def test_charsets(body, ctype, expected):
    options = ReadOptions()
    arts = _read("one.warc", Archive(False).response(U1, body, ctype=ctype).data(), options)
    if ctype is None:
        assert arts == [] and options.skipped == {SKIP_NOT_PAGE: 1}
        return
    (a,) = arts
    assert (a.encoding, a.error) == (expected, None)
    assert "签约" in a.text and "\ufeff" not in a.text


@pytest.mark.parametrize("status, kept", [("200 OK", True), ("203 Non-Authoritative Information", True),
                                          ("206 Partial Content", False), ("204 No Content", False),
                                          ("302 Found", False), ("500 Internal Server Error", False)])
def test_statuses(status, kept):
    options = ReadOptions()
    arts = _read("one.warc", Archive().response(U1, PAGE1.encode()).response(U4, PAGE4.encode(), status=status)
                 .data(), options)
    assert [a.source for a in arts] == ([U1, U4] if kept else [U1])
    assert options.skipped == ({} if kept else {SKIP_STATUS: 1})


def test_html_resource_record_is_a_page():
    arc = Archive()
    arc.w.write_record(arc.w.create_warc_record(U2, "resource", payload=io.BytesIO(PAGE2.encode("gbk")),
                                                warc_content_type="text/html; charset=gb2312"))
    arc.w.write_record(arc.w.create_warc_record(U1 + ".txt", "resource", payload=io.BytesIO(BODY1.encode()),
                                                warc_content_type="text/plain"))
    options = ReadOptions()
    (a,) = _read("res.warc", arc.data(), options)
    assert (a.source, a.title, a.encoding, a.error) == (U2, "我县招商引资工作成效明显", "gb18030", None)
    assert options.skipped == {SKIP_NOT_PAGE: 1}


def test_date_falls_back_to_the_warc_date():
    (a,) = _read("x.warc", Archive().response(U4, PAGE4.encode(), date="2021-12-06T01:02:03Z").data())
    assert (a.date, a.title, a.id, a.error) == ("2021-12-06", "滑县召开项目推进会", "x:1", None)
    assert BODY4 in a.text


def test_page_without_body_text_is_still_a_row():
    (a,) = _read("x.warc", Archive().response(U4, b"<html><body><img src='a.png'></body></html>").data())
    assert (a.error, a.text, a.source, a.date) == (None, "", U4, "2021-12-05")


def test_gzipped_and_plain_and_zipped_archives_read_the_same(tmp_path):
    gz, plain = full_archive(gz=True), full_archive(gz=False)
    assert gz[:2] == b"\x1f\x8b" and plain.startswith(b"WARC/1.")
    (tmp_path / "crawl.warc.gz").write_bytes(gz)
    (tmp_path / "crawl.warc").write_bytes(plain)
    with zipfile.ZipFile(tmp_path / "crawls.zip", "w") as zf:
        zf.writestr("2021/crawl.warc.gz", gz)
        zf.writestr("2021/crawl.warc", plain)
    whole_gzip = tmp_path / "whole" / "crawl.warc.gz"           # one gzip member for the whole archive
    whole_gzip.parent.mkdir()
    whole_gzip.write_bytes(gzip.compress(plain))
    runs = [list(read_inputs([str(tmp_path / name)])) for name in ("crawl.warc.gz", "crawl.warc", "crawls.zip")]
    runs.append(list(read_inputs([str(whole_gzip)])))
    for arts in runs[:2] + [runs[2][:3], runs[2][3:]] + runs[3:]:
        assert [_fields(a) for a in arts] == EXPECTED
        assert [a.text for a in arts] == [a.text for a in runs[0]]
    assert runs[2][0].origin == f"{tmp_path / 'crawls.zip'}!2021/crawl.warc#record=3"          # sorted members
    assert runs[2][3].origin == f"{tmp_path / 'crawls.zip'}!2021/crawl.warc.gz#record=3"
    # still compressed, handed to the reader directly (warcio's own gzip reading is not relied on)
    assert [_fields(a) for a in read_warc(_src("crawl.warc", gz), ReadOptions())] == EXPECTED
    assert [_fields(a) for a in read_warc(_src("crawl.warc", gzip.compress(plain)), ReadOptions())] == EXPECTED


def _arc_record(url: str, date: str, ctype: str, http: bytes) -> bytes:
    return f"{url} 10.0.0.1 {date} {ctype} {len(http)}\n".encode() + http + b"\n"


def _http(body: bytes, head: str = "HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=gbk\r\n") -> bytes:
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def arc_file() -> bytes:
    """An ARC v1 file written by hand: the filedesc version block, then records."""
    block = b"1 0 TestArchive\nURL IP-address Archive-date Content-type Archive-length\n"
    return (f"filedesc://crawl.arc 0.0.0.0 20211205083000 text/plain {len(block)}\n".encode() + block + b"\n"
            + _arc_record(U2, "20211205083001", "text/html", _http(PAGE2.encode("gbk")))
            + _arc_record("http://www.changyuan.gov.cn/logo.gif", "20211205083002", "image/gif",
                          _http(b"GIF89a", "HTTP/1.0 200 OK\r\nContent-Type: image/gif\r\n"))
            + _arc_record(U4, "20211206010203", "text/html",
                          _http(PAGE4.encode(), "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n")))


@pytest.mark.parametrize("name, compress", [("crawl.arc", False), ("crawl.arc.gz", True), ("crawl.dat", False)])
def test_arc_file(tmp_path, name, compress):
    p = tmp_path / name
    p.write_bytes(gzip.compress(arc_file()) if compress else arc_file())
    options = ReadOptions()
    arts = list(read_source(Source.of_file(p), options))
    assert [_fields(a) for a in arts] == [("crawl:2", U2, "我县招商引资工作成效明显", "2021-11-30", None),
                                          ("crawl:4", U4, "滑县召开项目推进会", "2021-12-06", None)]
    assert BODY2 in arts[0].text and arts[0].encoding == "gb18030"
    assert options.skipped == {SKIP_NOT_PAGE: 2}           # the filedesc block and the image


def _cut(data: bytes, marker: bytes) -> bytes:
    """The archive cut in the middle of the record whose page holds `marker`."""
    return data[: data.index(marker) + 20]


TRUNCATED = [
    ("plain, in a page", lambda: _cut(full_archive(False), BODY2.encode("gbk")), 4),   # record 5 cut
    ("plain, in the WARC headers", lambda: full_archive(False)[: full_archive(False).index(b"WARC/1.", 2000) + 40], None),
    ("gzip, in a page", lambda: gzip.compress(_cut(full_archive(False), BODY2.encode("gbk"))), 4),
    ("gzip members, cut", lambda: full_archive(True)[: len(full_archive(True)) * 2 // 5], None),
]


@pytest.mark.parametrize("label, make, last", TRUNCATED, ids=[t[0] for t in TRUNCATED])
def test_truncated_archive_gives_the_pages_before_and_one_error(label, make, last):
    arts = _read("crawl.warc", make())
    *good, bad = arts
    assert all(a.error is None for a in good) and [_fields(a) for a in good] == EXPECTED[: len(good)]
    assert bad.error.startswith("cannot read the web archive after record ")
    done = int(bad.error.split("after record ")[1].split(":")[0])
    if last is not None:
        assert done == last and len(good) == 1
    assert bad.id == f"crawl:{done + 1}" and bad.origin == f"crawl.warc#record={done + 1}"


def test_every_cut_is_read_without_raising():
    data = full_archive(False)
    for cut in range(0, len(data), 97):
        arts = _read("crawl.warc", data[:cut])
        assert all(a.error is None for a in arts[:-1])
        assert sum(a.error is not None for a in arts) <= 1


@pytest.mark.parametrize("name, data, reason", [
    ("notes.warc", "这不是网页存档。".encode(), "not a web archive (WARC or ARC)"),
    ("empty.warc", b"", "empty web archive"),
    ("junk.warc.gz", gzip.compress(b"WARC/1.0\r\nContent-Length: x\r\n"), "cannot read the web archive after record"),
])
def test_not_an_archive_is_an_error_row(name, data, reason):
    (a,) = _read(name, data)
    assert a.error.startswith(reason) and a.text is None
    assert a.id == name.split(".")[0] + ("" if "junk" not in name else ":1")


def test_a_bad_record_is_an_error_row_and_the_archive_goes_on():
    broken = Archive().response(U1, PAGE1.encode())
    broken.response(U4, b"\x1f\x8b not really gzip", extra=[("Content-Encoding", "gzip")])
    broken.response(U3, PAGE3.encode("gbk"))
    arts = _read("crawl.warc", broken.data())
    assert [(a.id, a.source, a.error is None) for a in arts] == [("crawl:1", U1, True), ("crawl:2", U4, False),
                                                                  ("crawl:3", U3, True)]
    assert arts[1].error.startswith(f"cannot read the page of record 2 ({U4})")


def test_gzip_content_encoding_is_undone():
    body = gzip.compress(PAGE1.encode())
    (a,) = _read("x.warc", Archive().response(U1, body, extra=[("Content-Encoding", "gzip")]).data())
    assert a.error is None and BODY1 in a.text


def test_batch_keeps_the_order(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(full_archive())
    (tmp_path / "b.warc.gz").write_bytes(full_archive()[: len(full_archive()) // 2])
    (tmp_path / "c.warc").write_bytes(Archive(False).warcinfo().response(U4, PAGE4.encode()).data())
    arts = list(read_inputs([str(tmp_path / n) for n in ("a.warc.gz", "b.warc.gz", "c.warc")]))
    ids = [a.id for a in arts]
    assert ids[:3] == ["a:3", "a:5", "a:7"] and ids[-1] == "c:2"
    b = [a for a in arts if a.id.startswith("b:")]
    assert [a.error is None for a in b] == [True] * (len(b) - 1) + [False]
    assert b[-1].error.startswith("cannot read the web archive after record ")


def test_extract_end_to_end(tmp_path):
    p = tmp_path / "crawl.warc.gz"
    p.write_bytes(full_archive())
    out = tmp_path / "out"
    r = subprocess.run([PYTHON, "-m", "pipeline", "extract", str(p), "--out", str(out), "--quiet", "--jobs", "1"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    articles = [json.loads(x) for x in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(a["article_id"], a["source"], a["status"]) for a in articles] == [
        ("crawl:3", U1, "ok"), ("crawl:5", U2, "ok"), ("crawl:7", U3, "ok")]
    records = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    found = {(rec["article_id"], rec["company"], rec["amount_yi"]) for rec in records}
    assert ("crawl:3", "华泰新材料有限公司", 5) in found
    assert ("crawl:7", "绿源农业科技有限公司", 3) in found
