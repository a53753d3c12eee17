"""E-paper page PDFs (`pipeline/readers/pdf.py`): the text layer in reading order with the columns
apart, one article per headline, the date from the page header, and bad PDFs as error rows.

Every PDF here is drawn by the test with reportlab and its built-in CID font STSong-Light (no font
file needed); the articles are invented."""
from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("pdfplumber")
pytest.importorskip("reportlab")

from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from pipeline.extract import extract_article  # noqa: E402
from pipeline.read import read_inputs  # noqa: E402
from pipeline.readers import ReadOptions, Source  # noqa: E402
from pipeline.readers import pdf as pdf_reader  # noqa: E402

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

W, H = 595, 842
BODY = 10
STEP = 15                      # line pitch of the body text
LEFT, RIGHT = 40, 310          # x of the two columns
PER_LINE = 25                  # characters per column line (250 pt wide, gutter 20 pt)

HEADER = [(40, "江城日报"), (250, "2020年12月3日 星期四"), (470, "第3版 要闻")]
TITLE_A = "华泰新材料项目签约落户某某县"
TITLE_B = "恒远机械农机装备项目开工"
TITLE_C = "青山镇引进冷链物流园区"
# invented articles: paragraphs of body text
BODY_A = ["12月2日,某某县与华泰新材料有限公司签订了总投资5亿元的新型建材项目。该项目位于县经济开发区,"
          "主要生产装配式墙板和环保砂浆,建成后预计年产值8亿元,可带动就业五百余人。",
          "县委主要负责同志在签约仪式上表示,全县将以最优服务保障项目早日开工建设,双方将组建工作专班。"]
BODY_B = ["同日,恒远机械制造有限公司投资的农机装备项目在城南工业园开工,项目占地一百二十亩,计划明年六月建成投产。",
          "园区负责人介绍,今年以来园区已落地项目十一个,新签约项目正在加紧办理手续。"]
BODY_C = ["青山镇与北辰冷链物流有限公司日前签约,共同建设集仓储、分拣和配送于一体的冷链物流园区,"
          "一期工程建设冷库六座,预计明年秋季投入使用。",
          "镇党委书记说,园区建成后将为周边果蔬种植户提供就近储存服务,带动农产品外销。"]


def wrap(paragraphs: list[str], per_line: int = PER_LINE) -> list[str]:
    """Column lines: each paragraph starts indented by two ideographic spaces."""
    lines: list[str] = []
    for para in paragraphs:
        para = "\u3000\u3000" + para
        lines += [para[i:i + per_line] for i in range(0, len(para), per_line)]
    return lines


def text_of(paragraphs: list[str]) -> str:
    """What the reader should give for these paragraphs: lines joined, a blank line between paragraphs."""
    return "\n\n".join(paragraphs)


def draw(c: canvas.Canvas, x: float, y: float, text: str, size: float = BODY) -> None:
    c.setFont(FONT, size)
    c.drawString(x, y, text)


def two_column_page(c: canvas.Canvas) -> None:
    """A page header; a banner headline across both columns over article A, whose body runs down the
    left column and on at the top of the right one; article B (a one-column headline) below it in
    the right column; a second banner for article C, its body in both columns. Lines of the two
    columns share their y, so reading across the page would interleave them."""
    for x, text in HEADER:
        draw(c, x, 812, text, 9)
    draw(c, LEFT, 770, TITLE_A, 22)
    a = wrap(BODY_A)
    b = wrap(BODY_B)
    y0 = 740
    left_n = 5
    for i, line in enumerate(a[:left_n]):
        draw(c, LEFT, y0 - i * STEP, line)
    rest = a[left_n:]
    for i, line in enumerate(rest):
        draw(c, RIGHT, y0 - i * STEP, line)
    y = y0 - len(rest) * STEP - 22
    draw(c, RIGHT, y, TITLE_B, 16)
    y -= 26
    for i, line in enumerate(b):
        draw(c, RIGHT, y - i * STEP, line)
    bottom = min(y - (len(b) - 1) * STEP, y0 - (left_n - 1) * STEP)
    # band 2: banner headline C, body in both columns
    yc = bottom - 50
    draw(c, LEFT, yc, TITLE_C, 22)
    cl = wrap(BODY_C)
    half = (len(cl) + 1) // 2
    for i, line in enumerate(cl[:half]):
        draw(c, LEFT, yc - 30 - i * STEP, line)
    for i, line in enumerate(cl[half:]):
        draw(c, RIGHT, yc - 30 - i * STEP, line)


def plain_page(c: canvas.Canvas, paragraphs: list[str], header: str | None = None) -> None:
    """One column of body text, no headline; a page header above it when given."""
    if header:
        draw(c, LEFT, 812, header, 9)
    for i, line in enumerate(wrap(paragraphs, 40)):
        draw(c, LEFT, 770 - i * STEP, line)


def make_pdf(path: Path, *pages, **kw) -> Path:
    c = canvas.Canvas(str(path), pagesize=(W, H), **kw)
    for page in pages:
        page(c)
        c.showPage()
    c.save()
    return path


def scan_page(c: canvas.Canvas) -> None:
    """No text: a grey rectangle standing for a scanned image."""
    c.setFillGray(0.5)
    c.rect(40, 400, 300, 200, fill=1)


@pytest.fixture
def page_pdf(tmp_path) -> Path:
    return make_pdf(tmp_path / "page.pdf", two_column_page)


def flat(text: str) -> str:
    return text.replace("\n", "")


# -- 1. a two-column page with headlines ------------------------------------------------------------

@pytest.mark.parametrize("k, title, paragraphs, others", [
    (1, TITLE_A, BODY_A, BODY_B + BODY_C),
    (2, TITLE_B, BODY_B, BODY_A + BODY_C),
    (3, TITLE_C, BODY_C, BODY_A + BODY_B),
])
def test_two_column_page_articles(page_pdf, k, title, paragraphs, others):
    arts = list(read_inputs([str(page_pdf)]))
    assert [a.title for a in arts] == [TITLE_A, TITLE_B, TITLE_C]
    art = arts[k - 1]
    assert art.error is None
    assert art.id == f"page:p1:{k}" and art.origin == f"{page_pdf}#page=1"
    assert art.date == "2020-12-03" and art.source == "江城日报" and art.encoding == "pdf-text-layer"
    # the body is its own paragraphs, in order, lines joined, a blank line between paragraphs:
    # nothing of the other column interleaved, nothing of the other articles, no header
    assert art.text == text_of(paragraphs)
    for sentence in (s for p in others for s in p.split("。") if s):
        assert sentence not in flat(art.text)
    assert "江城日报" not in art.text and "第3版" not in art.text


def test_naive_reading_would_interleave(page_pdf):
    """The page is built so that the columns share their lines' y: plain text across the page
    mixes them (the first line of the left column, then the first line of the right one), the
    reader does not."""
    import pdfplumber
    a_lines = [line.strip("\u3000") for line in wrap(BODY_A)]
    left, right = a_lines[0], a_lines[5]            # the 1st lines of the left and right columns
    with pdfplumber.open(page_pdf) as pdf:
        naive = pdf.pages[0].extract_text().splitlines()
    assert any(left in line and right in line for line in naive)
    art = next(iter(read_inputs([str(page_pdf)])))
    assert flat(art.text).startswith(left + a_lines[1])
    assert left + right not in flat(art.text) and a_lines[4] + right in flat(art.text)


def test_no_spaces_between_chinese_characters(page_pdf):
    for art in read_inputs([str(page_pdf)]):
        assert " " not in art.text and " " not in art.title


# -- 2. pages without headlines ------------------------------------------------------------------------

def test_page_without_headline_is_one_article(tmp_path):
    p = make_pdf(tmp_path / "one.pdf", lambda c: plain_page(c, BODY_A, header="江城日报 2021年3月5日 第2版"))
    (art,) = read_inputs([str(p)])
    assert (art.id, art.origin, art.title) == ("one:p1", f"{p}#page=1", None)
    assert art.text == text_of(BODY_A)
    assert art.date == "2021-03-05"


def test_two_pages_two_articles(tmp_path):
    p = make_pdf(tmp_path / "two.pdf", lambda c: plain_page(c, BODY_B), lambda c: plain_page(c, BODY_C))
    arts = list(read_inputs([str(p)]))
    assert [(a.id, a.origin) for a in arts] == [("two:p1", f"{p}#page=1"), ("two:p2", f"{p}#page=2")]
    assert [a.text for a in arts] == [text_of(BODY_B), text_of(BODY_C)]
    assert all(a.title is None and a.date is None and a.error is None for a in arts)


def test_the_date_carries_to_later_pages(tmp_path):
    p = make_pdf(tmp_path / "paper.pdf", two_column_page, lambda c: plain_page(c, BODY_B))
    arts = list(read_inputs([str(p)]))
    assert [a.id for a in arts] == ["paper:p1:1", "paper:p1:2", "paper:p1:3", "paper:p2"]
    assert arts[-1].date == "2020-12-03"


# -- 3. end to end ---------------------------------------------------------------------------------------

def test_extract_from_pdf(page_pdf):
    arts = list(read_inputs([str(page_pdf)]))
    result = extract_article(arts[0])
    assert result.article.status == "ok" and result.article.title == TITLE_A
    assert result.article.date == "2020-12-03"
    (rec,) = [r for r in result.records if r.company == "华泰新材料有限公司"]
    assert rec.amount == 5 and rec.amount_yi == 5 and rec.currency == "CNY"
    assert [extract_article(a).article.status for a in arts] == ["ok", "ok", "ok"]


# -- 4. bad input --------------------------------------------------------------------------------------

@pytest.fixture
def bad_pdfs(tmp_path) -> dict[str, Path]:
    enc = make_pdf(tmp_path / "locked.pdf", two_column_page, encrypt="secret")
    good = make_pdf(tmp_path / "good.pdf", two_column_page)
    cut = tmp_path / "cut.pdf"
    data = good.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    scan = make_pdf(tmp_path / "scan.pdf", scan_page)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4\nthis is no PDF at all\n")
    return {"encrypted": enc, "truncated": cut, "scan": scan, "junk": junk}


@pytest.mark.parametrize("kind, error", [
    ("encrypted", "encrypted PDF: cannot read without the password"),
    ("truncated", "cannot read the PDF: "),
    ("junk", "cannot read the PDF: "),
    ("scan", "the PDF has no text layer (a scanned page): it needs OCR, run with --ocr"),
])
def test_bad_pdf_is_an_error_row(bad_pdfs, kind, error):
    path = bad_pdfs[kind]
    (art,) = read_inputs([str(path)])
    assert (art.id, art.origin, art.text) == (path.stem, str(path), None)
    assert art.error.startswith(error), art.error
    assert extract_article(art).article.status == "error"


def test_batch_goes_on_past_a_bad_pdf(tmp_path, bad_pdfs):
    good = make_pdf(tmp_path / "a_good.pdf", lambda c: plain_page(c, BODY_B))
    good2 = make_pdf(tmp_path / "c_good.pdf", lambda c: plain_page(c, BODY_C))
    arts = list(read_inputs([str(good), str(bad_pdfs["truncated"]), str(good2)]))
    assert [a.id for a in arts] == ["a_good:p1", "cut", "c_good:p1"]
    assert [a.error is None for a in arts] == [True, False, True]
    assert arts[0].text == text_of(BODY_B) and arts[2].text == text_of(BODY_C)


@pytest.mark.parametrize("scan_first", [False, True])
def test_some_pages_without_text(tmp_path, scan_first):
    pages = [lambda c: plain_page(c, BODY_B), scan_page]
    if scan_first:
        pages.reverse()
    p = make_pdf(tmp_path / "mixed.pdf", *pages)
    arts = list(read_inputs([str(p)]))
    assert [a.id for a in arts] == ["mixed:p1", "mixed:p2"]
    text, scan = (arts[1], arts[0]) if scan_first else (arts[0], arts[1])
    assert text.text == text_of(BODY_B) and text.error is None
    assert scan.error == pdf_reader.NO_TEXT and scan.origin == f"{p}#page={2 - scan_first}"


def _fake_ocr(calls):
    from pipeline.read import RawArticle

    def ocr_pdf(src, options, pages=None):
        calls.append(pages)
        for n in pages or [1]:
            yield RawArticle(id=f"{src.stem}:p{n}", origin=f"{src.origin}#page={n}", text="识别的文字。")
    return ocr_pdf


def test_with_ocr_textless_pages_go_to_ocr_pdf(tmp_path, monkeypatch):
    from pipeline.readers import ocr
    calls: list = []
    monkeypatch.setattr(ocr, "ocr_pdf", _fake_ocr(calls))
    scan = make_pdf(tmp_path / "scan.pdf", scan_page)
    mixed = make_pdf(tmp_path / "mixed.pdf", lambda c: plain_page(c, BODY_B), scan_page)
    (only,) = read_inputs([str(scan)], ReadOptions(ocr=True))
    assert only.text == "识别的文字。" and calls == [None]          # the whole file
    arts = list(read_inputs([str(mixed)], ReadOptions(ocr=True)))
    assert [a.id for a in arts] == ["mixed:p1", "mixed:p2"] and calls[-1] == [2]
    assert arts[0].text == text_of(BODY_B) and arts[1].text == "识别的文字。"


def test_without_the_ocr_module(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pipeline.readers.ocr", None)      # import fails
    scan = make_pdf(tmp_path / "scan.pdf", scan_page)
    (row,) = read_inputs([str(scan)], ReadOptions(ocr=True))
    assert row.error.startswith("OCR is unavailable") and row.id == "scan"


# -- 5. containers ---------------------------------------------------------------------------------------

def _rows(arts):
    return [(a.id, a.title, a.text, a.date, a.error) for a in arts]


def test_pdf_in_zip_and_gzip(page_pdf, tmp_path):
    plain = _rows(read_inputs([str(page_pdf)]))
    data = page_pdf.read_bytes()
    zpath = tmp_path / "batch.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2020/page.pdf", data)
    zpath.write_bytes(buf.getvalue())
    gpath = tmp_path / "page.pdf.gz"
    gpath.write_bytes(gzip.compress(data))
    zipped = list(read_inputs([str(zpath)]))
    gzipped = list(read_inputs([str(gpath)]))
    assert _rows(zipped) == plain and _rows(gzipped) == plain
    assert zipped[0].origin == f"{zpath}!2020/page.pdf#page=1"
    assert gzipped[0].origin.startswith(str(gpath)) and gzipped[0].origin.endswith("#page=1")


def test_read_pdf_from_bytes(page_pdf):
    src = Source.of_bytes("page.pdf", "mem", page_pdf.read_bytes())
    assert src.path is None
    arts = list(pdf_reader.read_pdf(src, ReadOptions()))
    assert [a.id for a in arts] == ["page:p1:1", "page:p1:2", "page:p1:3"] and arts[0].origin == "mem#page=1"
