"""Projects across articles: the matcher that groups records (mentions) of the same project in
different articles into project_mentions, projects and project_links (rules: docs/database.md,
"Projects across articles").

    create_projects(con)                  the tables over the whole database (and the block keys
                                          with their counts, pipeline_state.match_grams/_counts)
    update_projects(con, article_ids)     the same tables after those articles were stored (added,
                                          replaced), with a result equal to create_projects

Two records are only ever compared when they are a candidate pair: of one city, sharing a block key
(a bigram of a company core or a project key held by at most GRAM_CAP records of that city). A
record's project depends only on its candidate pairs and on the projects of their other records, so
an update matches again the closure of the changed records under the pairs that a rule looks at
(_RELEVANT), with the database's key counts: a few dozen records, whatever the size of the database.
"""
from __future__ import annotations

import functools

# --- matching parameters (see docs/database.md, "Projects across articles") -------------------
NAME_JACCARD = 0.6          # character-set Jaccard of two normalised project names that still match
AMOUNT_TOLERANCE = 0.2      # amounts within 20 % of the larger one are "the same amount"
GRAM_CAP = 50               # a bigram shared by more records than this in one city is not a block key
MAX_ROUNDS = 1000           # label propagation stops at the latest after this many rounds


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


def _company_cores(con, chunked: bool = True) -> None:
    """_company_core(name, core): each distinct company name of the records and its core as the
    company recogniser defines it (pipeline.companies.company_core: no country prefix, no bracketed
    region, no generic tail such as 集团/有限公司/投资)."""
    import pyarrow as pa

    from .companies import company_core

    con.execute("CREATE OR REPLACE TEMP TABLE _company_core (name VARCHAR, core VARCHAR)")
    names_sql = "SELECT DISTINCT n FROM (SELECT unnest(companies) AS n FROM pipeline_state.scope) WHERE n IS NOT NULL"
    if not chunked:             # a few names (an update, within its transaction): at once
        cur, chunks = None, iter([[r[0] for r in con.execute(names_sql).fetchall()]])
    else:                       # the names in chunks: memory does not grow with the database
        cur = con.cursor()
        cur.execute(names_sql)
        chunks = iter(lambda: [r[0] for r in cur.fetchmany(_CHUNK)], [])
    for names in chunks:
        if not names:
            break
        con.register("_cores_t", pa.table({"name": pa.array(names, type=pa.string()),
                                           "core": pa.array([company_core(n) for n in names], type=pa.string())}))
        try:
            con.execute("INSERT INTO _company_core SELECT * FROM _cores_t")
        finally:
            con.unregister("_cores_t")
    if cur is not None:
        cur.close()


_CHUNK = 20_000


# a project's columns from its rows in project_mentions (GROUP BY project_id); tests check that
# the shortcut for one-mention projects in _match gives the same values
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
           list(record_id ORDER BY mention_no) AS record_ids,
           -- the project's course (the landing view): the first day of a mention of each stage, and
           -- the amount given when it was signed (the first signing mention that gives one)
           -- where no signing was reported, a report of a later stage may recall it (signed_date)
           coalesce(min(date_lo) FILTER (WHERE stage = 'signed'), min(iso_start(signed_date))) AS first_signed,
           min(date_lo) FILTER (WHERE stage = 'started') AS first_started,
           min(date_lo) FILTER (WHERE stage = 'operating') AS first_operating,
           first(amount_yi ORDER BY mention_no) FILTER (WHERE stage = 'signed' AND amount_yi IS NOT NULL)
               AS signed_amount_yi
"""


@functools.lru_cache(maxsize=1)
def _successor_pairs() -> tuple[tuple[str, str], ...]:
    from .rules import load_tsv

    return tuple(sorted({(r["old_code"], r["code"]) for r in load_tsv("places/former_names.tsv")
                         if r.get("old_code") and r.get("code") and r["old_code"] != r["code"]}))


def _code_successors(con) -> None:
    """_code_successor(old_code, code): the code of a renamed county-level unit before the change
    (rules/places/former_names.tsv) and its code now, so that 长垣县 (410728) in 2019 and 长垣市
    (410783) later are one place to the matcher."""
    import pyarrow as pa

    pairs = _successor_pairs()
    con.register("_succ_t", pa.table({"old_code": pa.array([a for a, _ in pairs], pa.string()),
                                      "code": pa.array([b for _, b in pairs], pa.string())}))
    try:
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _code_successor AS SELECT DISTINCT ON (old_code) * FROM _succ_t "
                    "ORDER BY old_code, code")
    finally:
        con.unregister("_succ_t")


def article_table(con, name: str, article_ids) -> str:
    """pipeline_state.<name>(article_id): the given ids as a stored table (visible to every cursor
    of the connection); returns its qualified name."""
    import pyarrow as pa

    table = f"pipeline_state.{name}"
    con.execute("CREATE SCHEMA IF NOT EXISTS pipeline_state")
    con.execute(f"CREATE OR REPLACE TABLE {table} (article_id VARCHAR)")
    con.register("_ids_arrow", pa.table({"article_id": pa.array(list(article_ids), pa.string())}))
    try:
        con.execute(f"INSERT INTO {table} SELECT article_id FROM _ids_arrow")
    finally:
        con.unregister("_ids_arrow")
    return table


ROWID_LIST_MAX = 20_000     # a scope of at most so many records is read back by row id


def _by_rowid(con, where: str) -> str:
    """A condition on records equal to `where`: the row ids of its rows where they are few. DuckDB
    reads only the columns of `where` to find them, then the rows by row id, where a filter by a
    subquery reads every column of every row first."""
    rowids = [r for (r,) in con.execute(f"SELECT rowid FROM records WHERE {where} ORDER BY rowid").fetchall()]
    if len(rowids) > ROWID_LIST_MAX:
        return where
    return f"rowid IN ({','.join(map(str, rowids))})" if rowids else "FALSE"


# the columns of a record the matcher's features are computed from (a closure's rounds read only
# these), and those its mentions keep (project_mentions holds them: an update reads the records it
# matches again from there, the changed articles' from records)
_FEATURE_COLUMNS = "record_id, article_id, city_code, county_code, county, project, amount_yi, date, signed_date, companies"
_ROW_COLUMNS = ("record_id, article_id, date, signed_date, stage, amount_yi, amount_text, company, companies, project, "
                "sector, county, county_code, city, city_code, province")


def _features(con, rows: str | None = None, cities: str | None = None, blocks: str | None = None) -> None:
    """What the matcher looks at, for all records (rows None) or the rows of the query `rows` (with
    the columns of _FEATURE_COLUMNS, the date already the article's where the record gives none):
    pipeline_state.scope (the records), _m (one row per record), _mc (its company cores), _gall
    (its block keys: bigrams of company cores and project keys) and _g (the keys that block: a key
    held by more than GRAM_CAP records of a city does not). With `cities` (an SQL list of city codes
    that holds every key of the rows) a key's count is the whole database's (pipeline_state.
    match_gram_counts), else it is counted within the scope. With `blocks` (a table of stored keys,
    pipeline_state.match_grams rows) _g is those rows and _gall is not made."""
    # a view and tables of the state schema, not temporary ones: the cursor of _company_cores sees them
    con.execute("CREATE SCHEMA IF NOT EXISTS pipeline_state")
    _drop_scope(con)
    if rows is None:
        con.execute("CREATE VIEW pipeline_state.scope AS SELECT * FROM records")
        dated = "FROM pipeline_state.scope r LEFT JOIN articles a USING (article_id)", "coalesce(r.date, a.date)"
    else:                   # the records in scope, once (a view would be evaluated at every use)
        con.execute(f"CREATE TABLE pipeline_state.scope AS {rows}")
        dated = "FROM pipeline_state.scope r", "r.date"
    _company_cores(con, chunked=rows is None)
    _code_successors(con)
    # one row per record: what the matcher looks at
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _m AS
    SELECT r.record_id, r.article_id, r.city_code, coalesce(s.code, r.county_code, r.county) AS county_key,
           project_key(r.project) AS pkey, project_phase(r.project) AS phase,
           r.amount_yi::DOUBLE AS amount,
           {dated[1]} AS date, iso_start({dated[1]}) AS date_lo, iso_end({dated[1]}) AS date_hi,
           -- the time the matcher compares: when it was signed, where a later report recalls it
           iso_start(coalesce(r.signed_date, {dated[1]})) AS match_lo,
           iso_end(coalesce(r.signed_date, {dated[1]})) AS match_hi
    {dated[0]}
    LEFT JOIN _code_successor s ON s.old_code = r.county_code
    """)
    con.execute("UPDATE _m SET pkey = NULL WHERE length(pkey) < 2")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _mc AS
    SELECT DISTINCT r.record_id, c.core
    FROM (SELECT record_id, unnest(companies) AS name FROM pipeline_state.scope) r
    JOIN _company_core c USING (name) WHERE length(c.core) >= 2
    """)
    if blocks is not None:      # the keys that block are given: _g is those rows
        con.execute(f"CREATE OR REPLACE TEMP TABLE _g AS SELECT * FROM {blocks}")
        return
    # blocking: records of one city that share a bigram of a company core or of a project key
    con.execute("""
    CREATE OR REPLACE TEMP TABLE _gall AS
    SELECT DISTINCT m.record_id, m.article_id, m.city_code, 'c' AS kind, unnest(bigrams(c.core)) AS gram
    FROM _mc c JOIN _m m USING (record_id) WHERE m.city_code IS NOT NULL
    UNION
    SELECT record_id, article_id, city_code, 'p', unnest(bigrams(pkey))
    FROM _m WHERE city_code IS NOT NULL AND pkey IS NOT NULL
    """)
    if cities is not None:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _g AS SELECT g.* FROM _gall g
            JOIN pipeline_state.match_gram_counts n USING (city_code, kind, gram)
            WHERE n.city_code IN {cities} AND n.n <= {GRAM_CAP}""")
    else:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _g AS SELECT * FROM _gall
            QUALIFY count(*) OVER (PARTITION BY city_code, kind, gram) <= {GRAM_CAP}""")


def _pairs(con, touching: str | None = None) -> None:
    """_pf: the candidate pairs of _g (records of different articles sharing a block key, within
    one county or where one has none) and the tests the matching rules apply to them; with
    `touching` (a table of record_id) only the pairs that hold one of its records."""
    tol = AMOUNT_TOLERANCE
    only = (f"AND (g1.record_id IN (SELECT record_id FROM {touching}) "
            f"OR g2.record_id IN (SELECT record_id FROM {touching}))") if touching else ""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _pf AS
    WITH hasc AS (SELECT DISTINCT record_id FROM _mc),
    cpairs AS (      -- both name an investor: candidates share a bigram of a company core
        SELECT DISTINCT g1.record_id AS a, g2.record_id AS b
        FROM _g g1 JOIN _g g2 ON g1.city_code = g2.city_code AND g1.gram = g2.gram
                              AND g1.record_id < g2.record_id AND g1.article_id <> g2.article_id
        WHERE g1.kind = 'c' AND g2.kind = 'c' {only}
    ), ppairs AS (   -- at least one names no investor: candidates share a bigram of the project name
        SELECT DISTINCT g1.record_id AS a, g2.record_id AS b
        FROM _g g1 JOIN _g g2 ON g1.city_code = g2.city_code AND g1.gram = g2.gram
                              AND g1.record_id < g2.record_id AND g1.article_id <> g2.article_id
        WHERE g1.kind = 'p' AND g2.kind = 'p' {only}
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
           abs(datediff('day', ma.match_lo, mb.match_lo)) AS days_apart,
           (ma.match_lo <= mb.match_hi AND mb.match_lo <= ma.match_hi) AS same_time
    FROM pairs p
    JOIN _m ma ON ma.record_id = p.a JOIN _m mb ON mb.record_id = p.b
    LEFT JOIN comp ON comp.a = p.a AND comp.b = p.b
    LEFT JOIN hasc ca ON ca.record_id = p.a LEFT JOIN hasc cb ON cb.record_id = p.b
    WHERE ma.article_id <> mb.article_id
      AND (ma.county_key IS NULL OR mb.county_key IS NULL OR ma.county_key = mb.county_key)
    """)


# the pairs of _pf that any rule below looks at: a record's project depends only on these pairs and
# on the projects of their other records, so a set of records closed under them is matched alike
# alone and within the whole database (update_projects)
_RELEVANT = """SELECT a, b FROM _pf WHERE
      (a_named AND b_named AND ((name_ok AND (company_ok OR (company_missing AND amount_ok)))
                                OR (company_ok AND amount_ok AND same_time)))
   OR (a_named <> b_named AND company_ok AND amount_ok)
   OR (NOT a_named AND NOT b_named AND company_ok AND amount_ok)"""


def _match(con, rows: str | None = None, out: tuple[str, str, str] = ("project_links", "project_mentions", "projects"),
           cities: str | None = None) -> None:
    """The matcher over all records (rows None) or the rows of the query `rows` (the columns of
    _ROW_COLUMNS; `cities` as in _features): the tables `out` (links, mentions, projects; stored
    tables, which DuckDB spills, not temporary ones) as project_links, project_mentions and projects
    would hold for those records. A full build also keeps the block keys and their counts for
    updates; its mentions and projects are stored city by city, so that an update, which reads and
    deletes the rows of a few cities, skips the others' blocks of rows."""
    links, mentions, projects = out
    _features(con, rows, cities)
    if rows is None:
        con.execute("CREATE OR REPLACE TABLE pipeline_state.match_grams AS SELECT * FROM _gall ORDER BY city_code, kind, gram")
        con.execute("""CREATE OR REPLACE TABLE pipeline_state.match_gram_counts AS
            SELECT city_code, kind, gram, count(*)::INTEGER AS n FROM _gall GROUP BY ALL ORDER BY ALL""")
    _pairs(con)
    # 1. named mentions: similar names, and the same investor (or one side names none and the amounts
    #    agree); or other names for the same investor's project at the same time (the signing of
    #    欣旺达动力电池项目 on 2019-03-27, told again a year later as its 新能源项目 signed in 2019-03)
    con.execute("""CREATE OR REPLACE TEMP TABLE _e_name AS
        SELECT a, b FROM _pf WHERE a_named AND b_named AND name_ok
          AND (company_ok OR (company_missing AND amount_ok))
        UNION
        SELECT a, b FROM _pf WHERE a_named AND b_named AND NOT name_ok AND company_ok AND amount_ok AND same_time""")
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
    con.execute(f"""
    CREATE OR REPLACE TABLE {links} AS
    SELECT a AS record_id, b AS linked_record_id, 'name' AS rule FROM _e_name
    UNION ALL SELECT u, n, 'attach' FROM _attach
    UNION ALL SELECT a, b, 'company' FROM _e_unnamed
    ORDER BY 1, 2
    """)
    con.execute(f"""
    CREATE OR REPLACE TABLE {mentions} AS
    WITH m AS (
        SELECT l.label, r.*, m.date AS mention_date, m.date_lo, m.date_hi, m.pkey, l.linked_by
        FROM pipeline_state.scope r JOIN _m m USING (record_id) JOIN _label l USING (record_id)
    ), o AS (
        SELECT *, row_number() OVER (PARTITION BY label
                                     ORDER BY date_lo NULLS LAST, date_hi NULLS LAST, record_id) AS mention_no
        FROM m
    )
    SELECT first(record_id ORDER BY mention_no) OVER (PARTITION BY label) AS project_id,
           mention_no::INTEGER AS mention_no, record_id, article_id, mention_date AS date, date_lo, date_hi, signed_date,
           stage, amount_yi, amount_text, company, companies, project, pkey AS project_key, sector,
           county, county_code, city, city_code, province, linked_by
    FROM o ORDER BY city_code, project_id, mention_no
    """)
    # the projects come from the mentions alone: the matcher's temporary tables go first, or they
    # take a part of the memory limit that the aggregates need
    _drop_temp(con)
    # a project's mentions are of one city: the projects are aggregated a batch of cities at a time
    # (all at once, the sort and ordered aggregates of 800k mentions ran out of the closing phase's
    # 384 MB), each batch in city order, the batches in city order: the table as one statement
    # would store it
    con.execute(f"CREATE OR REPLACE TABLE {projects} AS {_projects_sql(mentions, 'false')} LIMIT 0")
    for batch in _city_batches(con, mentions):
        con.execute(f"INSERT INTO {projects} {_projects_sql(mentions, batch)}")


# the mentions of one batch of cities the projects are aggregated from (see _match)
PROJECT_BATCH_MENTIONS = 200_000


def _city_batches(con, mentions: str) -> list[str]:
    """SQL conditions on city_code, in city order (no city last), each of at most
    PROJECT_BATCH_MENTIONS mentions (or one city)."""
    out, batch, n = [], [], 0
    rows = con.execute(f"SELECT city_code, count(*) FROM {mentions} GROUP BY 1 ORDER BY 1 NULLS LAST").fetchall()
    for code, k in rows:
        if code is None:
            continue
        if batch and n + k > PROJECT_BATCH_MENTIONS:
            out.append(batch)
            batch, n = [], 0
        batch.append(code)
        n += k
    if batch:
        out.append(batch)
    conds = ["city_code IN (" + ", ".join("'" + c.replace("'", "''") + "'" for c in b) + ")" for b in out]
    if any(code is None for code, _ in rows):
        conds.append("city_code IS NULL")
    return conds


def _projects_sql(mentions: str, where: str) -> str:
    """The projects of the mentions of {mentions} that meet `where`, in table order."""
    return f"""
    WITH pm0 AS (
        SELECT * FROM {mentions} WHERE {where}
    ), k AS (
        SELECT project_id, count(*) AS n FROM pm0 GROUP BY project_id
    ), many AS (
        SELECT pm.* FROM pm0 pm JOIN k USING (project_id) WHERE k.n > 1
    ), one AS (
        SELECT pm.* FROM pm0 pm JOIN k USING (project_id) WHERE k.n = 1
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
           [article_id], [record_id],
           coalesce(CASE WHEN stage = 'signed' THEN date_lo END, iso_start(signed_date)),
           CASE WHEN stage = 'started' THEN date_lo END,
           CASE WHEN stage = 'operating' THEN date_lo END, CASE WHEN stage = 'signed' THEN amount_yi END
    FROM one
    ORDER BY city_code, project_id"""


# when the records an update matches again are more than this share of all, the tables are rebuilt
UPDATE_MAX_SHARE = 0.25

_NEW = ("pipeline_state.new_links", "pipeline_state.new_mentions", "pipeline_state.new_projects")
_OUT = (("project_links", _NEW[0], "1, 2"), ("project_mentions", _NEW[1], "city_code, project_id, mention_no"),
        ("projects", _NEW[2], "city_code, project_id"))
_STATE = ("pipeline_state.changed", "pipeline_state.closure", "pipeline_state.frontier",
          "pipeline_state.touched", "pipeline_state.new_rows")


# the matcher's temporary tables (_features, _pairs, _match)
_TEMP = ("_m", "_mc", "_gall", "_g", "_pf", "_e_name", "_attach", "_e_unnamed", "_c1", "_c3", "_label",
         "_company_core", "_code_successor")


def _drop_temp(con) -> None:
    for t in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _drop_scope(con) -> None:
    kind = con.execute("SELECT table_type FROM information_schema.tables "
                       "WHERE table_schema = 'pipeline_state' AND table_name = 'scope'").fetchall()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} pipeline_state.scope")


def _drop(con) -> None:
    _drop_scope(con)
    for t in (*_NEW, *_STATE, "_old", "_old_rows", "_flipped", "_seeds"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def create_projects(con) -> None:
    """project_links, project_mentions and projects over all the records."""
    _match(con)
    _drop(con)


def _have(con, schema: str, names: set[str]) -> bool:
    got = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                      [schema]).fetchall()}
    return names <= got


_IN_CHANGED = "article_id IN (SELECT article_id FROM pipeline_state.changed)"


def _changed_rows(con) -> str:
    """pipeline_state.new_rows: the changed articles' records as stored now (the columns of
    _ROW_COLUMNS, the date the article's where the record gives none); _old_rows: their rows of
    project_mentions before. Returns the SQL list of the cities they name: every record whose
    project the change can alter is of one of them (a pair is of one city; a project's mentions are
    the components of pairs), so the update reads the block keys and mentions of these cities only."""
    columns = ", ".join("coalesce(r.date, a.date) AS date" if c == "date" else f"r.{c}"
                        for c in (c.strip() for c in _ROW_COLUMNS.split(",")))
    con.execute(f"""CREATE OR REPLACE TABLE pipeline_state.new_rows AS
        SELECT {columns} FROM (SELECT * FROM records WHERE {_by_rowid(con, _IN_CHANGED)}) r
        LEFT JOIN (SELECT article_id, date FROM articles WHERE {_IN_CHANGED}) a USING (article_id)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _old_rows AS
        SELECT record_id, project_id, city_code FROM project_mentions WHERE {_IN_CHANGED}""")
    codes = [c for (c,) in con.execute("""SELECT DISTINCT city_code FROM (SELECT city_code FROM pipeline_state.new_rows
        UNION ALL SELECT city_code FROM _old_rows) WHERE city_code IS NOT NULL ORDER BY 1""").fetchall()]
    return "(" + ", ".join("'" + c.replace("'", "''") + "'" for c in codes) + ")" if codes else "(NULL)"


def _update_rows(ids: str, columns: str, cities: str) -> str:
    """The rows (`columns`) of the records `ids` (SQL giving record_id) as the matcher reads them in
    an update: the changed articles' from pipeline_state.new_rows, the others' from project_mentions
    (which holds them as they are in records, dated), of the cities `cities` only."""
    return f"""SELECT {columns} FROM project_mentions WHERE city_code IN {cities} AND record_id IN ({ids})
                 AND NOT {_IN_CHANGED}
               UNION ALL SELECT {columns} FROM pipeline_state.new_rows WHERE record_id IN ({ids})"""


def _update_block_keys(con, cities: str) -> None:
    """pipeline_state.match_grams and match_gram_counts after the changed articles' records were
    replaced; `_seeds` gets the records whose candidates the change may alter: those sharing a block
    key with a removed record (before), and all holders of a key whose count crossed GRAM_CAP."""
    grams = f"pipeline_state.match_grams g WHERE g.city_code IN {cities}"
    counts = f"pipeline_state.match_gram_counts n WHERE n.city_code IN {cities}"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _gone AS
        SELECT DISTINCT city_code, kind, gram FROM {grams} AND {_IN_CHANGED}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _seeds AS SELECT DISTINCT record_id
        FROM (SELECT * FROM {grams}) JOIN (SELECT k.* FROM _gone k
            JOIN (SELECT * FROM {counts}) USING (city_code, kind, gram) WHERE n <= {GRAM_CAP})
        USING (city_code, kind, gram)""")
    _features(con, f"SELECT {_FEATURE_COLUMNS} FROM pipeline_state.new_rows", cities)   # their keys (_gall)
    con.execute(f"""CREATE OR REPLACE TABLE pipeline_state.touched AS
        SELECT t.city_code, t.kind, t.gram, coalesce(n.n, 0) AS before FROM
            (SELECT * FROM _gone UNION SELECT city_code, kind, gram FROM _gall) t
        LEFT JOIN (SELECT * FROM {counts}) n USING (city_code, kind, gram)""")
    con.execute("DROP TABLE _gone")
    con.execute(f"DELETE FROM pipeline_state.match_grams WHERE city_code IN {cities} AND {_IN_CHANGED}")
    con.execute("INSERT INTO pipeline_state.match_grams SELECT * FROM _gall")
    con.execute(f"""DELETE FROM pipeline_state.match_gram_counts n USING pipeline_state.touched t
                   WHERE n.city_code IN {cities} AND n.city_code = t.city_code AND n.kind = t.kind AND n.gram = t.gram""")
    con.execute(f"""INSERT INTO pipeline_state.match_gram_counts
        SELECT city_code, kind, gram, count(*)::INTEGER FROM (SELECT * FROM {grams})
        JOIN pipeline_state.touched USING (city_code, kind, gram) GROUP BY ALL""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _flipped AS SELECT t.city_code, t.kind, t.gram
        FROM pipeline_state.touched t LEFT JOIN (SELECT * FROM {counts}) n USING (city_code, kind, gram)
        WHERE (t.before <= {GRAM_CAP}) <> (coalesce(n.n, 0) <= {GRAM_CAP})""")
    con.execute(f"""INSERT INTO _seeds SELECT record_id FROM (SELECT * FROM {grams})
        JOIN _flipped USING (city_code, kind, gram)""")


def _project_mates(nodes: str, cities: str) -> str:
    """The records of the projects of the records `nodes` (a table of record_id), of `cities`."""
    return f"""SELECT m.record_id FROM project_mentions m WHERE m.city_code IN {cities} AND m.project_id IN
        (SELECT project_id FROM project_mentions WHERE city_code IN {cities}
         AND record_id IN (SELECT record_id FROM {nodes}))"""


def _closure(con, cities: str, limit: float) -> int:
    """pipeline_state.closure: the records to match again, from `_seeds` and the changed articles'
    records (new, and the projects of the old): the smallest set that holds them, the other records
    of their former projects, and the other record of every pair of _RELEVANT they are part of.
    Returns its size, or as soon as it passes `limit` a size above it (the caller rebuilds)."""
    # the records the change removed: the old records of the changed articles not stored again
    con.execute("""CREATE OR REPLACE TEMP TABLE _removed AS
        SELECT record_id FROM _old_rows EXCEPT SELECT record_id FROM pipeline_state.new_rows""")
    con.execute(f"""CREATE OR REPLACE TABLE pipeline_state.closure AS
        SELECT DISTINCT record_id FROM (
            SELECT record_id FROM _seeds UNION ALL SELECT record_id FROM pipeline_state.new_rows
            UNION ALL {_project_mates('_old_rows', cities)})
        WHERE record_id NOT IN (SELECT record_id FROM _removed)""")
    con.execute("CREATE OR REPLACE TABLE pipeline_state.frontier AS SELECT record_id FROM pipeline_state.closure")
    while True:
        # the frontier's candidates: the records sharing a block key with it (its stored keys not
        # over the cap; the changed records' are stored already)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _keys AS SELECT DISTINCT g.city_code, g.kind, g.gram
            FROM pipeline_state.match_grams g JOIN pipeline_state.match_gram_counts n USING (city_code, kind, gram)
            WHERE g.city_code IN {cities} AND n.city_code IN {cities} AND n.n <= {GRAM_CAP}
              AND g.record_id IN (SELECT record_id FROM pipeline_state.frontier)""")
        # a pair that holds a frontier record shares one of these keys: their holders' rows are
        # all the blocking the pairs need
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _keyed AS SELECT g.* FROM pipeline_state.match_grams g
            JOIN _keys USING (city_code, kind, gram) WHERE g.city_code IN {cities}""")
        con.execute("""CREATE OR REPLACE TEMP TABLE _partners AS
            SELECT record_id FROM pipeline_state.frontier UNION SELECT record_id FROM _keyed""")
        _features(con, _update_rows("SELECT record_id FROM _partners", _FEATURE_COLUMNS, cities), cities, "_keyed")
        _pairs(con, "pipeline_state.frontier")
        con.execute(f"""CREATE OR REPLACE TABLE pipeline_state.frontier AS
            SELECT DISTINCT record_id FROM (
                SELECT CASE WHEN f.record_id IS NOT NULL THEN e.b ELSE e.a END AS record_id
                FROM ({_RELEVANT}) e LEFT JOIN pipeline_state.frontier f ON f.record_id = e.a
                WHERE f.record_id IS NOT NULL OR e.b IN (SELECT record_id FROM pipeline_state.frontier)
                UNION ALL {_project_mates('pipeline_state.frontier', cities)})
            WHERE record_id NOT IN (SELECT record_id FROM pipeline_state.closure)
              AND record_id NOT IN (SELECT record_id FROM _removed)""")
        if con.execute("SELECT count(*) FROM pipeline_state.frontier").fetchone()[0] == 0:
            break
        con.execute("INSERT INTO pipeline_state.closure SELECT record_id FROM pipeline_state.frontier")
        if con.execute("SELECT count(*) FROM pipeline_state.closure").fetchone()[0] > limit:
            break           # more than a rebuild costs: no need to know how much more
    for t in ("_partners", "_keys", "_keyed", "_removed"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return con.execute("SELECT count(*) FROM pipeline_state.closure").fetchone()[0]


def update_projects(con, article_ids: list[str]) -> None:
    """The three tables after `article_ids` were stored (added or replaced): the records whose
    project can change are matched again (the closure of the changed records under the matcher's
    candidate pairs, module doc); the others stay as they are. Equal to create_projects."""
    if not (_have(con, "main", {"project_links", "project_mentions", "projects"})
            and _have(con, "pipeline_state", {"match_grams", "match_gram_counts"})):
        create_projects(con)                # a database of an older version: no block keys yet
        return
    # one transaction: the update's hundred-odd statements commit (and write the log) once
    con.execute("BEGIN TRANSACTION")
    try:
        rebuild = not _update_in_transaction(con, article_ids)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    if rebuild:                     # the change reaches most records: a rebuild is cheaper
        _drop(con)
        _drop_temp(con)
        # the update's changes written out first: left in memory they took a part of the closing
        # phase's memory limit that the rebuild's sorts need (the bench's append of 1,414 articles
        # to the 223k-article database ran out of memory without it)
        con.execute("CHECKPOINT")
        create_projects(con)


def _update_in_transaction(con, article_ids: list[str]) -> bool:
    """update_projects' work within its transaction; False, the tables not yet replaced, when the
    records to match again are more than UPDATE_MAX_SHARE of all (the caller rebuilds them)."""
    article_table(con, "changed", article_ids)
    cities = _changed_rows(con)
    _update_block_keys(con, cities)
    limit = UPDATE_MAX_SHARE * con.execute("SELECT count(*) FROM records").fetchone()[0]
    if _closure(con, cities, limit) > limit:
        return False
    _match(con, _update_rows("SELECT record_id FROM pipeline_state.closure", _ROW_COLUMNS, cities), _NEW, cities)
    # the rows to replace: those of the closure and the changed articles' old ones (a record of no
    # city is its own project, of no city)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _old AS SELECT record_id, project_id FROM project_mentions
                    WHERE city_code IN {cities} AND record_id IN (SELECT record_id FROM pipeline_state.closure)
                    UNION SELECT record_id, project_id FROM _old_rows""")
    con.execute("""DELETE FROM project_links WHERE record_id IN (SELECT record_id FROM _old)
                   OR linked_record_id IN (SELECT record_id FROM _old)""")
    con.execute(f"""DELETE FROM projects WHERE (city_code IN {cities} OR city_code IS NULL)
                    AND project_id IN (SELECT project_id FROM _old)""")
    con.execute(f"""DELETE FROM project_mentions WHERE (city_code IN {cities} OR city_code IS NULL)
                    AND record_id IN (SELECT record_id FROM _old)""")
    for table, new, order in _OUT:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {new} ORDER BY {order}")
    _drop(con)
    return True
