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

DECIMAL = "DECIMAL(18,6)"
ROOT = Path(__file__).resolve().parent.parent
OFFICIAL_DIR = ROOT / "corpora" / "official"
PLACES_DIR = ROOT / "rules" / "places"

# --- matching parameters (see docs/database.md, "Projects across articles") -------------------
NAME_JACCARD = 0.6          # character-set Jaccard of two normalised project names that still match
AMOUNT_TOLERANCE = 0.2      # amounts within 20 % of the larger one are "the same amount"
GRAM_CAP = 50               # a bigram shared by more records than this in one city is not a block key
MAX_ROUNDS = 1000           # label propagation stops at the latest after this many rounds

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


def _create_article_regions(con) -> None:
    """article_regions: the home region of every article, resolved like extraction resolves it
    (pipeline.places.resolve_region), with the codes it rolls up to."""
    import pyarrow as pa

    from .places import resolve_region

    names = [r[0] for r in con.execute(
        "SELECT DISTINCT region FROM articles WHERE region IS NOT NULL AND trim(region) <> ''").fetchall()]
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
    try:
        con.execute("""
        CREATE OR REPLACE TABLE article_regions AS
        SELECT a.article_id, a.region, n.name, n.level, n.code, n.county_code, n.city_code, n.province_code
        FROM articles a LEFT JOIN _region_names n ON n.region = a.region
        ORDER BY a.article_id
        """)
    finally:
        con.unregister("_region_names")


# ---------------------------------------------------------------------------------------------
# official figures

OFFICIAL_COLUMNS = ("region_name", "region_code", "period_start", "period_end", "metric", "value",
                    "unit", "source")


def _create_official_figures(con, official_dir: Path | None) -> None:
    """official_figures: the rows of every *.csv file in `official_dir`. A file that cannot be read
    (missing column, a value that is no number, a date that is no date, an unknown region) is
    skipped with a warning on stderr naming the file and the reason."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _official (
        figure_id INTEGER, region_name VARCHAR, region_code VARCHAR, region_level VARCHAR,
        period_start DATE, period_end DATE, metric VARCHAR, value {DECIMAL}, unit VARCHAR,
        source VARCHAR, file VARCHAR, line INTEGER)""")
    files = sorted(Path(official_dir).glob("*.csv")) if official_dir and Path(official_dir).is_dir() else []
    for f in files:
        try:
            _load_official_file(con, f)
        except Exception as exc:  # noqa: BLE001 - any failure skips the file, loudly
            msg = str(exc).splitlines()[0]
            print(f"warning: official figures {f} skipped: {msg}", file=sys.stderr)
    con.execute("""
    CREATE OR REPLACE TABLE official_figures AS
    SELECT row_number() OVER (ORDER BY file, line)::INTEGER AS figure_id, * EXCLUDE (figure_id)
    FROM _official ORDER BY file, line""")
    con.execute("DROP TABLE _official")


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
        missing = [c for c in OFFICIAL_COLUMNS if c not in header]
        if missing or len(header) != len(OFFICIAL_COLUMNS):
            raise ValueError(f"the header must be {','.join(OFFICIAL_COLUMNS)} "
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
            rows.append((line, name, code, start, end, r["metric"], str(value), r["unit"] or None,
                         r["source"] or None))
    if not rows:
        return
    names = ("line", "region_name", "region_code", "period_start", "period_end", "metric", "value", "unit", "source")
    types = (pa.int32(), pa.string(), pa.string(), pa.date32(), pa.date32(), pa.string(), pa.string(), pa.string(),
             pa.string())
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
                   o.metric, o.value::{DECIMAL}, o.unit, o.source, '{_sql_path(Path(f.name))}', o.line
            FROM _official_raw o JOIN (SELECT DISTINCT ON (code) * FROM regions WHERE code IS NOT NULL) g
                 ON g.code = o.region_code""")
    finally:
        con.unregister("_official_raw")


# ---------------------------------------------------------------------------------------------
# projects across articles

def _components(con, nodes: str, edges: str, out: str) -> None:
    """Connected components by label propagation: `out`(node, label) gets, for every node of the
    query `nodes`(node), the smallest node id connected to it through `edges`(a, b) (undirected)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT node, node AS label FROM ({nodes})")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cc_e AS
        SELECT a, b FROM ({edges}) UNION SELECT b, a FROM ({edges})""")
    for _ in range(MAX_ROUNDS):
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _cc_next AS
            SELECT l.node, least(l.label, min(n.label)) AS label
            FROM {out} l JOIN _cc_e e ON e.a = l.node JOIN {out} n ON n.node = e.b
            GROUP BY l.node, l.label HAVING least(l.label, min(n.label)) < l.label""")
        if con.execute("SELECT count(*) FROM _cc_next").fetchall()[0][0] == 0:
            break
        con.execute(f"""UPDATE {out} SET label = _cc_next.label FROM _cc_next
                        WHERE {out}.node = _cc_next.node""")
    con.execute("DROP TABLE IF EXISTS _cc_next")
    con.execute("DROP TABLE IF EXISTS _cc_e")


def _company_cores(con) -> None:
    """_company_core(name, core): each distinct company name of the records and its core as the
    company recogniser defines it (pipeline.companies.company_core: no country prefix, no bracketed
    region, no generic tail such as 集团/有限公司/投资)."""
    import pyarrow as pa

    from .companies import company_core

    con.execute("CREATE OR REPLACE TEMP TABLE _company_core (name VARCHAR, core VARCHAR)")
    cur = con.cursor()          # the names in chunks: memory does not grow with the database
    cur.execute("SELECT DISTINCT n FROM (SELECT unnest(companies) AS n FROM records) WHERE n IS NOT NULL")
    while True:
        names = [r[0] for r in cur.fetchmany(_CHUNK)]
        if not names:
            break
        con.register("_cores_t", pa.table({"name": pa.array(names, type=pa.string()),
                                           "core": pa.array([company_core(n) for n in names], type=pa.string())}))
        try:
            con.execute("INSERT INTO _company_core SELECT * FROM _cores_t")
        finally:
            con.unregister("_cores_t")
    cur.close()


_CHUNK = 20_000


# a project's columns from its rows in project_mentions (GROUP BY project_id); tests check that
# the shortcut for one-mention projects in _create_projects gives the same values
_PROJECT_AGGREGATES = """
           first(project ORDER BY length(project) DESC, mention_no) FILTER (WHERE project IS NOT NULL) AS name,
           first(company ORDER BY length(company) DESC, mention_no) FILTER (WHERE company IS NOT NULL) AS company,
           list_sort(list_distinct(flatten(list(companies)))) AS companies,
           first(county ORDER BY county_code IS NULL, mention_no) FILTER (WHERE county IS NOT NULL) AS county,
           first(county_code ORDER BY mention_no) FILTER (WHERE county_code IS NOT NULL) AS county_code,
           first(city ORDER BY mention_no) FILTER (WHERE city IS NOT NULL) AS city,
           first(city_code ORDER BY mention_no) FILTER (WHERE city_code IS NOT NULL) AS city_code,
           first(province ORDER BY mention_no) FILTER (WHERE province IS NOT NULL) AS province,
           first(sector ORDER BY mention_no) FILTER (WHERE sector IS NOT NULL) AS sector,
           count(*)::INTEGER AS n_mentions,
           count(DISTINCT article_id)::INTEGER AS n_articles,
           first(date ORDER BY mention_no) AS first_date,
           first(date ORDER BY date_hi DESC NULLS LAST, mention_no DESC) AS last_date,
           min(date_lo) AS first_day,
           max(date_hi) AS last_day,
           first(stage ORDER BY mention_no) AS first_stage,
           first(stage ORDER BY stage_rank(stage) DESC, mention_no DESC) AS latest_stage,
           list(stage ORDER BY mention_no) AS stages,
           first(amount_yi ORDER BY date_hi DESC NULLS LAST, mention_no DESC)
               FILTER (WHERE amount_yi IS NOT NULL) AS amount_yi,
           min(amount_yi) AS amount_min_yi,
           max(amount_yi) AS amount_max_yi,
           list({'article_id': article_id, 'record_id': record_id, 'date': date, 'stage': stage,
                  'amount_yi': amount_yi, 'amount_text': amount_text} ORDER BY mention_no)
               FILTER (WHERE amount_yi IS NOT NULL) AS amounts,
           list(article_id ORDER BY mention_no) AS article_ids,
           list(record_id ORDER BY mention_no) AS record_ids
"""


def _create_projects(con) -> None:
    _company_cores(con)
    tol = AMOUNT_TOLERANCE
    # one row per record: what the matcher looks at
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _m AS
    SELECT r.record_id, r.article_id, r.city_code, coalesce(r.county_code, r.county) AS county_key,
           project_key(r.project) AS pkey, project_phase(r.project) AS phase,
           r.amount_yi::DOUBLE AS amount,
           coalesce(r.date, a.date) AS date,
           iso_start(coalesce(r.date, a.date)) AS date_lo,
           iso_end(coalesce(r.date, a.date)) AS date_hi
    FROM records r LEFT JOIN articles a USING (article_id)
    """)
    con.execute("UPDATE _m SET pkey = NULL WHERE length(pkey) < 2")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _mc AS
    SELECT DISTINCT r.record_id, c.core
    FROM (SELECT record_id, unnest(companies) AS name FROM records) r
    JOIN _company_core c USING (name) WHERE length(c.core) >= 2
    """)
    # blocking: records of one city that share a bigram of a company core or of a project key
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _g AS
    WITH g AS (
        SELECT DISTINCT m.record_id, m.article_id, m.city_code, 'c' AS kind, unnest(bigrams(c.core)) AS gram
        FROM _mc c JOIN _m m USING (record_id) WHERE m.city_code IS NOT NULL
        UNION
        SELECT record_id, article_id, city_code, 'p', unnest(bigrams(pkey))
        FROM _m WHERE city_code IS NOT NULL AND pkey IS NOT NULL
    )
    SELECT * FROM g QUALIFY count(*) OVER (PARTITION BY city_code, kind, gram) <= {GRAM_CAP}
    """)
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _pf AS
    WITH hasc AS (SELECT DISTINCT record_id FROM _mc),
    cpairs AS (      -- both name an investor: candidates share a bigram of a company core
        SELECT DISTINCT g1.record_id AS a, g2.record_id AS b
        FROM _g g1 JOIN _g g2 ON g1.city_code = g2.city_code AND g1.gram = g2.gram
                              AND g1.record_id < g2.record_id AND g1.article_id <> g2.article_id
        WHERE g1.kind = 'c' AND g2.kind = 'c'
    ), ppairs AS (   -- at least one names no investor: candidates share a bigram of the project name
        SELECT DISTINCT g1.record_id AS a, g2.record_id AS b
        FROM _g g1 JOIN _g g2 ON g1.city_code = g2.city_code AND g1.gram = g2.gram
                              AND g1.record_id < g2.record_id AND g1.article_id <> g2.article_id
        WHERE g1.kind = 'p' AND g2.kind = 'p'
          AND (g1.record_id NOT IN (SELECT record_id FROM hasc) OR g2.record_id NOT IN (SELECT record_id FROM hasc))
    ), comp AS (
        SELECT DISTINCT p.a, p.b FROM cpairs p
        JOIN _mc ca ON ca.record_id = p.a JOIN _mc cb ON cb.record_id = p.b
        WHERE contains(ca.core, cb.core) OR contains(cb.core, ca.core)
    ), pairs AS (
        SELECT a, b FROM comp UNION SELECT a, b FROM ppairs
    )
    SELECT p.a, p.b,
           ma.pkey IS NOT NULL AS a_named, mb.pkey IS NOT NULL AS b_named,
           comp.a IS NOT NULL AS company_ok,
           (ca.record_id IS NULL OR cb.record_id IS NULL) AS company_missing,
           (ma.pkey IS NOT NULL AND mb.pkey IS NOT NULL
            AND (ma.phase IS NULL OR mb.phase IS NULL OR ma.phase = mb.phase)
            AND (contains(ma.pkey, mb.pkey) OR contains(mb.pkey, ma.pkey)
                 OR jaccard(ma.pkey, mb.pkey) >= {NAME_JACCARD})) AS name_ok,
           (ma.amount IS NULL OR mb.amount IS NULL
            OR abs(ma.amount - mb.amount) <= {tol} * greatest(ma.amount, mb.amount)) AS amount_ok,
           (ma.amount IS NOT NULL AND mb.amount IS NOT NULL
            AND abs(ma.amount - mb.amount) <= {tol} * greatest(ma.amount, mb.amount)) AS amount_close,
           CASE WHEN greatest(ma.amount, mb.amount) > 0
                THEN abs(ma.amount - mb.amount) / greatest(ma.amount, mb.amount) END AS amount_diff,
           abs(datediff('day', ma.date_lo, mb.date_lo)) AS days_apart
    FROM pairs p
    JOIN _m ma ON ma.record_id = p.a JOIN _m mb ON mb.record_id = p.b
    LEFT JOIN comp ON comp.a = p.a AND comp.b = p.b
    LEFT JOIN hasc ca ON ca.record_id = p.a LEFT JOIN hasc cb ON cb.record_id = p.b
    WHERE ma.article_id <> mb.article_id
      AND (ma.county_key IS NULL OR mb.county_key IS NULL OR ma.county_key = mb.county_key)
    """)
    # 1. named mentions: similar names, and the same investor (or one side names none and the amounts agree)
    con.execute("""CREATE OR REPLACE TEMP TABLE _e_name AS
        SELECT a, b FROM _pf WHERE a_named AND b_named AND name_ok
          AND (company_ok OR (company_missing AND amount_ok))""")
    _components(con, "SELECT record_id AS node FROM _m WHERE pkey IS NOT NULL", "SELECT a, b FROM _e_name", "_c1")
    # 2. an unnamed mention joins the project of a named one of the same investor: the one whose
    #    amount agrees (closest amount, then nearest date), else the only candidate project
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _attach AS
    WITH cand AS (
        SELECT CASE WHEN a_named THEN b ELSE a END AS u, CASE WHEN a_named THEN a ELSE b END AS n,
               amount_close, amount_diff, days_apart
        FROM _pf WHERE a_named <> b_named AND company_ok AND amount_ok
    ), per_project AS (
        SELECT c.u, l.label AS project, bool_or(c.amount_close) AS close,
               min(c.amount_diff) AS diff, min(c.days_apart) AS days, min(c.n) AS n
        FROM cand c JOIN _c1 l ON l.node = c.n GROUP BY c.u, l.label
    ), ranked AS (
        SELECT *, count(*) OVER (PARTITION BY u) AS n_projects,
               row_number() OVER (PARTITION BY u ORDER BY close DESC, diff NULLS LAST, days NULLS LAST, project) AS rk
        FROM per_project
    )
    SELECT u, project, n FROM ranked WHERE rk = 1 AND (close OR n_projects = 1)
    """)
    # 3. unnamed mentions left over: the same investor and agreeing amounts
    con.execute("""CREATE OR REPLACE TEMP TABLE _e_unnamed AS
        SELECT a, b FROM _pf WHERE NOT a_named AND NOT b_named AND company_ok AND amount_ok
          AND a NOT IN (SELECT u FROM _attach) AND b NOT IN (SELECT u FROM _attach)""")
    _components(con, """SELECT record_id AS node FROM _m WHERE pkey IS NULL
                        AND record_id NOT IN (SELECT u FROM _attach)""",
                "SELECT a, b FROM _e_unnamed", "_c3")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _label AS
    SELECT node AS record_id, label, CASE WHEN label <> node THEN 'name' END AS linked_by FROM _c1
    UNION ALL SELECT u, project, 'attach' FROM _attach
    UNION ALL SELECT node, label, CASE WHEN label <> node THEN 'company' END FROM _c3
    """)
    con.execute("""
    CREATE OR REPLACE TABLE project_links AS
    SELECT a AS record_id, b AS linked_record_id, 'name' AS rule FROM _e_name
    UNION ALL SELECT u, n, 'attach' FROM _attach
    UNION ALL SELECT a, b, 'company' FROM _e_unnamed
    ORDER BY 1, 2
    """)
    con.execute(f"""
    CREATE OR REPLACE TABLE project_mentions AS
    WITH m AS (
        SELECT l.label, r.*, m.date AS mention_date, m.date_lo, m.date_hi, m.pkey, l.linked_by
        FROM records r JOIN _m m USING (record_id) JOIN _label l USING (record_id)
    ), o AS (
        SELECT *, row_number() OVER (PARTITION BY label
                                     ORDER BY date_lo NULLS LAST, date_hi NULLS LAST, record_id) AS mention_no
        FROM m
    )
    SELECT first(record_id ORDER BY mention_no) OVER (PARTITION BY label) AS project_id,
           mention_no::INTEGER AS mention_no, record_id, article_id, mention_date AS date, date_lo, date_hi,
           stage, amount_yi, amount_text, company, companies, project, pkey AS project_key, sector,
           county, county_code, city, city_code, province, linked_by
    FROM o ORDER BY project_id, mention_no
    """)
    con.execute(f"""
    CREATE OR REPLACE TABLE projects AS
    WITH k AS (
        SELECT project_id, count(*) AS n FROM project_mentions GROUP BY project_id
    ), many AS (
        SELECT pm.* FROM project_mentions pm JOIN k USING (project_id) WHERE k.n > 1
    ), one AS (
        SELECT pm.* FROM project_mentions pm JOIN k USING (project_id) WHERE k.n = 1
    )
    SELECT project_id, {_PROJECT_AGGREGATES}
    FROM many GROUP BY project_id
    UNION ALL
    -- most projects have one mention: the same values without the ordered aggregates
    SELECT project_id, project, company, list_sort(list_distinct(flatten([companies]))),
           county, county_code, city, city_code, province, sector,
           1::INTEGER, 1::INTEGER, date, date, date_lo, date_hi, stage, stage, [stage],
           amount_yi, amount_yi, amount_yi,
           CASE WHEN amount_yi IS NOT NULL THEN [{{'article_id': article_id, 'record_id': record_id, 'date': date,
                'stage': stage, 'amount_yi': amount_yi, 'amount_text': amount_text}}] END,
           [article_id], [record_id]
    FROM one
    ORDER BY project_id
    """)
    for t in ("_m", "_mc", "_g", "_pf", "_e_name", "_attach", "_e_unnamed", "_c1", "_c3", "_label",
              "_company_core"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


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
WITH f AS (
    SELECT *,
           nullif(regexp_extract(metric, '^(signed|negotiating|started|operating)_(projects|amount_yi)$', 1), '') AS stage,
           nullif(regexp_extract(metric, '^(signed|negotiating|started|operating)_(projects|amount_yi)$', 2), '') AS measure
    FROM official_figures
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
       f.metric, f.stage, f.measure, f.value AS official_value, f.unit,
       CASE f.measure WHEN 'projects' THEN coalesce(i.projects, 0)::{DECIMAL}
                      WHEN 'amount_yi' THEN coalesce(i.amount_yi, 0)::{DECIMAL} END AS itemised_value,
       CASE WHEN f.measure IS NOT NULL AND f.value > 0 THEN round(
           CASE f.measure WHEN 'projects' THEN coalesce(i.projects, 0) ELSE coalesce(i.amount_yi, 0) END
           / f.value, 4) END                                                       AS share,
       CASE WHEN f.measure IS NOT NULL THEN coalesce(i.projects, 0) END           AS itemised_projects,
       CASE WHEN f.measure IS NOT NULL THEN coalesce(i.projects_with_amount, 0) END AS itemised_projects_with_amount,
       CASE WHEN f.measure IS NOT NULL THEN coalesce(cl.claims, 0) END            AS claims,
       CASE f.measure WHEN 'projects' THEN cl.max_count::{DECIMAL}
                      WHEN 'amount_yi' THEN cl.max_total_yi::{DECIMAL} END        AS claimed_max,
       f.source, f.file
FROM f LEFT JOIN itemised i USING (figure_id) LEFT JOIN claimed cl USING (figure_id)
ORDER BY f.figure_id
""",
    """
CREATE OR REPLACE VIEW single_mention_projects AS
SELECT * FROM projects WHERE n_articles = 1 ORDER BY project_id
""",
]


# ---------------------------------------------------------------------------------------------
# exports

def _export_parquet(con, out_dir: Path) -> None:
    """records.parquet and claims.parquet: the two tables as they are in the database."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for table in ("records", "claims"):
        final = out_dir / f"{table}.parquet"
        tmp = out_dir / f".{table}.parquet.tmp"
        con.execute(f"COPY (SELECT * FROM {table}) TO '{_sql_path(tmp)}' (FORMAT PARQUET)")
        os.replace(tmp, final)


# ---------------------------------------------------------------------------------------------

def finish(con, out_dir: Path, official_dir: Path | None = OFFICIAL_DIR) -> None:
    """(Re)create the analysis tables, views and Parquet exports after records and claims were
    loaded. `official_dir` is the folder of official-figure CSV files (default corpora/official/;
    None = no official figures). Safe to call again on the same database."""
    for sql in MACROS:
        con.execute(sql)
    con.execute(COVERAGE_VIEW)
    _create_regions(con)
    _create_article_regions(con)
    _create_official_figures(con, official_dir)
    _create_projects(con)
    for sql in VIEWS:
        con.execute(sql)
    if out_dir is not None:
        _export_parquet(con, out_dir)
