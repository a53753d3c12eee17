"""A new database starts as a copy of the empty database of its code and data (write.empty_database):
the run's database is the one a run that builds everything itself makes, table for table, view for
view, and warnings about official figures are given alike."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

from pipeline import database, write
from pipeline.batch import run

ROOT = Path(__file__).resolve().parent.parent


def _contents(db: Path) -> dict:
    """Every table's and view's columns and rows, the macros' definitions."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for schema, name, kind in con.execute(
                "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                "WHERE table_catalog = current_database() ORDER BY ALL").fetchall():
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                               [schema, name]).fetchall()
            rows = con.execute(f'SELECT * FROM "{schema}"."{name}" ORDER BY ALL').fetchall()
            out[(kind, schema, name)] = (cols, hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows))
        for name, mac in con.execute("SELECT function_name, macro_definition FROM duckdb_functions() "
                                     "WHERE NOT internal AND function_type LIKE '%macro%' ORDER BY ALL").fetchall():
            out[("macro", name)] = mac
        return out
    finally:
        con.close()


def test_a_run_from_the_empty_database_equals_one_that_builds_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "CACHE_DIR", tmp_path / "cache")
    inputs = [str(ROOT / "corpora" / "dev"), str(ROOT / "corpora" / "xuchang-daily-2020-12.txt")]
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "empty-0123456789abcdef.duckdb").write_bytes(b"of older code")
    for name in ("first", "again"):           # the first run builds the empty database, the next copies it
        run(inputs, tmp_path / name, None, "jieba", 1, False)
    made = list((tmp_path / "cache").glob("empty-*.duckdb"))
    assert len(made) == 1 and made[0].name != "empty-0123456789abcdef.duckdb"     # the older one is gone
    monkeypatch.setattr(write, "empty_database", lambda: None)
    run(inputs, tmp_path / "own", None, "jieba", 1, False)
    own = _contents(tmp_path / "own" / "pipeline.duckdb")
    assert own[("BASE TABLE", "main", "projects")][2] > 20 and own[("VIEW", "main", "landing")][2] > 0
    assert sum(k[0] == "VIEW" for k in own) >= 8 and sum(k[0] == "macro" for k in own) >= 3
    for name in ("first", "again"):
        assert _contents(tmp_path / name / "pipeline.duckdb") == own, name
        for f in ("records.parquet", "claims.parquet"):
            assert (tmp_path / name / f).exists()
    # a --db file that does not exist yet starts from it too, and takes appends as before
    db = tmp_path / "new.duckdb"
    monkeypatch.undo()
    monkeypatch.setattr(write, "CACHE_DIR", tmp_path / "cache")
    run(inputs, tmp_path / "db1", db, "jieba", 1, False)
    mine = _contents(db)
    assert {k: v for k, v in mine.items() if k[1:] != ("main", "articles")} == \
        {k: v for k, v in own.items() if k[1:] != ("main", "articles")}


def test_official_figures_skipped_are_warned_about_from_the_empty_database_too(tmp_path, capsys):
    bad = tmp_path / "official"
    bad.mkdir()
    (bad / "broken.csv").write_text("region_code,value\n411025,abc\n", encoding="utf-8")
    db = tmp_path / "e.duckdb"
    con = duckdb.connect(str(db))
    write._create_tables(con)
    database.finish(con, None, official_dir=bad)
    con.close()
    first = capsys.readouterr().err
    assert "broken.csv skipped" in first
    shutil.copyfile(db, tmp_path / "copy.duckdb")
    con = duckdb.connect(str(tmp_path / "copy.duckdb"))
    database.finish(con, None, static=False)
    con.close()
    assert capsys.readouterr().err == first

