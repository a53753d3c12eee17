"""--ocr: scanned pages (PNG, JPEG, multi-page TIFF, a PDF of page images) read with Tesseract.

The pages are rendered here with Pillow and the WQY Micro Hei font (invented text); the tests that
need Tesseract and its chi_sim model skip, with the reason, where it is not installed (.ci/run
installs both)."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.extract import extract_article
from pipeline.read import read_inputs
from pipeline.readers import ReadOptions, Source
from pipeline.readers import ocr

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SIZE = 40
PER_LINE = 34
# invented articles, one per page
PAGE_1 = ("　　12月2日,长垣县与华泰新材料有限公司签订了总投资5亿元的新型建材项目。"
          "项目建成后年产值可达8亿元,可新增就业岗位六百余个。"
          "　　县领导在签约仪式上表示,将为项目建设做好服务。")
PAGE_2 = ("　　同日,封丘县与恒远机械制造有限公司签约总投资3.2亿元的农机装备项目,"
          "项目占地一百二十亩,计划明年六月投产。")


@pytest.fixture(autouse=True)
def _fresh_check():
    """The availability check is cached per run: every test starts (and leaves) it fresh."""
    ocr._unavailable.cache_clear()
    yield
    ocr._unavailable.cache_clear()


@pytest.fixture
def tesseract():
    reason = ocr.ocr_unavailable("chi_sim")
    if reason is not None:
        pytest.skip(f"Tesseract with chi_sim is not installed here: {reason}")
    if not Path(FONT).is_file():
        pytest.skip(f"the font {FONT} is not installed (apt-get install fonts-wqy-microhei)")


def render(text: str) -> Image.Image:
    """A page of Chinese text, black on white, 1600 px wide; a paragraph starts with 　　."""
    font = ImageFont.truetype(FONT, SIZE)
    lines = []
    for para in (p for p in text.split("　　") if p):
        para = "　　" + para
        lines += [para[i:i + PER_LINE] for i in range(0, len(para), PER_LINE)]
    step = int(SIZE * 1.7)
    img = Image.new("L", (1600, 160 + step * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((100, 80 + i * step), line, font=font, fill=0)
    return img


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    if not Path(FONT).is_file():
        pytest.skip(f"the font {FONT} is not installed")
    d = tmp_path_factory.mktemp("scans")
    one, two = render(PAGE_1), render(PAGE_2)
    one.save(d / "page.png")
    one.convert("RGB").save(d / "page.jpg", quality=85)
    one.save(d / "pages.tif", save_all=True, append_images=[two], compression="tiff_lzw")
    (d / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"this is not image data at all" * 20)
    Image.new("L", (1600, 1000), 255).save(d / "blank.png")
    return d


def records_of(raw):
    result = extract_article(raw)
    assert result.article.status == "ok", result.article.error
    return result.records


def assert_page_1(raw):
    assert raw.error is None and raw.encoding == "ocr:tesseract"
    (rec,) = records_of(raw)
    assert rec.company == "华泰新材料有限公司"
    assert rec.county == "长垣县"
    assert rec.amount_yi == 5.0
    assert "长垣县" in raw.text and " " not in raw.text     # no spaces between Chinese characters


def assert_page_2(raw):
    (rec,) = records_of(raw)
    assert (rec.company, rec.county, rec.amount_yi) == ("恒远机械制造有限公司", "封丘县", 3.2)


def test_png_page_gives_the_record(pages, tesseract):
    (raw,) = read_inputs([str(pages / "page.png")], ReadOptions(ocr=True))
    assert (raw.id, raw.origin) == ("page", str(pages / "page.png"))
    assert_page_1(raw)
    # the paragraph break of the page is kept, the line ends inside a paragraph are not
    assert "\n\n" in raw.text.strip()
    assert "\n\n" in extract_article(raw).article.text


def test_jpeg_page(pages, tesseract):
    (raw,) = read_inputs([str(pages / "page.jpg")], ReadOptions(ocr=True))
    assert raw.id == "page"
    assert_page_1(raw)


def test_two_page_tiff_gives_two_articles(pages, tesseract):
    arts = list(read_inputs([str(pages / "pages.tif")], ReadOptions(ocr=True)))
    assert [a.id for a in arts] == ["pages:p1", "pages:p2"]
    assert [a.origin for a in arts] == [f"{pages / 'pages.tif'}#page={n}" for n in (1, 2)]
    assert_page_1(arts[0])
    assert_page_2(arts[1])


def test_image_in_a_zip(pages, tesseract, tmp_path):
    z = tmp_path / "scans.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(pages / "page.png", "2020/page.png")
    (raw,) = read_inputs([str(z)], ReadOptions(ocr=True))
    assert raw.id == "page" and raw.origin.endswith("!2020/page.png")
    assert_page_1(raw)


def scanned_pdf(path: Path, images: list[Image.Image]) -> Path:
    """A PDF of page images only (no text layer), 200 dpi."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for img in images:
        w, h = img.width * 72 / 200, img.height * 72 / 200
        c.setPageSize((w, h))
        c.drawImage(ImageReader(img), 0, 0, width=w, height=h)
        c.showPage()
    c.save()
    return path


def test_scanned_pdf_with_ocr_pdf(tmp_path, tesseract):
    pdf = scanned_pdf(tmp_path / "scan.pdf", [render(PAGE_1), render(PAGE_2)])
    import pypdfium2 as pdfium
    assert pdfium.PdfDocument(str(pdf))[0].get_textpage().get_text_range().strip() == ""   # no text layer
    arts = list(ocr.ocr_pdf(Source.of_file(pdf), ReadOptions(ocr=True)))
    assert [(a.id, a.origin) for a in arts] == [("scan:p1", f"{pdf}#page=1"), ("scan:p2", f"{pdf}#page=2")]
    assert_page_1(arts[0])
    assert_page_2(arts[1])
    (only,) = ocr.ocr_pdf(Source.of_file(pdf), ReadOptions(ocr=True), pages=[2])
    assert only.id == "scan:p2"


def test_scanned_pdf_through_read_inputs(tmp_path, tesseract):
    if not (Path(ocr.__file__).parent / "pdf.py").is_file():
        pytest.skip("pipeline/readers/pdf.py (which calls ocr_pdf for a PDF without text) is not written yet")
    pdf = scanned_pdf(tmp_path / "scan.pdf", [render(PAGE_1)])
    arts = list(read_inputs([str(pdf)], ReadOptions(ocr=True)))
    assert [a.id for a in arts] == ["scan:p1"]
    assert_page_1(arts[0])


def test_without_ocr_an_image_is_an_error_row(tmp_path):
    p = tmp_path / "scan.png"
    Image.new("L", (50, 50), 255).save(p)
    (raw,) = read_inputs([str(p)])
    assert raw.id == "scan" and raw.text is None
    assert raw.error == "an image (scanned page): run with --ocr to read it with Tesseract"
    assert extract_article(raw).article.status == "error"


def test_garbage_and_blank_pages(pages, tesseract):
    (bad,) = read_inputs([str(pages / "bad.png")], ReadOptions(ocr=True))
    assert bad.error.startswith("cannot open the image: ")
    (blank,) = read_inputs([str(pages / "blank.png")], ReadOptions(ocr=True))
    assert blank.error == "OCR found no text on the page" and blank.text is None


def test_batch_keeps_order_and_goes_on(pages, tesseract):
    names = ["page.png", "bad.png", "blank.png"]
    arts = list(read_inputs([str(pages / n) for n in names], ReadOptions(ocr=True)))
    assert [a.id for a in arts] == ["page", "bad", "blank"]
    assert_page_1(arts[0])
    assert "cannot open the image" in arts[1].error
    assert arts[2].error == "OCR found no text on the page"
    assert [extract_article(a).article.status for a in arts] == ["ok", "error", "error"]


def test_truncated_image(pages, tesseract, tmp_path):
    data = (pages / "page.png").read_bytes()
    p = tmp_path / "cut.png"
    p.write_bytes(data[: len(data) // 2])
    (raw,) = read_inputs([str(p)], ReadOptions(ocr=True))
    assert raw.error.startswith("cannot open the image")


INSTALL = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"


def test_without_tesseract_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    p = tmp_path / "scan.png"
    Image.new("L", (50, 50), 255).save(p)
    (raw,) = read_inputs([str(p)], ReadOptions(ocr=True))
    assert raw.error.startswith("OCR needs Tesseract with its simplified-Chinese model: " + INSTALL)
    (pdf_row,) = ocr.ocr_pdf(Source.of_file(p), ReadOptions(ocr=True))
    assert INSTALL in pdf_row.error


def test_without_the_chinese_model(monkeypatch, tmp_path):
    pytesseract = pytest.importorskip("pytesseract")
    monkeypatch.setattr(ocr.shutil, "which", lambda name: "/usr/bin/tesseract")
    monkeypatch.setattr(pytesseract, "get_languages", lambda config="": ["eng", "osd"])
    p = tmp_path / "scan.png"
    Image.new("L", (50, 50), 255).save(p)
    (raw,) = read_inputs([str(p)], ReadOptions(ocr=True))
    assert INSTALL in raw.error and "chi_sim" in raw.error


def test_without_the_python_module(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pytesseract", None)      # import pytesseract raises ImportError
    p = tmp_path / "scan.png"
    Image.new("L", (50, 50), 255).save(p)
    (raw,) = read_inputs([str(p)], ReadOptions(ocr=True))
    assert INSTALL in raw.error and "pip install pytesseract" in raw.error


def test_availability_is_checked_once_per_run(monkeypatch, tmp_path):
    pytesseract = pytest.importorskip("pytesseract")
    calls = []
    monkeypatch.setattr(ocr.shutil, "which", lambda name: "/usr/bin/tesseract")
    monkeypatch.setattr(pytesseract, "get_languages", lambda config="": calls.append(1) or ["eng"])
    for n in range(3):
        Image.new("L", (50, 50), 255).save(tmp_path / f"s{n}.png")
    arts = list(read_inputs([str(tmp_path)], ReadOptions(ocr=True)))
    assert len(arts) == 3 and all(INSTALL in a.error for a in arts)
    assert len(calls) == 1


def test_image_beyond_the_pixel_limit(pages, tesseract, monkeypatch):
    w, h = Image.open(pages / "page.png").size
    # just above the limit (Pillow would only warn) and far above it (Pillow refuses to open)
    for limit in (w * h - 1, w * h // 10):
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
        (raw,) = read_inputs([str(pages / "page.png")], ReadOptions(ocr=True))
        assert raw.error.startswith("the image is too large"), raw.error
        assert raw.text is None


def test_tesseract_failure_and_timeout(pages, tesseract, monkeypatch):
    import pytesseract

    def timeout(*args, **kwargs):
        assert kwargs["timeout"] == ocr.TIMEOUT_SECONDS
        raise RuntimeError("Tesseract process timeout")

    def failure(*args, **kwargs):
        raise pytesseract.TesseractError(1, "Error during processing.")

    monkeypatch.setattr(pytesseract, "image_to_data", timeout)
    (raw,) = read_inputs([str(pages / "page.png")], ReadOptions(ocr=True))
    assert raw.error == f"Tesseract timed out after {ocr.TIMEOUT_SECONDS} s on the page"
    monkeypatch.setattr(pytesseract, "image_to_data", failure)
    arts = list(read_inputs([str(pages / "pages.tif")], ReadOptions(ocr=True)))
    assert [a.id for a in arts] == ["pages:p1", "pages:p2"]
    assert all(a.error.startswith("Tesseract failed on the page") for a in arts)


def _data(lines):
    """Tesseract image_to_data (DICT) for lines (block, par, line, left, words) of height 40."""
    d = {k: [] for k in ("level", "block_num", "par_num", "line_num", "left", "height", "text")}
    for block, par, line, left, words in lines:
        for i, w in enumerate(words.split(" ")):
            for k, v in zip(d, (5, block, par, line, left + 45 * i, 40, w)):
                d[k].append(v)
    return d


def test_page_text_paragraphs():
    text = ocr.page_text(_data([
        (1, 1, 1, 300, "两县 签约"),                            # a headline: its own block
        (2, 1, 1, 180, "12 月 2 日 , 长垣县 与 华泰"),          # indented: a paragraph starts
        (2, 1, 2, 100, "新材料 有限公司 签约 。 项目"),
        (2, 2, 1, 100, "年产值 8 亿元 , 可新增"),               # Tesseract's new paragraph mid-sentence
        (2, 2, 2, 100, "就业 岗位 。"),
        (2, 3, 1, 100, "ABC Co 投资 1 2 亿元 。"),             # new paragraph after a sentence end
    ]))
    assert text == ("两县签约\n\n12月2日,长垣县与华泰\n新材料有限公司签约。项目\n年产值8亿元,可新增\n就业岗位。"
                    "\n\nABC Co投资1 2亿元。\n")
    assert ocr.page_text(_data([])) == ""
