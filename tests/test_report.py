"""The review page (pipeline/report.py): coverage of the sample article, escaping of untrusted
article text, and the page as headless Chromium renders it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.report import Span, bar_chart, render_text, write_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "xuchang-daily-2020-12.txt"
TITLE = "Investment-promotion coverage review"

EVIL_TEXT = """<script>document.title="pwned"</script>
12月1日，许昌市魏都区与恒达新材料科技有限公司签约，总投资10亿元建设<img id="injected" src=x onerror="document.title='pwned'">新材料产业园项目。
今年以来，我市累计签约项目5个，总投资30亿元</p><script>document.title="pwned"</script>。
"""
EVIL_META = {"id": "evil-<b>1</b>", "title": '<script>document.title="pwned"</script>恶意标题', "date": "2020-12-01",
             "source": "<img id=\"injected2\" src=x onerror=\"document.title='pwned'\">", "region": "许昌市"}

# the seven itemised projects of the sample article: (company, 亿元)
SAMPLE_RECORDS = {("百菲萨集团", "15"), ("振德集团", "76.8"), ("上海电气集团", "5"), ("力玄科技公司", "5"),
                  ("新城控股公司", "50"), ("平安建投公司", "30"), ("中骏集团", "9")}


class Page(HTMLParser):
    """Tags, attributes, table rows and text of a page, as a browser's parser sees them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[tuple[str, list[str]]] = []     # (table class, cell texts)
        self.title = ""
        self.text: list[str] = []
        self._table: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table.append(dict(attrs).get("class") or "")
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "title" and not self.title:       # the document's, not an SVG tooltip
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "table" and self._table:
            self._table.pop()
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._table[-1] if self._table else "", self._row))
            self._row = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in_title:
            self.title += data


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    (d / "evil.txt").write_text(EVIL_TEXT, encoding="utf-8")
    (d / "evil.meta.json").write_text(json.dumps(EVIL_META, ensure_ascii=False), encoding="utf-8")
    from test_landing import ARTICLES        # a signing followed by a start, and one by an opening
    chain = d / "chain.jsonl"
    chain.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    out = d / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(SAMPLE), str(d / "evil.txt"), str(chain),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    page = write_report(out / "pipeline.duckdb", out / "report.html")
    return page, page.read_text(encoding="utf-8")


# --- building blocks -------------------------------------------------------------------------

def test_render_text_nests_splits_and_escapes():
    ev = Span(1, 5, 0, "span", 'class="ev" id="e1"', 'class="ev"')
    m1 = Span(3, 7, 1, "mark", 'class="m"', 'class="m"')      # crosses the end of the evidence
    m2 = Span(1, 2, 1, "mark", 'class="n"', 'class="n"')      # inside it
    got = render_text("a<b&cd>e", [ev, m1, m2], {5: "<sup>r1</sup>"})
    assert got == ('a<span class="ev" id="e1"><mark class="n">&lt;</mark>b<mark class="m">&amp;c</mark></span>'
                   '<sup>r1</sup><mark class="m">d&gt;</mark>e')


def test_bar_chart_scales_to_the_largest_value():
    svg = bar_chart([{"label": "<许昌>", "href": "#a-0", "claimed": 425.9, "itemised": 190.8},
                     {"label": "b", "href": None, "claimed": None, "itemised": 10}], "t")
    # 560 px for the largest value (425.9); 190.8 -> 560 * 190.8 / 425.9 = 250.9; 10 -> 13.1
    assert re.findall(r'width="([\d.]+)" height="13"', svg) == ["560.0", "250.9", "0.0", "13.1"]
    assert "425.9 / 190.8 (44.8%)" in svg
    assert "&lt;许昌&gt;" in svg and "<许昌>" not in svg


# --- the page --------------------------------------------------------------------------------

def test_sample_article_coverage_in_the_report(report):
    _, html = report
    page = Page(html)
    cov = [cells for cls, cells in page.rows if cls == "coverage" and cells[0] == "xuchang-daily-2020-12"]
    # claimed 37 projects / 425.9 亿元; 11 records, 7 with amounts, 190.8 亿元 = 44.8 % and 29.7 %
    assert cov == [["xuchang-daily-2020-12", '牵手"长三角"合作再升级', "许昌市", "37", "425.9", "11", "7", "190.8",
                    "44.8%", "29.7%"]]
    official = [cells[3:7] for cls, cells in page.rows if cls == "official" and cells[0].startswith("许昌市")]
    # the illustrative 许昌市 2020 figures: the sample's 11 projects and the injected article's one
    # (魏都区, 2020-12-01, 10 亿元): 12 of 37 = 32.4 %, 190.8 + 10 = 200.8 of 425.9 = 47.1 %
    assert official == [["signed_projects", "37 个", "12", "32.4%"], ["signed_amount_yi", "425.9 亿元", "200.8", "47.1%"]]
    records = {(c[1], c[4]) for cls, c in page.rows if cls == "records" and c[4] not in ("—", "亿元")}
    assert SAMPLE_RECORDS <= records


def test_every_record_and_claim_links_to_its_evidence(report):
    _, html = report
    page = Page(html)
    ids = {a.get("id") for _, a in page.tags if a.get("id")}
    links = [a["href"][1:] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#ev-")]
    # 11 + 1 + 5 records (the sample, the evil page, the landing chain), 8 + 1 claims
    assert len(links) == 26 and set(links) <= ids
    backlinks = [a["href"][1:] for t, a in page.tags if t == "a" and re.match(r"#[rc]-\d+-\d+$", a.get("href", ""))]
    assert len(backlinks) == 26 and set(backlinks) <= ids


def test_highlights(report):
    _, html = report
    kinds = re.findall(r'<mark class="hl hl-(\w+)" title="[^"]*">([^<]*)</mark>', html)
    assert ("amount", "425.9亿元") in kinds and ("amount", "76.8亿元") in kinds
    assert ("company", "振德集团") in kinds and ("place", "鄢陵县") in kinds
    assert ("date", "9月11日-18日") in kinds


def test_untrusted_text_is_escaped(report):
    _, html = report
    page = Page(html)
    assert not re.search(r"<\s*script", html, re.I)
    assert not [t for t, _ in page.tags if t in ("script", "img", "iframe", "object", "embed")]
    assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)]
    assert not [a for _, a in page.tags if a.get("id") in ("injected", "injected2")]
    text = "".join(page.text)
    # shown as text, exactly as written
    assert '<script>document.title="pwned"</script>恶意标题' in text
    # (normalisation drops the space between the quoted id and src)
    assert '<img id="injected"src=x onerror="document.title=\'pwned\'">' in text
    assert page.title == TITLE
    assert "default-src 'none'" in html          # and the page forbids scripts anyway


def test_report_command(tmp_path, report):
    page, _ = report
    out = tmp_path / "r.html"
    proc = subprocess.run([sys.executable, "-m", "pipeline.report", "--db", str(page.parent / "pipeline.duckdb"),
                           "--out", str(out), "--max-articles", "1"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert "1 of 7 articles shown" in html and html.count('<section class="article"') == 1
    proc = subprocess.run([sys.executable, "-m", "pipeline.report", "--db", str(tmp_path / "none.duckdb")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "no database" in proc.stderr


# --- in a browser ----------------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), *BROWSERS):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _headless(browser: str, profile: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--no-first-run", "--disable-sync",
                           f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


def test_report_renders_in_headless_chromium(report):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium found (looked for $CHROMIUM, " + ", ".join(BROWSERS)
                    + "); .ci/run installs Debian's chromium package")
    page, _ = report
    with tempfile.TemporaryDirectory() as profile:
        proc = _headless(browser, profile, "--virtual-time-budget=3000", "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = Page(proc.stdout)
    # the DOM after loading: our title (an injected script would have changed it), no element
    # made from the article's markup, and the sample article's records in their table
    assert dom.title == TITLE
    assert not [t for t, _ in dom.tags if t in ("script", "img")]
    assert not [a for _, a in dom.tags if a.get("id") in ("injected", "injected2")]
    records = {(c[1], c[4]) for cls, c in dom.rows if cls == "records"}
    assert SAMPLE_RECORDS <= records
    assert ["xuchang-daily-2020-12", '牵手"长三角"合作再升级', "许昌市", "37", "425.9", "11", "7", "190.8", "44.8%",
            "29.7%"] in [c for cls, c in dom.rows if cls == "coverage"]

    # whether signed projects land: the hand-made chain of test_landing, as computed there by hand
    landing = [c for cls, c in dom.rows if cls == "landing"]
    assert ["长垣县 410783", "county", "2020", "2", "2", "8", "1", "0", "50.0%", "0.0%", "6.2"] in landing, landing
    assert ["长垣县 410783", "county", "2021", "1", "1", "2", "1", "1", "100.0%", "100.0%", "—"] in landing, landing
    assert "Whether signed projects land" in "".join(dom.text)

    shot = ROOT / "outputs" / "report-screenshot.png"
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        proc = _headless(browser, profile, "--hide-scrollbars", "--window-size=1280,2400",
                         f"--screenshot={shot}", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
