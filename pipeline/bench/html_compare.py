"""Compare HTML article extractors on tests/pages/ (portal_batch_gbk is the page of tests/test_batch.py::test_html_page).

    python -m pipeline.bench.html_compare [--variants]

Every page NAME.html has NAME.expected.json: title, date (YYYY-MM-DD), body_must_contain (the body
sentences) and body_must_not_contain (navigation, footer, related-news strings). Per page and
extractor: title right, date right, share of the body sentences found (each inside one line),
leaked strings, "merged" (lines holding two body sentences: lost paragraph breaks) and the time
per page.

Extractors: "ours-rules" (pipeline.htmlpage with our rules only, no trafilatura: the hand-picked body
of rules/html.toml), "trafilatura" (trafilatura.extract with its defaults for the body, its metadata
for the title, htmldate for the date), "traf-precision" (the same with favor_precision=True), "kept"
(pipeline.htmlpage.parse_html: trafilatura's favor_precision body cleaned by our rules, our title,
our date then htmldate) and, with --variants, trafilatura with favor_recall and with the date of
trafilatura's metadata instead of htmldate.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "pages"

_SPACE = regex.compile(r"[\s\u00a0\u3000]+")


def squash(s: str) -> str:
    return _SPACE.sub("", s)


def cases() -> list[tuple[str, str, dict]]:
    """(name, decoded page, expected) for every page, decoded as the read stage decodes it."""
    from pipeline.read import decode_page
    out = []
    for p in sorted(PAGES.glob("*.html")):
        exp = json.loads(p.with_suffix(".expected.json").read_text(encoding="utf-8"))
        out.append((p.stem, decode_page(p.read_bytes())[0], exp))
    return out


def kept(page: str):
    from pipeline.htmlpage import parse_html
    return parse_html(page)


def rules_only(page: str):
    from pipeline.htmlpage import _parse
    return _parse(page, use_trafilatura=False)


def _traf(page: str, *, precision=False, recall=False, htmldate_date=True):
    import trafilatura
    text = trafilatura.extract(page, output_format="txt", include_comments=False, include_tables=True,
                               favor_precision=precision, favor_recall=recall) or ""
    meta = trafilatura.extract_metadata(page)
    title = meta.title if meta else None
    if htmldate_date:
        import htmldate
        date = htmldate.find_date(page, original_date=True, outputformat="%Y-%m-%d")
    else:
        date = meta.date if meta else None
    return text, title, date


EXTRACTORS = {
    "ours-rules": rules_only,
    "trafilatura": _traf,
    "traf-precision": lambda p: _traf(p, precision=True),
    "kept": kept,
}
VARIANTS = {
    "traf-recall": lambda p: _traf(p, recall=True),
    "traf-metadate": lambda p: _traf(p, htmldate_date=False),
}


def score(result, exp: dict) -> dict:
    text, title, date = result
    paras = [squash(x) for x in (text or "").split("\n") if x.strip()]
    whole = squash(text or "")
    found = sum(any(squash(s) in p for p in paras) for s in exp["body_must_contain"])
    # paragraphs holding two expected sentences: lost paragraph breaks
    merged = sum(sum(squash(s) in p for s in exp["body_must_contain"]) > 1 for p in paras)
    leaked = [s for s in exp["body_must_not_contain"] if squash(s) in whole]
    return {"title": (title or "").strip() == exp["title"], "date": date == exp["date"],
            "found": found, "merged": merged, "want": len(exp["body_must_contain"]), "leaked": leaked,
            "got_title": title, "got_date": date}


def measure(extractors: dict, repeat: int = 3) -> dict:
    rows = {}
    for name, page, exp in cases():
        for ex, fn in extractors.items():
            fn(page)                                  # warm up (imports, caches)
            t0 = time.perf_counter()
            for _ in range(repeat):
                res = fn(page)
            ms = (time.perf_counter() - t0) / repeat * 1000
            rows[(name, ex)] = score(res, exp) | {"ms": ms}
    return rows


def table(rows: dict, extractors: list[str]) -> str:
    names = sorted({n for n, _ in rows}, key=lambda n: n)
    out = ["| page | " + " | ".join(f"{e}: title / date / body / leaks" for e in extractors) + " |",
           "|---|" + "---|" * len(extractors)]
    for n in names:
        cells = []
        for e in extractors:
            r = rows[(n, e)]
            cells.append(f"{'✓' if r['title'] else '✗'} / {'✓' if r['date'] else '✗'} / "
                         f"{r['found']}/{r['want']} / {len(r['leaked'])}" + (f" (merged {r['merged']})" if r["merged"] else ""))
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    tot = []
    for e in extractors:
        rs = [rows[(n, e)] for n in names]
        tot.append(f"{sum(r['title'] for r in rs)}/{len(rs)} / {sum(r['date'] for r in rs)}/{len(rs)} / "
                   f"{sum(r['found'] for r in rs)}/{sum(r['want'] for r in rs)} / {sum(len(r['leaked']) for r in rs)}"
                   f" (merged {sum(r['merged'] for r in rs)})")
    out.append("| **total** | " + " | ".join(f"**{t}**" for t in tot) + " |")
    out.append("| ms per page (mean) | " + " | ".join(
        f"{sum(rows[(n, e)]['ms'] for n in names) / len(names):.1f}" for e in extractors) + " |")
    return "\n".join(out)


def details(rows: dict, extractors: list[str]) -> str:
    out = []
    for (n, e), r in sorted(rows.items()):
        if e in extractors and (not r["title"] or not r["date"] or r["found"] < r["want"] or r["leaked"]
                                      or r["merged"]):
            out.append(f"- {n} [{e}]: title={r['got_title']!r} date={r['got_date']!r} "
                       f"body {r['found']}/{r['want']} merged={r['merged']} leaked={r['leaked']}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", action="store_true", help="also trafilatura favor_precision/favor_recall")
    ap.add_argument("--details", action="store_true", help="list every miss and leak")
    a = ap.parse_args(argv)
    ex = dict(EXTRACTORS) | (VARIANTS if a.variants else {})
    rows = measure(ex)
    print(table(rows, list(ex)))
    if a.details:
        print()
        print(details(rows, list(ex)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
