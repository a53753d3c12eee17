"""The review page: `python -m pipeline report --db outputs/pipeline.duckdb --out outputs/report.html`
(`make report`) writes one self-contained HTML file (no network, no scripts) with

- the coverage summary: official figures against itemised projects (and the claims of official
  sources), and claimed against itemised amounts per region and per article, as tables and bar
  charts (inline SVG);
- whether signed projects land: per region and signing year, signed against later reported
  started (the `landing` view), as a chart and a table;
- per article: its text with amounts, companies, places and dates highlighted, and its records
  and claims, each linked to its evidence in the text (and each evidence back to them).

Article text and everything derived from it is untrusted: every value is HTML-escaped, the page
carries no script at all, and its Content-Security-Policy forbids scripts and remote loads, so a
`<script>` in an article is shown as text and never runs.
"""
from __future__ import annotations

import datetime as dt
import decimal
import html
import os
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "outputs/pipeline.duckdb"
DEFAULT_OUT = "outputs/report.html"
MAX_ARTICLES = 500

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:0 auto;
     max-width:1200px;padding:0 20px 60px;color:#222;line-height:1.5}
h1{font-size:1.6em;margin:24px 0 4px}h2{margin-top:36px;border-bottom:2px solid #ddd}
h3{margin:4px 0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:.9em}
th,td{border:1px solid #ccc;padding:3px 7px;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}
.note{color:#666;font-size:.9em}.warn{color:#a04000}
section.article{border:1px solid #ccc;border-radius:6px;padding:10px 16px;margin:18px 0}
.text{white-space:pre-wrap;border:1px solid #e3e3e3;background:#fcfcfc;padding:8px;max-height:560px;
      overflow:auto;font-size:.95em}
mark.hl{border-radius:3px;padding:0 1px;color:inherit}
.hl-amount{background:#ffd59e}.hl-company{background:#bfe0ff}.hl-place{background:#c8f0c0}
.hl-date{background:#ead7ff}
.ev{border-bottom:2px solid #b0b0b0}
.ev:target{background:#fff36b;outline:2px solid #e0b000}
tr:target{background:#fff36b}
sup.refs a{font-size:.75em;margin-left:2px;text-decoration:none;color:#0645ad}
.legend span{padding:0 6px;margin-right:6px;border-radius:3px}
svg text{font-size:12px}
.bar-claimed{fill:#9a9a9a}.bar-itemised{fill:#2f7ed8}.bar-official{fill:#444}
"""


# --- formatting ------------------------------------------------------------------------------

def esc(v) -> str:
    """HTML-escape any value (None -> empty); quotes too, so it is safe in attributes."""
    return "" if v is None else html.escape(str(v), quote=True)


def num(v, places: int = 4) -> str:
    """A number without padding zeros (425.900000 -> 425.9); None -> —."""
    if v is None:
        return "—"
    d = v if isinstance(v, decimal.Decimal) else decimal.Decimal(str(v))
    d = round(d, places)
    if d == d.to_integral_value():
        return str(d.quantize(decimal.Decimal(1)))
    return format(d.normalize(), "f")


def pct(v) -> str:
    return "—" if v is None else f"{float(v) * 100:.1f}%"


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), cls: str = "") -> str:
    """An HTML table; cells are given already escaped (HTML)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for r in rows:
        attrs, cells = "", r
        if isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str) and isinstance(r[1], list):
            attrs, cells = r
        tds = "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(cells))
        body.append(f"<tr{attrs}>{tds}</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


# --- bar charts ------------------------------------------------------------------------------

def bar_chart(items: list[dict], title: str, labels=("claimed", "itemised"), unit: str = "亿元") -> str:
    """Horizontal bars, two per item (claimed grey, itemised blue), as inline SVG.
    items: dicts with label, href (a #fragment or None), claimed, itemised (in `unit`, or None)."""
    if not items:
        return '<p class="note">nothing to chart</p>'
    label_w, bar_w, row_h, top = 300, 560, 34, 26
    peak = max([float(i["claimed"] or 0) for i in items] + [float(i["itemised"] or 0) for i in items] + [1e-9])
    h = top + row_h * len(items) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 200}" height="{h}" '
             f'role="img" aria-label="{esc(title)}">',
             f'<rect x="{label_w}" y="4" width="12" height="12" class="bar-claimed"/>'
             f'<text x="{label_w + 16}" y="15">{esc(labels[0])} ({esc(unit)})</text>'
             f'<rect x="{label_w + 190}" y="4" width="12" height="12" class="bar-itemised"/>'
             f'<text x="{label_w + 206}" y="15">{esc(labels[1])} ({esc(unit)})</text>']
    for k, it in enumerate(items):
        y = top + k * row_h
        c = float(it["claimed"] or 0)
        i = float(it["itemised"] or 0)
        wc, wi = bar_w * c / peak, bar_w * i / peak
        label = esc(it["label"])
        if it.get("href"):
            label = f'<a href="{esc(it["href"])}">{label}</a>'
        share = f' ({pct(i / c)})' if c > 0 else ""
        parts.append(
            f'<g><title>{esc(it["label"])}: {esc(labels[0])} {num(it["claimed"])}, '
            f'{esc(labels[1])} {num(it["itemised"])}{esc(share)}</title>'
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end">{label}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{wc:.1f}" height="13" class="bar-claimed"/>'
            f'<rect x="{label_w}" y="{y + 16}" width="{wi:.1f}" height="13" class="bar-itemised"/>'
            f'<text x="{label_w + max(wc, wi) + 6:.1f}" y="{y + 18}">'
            f'{num(it["claimed"], 2)} / {num(it["itemised"], 2)}{esc(share)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


# --- highlighted text ------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    start: int
    end: int
    prio: int                 # 0 = evidence (outer), 1 = mention
    tag: str                  # element name
    attrs: str                # attributes (already escaped), id included
    attrs_again: str          # attributes for a re-opened fragment (no id)


def _mentions(text: str, publication: str | None, region: str | None, company_names: list[str]) -> list[tuple]:
    """(start, end, kind, tooltip) of the amounts, companies, places and dates in `text`, found by
    the pipeline's own recognisers; overlapping mentions are resolved in that order of priority."""
    from .amounts import find_amounts
    from .companies import company_core, link_companies
    from .dates import find_dates
    from .mentions import CompanyMention
    from .places import find_places

    found: list[tuple] = []
    year = int(publication[:4]) if publication and publication[:4].isdigit() else None
    comps = []
    for name in sorted({n for n in company_names if n}, key=len, reverse=True):
        start = text.find(name)
        while start >= 0:
            if not any(c.start < start + len(name) and start < c.end for c in comps):
                comps.append(CompanyMention(start, start + len(name), name, name, company_core(name), "report"))
            start = text.find(name, start + len(name))
    try:
        comps = link_companies(comps, text)
    except Exception:  # noqa: BLE001 - highlighting is best effort, never fatal
        pass
    for c in comps:
        found.append((c.start, c.end, "company", c.name))
    try:
        for a in find_amounts(text, year):
            yi = f" = {num(a.amount_yi)} 亿元" if a.amount_yi is not None and a.currency != "CNY" else ""
            found.append((a.start, a.end, "amount", f"{num(a.value)} 亿 {a.currency}{yi} ({a.role})"))
    except Exception:  # noqa: BLE001
        pass
    try:
        exclude = [(c.start, c.end) for c in comps]
        for p in find_places(text, region, exclude=exclude):
            tip = f"{p.name} {p.code or ''}".strip() if not p.ambiguous else "ambiguous: " + "、".join(p.candidates)
            found.append((p.start, p.end, "place", f"{tip} ({p.level})"))
    except Exception:  # noqa: BLE001
        pass
    try:
        for d in find_dates(text, publication):
            found.append((d.start, d.end, "date", f"{d.value} ({d.precision})"))
    except Exception:  # noqa: BLE001
        pass
    prio = {"company": 0, "amount": 1, "place": 2, "date": 3}
    chosen: list[tuple] = []
    for m in sorted(found, key=lambda m: (prio[m[2]], m[0], -(m[1] - m[0]))):
        if m[1] > m[0] and not any(c[0] < m[1] and m[0] < c[1] for c in chosen):
            chosen.append(m)
    return sorted(chosen)


def render_text(text: str, spans: list[Span], inserts: dict[int, str]) -> str:
    """`text` escaped, with `spans` as elements around their ranges and `inserts` (HTML) placed
    at their offsets. Ranges that cross are split into fragments; only the first fragment of a
    span carries its id."""
    bounds = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans} | set(inserts))
    bounds = [b for b in bounds if 0 <= b <= len(text)]
    out: list[str] = []
    stack: list[Span] = []
    opened: set[Span] = set()
    order = {s: (s.start, -s.end, s.prio, k) for k, s in enumerate(spans)}
    for k, pos in enumerate(bounds):
        desired = sorted((s for s in spans if s.start <= pos < s.end), key=order.get)
        common = 0
        while common < len(stack) and common < len(desired) and stack[common] is desired[common]:
            common += 1
        for s in reversed(stack[common:]):
            out.append(f"</{s.tag}>")
        stack = stack[:common]
        if pos in inserts:
            out.append(inserts[pos])
        for s in desired[common:]:
            out.append(f"<{s.tag} {s.attrs_again if s in opened else s.attrs}>")
            opened.add(s)
            stack.append(s)
        if k + 1 < len(bounds):
            out.append(esc(text[pos:bounds[k + 1]]))
    for s in reversed(stack):
        out.append(f"</{s.tag}>")
    return "".join(out)


# --- the page --------------------------------------------------------------------------------

def _article_section(idx: int, art: dict, cov: dict | None, records: list[dict], claims: list[dict]) -> str:
    aid = art["article_id"]
    meta = " · ".join(esc(x) for x in (aid, art.get("source"), art.get("date"), art.get("region")) if x)
    parts = [f'<section class="article" id="art-{idx}"><h3>{esc(art.get("title") or aid)}</h3>',
             f'<p class="note">{meta} · <a href="#summary">back to the summary</a></p>']
    if art.get("status") != "ok":
        parts.append(f'<p class="warn">not extracted: {esc(art.get("error"))}</p></section>')
        return "".join(parts)
    if art.get("duplicate_of"):
        parts.append(f'<p class="note">same text as {esc(art["duplicate_of"])}, which was extracted instead</p>'
                     '</section>')
        return "".join(parts)
    if cov is not None:
        parts.append(f"<p>{_coverage_sentence(cov)}</p>")
    text = art.get("text") or ""
    ev_ids: dict[tuple[int, int], str] = {}
    refs: dict[tuple[int, int], list[str]] = {}
    for kind, rows in (("r", records), ("c", claims)):
        for n, r in enumerate(rows):
            key = (int(r["start"]), int(r["end"]))
            ev_ids.setdefault(key, f"ev-{idx}-{key[0]}-{key[1]}")
            short = (r["record_id"] if kind == "r" else r["claim_id"]).rsplit("#", 1)[-1]
            refs.setdefault(key, []).append(f'<a href="#{kind}-{idx}-{n}">{esc(short)}</a>')
    spans = [Span(s, e, 0, "span", f'class="ev" id="{i}"', 'class="ev"') for (s, e), i in ev_ids.items()]
    names = [n for r in records for n in (r.get("companies") or [])] + [r["company"] for r in records
                                                                        if r.get("company") and "、" not in r["company"]]
    for s, e, kind, tip in _mentions(text, art.get("date"), art.get("region"), names):
        attrs = f'class="hl hl-{kind}" title="{esc(kind + ": " + tip)}"'
        spans.append(Span(s, e, 1, "mark", attrs, attrs))
    inserts: dict[int, str] = {}
    for (s, e), links in refs.items():
        inserts[e] = inserts.get(e, "") + f'<sup class="refs">{"".join(links)}</sup>'
    parts.append(f'<div class="text">{render_text(text, spans, inserts)}</div>')

    rec_rows = []
    for n, r in enumerate(records):
        place = " / ".join(esc(x) for x in (r.get("county"), r.get("city")) if x)
        if r.get("place_flag"):
            place += f' <span class="warn">({esc(r["place_flag"])})</span>'
        written = esc(r.get("amount_text") or "—")
        if r.get("amount_qualifier"):
            written += f' <span class="note">({esc(r["amount_qualifier"])})</span>'
        ev = ev_ids[(int(r["start"]), int(r["end"]))]
        rec_rows.append((f' id="r-{idx}-{n}"', [
            esc(r["record_id"].rsplit("#", 1)[-1]), esc(r.get("company") or "—"), place or "—", written,
            esc(num(r.get("amount_yi"))),
            esc(r.get("project") or "—"), esc(r.get("stage")), esc(r.get("date") or "—"), esc(r.get("sector") or "—"),
            f'<a href="#{ev}">evidence</a>']))
    parts.append(f"<h4>Records ({len(records)})</h4>")
    parts.append(_table(["", "company", "place", "amount as written", "亿元", "project", "stage", "date", "sector",
                         "in the text"], rec_rows, numeric={4}, cls="records")
                 if records else '<p class="note">no records</p>')
    cl_rows = []
    for n, c in enumerate(claims):
        total = "—"
        if c.get("total_yi") is not None:
            total = f"{num(c['total_yi'])} 亿元" + (f" ({esc(c['amount_qualifier'])})" if c.get("amount_qualifier") else "")
        count = "—" if c.get("project_count") is None else f"{c['project_count']} {esc(c.get('count_unit') or '')}"
        ev = ev_ids[(int(c["start"]), int(c["end"]))]
        cl_rows.append((f' id="c-{idx}-{n}"', [
            esc(c["claim_id"].rsplit("#", 1)[-1]), esc(c.get("scope")), count, total, esc(c.get("date") or "—"),
            pct(c.get("share_of_count")), pct(c.get("share_of_total")), f'<a href="#{ev}">evidence</a>']))
    parts.append(f"<h4>Claims ({len(claims)})</h4>")
    parts.append(_table(["", "scope", "count", "total", "date", "records / count", "itemised / total",
                         "in the text"], cl_rows, numeric={2, 3, 5, 6}, cls="claims")
                 if claims else '<p class="note">no claims</p>')
    parts.append("</section>")
    return "".join(parts)


def _coverage_sentence(cov: dict) -> str:
    itemised = (f"itemised: {cov['records']} record{'' if cov['records'] == 1 else 's'}, "
                f"{cov['records_with_amount']} with an amount, "
                f"{num(cov['itemised_total_yi'])} 亿元")
    if not cov.get("headline_claim_id"):
        return f"No aggregate claim. {esc(itemised)}."
    claim = []
    if cov.get("claimed_count") is not None:
        claim.append(f"{cov['claimed_count']} projects")
    if cov.get("claimed_total_yi") is not None:
        claim.append(f"{num(cov['claimed_total_yi'])} 亿元")
    shares = []
    if cov.get("share_of_total") is not None:
        shares.append(f"{pct(cov['share_of_total'])} of the claimed total")
    if cov.get("share_of_count") is not None:
        shares.append(f"{pct(cov['share_of_count'])} of the claimed count")
    return (f"<b>Coverage</b>: headline claim {esc(', '.join(claim))} "
            f"({esc(cov['headline_claim_id'].rsplit('#', 1)[-1])}); {esc(itemised)}"
            + (f" = <b>{esc('; '.join(shares))}</b>" if shares else "") + ".")


def build_html(con, max_articles: int = MAX_ARTICLES, title: str = "Investment-promotion coverage review") -> str:
    n = {k: con.execute(f"SELECT count(*) FROM {k}").fetchall()[0][0]
         for k in ("articles", "records", "claims", "projects")}
    n_err = con.execute("SELECT count(*) FROM articles WHERE status <> 'ok'").fetchall()[0][0]
    n_multi = con.execute("SELECT count(*) FROM projects WHERE n_articles > 1").fetchall()[0][0]
    articles = _rows(con, f"""SELECT article_id, source, title, date, region, status, error, duplicate_of, text
                              FROM articles ORDER BY article_id LIMIT {int(max_articles)}""")
    index = {a["article_id"]: k for k, a in enumerate(articles)}
    cov = {r["article_id"]: r for r in _rows(con, "SELECT * FROM article_coverage")}
    # the records and claims of the shown articles, in two queries (not two per article)
    import pyarrow as pa
    con.register("_shown_t", pa.table({"article_id": pa.array([a["article_id"] for a in articles], pa.string())}))
    records_of: dict[str, list[dict]] = {}
    claims_of: dict[str, list[dict]] = {}
    try:
        for r in _rows(con, """SELECT r.* FROM records r JOIN _shown_t USING (article_id)
                               ORDER BY article_id, try_cast(regexp_extract(record_id, '#r(\\d+)$', 1) AS INTEGER),
                                        record_id"""):
            records_of.setdefault(r["article_id"], []).append(r)
        for c in _rows(con, """SELECT c.*, v.share_of_total, v.share_of_count
                               FROM claims c JOIN _shown_t USING (article_id) LEFT JOIN coverage v USING (claim_id)
                               ORDER BY article_id, try_cast(regexp_extract(c.claim_id, '#c(\\d+)$', 1) AS INTEGER),
                                        c.claim_id"""):
            claims_of.setdefault(c["article_id"], []).append(c)
    finally:
        con.unregister("_shown_t")
    out = [f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
           f'<h1 id="summary">{esc(title)}</h1>',
           f'<p class="note">generated {dt.datetime.now().strftime("%Y-%m-%d %H:%M")} · {n["articles"]} articles '
           f'({n_err} not extracted) · {n["records"]} records · {n["claims"]} claims · {n["projects"]} projects, '
           f'{n_multi} of them reported by several articles. Amounts in 亿元 (CNY).</p>']
    if len(articles) < n["articles"]:
        out.append(f'<p class="warn">{len(articles)} of {n["articles"]} articles shown (the first by id); '
                   f'use --max-articles to show more.</p>')

    # official figures
    out.append("<h2>Official figures against itemised projects</h2>")
    off = _rows(con, "SELECT * FROM official_coverage")
    if off:
        out.append(_table(
            ["region", "level", "period", "metric", "official", "itemised", "share", "projects", "largest claim",
             "source"],
            [[esc(f"{o['region_name']} {o['region_code']}"), esc(o["region_level"]),
              esc(f"{o['period_start']} – {o['period_end']}"), esc(o["metric"]),
              esc(f"{num(o['official_value'])} {o['unit'] or ''}"), esc(num(o["itemised_value"])),
              esc(pct(o["share"])), esc(num(o["itemised_projects"])), esc(num(o["claimed_max"])),
              esc(o["source"])] for o in off], numeric={4, 5, 6, 7, 8}, cls="official"))
        out.append('<p class="note">itemised = distinct projects located in the region with a mention of the '
                   'metric\'s stage dated inside the period (see docs/database.md).</p>')
        compared = [o for o in off if o["measure"] == "amount_yi"]
        out.append(bar_chart([{"label": f"{o['region_name']} {o['period_start']}–{o['period_end']} {o['metric']}",
                               "href": None, "claimed": o["official_compared"], "itemised": o["itemised_value"]}
                              for o in compared], "official amounts vs itemised", labels=("official", "itemised")))
    else:
        out.append('<p class="note">no official figures loaded (CSV files in corpora/official/).</p>')
    official_claims = _rows(con, "SELECT * FROM official_claims")
    if official_claims:
        out.append("<h3>Claims of official sources</h3>")
        out.append(_table(["document", "issuer", "region", "period", "stage", "measure", "projects", "亿元", "scope"],
                          [[esc(c["document"]), esc(c["issuer"]), esc(c["region_name"]), esc(c["period"]),
                            esc(c["stage"]), esc(c["measure"]), esc(num(c["project_count"])), esc(num(c["total_yi"])),
                            esc(c["scope"])] for c in official_claims], numeric={6, 7}, cls="official-claims"))

    # whether signed projects land
    landing = _rows(con, "SELECT * FROM landing ORDER BY projects_signed DESC, region_code, signing_year LIMIT 200")
    out.append("<h2>Whether signed projects land</h2>")
    if landing:
        out.append(bar_chart([{"label": f"{r['region_name']} {r['signing_year']}", "href": None,
                               "claimed": r["projects_signed"], "itemised": r["reported_started"]}
                              for r in landing[:40]], "projects signed vs later reported started",
                             labels=("signed", "started or operating"), unit="projects"))
        out.append(_table(["region", "level", "signed in", "projects signed", "with amount", "signed 亿元",
                           "reported started", "reported operating", "share started", "share operating",
                           "median months to start"],
                          [[esc(f"{r['region_name']} {r['region_code'] or ''}"), esc(r["region_level"]),
                            str(r["signing_year"]), str(r["projects_signed"]), str(r["projects_with_amount"]),
                            esc(num(r["amount_signed_yi"])), str(r["reported_started"]), str(r["reported_operating"]),
                            esc(pct(r["share_started"])), esc(pct(r["share_operating"])),
                            esc(num(r["median_months_to_start"]))] for r in landing],
                          numeric={2, 3, 4, 5, 6, 7, 8, 9, 10}, cls="landing"))
        out.append('<p class="note">a project counts as started when a later article reports it started or '
                   'operating; only as good as the links between articles (python -m pipeline.linkscore).</p>')
    else:
        out.append('<p class="note">no signed projects.</p>')

    # regions
    regions = _rows(con, """SELECT * FROM region_coverage WHERE level = 'city' AND articles > 0
                            ORDER BY claimed_total_yi DESC NULLS LAST, itemised_total_yi DESC, code""")
    out.append("<h2>Claimed and itemised per region (city)</h2>")
    out.append(bar_chart([{"label": f"{r['name'] or r['code']}", "href": None, "claimed": r["claimed_total_yi"],
                           "itemised": r["itemised_total_yi"]} for r in regions], "claimed vs itemised per city"))
    out.append(_table(["city", "code", "articles", "claimed count", "claimed 亿元", "records", "itemised 亿元",
                       "share", "projects located", "their 亿元"],
                      [[esc(r["name"]), esc(r["code"]), str(r["articles"]), esc(num(r["claimed_count"])),
                        esc(num(r["claimed_total_yi"])), str(r["itemised_records"]), esc(num(r["itemised_total_yi"])),
                        esc(pct(r["share_of_total"])), str(r["located_projects"]),
                        esc(num(r["located_project_total_yi"]))] for r in regions],
                      numeric={2, 3, 4, 5, 6, 7, 8, 9}, cls="regions"))

    # articles
    shown = [a for a in articles if a["article_id"] in cov]
    charted = [a for a in shown if cov[a["article_id"]]["claimed_total_yi"] is not None]
    out.append("<h2>Claimed and itemised per article</h2>")
    out.append(bar_chart([{"label": f"{a['article_id']} {a.get('region') or ''}", "href": f"#art-{index[a['article_id']]}",
                           "claimed": cov[a["article_id"]]["claimed_total_yi"],
                           "itemised": cov[a["article_id"]]["itemised_total_yi"]} for a in charted],
                         "claimed vs itemised per article"))
    out.append('<p class="note">claimed = the article\'s headline claim (its largest total); itemised = the sum '
               'of its records\' amounts. Articles without a claimed total are in the table only.</p>')
    out.append(_table(["article", "title", "region", "claimed count", "claimed 亿元", "records", "with amount",
                       "itemised 亿元", "share of total", "share of count"],
                      [[f'<a href="#art-{index[a["article_id"]]}">{esc(a["article_id"])}</a>', esc(a.get("title")),
                        esc(a.get("region")), esc(num(c["claimed_count"])), esc(num(c["claimed_total_yi"])),
                        str(c["records"]), str(c["records_with_amount"]), esc(num(c["itemised_total_yi"])),
                        esc(pct(c["share_of_total"])), esc(pct(c["share_of_count"]))]
                       for a in shown for c in [cov[a["article_id"]]]],
                      numeric={3, 4, 5, 6, 7, 8, 9}, cls="coverage"))

    # projects across articles
    multi = _rows(con, """SELECT * FROM projects WHERE n_articles > 1 ORDER BY n_articles DESC, project_id LIMIT 200""")
    out.append("<h2>Projects reported by several articles</h2>")
    if multi:
        out.append(_table(["project", "company", "place", "articles", "first", "last", "latest stage", "amounts"],
                          [[esc(p["name"] or "—"), esc(p["company"] or "—"),
                            esc(" / ".join(x for x in (p["county"], p["city"]) if x)), esc("、".join(p["article_ids"])),
                            esc(p["first_date"]), esc(p["last_date"]), esc(p["latest_stage"]),
                            esc("; ".join(f"{a['article_id']}: {num(a['amount_yi'])}" for a in (p["amounts"] or [])))]
                           for p in multi], cls="projects"))
    else:
        out.append('<p class="note">none: every project is reported by one article only.</p>')

    # the articles themselves
    out.append('<h2>Articles</h2><p class="legend"><span class="hl-amount">amount</span>'
               '<span class="hl-company">company</span><span class="hl-place">place</span>'
               '<span class="hl-date">date</span><span class="ev">evidence of a record or claim</span> '
               '(superscripts link to the records and claims; their "evidence" links point back here)</p>')
    for k, a in enumerate(articles):
        out.append(_article_section(k, a, cov.get(a["article_id"]), records_of.get(a["article_id"], []),
                                    claims_of.get(a["article_id"], [])))
    out.append("</body></html>")
    return "\n".join(out)


def write_report(db_path: str | Path, out_html: str | Path, max_articles: int = MAX_ARTICLES) -> Path:
    """Write the review page for the database at `db_path` to `out_html` (atomically)."""
    import duckdb

    db_path, out_html = Path(db_path), Path(out_html)
    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}: run `make extract` first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        page = build_html(con, max_articles)
    finally:
        con.close()
    out_html.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_html.with_name(f".{out_html.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out_html)
    return out_html


# --- command line ----------------------------------------------------------------------------

def _cmd_report(args) -> int:
    try:
        out = write_report(args.db, args.out, args.max_articles)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {out}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    """Add the `report` subcommand to the pipeline's command line."""
    p = subparsers.add_parser("report", help="write the HTML review page (coverage summary, articles with highlights)")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"HTML file to write (default {DEFAULT_OUT})")
    p.add_argument("--max-articles", type=int, default=MAX_ARTICLES, metavar="N",
                   help=f"show at most N articles, the first by id (default {MAX_ARTICLES})")
    p.set_defaults(func=_cmd_report)


def main(argv: list[str] | None = None) -> int:
    from .cli import run_standalone
    return run_standalone(register, "report", "report", argv)


if __name__ == "__main__":
    sys.exit(main())
