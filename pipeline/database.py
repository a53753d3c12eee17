"""The analysis layer of the DuckDB database, built over the loaded tables (articles, records,
claims). `finish(con, out_dir)` is called by the write stage after every load and (re)creates:

- macros   iso_start(d), iso_end(d): first/last day of an ISO value (2020-12, 2020-Q3, 2020,
           2020-01/2020-12 ...); stage_rank(stage); claim_stage(scope);
- tables   regions (divisions.tsv + zones.tsv), article_regions (each article's home region,
           resolved), official_figures (CSV files in corpora/official/), project_mentions,
           projects, project_links;
- views    coverage (per claim), article_coverage, record_regions, claim_regions,
           region_coverage, official_coverage, single_mention_projects;
- files    records.parquet and claims.parquet in the output folder.

Every table and view, column by column, and the project matching rule are documented in
docs/database.md. Everything is set-based SQL; Python only resolves the distinct article regions
and company names (with the same functions extraction uses) and drives the loop that computes
connected components. Nothing here is row-by-row over records.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .projects import article_table, create_projects, update_projects

DECIMAL = "DECIMAL(18,6)"
ROOT = Path(__file__).resolve().parent.parent
OFFICIAL_DIR = ROOT / "corpora" / "official"
PLACES_DIR = ROOT / "rules" / "places"


COVERAGE_VIEW = f"""
CREATE OR REPLACE VIEW coverage AS
WITH itemised AS (
    SELECT article_id,
           count(*)                    AS itemised_records,
           count(amount_yi)            AS itemised_count,
           sum(amount_yi)              AS itemised_total_yi
    FROM records GROUP BY article_id
)
SELECT c.article_id,
       c.claim_id,
       c.scope,
       c.project_count                               AS claimed_count,
       c.total_yi                                    AS claimed_total_yi,
       c.amount_qualifier                            AS claimed_qualifier,
       coalesce(i.itemised_records, 0)               AS itemised_records,
       coalesce(i.itemised_count, 0)                 AS itemised_count,
       coalesce(i.itemised_total_yi, 0)::{DECIMAL}   AS itemised_total_yi,
       CASE WHEN c.total_yi > 0 THEN round(coalesce(i.itemised_total_yi, 0) / c.total_yi, 4) END
                                                     AS share_of_total,
       CASE WHEN c.project_count > 0 THEN round(coalesce(i.itemised_records, 0) / c.project_count, 4) END
                                                     AS share_of_count,
       c.evidence
FROM claims c LEFT JOIN itemised i USING (article_id)
ORDER BY c.article_id, c.claim_id
"""

MACROS = [
    # first / last day of one ISO part: day, month, quarter (2020-Q3), half (2020-H1), year
    r"""CREATE OR REPLACE MACRO iso_part_start(p) AS CASE
        WHEN regexp_full_match(p, '\d{4}-\d{2}-\d{2}') THEN try_cast(p AS DATE)
        WHEN regexp_full_match(p, '\d{4}-\d{2}') THEN try_cast(p || '-01' AS DATE)
        WHEN regexp_full_match(p, '\d{4}-Q[1-4]')
            THEN make_date(left(p, 4)::INTEGER, 3 * right(p, 1)::INTEGER - 2, 1)
        WHEN regexp_full_match(p, '\d{4}-H[12]')
            THEN make_date(left(p, 4)::INTEGER, 6 * right(p, 1)::INTEGER - 5, 1)
        WHEN regexp_full_match(p, '\d{4}') THEN make_date(p::INTEGER, 1, 1)
    END""",
    r"""CREATE OR REPLACE MACRO iso_part_end(p) AS CASE
        WHEN regexp_full_match(p, '\d{4}-\d{2}-\d{2}') THEN try_cast(p AS DATE)
        WHEN regexp_full_match(p, '\d{4}-\d{2}') THEN last_day(try_cast(p || '-01' AS DATE))
        WHEN regexp_full_match(p, '\d{4}-Q[1-4]')
            THEN last_day(make_date(left(p, 4)::INTEGER, 3 * right(p, 1)::INTEGER, 1))
        WHEN regexp_full_match(p, '\d{4}-H[12]')
            THEN last_day(make_date(left(p, 4)::INTEGER, 6 * right(p, 1)::INTEGER, 1))
        WHEN regexp_full_match(p, '\d{4}') THEN make_date(p::INTEGER, 12, 31)
    END""",
    # an interval a/b starts where a starts and ends where b ends
    "CREATE OR REPLACE MACRO iso_start(d) AS iso_part_start(split_part(d, '/', 1))",
    "CREATE OR REPLACE MACRO iso_end(d) AS iso_part_end(CASE WHEN contains(d, '/') THEN split_part(d, '/', 2) ELSE d END)",
    """CREATE OR REPLACE MACRO stage_rank(s) AS CASE s
        WHEN 'operating' THEN 4 WHEN 'started' THEN 3 WHEN 'signed' THEN 2 WHEN 'negotiating' THEN 1 ELSE 0 END""",
    # the stage a claim's scope words speak of; NULL when the scope names none (亿元以上项目)
    """CREATE OR REPLACE MACRO claim_stage(scope) AS CASE
        WHEN regexp_matches(scope, '竣工|投产|建成|达产|运营') THEN 'operating'
        WHEN regexp_matches(scope, '开工') THEN 'started'
        WHEN regexp_matches(scope, '洽谈|在谈|意向') THEN 'negotiating'
        WHEN regexp_matches(scope, '签约|签订|签署|签下|引进|引资|招引|落户|落地') THEN 'signed'
    END""",
    # a project name reduced to what identifies it: no brackets, quantities, generic words, punctuation
    r"""CREATE OR REPLACE MACRO project_key(p) AS nullif(regexp_replace(regexp_replace(regexp_replace(
        lower(p),
        '\([^()]*\)', '', 'g'),
        '(年产|年处理|年加工|年出栏|年存栏|年吞吐|年)?[0-9.]+(万|千|百|亿)*(吨|台|套|件|辆|平方米|平米|亩|千瓦|兆瓦|瓦|gwh|mwh|gw|mw|kw|条|张|片|只|头|羽|床|间|个)', '', 'g'),
        '项目|工程|建设|新建|扩建|[、,，;；:：·\-—"“”''‘’《》「」\s]', '', 'g'), '')""",
    r"""CREATE OR REPLACE MACRO project_phase(p) AS nullif(regexp_extract(p, '([一二三四五六七八九十0-9]+)期', 1), '')""",
    # the character bigrams of a string (blocking keys for the project matcher)
    "CREATE OR REPLACE MACRO bigrams(s) AS [substr(s, i, 2) FOR i IN range(1, length(s))]",
]


# ---------------------------------------------------------------------------------------------
# regions

def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _create_regions(con) -> None:
    """regions: every province, city and county-level unit of divisions.tsv and every zone of
    zones.tsv, with its parent codes."""
    div = _sql_path(PLACES_DIR / "divisions.tsv")
    zones = _sql_path(PLACES_DIR / "zones.tsv")
    con.execute(f"""
    CREATE OR REPLACE TABLE regions AS
    WITH d AS (
        SELECT * FROM read_csv('{div}', delim='\t', comment='#', header=true, all_varchar=true, quote='')
    ), z AS (
        SELECT * FROM read_csv('{zones}', delim='\t', comment='#', header=true, all_varchar=true, quote='')
    ), prov AS (SELECT code, name FROM d WHERE level = 'province')
    SELECT d.code, d.name, d.level,
           CASE WHEN d.level = 'county' THEN d.code END          AS county_code,
           nullif(d.city_code, '')                                AS city_code,
           nullif(d.province_code, '')                            AS province_code,
           nullif(d.city, '')                                     AS city,
           nullif(d.province, '')                                 AS province,
           NULL::VARCHAR                                          AS kind,
           d.status
    FROM d
    UNION ALL
    SELECT nullif(z.code, ''), z.name, 'zone', nullif(z.county_code, ''), nullif(z.city_code, ''),
           nullif(z.province_code, ''), nullif(z.city, ''), prov.name, z.kind, 'current'
    FROM z LEFT JOIN prov ON prov.code = z.province_code
    ORDER BY 1 NULLS LAST, 2
    """)


def _create_article_regions(con, article_ids: list[str] | None = None) -> None:
    """article_regions: the home region of every article, resolved like extraction resolves it
    (pipeline.places.resolve_region), with the codes it rolls up to. With `article_ids`, only the
    rows of those articles are replaced."""
    import pyarrow as pa

    from .places import resolve_region

    only = ""
    if article_ids is not None:
        ids = article_table(con, "region_articles", article_ids)
        only = f" AND article_id IN (SELECT article_id FROM {ids})"
    names = [r[0] for r in con.execute(
        f"SELECT DISTINCT region FROM articles WHERE region IS NOT NULL AND trim(region) <> ''{only}").fetchall()]
    rows = {k: [] for k in ("region", "name", "level", "code", "county_code", "city_code", "province_code")}
    for n in names:
        m = resolve_region(n)
        ok = m is not None and not m.ambiguous and m.name is not None
        some = (m.code or m.county_code or m.city_code) if ok else None   # any code: gives the province
        values = dict(
            region=n,
            name=m.name if ok else None,
            level=m.level if ok else None,
            code=m.code if ok else None,
            county_code=(m.county_code if ok else None),
            city_code=(m.city_code if ok else None),
            province_code=(some[:2] + "0000" if some else None),
        )
        if ok and m.level == "city":
            values["city_code"] = m.code
        for k, v in values.items():
            rows[k].append(v)
    tbl = pa.table({k: pa.array(v, type=pa.string()) for k, v in rows.items()})
    con.register("_region_names", tbl)
    select = """SELECT a.article_id, a.region, n.name, n.level, n.code, n.county_code, n.city_code, n.province_code
        FROM articles a LEFT JOIN _region_names n ON n.region = a.region"""
    try:
        if article_ids is None:
            con.execute(f"CREATE OR REPLACE TABLE article_regions AS {select} ORDER BY a.article_id")
        else:
            con.execute(f"DELETE FROM article_regions WHERE article_id IN (SELECT article_id FROM {ids})")
            con.execute(f"INSERT INTO article_regions {select} WHERE a.article_id IN (SELECT article_id FROM {ids}) "
                        "ORDER BY a.article_id")
    finally:
        con.unregister("_region_names")
        con.execute("DROP TABLE IF EXISTS pipeline_state.region_articles")


# ---------------------------------------------------------------------------------------------
# official figures

OFFICIAL_COLUMNS = ("region_name", "region_code", "period_start", "period_end", "metric", "value",
                    "unit", "source")
# the header of files of published figures: who issued the figure, in what kind of document, where
OFFICIAL_COLUMNS_ISSUED = ("region_name", "region_code", "period_start", "period_end", "metric", "value",
                           "unit", "issuer", "document", "url")
OFFICIAL_DOCUMENTS = ("communique", "work_report", "bureau_release", "government_release")
# units of amounts, in 亿元 (the unit of the records): a figure in another unit is not compared
UNIT_IN_YI = {"亿元": 1, "万元": 0.0001, "元": 0.00000001}


def _create_official_figures(con, official_dir: Path | None) -> None:
    """official_figures: the rows of every *.csv file in `official_dir`. A file that cannot be read
    (missing column, a value that is no number, a date that is no date, an unknown region) is
    skipped with a warning on stderr naming the file and the reason."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _official (
        figure_id INTEGER, region_name VARCHAR, region_code VARCHAR, region_level VARCHAR,
        period_start DATE, period_end DATE, metric VARCHAR, value {DECIMAL}, unit VARCHAR, value_yi {DECIMAL},
        source VARCHAR, issuer VARCHAR, document VARCHAR, url VARCHAR, file VARCHAR, line INTEGER)""")
    files = sorted(Path(official_dir).glob("*.csv")) if official_dir and Path(official_dir).is_dir() else []
    skipped = []
    for f in files:
        try:
            _load_official_file(con, f)
        except Exception as exc:  # noqa: BLE001 - any failure skips the file, loudly
            skipped.append((str(f), str(exc).splitlines()[0]))
    # kept, so that a run on a database made from an empty one (write.empty_database) warns alike
    con.execute("CREATE SCHEMA IF NOT EXISTS pipeline_state")
    con.execute("CREATE OR REPLACE TABLE pipeline_state.official_skipped (file VARCHAR, reason VARCHAR)")
    if skipped:
        con.executemany("INSERT INTO pipeline_state.official_skipped VALUES (?, ?)", skipped)
    _warn_official_skipped(con)
    con.execute("""
    CREATE OR REPLACE TABLE official_figures AS
    SELECT row_number() OVER (ORDER BY file, line)::INTEGER AS figure_id, * EXCLUDE (figure_id)
    FROM _official ORDER BY file, line""")
    con.execute("DROP TABLE _official")


def _warn_official_skipped(con) -> None:
    for f, msg in con.execute("SELECT file, reason FROM pipeline_state.official_skipped ORDER BY file").fetchall():
        print(f"warning: official figures {f} skipped: {msg}", file=sys.stderr)


def _load_official_file(con, f: Path) -> None:
    """Check one CSV file of official figures row by row (it is small) and append it."""
    import csv
    import datetime as dt
    import decimal

    import pyarrow as pa

    from .places import resolve_region

    with open(f, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        expected = OFFICIAL_COLUMNS_ISSUED if "issuer" in header else OFFICIAL_COLUMNS
        missing = [c for c in expected if c not in header]
        if missing or len(header) != len(expected):
            raise ValueError(f"the header must be {','.join(OFFICIAL_COLUMNS)} or {','.join(OFFICIAL_COLUMNS_ISSUED)} "
                             f"(missing: {', '.join(missing) or '-'}; found: {','.join(header)})")
        rows = []
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise ValueError(f"line {line}: {len(values)} fields, the header has {len(header)}")
            r = {k: v.strip() for k, v in zip(header, values)}
            code, name = r["region_code"] or None, r["region_name"] or None
            if code is None and name:                   # the code may be left out: resolved from the name
                m = resolve_region(name)
                if m is None or m.ambiguous or not m.code:
                    raise ValueError(f"line {line}: region {name!r} has no code and cannot be resolved")
                code = m.code
            if code is None or not code.isdigit() or len(code) != 6:
                raise ValueError(f"line {line}: region_code {code!r} is not a 6-digit code")
            try:
                start, end = dt.date.fromisoformat(r["period_start"]), dt.date.fromisoformat(r["period_end"])
            except ValueError:
                raise ValueError(f"line {line}: period_start and period_end must be dates (YYYY-MM-DD)") from None
            if end < start:
                raise ValueError(f"line {line}: period_end before period_start")
            try:
                value = decimal.Decimal(r["value"].replace(",", ""))
            except decimal.InvalidOperation:
                raise ValueError(f"line {line}: value {r['value']!r} is not a number") from None
            if not value.is_finite():
                raise ValueError(f"line {line}: value {r['value']!r} is not a number")
            if not r["metric"]:
                raise ValueError(f"line {line}: empty metric")
            document = r.get("document") or None
            if document is not None and document not in OFFICIAL_DOCUMENTS:
                raise ValueError(f"line {line}: document {document!r} is not one of {', '.join(OFFICIAL_DOCUMENTS)}")
            unit = r["unit"] or None
            value_yi = str(value * decimal.Decimal(str(UNIT_IN_YI[unit]))) if unit in UNIT_IN_YI else None
            rows.append((line, name, code, start, end, r["metric"], str(value), unit, value_yi,
                         r.get("source") or r.get("url") or None, r.get("issuer") or None, document,
                         r.get("url") or None))
    if not rows:
        return
    names = ("line", "region_name", "region_code", "period_start", "period_end", "metric", "value", "unit", "value_yi",
             "source", "issuer", "document", "url")
    types = (pa.int32(), pa.string(), pa.string(), pa.date32(), pa.date32(), pa.string(), pa.string(), pa.string(),
             pa.string(), pa.string(), pa.string(), pa.string(), pa.string())
    tbl = pa.table({n: pa.array([r[i] for r in rows], type=t) for i, (n, t) in enumerate(zip(names, types))})
    con.register("_official_raw", tbl)
    try:
        bad = con.execute("""
            SELECT o.line, o.region_code FROM _official_raw o
            LEFT JOIN regions g ON g.code = o.region_code WHERE g.code IS NULL ORDER BY o.line LIMIT 1""").fetchall()
        if bad:
            raise ValueError(f"line {bad[0][0]}: region_code {bad[0][1]} is not in rules/places "
                             f"(divisions.tsv, zones.tsv)")
        con.execute(f"""
            INSERT INTO _official
            SELECT NULL, coalesce(o.region_name, g.name), o.region_code, g.level, o.period_start, o.period_end,
                   o.metric, o.value::{DECIMAL}, o.unit, o.value_yi::{DECIMAL}, o.source, o.issuer, o.document, o.url,
                   '{_sql_path(Path(f.name))}', o.line
            FROM _official_raw o JOIN (SELECT DISTINCT ON (code) * FROM regions WHERE code IS NOT NULL) g
                 ON g.code = o.region_code""")
    finally:
        con.unregister("_official_raw")


# ---------------------------------------------------------------------------------------------
# views

VIEWS = [
    # one row per article: its headline claim against its itemised records
    f"""
CREATE OR REPLACE VIEW article_coverage AS
WITH rec AS (
    SELECT article_id, count(*) AS records, count(amount_yi) AS records_with_amount,
           sum(amount_yi) AS itemised_total_yi
    FROM records GROUP BY article_id
), cl AS (
    SELECT article_id, count(*) OVER (PARTITION BY article_id) AS claims, claim_id, project_count, total_yi
    FROM claims
    QUALIFY row_number() OVER (PARTITION BY article_id
                               ORDER BY total_yi DESC NULLS LAST, project_count DESC NULLS LAST, start, claim_id) = 1
)
SELECT a.article_id, a.title, a.date, a.region, ar.code AS region_code, ar.level AS region_level, a.status,
       a.duplicate_of,
       coalesce(rec.records, 0)                        AS records,
       coalesce(rec.records_with_amount, 0)            AS records_with_amount,
       coalesce(rec.itemised_total_yi, 0)::{DECIMAL}   AS itemised_total_yi,
       coalesce(cl.claims, 0)                          AS claims,
       cl.claim_id                                     AS headline_claim_id,
       cl.project_count                                AS claimed_count,
       cl.total_yi                                     AS claimed_total_yi,
       CASE WHEN cl.total_yi > 0 THEN round(coalesce(rec.itemised_total_yi, 0) / cl.total_yi, 4) END
                                                       AS share_of_total,
       CASE WHEN cl.project_count > 0 THEN round(coalesce(rec.records, 0) / cl.project_count, 4) END
                                                       AS share_of_count
FROM articles a
LEFT JOIN article_regions ar USING (article_id)
LEFT JOIN rec USING (article_id)
LEFT JOIN cl USING (article_id)
ORDER BY a.article_id
""",
    # every record under its county-level unit, city and province (where known)
    """
CREATE OR REPLACE VIEW record_regions AS
WITH r AS (
    SELECT r.record_id, r.article_id, r.county_code, r.city_code,
           coalesce(left(coalesce(r.county_code, r.city_code), 2) || '0000', p.code) AS province_code
    FROM records r LEFT JOIN regions p ON p.level = 'province' AND p.name = r.province
)
SELECT record_id, article_id, 'county' AS level, county_code AS code FROM r WHERE county_code IS NOT NULL
UNION ALL
SELECT record_id, article_id, 'city', city_code FROM r WHERE city_code IS NOT NULL
UNION ALL
SELECT record_id, article_id, 'province', province_code FROM r WHERE province_code IS NOT NULL
""",
    # every claim under its article's home region: county-level unit, city, province
    """
CREATE OR REPLACE VIEW claim_regions AS
SELECT c.claim_id, c.article_id, 'county' AS level, ar.county_code AS code
FROM claims c JOIN article_regions ar USING (article_id) WHERE ar.county_code IS NOT NULL
UNION ALL
SELECT c.claim_id, c.article_id, 'city', ar.city_code
FROM claims c JOIN article_regions ar USING (article_id) WHERE ar.city_code IS NOT NULL
UNION ALL
SELECT c.claim_id, c.article_id, 'province', ar.province_code
FROM claims c JOIN article_regions ar USING (article_id) WHERE ar.province_code IS NOT NULL
""",
    # per region and level: article coverage summed over the articles at home there, and the
    # records / projects located there
    f"""
CREATE OR REPLACE VIEW region_coverage AS
WITH ar AS (          -- an article stored as a duplicate of another is counted once, as the other
    SELECT ar.* FROM article_regions ar JOIN articles a USING (article_id) WHERE a.duplicate_of IS NULL
), homes AS (
    SELECT article_id, 'county' AS level, county_code AS code FROM ar WHERE county_code IS NOT NULL
    UNION ALL SELECT article_id, 'city', city_code FROM ar WHERE city_code IS NOT NULL
    UNION ALL SELECT article_id, 'province', province_code FROM ar WHERE province_code IS NOT NULL
), by_home AS (
    SELECT h.level, h.code, count(*) AS articles,
           count(ac.headline_claim_id) AS articles_with_claims,
           sum(ac.claimed_count)::BIGINT AS claimed_count,
           sum(ac.claimed_total_yi) AS claimed_total_yi,
           sum(ac.records)::BIGINT AS itemised_records,
           sum(ac.itemised_total_yi) AS itemised_total_yi
    FROM homes h JOIN article_coverage ac USING (article_id) GROUP BY h.level, h.code
), located AS (
    SELECT rr.level, rr.code, count(*) AS located_records, sum(r.amount_yi) AS located_total_yi,
           count(DISTINCT pm.project_id) AS located_projects
    FROM record_regions rr JOIN records r USING (record_id) JOIN project_mentions pm USING (record_id)
    GROUP BY rr.level, rr.code
), located_projects AS (
    SELECT level, code, sum(p.amount_yi) AS located_project_total_yi
    FROM (SELECT DISTINCT rr.level, rr.code, pm.project_id
          FROM record_regions rr JOIN project_mentions pm USING (record_id))
    JOIN projects p USING (project_id) GROUP BY level, code
), names AS (
    SELECT code, first(name ORDER BY level) AS name FROM regions WHERE code IS NOT NULL GROUP BY code
)
SELECT level, code, n.name,
       coalesce(b.articles, 0)                          AS articles,
       coalesce(b.articles_with_claims, 0)              AS articles_with_claims,
       b.claimed_count,
       b.claimed_total_yi::{DECIMAL}                    AS claimed_total_yi,
       coalesce(b.itemised_records, 0)                  AS itemised_records,
       coalesce(b.itemised_total_yi, 0)::{DECIMAL}      AS itemised_total_yi,
       CASE WHEN b.claimed_total_yi > 0 THEN round(b.itemised_total_yi / b.claimed_total_yi, 4) END
                                                        AS share_of_total,
       coalesce(l.located_records, 0)                   AS located_records,
       coalesce(l.located_total_yi, 0)::{DECIMAL}       AS located_total_yi,
       coalesce(l.located_projects, 0)                  AS located_projects,
       coalesce(lp.located_project_total_yi, 0)::{DECIMAL} AS located_project_total_yi
FROM by_home b
FULL JOIN located l USING (level, code)
LEFT JOIN located_projects lp USING (level, code)
LEFT JOIN names n USING (code)
ORDER BY CASE level WHEN 'province' THEN 1 WHEN 'city' THEN 2 ELSE 3 END, code
""",
    # per official figure: the projects (and the largest claims) of that region, stage and period
    f"""
CREATE OR REPLACE VIEW official_coverage AS
WITH f0 AS (
    SELECT *,
           nullif(regexp_extract(metric, '^(signed|negotiating|started|operating)_(projects|amount_yi|amount)$', 1), '') AS stage0,
           nullif(regexp_extract(metric, '^(signed|negotiating|started|operating)_(projects|amount_yi|amount)$', 2), '') AS m0
    FROM official_figures
), f AS (           -- like with like: counts of projects, and amounts in a unit of 元 (in 亿元)
    SELECT * EXCLUDE (stage0, m0),
           CASE WHEN m0 = 'projects' OR (m0 IS NOT NULL AND value_yi IS NOT NULL) THEN stage0 END AS stage,
           CASE WHEN m0 = 'projects' THEN 'projects' WHEN m0 IS NOT NULL AND value_yi IS NOT NULL THEN 'amount_yi' END
               AS measure,
           CASE WHEN m0 = 'projects' THEN value WHEN m0 IS NOT NULL THEN value_yi END AS compared_value
    FROM f0
), hits AS (        -- mentions of the figure's stage, dated inside its period, located in its region
    SELECT DISTINCT f.figure_id, pm.project_id, pm.record_id, pm.mention_no, pm.date_hi, pm.amount_yi
    FROM f
    JOIN project_mentions pm ON pm.stage = f.stage AND pm.date_lo >= f.period_start AND pm.date_hi <= f.period_end
    JOIN record_regions rr ON rr.record_id = pm.record_id AND rr.level = f.region_level AND rr.code = f.region_code
), per_project AS (  -- a project's amount: the latest those mentions give, else the project's latest
    SELECT h.figure_id, h.project_id,
           coalesce(first(h.amount_yi ORDER BY h.date_hi DESC, h.mention_no DESC) FILTER (WHERE h.amount_yi IS NOT NULL),
                    any_value(p.amount_yi)) AS amount_yi
    FROM hits h JOIN projects p USING (project_id) GROUP BY h.figure_id, h.project_id
), itemised AS (
    SELECT figure_id, count(*) AS projects, count(amount_yi) AS projects_with_amount, sum(amount_yi) AS amount_yi
    FROM per_project GROUP BY figure_id
), claimed AS (
    SELECT f.figure_id, count(*) AS claims, max(c.project_count) AS max_count, max(c.total_yi) AS max_total_yi
    FROM f
    JOIN claims c ON claim_stage(c.scope) = f.stage
                 AND iso_start(c.date) >= f.period_start AND iso_end(c.date) <= f.period_end
    JOIN claim_regions cr ON cr.claim_id = c.claim_id AND cr.level = f.region_level AND cr.code = f.region_code
    GROUP BY f.figure_id
)
SELECT f.figure_id, f.region_name, f.region_code, f.region_level, f.period_start, f.period_end,
       f.metric, f.stage, f.measure, f.value AS official_value, f.unit, f.compared_value::{DECIMAL} AS official_compared,
       CASE f.measure WHEN 'projects' THEN coalesce(i.projects, 0)::{DECIMAL}
                      WHEN 'amount_yi' THEN coalesce(i.amount_yi, 0)::{DECIMAL} END AS itemised_value,
       CASE WHEN f.measure IS NOT NULL AND f.compared_value > 0 THEN round(
           CASE f.measure WHEN 'projects' THEN coalesce(i.projects, 0) ELSE coalesce(i.amount_yi, 0) END
           / f.compared_value, 4) END                                              AS share,
       CASE WHEN f.measure IS NOT NULL THEN coalesce(i.projects, 0) END           AS itemised_projects,
       CASE WHEN f.measure IS NOT NULL THEN coalesce(i.projects_with_amount, 0) END AS itemised_projects_with_amount,
       CASE WHEN f.measure IS NOT NULL THEN coalesce(cl.claims, 0) END            AS claims,
       CASE f.measure WHEN 'projects' THEN cl.max_count::{DECIMAL}
                      WHEN 'amount_yi' THEN cl.max_total_yi::{DECIMAL} END        AS claimed_max,
       f.source, f.issuer, f.document, f.url, f.file
FROM f LEFT JOIN itemised i USING (figure_id) LEFT JOIN claimed cl USING (figure_id)
ORDER BY f.figure_id
""",
    # whether signed projects land: per region (the county, else the city) and signing year, the
    # projects signed, their amounts at signing, the share later reported started (a report of
    # operation counts as started) or operating, and the median months from signing to start
    f"""
CREATE OR REPLACE VIEW landing AS
WITH p AS (
    SELECT project_id, first_signed, first_started, first_operating, signed_amount_yi,
           CASE WHEN county_code IS NOT NULL OR county IS NOT NULL THEN 'county' ELSE 'city' END AS region_level,
           coalesce(county_code, CASE WHEN county IS NULL THEN city_code END) AS region_code,
           coalesce(county, city) AS region_name,
           CASE WHEN first_started >= first_signed THEN first_started END AS started_after,
           CASE WHEN first_operating >= first_signed THEN first_operating END AS operating_after
    FROM projects WHERE first_signed IS NOT NULL
)
SELECT region_level, region_code, region_name, year(first_signed)::INTEGER AS signing_year,
       count(*)::INTEGER AS projects_signed,
       count(signed_amount_yi)::INTEGER AS projects_with_amount,
       sum(signed_amount_yi)::{DECIMAL} AS amount_signed_yi,
       count(*) FILTER (WHERE started_after IS NOT NULL OR operating_after IS NOT NULL)::INTEGER AS reported_started,
       count(*) FILTER (WHERE operating_after IS NOT NULL)::INTEGER AS reported_operating,
       round(count(*) FILTER (WHERE started_after IS NOT NULL OR operating_after IS NOT NULL) / count(*), 4)
           AS share_started,
       round(count(*) FILTER (WHERE operating_after IS NOT NULL) / count(*), 4) AS share_operating,
       round(median(datediff('day', first_signed, started_after) / 30.4375), 1) AS median_months_to_start,
       list(project_id ORDER BY project_id) AS project_ids
FROM p
GROUP BY region_level, region_code, region_name, year(first_signed)
ORDER BY region_code NULLS LAST, region_name, signing_year
""",
    # the claims of official sources (articles of a `kind`: statistical communiqués, work reports,
    # bureau and government releases): official figures, with the issuing body, period and measure
    """
CREATE OR REPLACE VIEW official_claims AS
SELECT c.claim_id, c.article_id, a.source AS issuer, a.source_kind AS document, a.title,
       ar.name AS region_name, ar.level AS region_level,
       coalesce(ar.code, ar.county_code, ar.city_code, ar.province_code) AS region_code,
       p.period, iso_start(p.period) AS period_start, iso_end(p.period) AS period_end,
       claim_stage(c.scope) AS stage, c.measure, c.scope, c.category, c.parent,
       c.project_count, c.count_unit, c.total_yi, c.total_amount, c.currency, c.amount_qualifier
FROM claims c JOIN articles a USING (article_id)
LEFT JOIN article_regions ar USING (article_id)
-- the period: the claim's own date; for a communiqué whose claim has only the publication date, the
-- year its title names (2020年…统计公报, published in 2021); else the article's date
CROSS JOIN LATERAL (SELECT CASE WHEN a.source_kind = 'communique' AND (c.date IS NULL OR c.date = a.date)
                                 AND regexp_matches(coalesce(a.title, ''), '(19|20)[0-9]{2}年')
                            THEN regexp_extract(a.title, '((?:19|20)[0-9]{2})年', 1)
                            ELSE coalesce(c.date, a.date) END AS period) p
WHERE a.source_kind IS NOT NULL
ORDER BY c.article_id, c.start
""",
    """
CREATE OR REPLACE VIEW single_mention_projects AS
SELECT * FROM projects WHERE n_articles = 1 ORDER BY project_id
""",
]


# ---------------------------------------------------------------------------------------------
# exports

def _export_parquet(con, out_dir: Path, article_ids: list[str] | None = None) -> None:
    """records.parquet and claims.parquet: the rows of the two tables as they are in the database;
    of the articles `article_ids` only (a --db run's own articles, the rows of its JSONL files),
    all of them when None."""

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    where = ""
    if article_ids is not None:
        where = f" WHERE article_id IN (SELECT article_id FROM {article_table(con, 'run_articles', article_ids)})"
    try:
        for table in ("records", "claims"):
            final = out_dir / f"{table}.parquet"
            tmp = out_dir / f".{table}.parquet.tmp"
            con.execute(f"COPY (SELECT * FROM {table}{where}) TO '{_sql_path(tmp)}' (FORMAT PARQUET)")
            os.replace(tmp, final)
    finally:
        if article_ids is not None:
            con.execute("DROP TABLE IF EXISTS pipeline_state.run_articles")


# ---------------------------------------------------------------------------------------------

def finish(con, out_dir: Path | None, official_dir: Path | None = OFFICIAL_DIR, article_ids: list[str] | None = None,
           static: bool = True) -> None:
    """(Re)create the analysis tables, views and Parquet exports after records and claims were
    loaded. `official_dir` is the folder of official-figure CSV files (default corpora/official/;
    None = no official figures). Safe to call again on the same database. `static=False`: the
    database already holds what depends on no article (macros, regions, official figures, views),
    made by `finish` from the same code and data (a copy of write.empty_database); only the tables
    of the articles are built."""
    if static:
        for sql in MACROS:
            con.execute(sql)
        con.execute(COVERAGE_VIEW)
        _create_regions(con)
    _create_article_regions(con)
    if static:
        _create_official_figures(con, official_dir)
    else:
        _warn_official_skipped(con)
    create_projects(con)
    if static:
        for sql in VIEWS:
            con.execute(sql)
    export(con, out_dir, article_ids)


def update(con, out_dir: Path | None, article_ids: list[str], run_ids: list[str] | None = None) -> None:
    """The analysis tables after `article_ids` were stored into a database whose analysis tables
    were built by `finish` with the same code and data (the write stage checks that): their rows
    of article_regions are replaced and the projects matched again where they can change; regions,
    official figures, macros and views stay (stored by `finish` from the same code). Equal to
    `finish` on the same database."""
    _create_article_regions(con, article_ids)
    update_projects(con, article_ids)
    export(con, out_dir, run_ids)


def export(con, out_dir: Path | None, article_ids: list[str] | None = None) -> None:
    """The Parquet exports of the tables into out_dir (None: none), of `article_ids` only if given."""
    if out_dir is not None:
        _export_parquet(con, out_dir, article_ids)
