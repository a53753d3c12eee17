"""Write stage: the DuckDB database (the store of record) and the JSONL outputs.

`Store` loads results into DuckDB in batches, each in one transaction, from Arrow tables (never
row by row). An article is identified by its id; its content hash tells whether it changed:
unchanged articles are not extracted again, changed ones replace their old rows, and an article
whose text is already stored under another id is recorded as a duplicate of it.

A fresh run (no --db) builds `pipeline.duckdb.tmp` and renames it at the end, so a killed run
leaves the previous database untouched. With `--db FILE` the batches go straight into FILE: a
killed run leaves the batches it committed, and the next run completes the rest.
"""
from __future__ import annotations

import collections
import hashlib
import json
import operator
import os
import shutil
import time
from pathlib import Path

import pyarrow as pa

from . import database
from .cache import CACHE_DIR
from .models import Article, Claim, Record

ARTICLE_JSON_FIELDS = ("article_id", "source", "title", "date", "region", "source_kind", "origin", "content_hash",
                       "encoding", "duplicate_of", "status", "error", "n_records", "n_claims", "home", "home_code",
                       "home_rule")

DECIMAL = "DECIMAL(18,6)"
_DECIMAL_COLUMNS = {
    "records": ("amount", "amount_yi", "amount_high"),
    "claims": ("total_amount", "total_yi", "total_high"),
}
_MODELS = {"articles": Article, "records": Record, "claims": Claim}
CHECKPOINT_THRESHOLD = os.environ.get("PIPELINE_CHECKPOINT", "1GB")
# DuckDB's memory while a run inserts, and while the closing phase builds the analysis tables and
# the Parquet exports: bounded (DuckDB spills to DIR/pipeline.duckdb.tmp.spill), so that a run's
# memory does not grow with the dump or the database (the environment variables override them)
DUCKDB_MEMORY_LIMIT = os.environ.get("PIPELINE_DUCKDB_MEMORY", "192MB")
DUCKDB_CLOSE_MEMORY_LIMIT = os.environ.get("PIPELINE_DUCKDB_CLOSE_MEMORY", "384MB")
# a --db run that stores at most this share of the database's articles updates the analysis tables
# for them (pipeline.database.update); more, and they are rebuilt
INCREMENTAL_MAX_SHARE = float(os.environ.get("PIPELINE_INCREMENTAL_MAX_SHARE", "0.2"))
CHECKPOINT_MEMORY = int(os.environ.get("PIPELINE_CHECKPOINT_MEMORY_MB", "128")) << 20
# Chinese text defeats DuckDB's default string compression (FSST): it analyses, then stores the
# text nearly raw, and that analysis made up most of a commit's time. zstd stores it smaller in
# a fraction of the time.
_ZSTD_COLUMNS = {"articles": ("text",), "records": ("evidence",), "claims": ("evidence",)}


def _arrow_type(annotation) -> pa.DataType:
    ann = str(annotation)
    if "list" in ann:
        return pa.list_(pa.string())
    if "bool" in ann:
        return pa.bool_()
    if "float" in ann:
        return pa.float64()
    if "int" in ann:
        return pa.int64()
    return pa.string()


def arrow_table(model_cls, rows: list) -> pa.Table:
    """An Arrow table with one column per model field (in model order), even when empty. Rows are
    dicts or model instances (read attribute by attribute: no per-row model_dump)."""
    names = list(model_cls.model_fields)
    arrays = []
    if rows and isinstance(rows[0], dict):
        columns = [[r.get(n) for r in rows] for n in names]
    elif rows:
        get = operator.attrgetter(*names)            # one C call per row, then columns by zip
        columns = [list(c) for c in zip(*map(get, rows))]
    else:
        columns = [[] for _ in names]
    for n, values in zip(names, columns):
        typ = _arrow_type(model_cls.model_fields[n].annotation)
        arrays.append(pa.array(values, type=typ))
    return pa.Table.from_arrays(arrays, names=names)


def _select(table: str, source: str) -> str:
    cols = _DECIMAL_COLUMNS.get(table)
    if not cols:
        return f"SELECT * FROM {source}"
    casts = ", ".join(f"{c}::{DECIMAL} AS {c}" for c in cols)
    return f"SELECT * REPLACE ({casts}) FROM {source}"


def _create_table_sql(con, table: str, model) -> str:
    """CREATE TABLE IF NOT EXISTS for a model's table: the column types of its Arrow table (amounts
    as DECIMAL), long texts compressed with zstd (see _ZSTD_COLUMNS)."""
    con.register("empty_t", arrow_table(model, []))
    cols = con.execute(f"DESCRIBE {_select(table, 'empty_t')}").fetchall()
    con.unregister("empty_t")
    zstd = _ZSTD_COLUMNS.get(table, ())
    defs = ", ".join(f'"{name}" {typ}' + (" USING COMPRESSION zstd" if name in zstd else "")
                     for name, typ, *_ in cols)
    return f"CREATE TABLE IF NOT EXISTS {table} ({defs})"


def _add_missing_columns(con, table: str, model) -> None:
    """A database of an older version: the model's columns it lacks are added (NULL in its rows;
    its articles are extracted again anyway, the extractor version having changed)."""
    have = {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?",
        [table]).fetchall()}
    con.register("empty_t", arrow_table(model, []))
    try:
        cols = con.execute(f"DESCRIBE {_select(table, 'empty_t')}").fetchall()
    finally:
        con.unregister("empty_t")
    for name, typ, *_ in cols:
        if name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {typ}')


class Packed:
    """The results of a run of articles, in the form they are stored and written: JSONL lines per
    article and one Arrow table per database table. Workers pack what they extract, so the
    parent process only writes strings and inserts ready Arrow tables (no per-row Python work).
    Arrow tables pickle as Arrow IPC buffers: cheap to send back from a worker."""

    __slots__ = ("ids", "hashes", "versions", "ok", "duplicate_of", "n_records", "n_claims", "lines",
                 "tables", "_offsets")

    def __init__(self, results: list, tables: bool = True):
        """`tables=False`: the lines only (results read back from the database, written again
        but not stored again)."""
        arts = [r.article for r in results]
        self.ids = [a.article_id for a in arts]
        self.hashes = [a.content_hash for a in arts]
        self.versions = [a.extractor for a in arts]
        self.ok = [a.status == "ok" for a in arts]
        self.duplicate_of = [a.duplicate_of for a in arts]
        self.n_records = [len(r.records) for r in results]
        self.n_claims = [len(r.claims) for r in results]
        self.lines = [("".join(x.model_dump_json() + "\n" for x in r.records),
                       "".join(x.model_dump_json() + "\n" for x in r.claims),
                       json.dumps(r.article.model_dump(include=set(ARTICLE_JSON_FIELDS)), ensure_ascii=False) + "\n")
                      for r in results]
        self.tables = {
            "articles": arrow_table(Article, arts),
            "records": arrow_table(Record, [x for r in results for x in r.records]),
            "claims": arrow_table(Claim, [x for r in results for x in r.claims]),
        } if tables else None
        self._offsets = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_lines(cls, rows: list[tuple]) -> "Packed":
        """Lines only, from stored (article_id, ok, n_records, n_claims, records_jsonl, claims_jsonl,
        article_json) rows: articles written again but not stored again."""
        p = cls.__new__(cls)
        p.ids = [r[0] for r in rows]
        p.ok = [r[1] for r in rows]
        p.n_records = [r[2] for r in rows]
        p.n_claims = [r[3] for r in rows]
        p.lines = [(r[4], r[5], r[6]) for r in rows]
        p.hashes = p.versions = p.duplicate_of = [None] * len(rows)
        p.tables = None
        p._offsets = None
        return p

    def line_rows(self, i: int, j: int) -> list[tuple]:
        """Articles i..j-1 as rows of the stored lines table (the form from_lines takes)."""
        return [(self.ids[k], self.ok[k], self.n_records[k], self.n_claims[k], *self.lines[k]) for k in range(i, j)]

    def lines_table(self, i: int, j: int) -> pa.Table:
        rows = self.line_rows(i, j)
        cols = list(zip(*rows)) if rows else [[] for _ in LINES_COLUMNS]
        return pa.Table.from_arrays([pa.array(list(c), type=t) for c, (_, t) in zip(cols, LINES_COLUMNS)],
                                    names=[n for n, _ in LINES_COLUMNS])

    def rows(self, i: int, j: int) -> dict[str, pa.Table]:
        """The table rows of articles i..j-1 (zero-copy slices)."""
        if self._offsets is None:
            rec, cl = [0], [0]
            for a, b in zip(self.n_records, self.n_claims):
                rec.append(rec[-1] + a)
                cl.append(cl[-1] + b)
            self._offsets = (rec, cl)
        rec, cl = self._offsets
        t = self.tables
        return {"articles": t["articles"].slice(i, j - i),
                "records": t["records"].slice(rec[i], rec[j] - rec[i]),
                "claims": t["claims"].slice(cl[i], cl[j] - cl[i])}


pack = Packed          # pack(results): the name the batch and the bench use

# The JSONL lines of every stored article, as they were written: an unchanged article of a later run
# is written again from them, without reading its rows back into models (a re-run then costs a
# fraction of the first run; its outputs are byte-identical whichever way they are made).
LINES_TABLE = "pipeline_state.article_lines"
LINES_COLUMNS = (("article_id", pa.string()), ("ok", pa.bool_()), ("n_records", pa.int64()),
                 ("n_claims", pa.int64()), ("records_jsonl", pa.string()), ("claims_jsonl", pa.string()),
                 ("article_json", pa.string()))


def _analysis_fingerprint() -> str:
    """What the analysis tables depend on besides the stored rows: the analysis code (database.py,
    projects.py) and the data it reads (official figures, the gazetteer)."""
    h = hashlib.sha256()
    from . import projects

    files = [Path(database.__file__), Path(projects.__file__)]
    for folder in (database.OFFICIAL_DIR, Path(database.__file__).resolve().parent.parent / "rules" / "places"):
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file())
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _create_tables(con) -> None:
    """The tables of the store (or the columns an older database lacks)."""
    for table, model in _MODELS.items():
        con.execute(_create_table_sql(con, table, model))
        _add_missing_columns(con, table, model)
    con.execute("CREATE SCHEMA IF NOT EXISTS pipeline_state")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {LINES_TABLE} (article_id VARCHAR, ok BOOLEAN,
        n_records BIGINT, n_claims BIGINT, records_jsonl VARCHAR USING COMPRESSION zstd,
        claims_jsonl VARCHAR USING COMPRESSION zstd, article_json VARCHAR USING COMPRESSION zstd)""")


def empty_database() -> Path | None:
    """A database holding no article, built by the same code from the same data as a run's (tables,
    regions, official figures, macros, views: 0.15-0.2 s of DuckDB statements), once, in the cache
    folder; None if it cannot be written there (the run then builds its own)."""
    import duckdb

    fingerprint = _analysis_fingerprint()
    h = hashlib.sha256(fingerprint.encode())
    for f in (Path(__file__), Path(__file__).with_name("models.py")):
        h.update(f.read_bytes())
    h.update(duckdb.__version__.encode())
    path = CACHE_DIR / f"empty-{h.hexdigest()[:16]}.duckdb"
    if path.exists():
        return path
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for p in (tmp, Path(f"{tmp}.wal")):
            p.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            _create_tables(con)
            database.finish(con, None)
            con.execute("CREATE OR REPLACE TABLE pipeline_state.analysis AS SELECT ? AS fingerprint", [fingerprint])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
        for old in CACHE_DIR.glob("empty-*.duckdb"):      # those of older code: one is kept
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, duckdb.Error):
        tmp.unlink(missing_ok=True)
        return None
    return path


class Store:
    """The DuckDB database of one run."""

    def __init__(self, db_path: Path, fresh: bool, out_dir: Path | None = None):
        import duckdb

        self.target = db_path
        self.out_dir = out_dir or db_path.parent
        self.fresh = fresh
        self.path = db_path.with_name(db_path.name + ".tmp") if fresh else db_path
        if fresh:
            for p in (self.path, Path(str(self.path) + ".wal")):
                if p.exists():
                    p.unlink()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # a new database starts as a copy of the empty one of this code and data: its tables,
        # regions, official figures, macros and views made once (close then builds only the
        # tables of the articles)
        empty = empty_database() if fresh or not self.path.exists() else None
        self.from_empty = empty is not None
        if empty is not None:
            shutil.copyfile(empty, self.path)
        self.con = duckdb.connect(str(self.path))
        # DuckDB checkpoints when the write-ahead log passes checkpoint_threshold (16 MB by default),
        # and each checkpoint rewrites the part-filled row groups (122,880 rows) of every table: with
        # a commit of some 30 MB every --commit-every articles, checkpoint time grew with every
        # commit. Committed batches stay durable in the log; the log is checkpointed at the end of
        # the run (Store.close) or when it passes this size.
        self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        # DuckDB would use up to 80% of the machine's memory for its buffers
        self.con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        self.con.execute(f"SET temp_directory = '{self.path.parent / (self.path.name + '.spill')}'")
        if not self.from_empty:
            _create_tables(self.con)
        # seconds spent in each step of add_packed over the run (insert <table>, commit): the
        # bench reports where a load's time goes
        self.step_seconds: dict[str, float] = collections.defaultdict(float)
        self.stored_ids: set[str] = set()       # articles stored (inserted or replaced) by this run
        self.run_ids: set[str] = set()          # articles of this run not stored again (unchanged)
        # what the database holds about the articles of the batch being planned (lookup): never the
        # whole database, so that opening a large one costs nothing and memory stays flat
        self.n_articles = self.con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        self.hash_of: dict[str, str | None] = {}
        self.version_of: dict[str, str | None] = {}
        self.kind_of: dict[str, str | None] = {}
        self.id_of_hash: dict[str, str] = {}

    def lookup(self, raws, version: str | None = None) -> None:
        """Load what the database holds about these articles (their ids, and their texts under other
        ids) into hash_of, version_of and id_of_hash, in place of the previous batch's. With the
        run's extractor `version`, the texts of articles stored unchanged (same text, version and
        kind: not extracted again) are not looked up under other ids (a re-run reads one column
        scan less per batch)."""
        self.hash_of, self.version_of, self.id_of_hash, self.kind_of = {}, {}, {}, {}
        if not self.n_articles:
            return
        ids = [r.id for r in raws]
        self.con.register("_look_ids", pa.table({"article_id": pa.array(ids, pa.string())}))
        try:
            for aid, h, v, k in self.con.execute(
                    "SELECT article_id, content_hash, extractor, source_kind FROM articles "
                    "WHERE article_id IN (SELECT article_id FROM _look_ids)").fetchall():
                self.hash_of[aid] = h
                self.version_of[aid] = v
                self.kind_of[aid] = k
        finally:
            self.con.unregister("_look_ids")

        def unchanged(r) -> bool:
            return (version is not None and self.hash_of.get(r.id) == r.content_hash
                    and self.version_of.get(r.id) == version and self.kind_of.get(r.id) == r.kind)

        hashes = sorted({r.content_hash for r in raws if r.content_hash and not unchanged(r)})
        if not hashes:
            return
        self.con.register("_look_hashes", pa.table({"content_hash": pa.array(hashes, pa.string())}))
        try:
            for h, aid in self.con.execute(
                    "SELECT content_hash, min(article_id) FROM articles WHERE status = 'ok' AND duplicate_of IS NULL "
                    "AND content_hash IN (SELECT content_hash FROM _look_hashes) GROUP BY content_hash").fetchall():
                self.id_of_hash[h] = aid
        finally:
            self.con.unregister("_look_hashes")

    def add(self, results) -> None:
        """Store a batch of ArticleResults in one transaction (old rows of their ids replaced)."""
        if results:
            p = pack(results)
            self.add_packed([(p, 0, len(p))])

    def add_packed(self, parts: list[tuple[Packed, int, int]]) -> None:
        """Store articles i..j-1 of each (Packed, i, j), in this order, in one transaction (old rows
        of their ids replaced)."""
        parts = [(p, i, j) for p, i, j in parts if j > i]
        if not parts:
            return
        ids = [x for p, i, j in parts for x in p.ids[i:j]]
        slices = [p.rows(i, j) for p, i, j in parts]
        # one contiguous chunk per column: DuckDB scans an Arrow table of many small chunks very slowly
        tables = {name: pa.concat_tables([sl[name] for sl in slices]).combine_chunks() for name in _MODELS}
        tables[LINES_TABLE] = pa.concat_tables([p.lines_table(i, j) for p, i, j in parts]).combine_chunks()
        stored_before = self.n_articles > 0      # the database held articles: replace their rows if these are stored
        self.stored_ids.update(ids)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            if stored_before:          # replace the rows of articles stored by an earlier run
                con.register("ids_t", pa.table({"article_id": pa.array(ids, type=pa.string())}))
                for table in tables:
                    con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM ids_t)")
                con.unregister("ids_t")
            steps = self.step_seconds
            clock = time.perf_counter
            for table, arrow in tables.items():
                if arrow.num_rows:
                    t0 = clock()
                    con.register("batch_t", arrow)
                    con.execute(f"INSERT INTO {table} BY NAME {_select(table, 'batch_t')}")   # by name: an older database has its added columns last
                    con.unregister("batch_t")
                    steps[f"insert {table}"] += clock() - t0
            t0 = clock()
            con.execute("COMMIT")
            steps["commit"] += clock() - t0
        except Exception:
            con.execute("ROLLBACK")
            raise
        # committed rows stay in DuckDB's memory until a checkpoint writes them out: checkpoint when
        # they pass CHECKPOINT_MEMORY, so that memory does not grow with the run
        t0 = clock()
        used = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] or 0
        if used > CHECKPOINT_MEMORY:
            con.execute("CHECKPOINT")
            steps["checkpoint"] += clock() - t0

    def fetch(self, article_id: str):
        """The stored result of an article (for articles skipped because unchanged)."""
        from .extract import ArticleResult

        def rows(table: str, order: str) -> list[dict]:
            cur = self.con.execute(f"SELECT * FROM {table} WHERE article_id = ? ORDER BY {order}", [article_id])
            cols = [d[0] for d in cur.description]
            out = []
            for values in cur.fetchall():
                row = dict(zip(cols, values))
                for c in _DECIMAL_COLUMNS.get(table, ()):
                    if row.get(c) is not None:
                        row[c] = float(row[c])
                out.append(row)
            return out

        (art,) = rows("articles", "article_id")
        recs = rows("records", "start, record_id")
        claims = rows("claims", "start, claim_id")
        recs.sort(key=lambda r: int(r["record_id"].rsplit("#r", 1)[1]))
        claims.sort(key=lambda c: int(c["claim_id"].rsplit("#c", 1)[1]))
        return ArticleResult(Article(**art), [Record(**r) for r in recs], [Claim(**c) for c in claims])

    def _analysis_state(self) -> str | None:
        """The fingerprint of the code and data the analysis tables were last built with."""
        try:
            row = (self.con.execute("SELECT fingerprint FROM pipeline_state.analysis").fetchall() or [None])[0]
        except Exception:            # a database from before the table existed
            return None
        return row[0] if row else None

    def note_unchanged(self, article_ids) -> None:
        """Articles of this run that were not stored again: their rows are part of its exports."""
        self.run_ids.update(article_ids)

    def _wanted_rows(self, table: str) -> pa.Table:
        """The rows of `table` whose article_id is in the registered table _wanted, read in two
        steps: their row ids (a scan of the article_id column only), then those rows alone, by a
        range of row ids where they lie together (a re-run of the same dump reads them in the order
        they were stored) or else by the list of row ids. A join of the whole table would read
        every column of every row for every batch: a re-run would cost the square of the
        database's size."""
        found = self.con.sql(f"SELECT t.rowid AS r FROM {table} t SEMI JOIN _wanted USING (article_id)")
        rowids = sorted(_arrow(found).column("r").to_pylist())
        if not rowids:
            return _arrow(self.con.sql(f"SELECT * FROM {table} LIMIT 0"))
        lo, hi = rowids[0], rowids[-1]
        if hi - lo + 1 <= 2 * len(rowids):
            return _arrow(self.con.sql(f"SELECT t.* FROM {table} t SEMI JOIN _wanted USING (article_id) "
                                       f"WHERE t.rowid BETWEEN {lo} AND {hi}"))
        return _arrow(self.con.sql(f"SELECT t.* FROM {table} t WHERE t.rowid IN ({','.join(map(str, rowids))})"))

    def fetch_packed(self, article_ids: list[str]) -> Packed:
        """The JSONL lines of stored articles, in the order given, as a Packed without tables: from
        the stored lines (LINES_TABLE), else (articles stored before it existed) from their rows,
        and then stored as lines."""
        self.con.register("_wanted", pa.table({"article_id": pa.array(article_ids, pa.string())}))
        try:
            got = self._wanted_rows(LINES_TABLE).to_pylist()
        finally:
            self.con.unregister("_wanted")
        by_id = {r["article_id"]: tuple(r[n] for n, _ in LINES_COLUMNS) for r in got}
        missing = [a for a in article_ids if a not in by_id]
        if missing:
            old = pack(self.fetch_many(missing), tables=False)
            by_id.update(zip(missing, old.line_rows(0, len(old))))
            # stored from now on: the next run reads them as lines
            self.con.register("lines_t", old.lines_table(0, len(old)))
            self.con.execute(f"INSERT INTO {LINES_TABLE} BY NAME SELECT * FROM lines_t")
            self.con.unregister("lines_t")
        return Packed.from_lines([by_id[a] for a in article_ids])

    def fetch_many(self, article_ids: list[str]) -> list:
        """The stored results of many articles, in the order given, read as Arrow (three queries
        in all, see _wanted_rows)."""
        from .extract import ArticleResult

        if not article_ids:
            return []
        self.con.register("_wanted", pa.table({"article_id": pa.array(article_ids, pa.string())}))
        try:
            def rows(table: str) -> dict[str, list[dict]]:
                out: dict[str, list[dict]] = {}
                decimals = _DECIMAL_COLUMNS.get(table, ())
                for row in self._wanted_rows(table).to_pylist():
                    for c in decimals:
                        if row.get(c) is not None:
                            row[c] = float(row[c])
                    out.setdefault(row["article_id"], []).append(row)
                return out

            arts, recs, claims = rows("articles"), rows("records"), rows("claims")
        finally:
            self.con.unregister("_wanted")
        out = []
        for aid in article_ids:
            r = sorted(recs.get(aid, ()), key=lambda x: int(x["record_id"].rsplit("#r", 1)[1]))
            c = sorted(claims.get(aid, ()), key=lambda x: int(x["claim_id"].rsplit("#c", 1)[1]))
            # (pydantic's model_construct, without validation, measured three times slower)
            out.append(ArticleResult(Article(**arts[aid][0]), [Record(**x) for x in r], [Claim(**x) for x in c]))
        return out

    def close(self) -> None:
        self.con.execute(f"SET memory_limit = '{DUCKDB_CLOSE_MEMORY_LIMIT}'")     # the workers are gone
        current = _analysis_fingerprint()
        same = not self.fresh and self._analysis_state() == current
        # the Parquet exports hold this run's articles (the rows of its JSONL files); a fresh
        # database holds nothing else
        run_ids = None if self.fresh else sorted(self.run_ids | self.stored_ids)
        if same and not self.stored_ids:
            # nothing stored and the analysis code and data unchanged: the analysis tables are those
            # of the database as it is; only this run's Parquet exports are written
            database.export(self.con, self.out_dir, run_ids)
        elif same and len(self.stored_ids) <= INCREMENTAL_MAX_SHARE * max(1, self.n_articles):
            # a few articles stored: the analysis tables updated for them (equal to a rebuild)
            database.update(self.con, self.out_dir, sorted(self.stored_ids), run_ids)
        else:
            database.finish(self.con, self.out_dir, article_ids=run_ids, static=not self.from_empty)
            self.con.execute("CREATE SCHEMA IF NOT EXISTS pipeline_state")
            self.con.execute("CREATE OR REPLACE TABLE pipeline_state.analysis AS SELECT ? AS fingerprint", [current])
        self.con.execute("CHECKPOINT")
        self.con.close()
        if self.fresh:
            os.replace(self.path, self.target)

    def abandon(self) -> None:
        self.con.close()


def _arrow(rel):
    """A relation's rows as an Arrow table (DuckDB renamed the method)."""
    return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.fetch_arrow_table()


class JsonlWriter:
    """records.jsonl, claims.jsonl and articles.jsonl of a run, in input order."""

    def __init__(self, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self._files = {name: open(out_dir / f"{name}.jsonl", "w", encoding="utf-8")
                       for name in ("records", "claims", "articles")}

    def write_packed(self, p: Packed, i: int, j: int) -> None:
        """The lines of articles i..j-1 of a Packed."""
        rec, cl, art = self._files["records"], self._files["claims"], self._files["articles"]
        for k in range(i, j):
            r, c, a = p.lines[k]
            if r:
                rec.write(r)
            if c:
                cl.write(c)
            art.write(a)

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
