"""Scanned pages and images, read with Tesseract when the run has `--ocr`.

`read_image` reads a PNG, JPEG or TIFF (each frame of a multi-page TIFF a page), `ocr_pdf` the
pages of a PDF without a text layer (rendered at 300 dpi with pypdfium2); one article per page.
Tesseract runs with `--psm 3` (automatic page segmentation: the columns of a newspaper page come
out one after the other, where `--psm 4` and `6` read across them line by line), with a timeout
per page. The text is rebuilt from Tesseract's words, lines and blocks: no spaces between Chinese
characters, a line break at each printed line end (normalise joins the lines of a paragraph), and
a paragraph break only where the page shows one (an indented line, a new block, or Tesseract's
paragraph break after a sentence end) — Tesseract's own paragraph breaks also fall inside
sentences, which would cut a record in two.

Without `--ocr`, or without Tesseract and its model for `options.ocr_lang`, an image is one error
row saying what to do; so is anything that cannot be read (bytes that are no image, an image too
large, a blank page, a Tesseract failure or timeout): never an exception.
"""
from __future__ import annotations

import functools
import io
import math
import shutil
import statistics
import warnings
from typing import TYPE_CHECKING, Iterable, Iterator

from . import ReadOptions, Source

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from ..read import RawArticle

ENCODING = "ocr:tesseract"
PSM = 3                      # automatic page segmentation (columns apart), no orientation detection
TIMEOUT_SECONDS = 120        # per page
PDF_DPI = 300
DEFAULT_MAX_PIXELS = 89_478_485   # Pillow's own default of Image.MAX_IMAGE_PIXELS
NEED_OCR = "an image (scanned page): run with --ocr to read it with Tesseract"
NO_TEXT = "OCR found no text on the page"
_SENTENCE_END = set("。!?!?;;…:\"”』」")


# -- is OCR possible? (checked once per run and language) ------------------------------------

def ocr_unavailable(lang: str = "chi_sim") -> str | None:
    """Why OCR cannot run for `lang` (what to install), or None when it can."""
    return _unavailable(lang)


@functools.lru_cache(maxsize=None)
def _unavailable(lang: str) -> str | None:
    langs = [part for part in lang.split("+") if part] or ["chi_sim"]
    packages = " ".join(["tesseract-ocr"] + [f"tesseract-ocr-{part.lower().replace('_', '-')}" for part in langs])
    model = ("its simplified-Chinese model" if langs == ["chi_sim"]
             else f"its language model{'s' if len(langs) > 1 else ''} {'+'.join(langs)}")
    need = f"OCR needs Tesseract with {model}: apt-get install {packages}"
    try:
        import pytesseract
    except ImportError:
        return f"{need}, and the Python module: pip install pytesseract"
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return f"{need} (no tesseract program found)"
    try:
        installed = set(pytesseract.get_languages(config=""))
    except Exception as exc:          # a broken installation: say so, with what to install
        return f"{need} (tesseract --list-langs failed: {exc})"
    missing = [part for part in langs if part not in installed]
    if missing:
        return f"{need} (Tesseract has no model for {'+'.join(missing)})"
    return None


def _max_pixels() -> int | None:
    from PIL import Image
    return Image.MAX_IMAGE_PIXELS


# -- readers -----------------------------------------------------------------------------------

def read_image(src: Source, options: ReadOptions) -> Iterator[RawArticle]:
    """The pages of a PNG, JPEG or TIFF image, OCR'd: one article per page (a multi-page TIFF
    gives `NAME:p1`, `NAME:p2`... with origin `...#page=N`)."""
    from ..read import RawArticle

    if not options.ocr:
        yield RawArticle(id=src.stem, origin=src.origin, error=NEED_OCR)
        return
    reason = ocr_unavailable(options.ocr_lang)
    if reason:
        yield RawArticle(id=src.stem, origin=src.origin, error=reason)
        return
    from PIL import Image

    with warnings.catch_warnings():
        # the size is checked below, with a clear reason; Pillow would only warn up to twice its limit
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(src.path if src.path is not None else io.BytesIO(src.read_bytes()))
        except Image.DecompressionBombError as exc:
            yield RawArticle(id=src.stem, origin=src.origin, error=f"the image is too large: {exc}")
            return
        except Exception as exc:      # UnidentifiedImageError, OSError, a bad header (ValueError...)
            yield RawArticle(id=src.stem, origin=src.origin, error=f"cannot open the image: {_reason(exc)}")
            return
        with img:
            try:
                n_pages = getattr(img, "n_frames", 1) if img.format == "TIFF" else 1
            except Exception as exc:
                yield RawArticle(id=src.stem, origin=src.origin, error=f"cannot open the image: {_reason(exc)}")
                return
            for n in range(1, n_pages + 1):
                art_id, origin = (src.stem, src.origin) if n_pages == 1 else (f"{src.stem}:p{n}", f"{src.origin}#page={n}")
                art = RawArticle(id=art_id, origin=origin, encoding=ENCODING)
                try:
                    if n > 1:
                        img.seek(n - 1)
                    page = _page_of(img)
                except _TooLarge as exc:
                    art.error = str(exc)
                except Exception as exc:      # a truncated or corrupt file, a frame that does not decode
                    art.error = f"cannot open the image{'' if n_pages == 1 else f' (page {n})'}: {_reason(exc)}"
                else:
                    dpi = img.info.get("dpi")
                    art.text, art.error = _ocr_page(page, options.ocr_lang, _dpi(dpi))
                yield art


def ocr_pdf(src: Source, options: ReadOptions, pages: Iterable[int] | None = None) -> Iterator[RawArticle]:
    """The pages of a PDF (all, or the 1-based page numbers `pages`), rendered at 300 dpi and
    OCR'd: one article per page, `NAME:pN` with origin `...#page=N`."""
    from ..read import RawArticle

    reason = ocr_unavailable(options.ocr_lang)
    if reason:
        yield RawArticle(id=src.stem, origin=src.origin, error=reason)
        return
    try:
        import pypdfium2 as pdfium
        doc = pdfium.PdfDocument(src.path if src.path is not None else src.read_bytes())
    except Exception as exc:          # PdfiumError (damaged, password), OSError, ValueError
        yield RawArticle(id=src.stem, origin=src.origin, error=f"cannot open the PDF: {_reason(exc)}")
        return
    try:
        numbers = range(1, len(doc) + 1) if pages is None else [n for n in pages if 1 <= n <= len(doc)]
        for n in numbers:
            art = RawArticle(id=f"{src.stem}:p{n}", origin=f"{src.origin}#page={n}", encoding=ENCODING)
            try:
                page = doc[n - 1]
                try:
                    scale = _pdf_scale(*page.get_size())
                    image = page.render(scale=scale).to_pil()
                finally:
                    page.close()
                image = _page_of(image)
            except _TooLarge as exc:
                art.error = str(exc)
            except Exception as exc:
                art.error = f"cannot render PDF page {n}: {_reason(exc)}"
            else:
                art.text, art.error = _ocr_page(image, options.ocr_lang, round(scale * 72))
            yield art
    finally:
        doc.close()


# -- one page ----------------------------------------------------------------------------------

class _TooLarge(ValueError):
    pass


def _page_of(img: PILImage.Image) -> PILImage.Image:
    """The current frame as a fresh greyscale or RGB image (transparency on white), loaded;
    _TooLarge beyond Pillow's pixel limit."""
    from PIL import Image

    limit = _max_pixels()
    w, h = img.size
    if limit and w * h > limit:
        raise _TooLarge(f"the image is too large: {w}x{h} = {w * h} pixels, more than the limit of {limit} "
                        f"(PIL.Image.MAX_IMAGE_PIXELS, against decompression bombs); scan at a lower resolution")
    img.load()
    if img.mode in ("1", "L", "RGB"):
        return img.copy() if img.mode != "1" else img.convert("L")
    if "A" in img.getbands() or "transparency" in img.info:
        rgba = img.convert("RGBA")
        page = Image.new("RGBA", img.size, (255, 255, 255, 255))
        page.alpha_composite(rgba)
        return page.convert("RGB")
    if img.mode.startswith(("I", "F")):   # 16/32-bit greyscale: stretched to 8 bits
        grey = img.convert("F")
        lo, hi = grey.getextrema()
        span = (hi - lo) or 1
        return grey.point(lambda v: (v - lo) * 255 / span).convert("L")
    return img.convert("RGB")


def _dpi(value) -> int | None:
    try:
        dpi = round(float(value[0]))
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if 70 <= dpi <= 2400 else None


def _pdf_scale(width_pt: float, height_pt: float) -> float:
    """300 dpi, or less for a page so large that 300 dpi would pass Pillow's pixel limit."""
    scale = PDF_DPI / 72
    limit = _max_pixels()
    if limit and width_pt * height_pt * scale * scale > limit:
        scale = math.sqrt(limit / (width_pt * height_pt)) * 0.99
    return scale


def _ocr_page(page: PILImage.Image, lang: str, dpi: int | None) -> tuple[str | None, str | None]:
    """(text, None), or (None, the reason there is none)."""
    import pytesseract

    config = f"--psm {PSM}" + (f" --dpi {dpi}" if dpi else "")
    try:
        data = pytesseract.image_to_data(page, lang=lang, config=config, timeout=TIMEOUT_SECONDS,
                                         output_type=pytesseract.Output.DICT)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            return None, f"Tesseract timed out after {TIMEOUT_SECONDS} s on the page"
        return None, f"Tesseract failed on the page: {_reason(exc)}"
    except Exception as exc:          # TesseractError, TesseractNotFoundError, OSError
        return None, f"Tesseract failed on the page: {_reason(exc)}"
    text = page_text(data)
    if not any(c.isalnum() for c in text):
        return None, NO_TEXT
    return text, None


def page_text(data: dict) -> str:
    """The text of a page from Tesseract's image_to_data (as a dict): blocks apart by a blank line;
    in a block one line per printed line, and a blank line where a paragraph starts — an indented
    line, or Tesseract's new paragraph after a sentence end."""
    lines: dict[tuple[int, int, int], dict] = {}
    for i, word in enumerate(data["text"]):
        if data["level"][i] != 5 or not word or not word.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        line = lines.setdefault(key, {"words": [], "left": data["left"][i], "height": []})
        line["words"].append(word.strip())
        line["left"] = min(line["left"], data["left"][i])
        line["height"].append(data["height"][i])
    blocks: dict[int, list[tuple[tuple[int, int, int], dict]]] = {}
    for key in sorted(lines):
        blocks.setdefault(key[0], []).append((key, lines[key]))
    out: list[str] = []
    for block in blocks.values():
        left = min(line["left"] for _, line in block)
        char = statistics.median(h for _, line in block for h in line["height"]) or 1
        parts: list[str] = []
        prev_par = None
        for (_, par, _), line in block:
            text = _join_words(line["words"])
            if parts:
                indented = line["left"] - left >= 1.2 * char
                new_par = par != prev_par and parts[-1][-1] in _SENTENCE_END
                parts.append("\n\n" if indented or new_par else "\n")
            parts.append(text)
            prev_par = par
        out.append("".join(parts))
    return "\n\n".join(out).strip() + ("\n" if out else "")


def _join_words(words: list[str]) -> str:
    """Tesseract's words of one line: a space only between two Latin words or numbers."""
    out: list[str] = []
    for w in words:
        if out and out[-1][-1].isascii() and out[-1][-1].isalnum() and w[0].isascii() and w[0].isalnum():
            out.append(" ")
        out.append(w)
    return "".join(out)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
