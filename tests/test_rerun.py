"""Re-running an unchanged dump into its --db, and appending to it (issue 17): the stored results are
written again from their stored JSONL lines (Store.fetch_packed; rows read back in bulk by
Store.fetch_many where a database has no lines), the outputs are byte-identical to the first run's; when the run
stores nothing the analysis tables are left as they are, when it stores a few articles they are
updated for them (unless the analysis code or its data changed: then rebuilt)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from test_batch import ROOT, query, run

OUTPUTS = ("records.jsonl", "claims.jsonl", "articles.jsonl")


def _tables(db: Path) -> dict:
    return {t: query(db, f"SELECT * FROM {t} ORDER BY ALL")
            for t in ("projects", "project_mentions", "article_regions")}


def test_an_unchanged_dump_again_gives_the_same_outputs_and_analysis(tmp_path):
    db = tmp_path / "store.duckdb"
    dev = ROOT / "corpora" / "dev"
    first = run("extract", dev, "--out", tmp_path / "o1", "--db", db)
    built = _tables(db)
    assert sum(len(v) for v in built.values()) > 50
    again = run("extract", dev, "--out", tmp_path / "o2", "--db", db)
    n = len(list(dev.glob("*.txt")))
    assert f"{n} unchanged" in again.stderr, again.stderr
    for name in OUTPUTS:
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes(), name
    assert (tmp_path / "o2" / "records.parquet").exists()       # this run's exports are written
    assert _tables(db) == built
    assert "0 unchanged" in first.stderr
    # an append: its Parquet exports hold its own articles' rows, as its JSONL files do
    run("extract", ROOT / "corpora" / "holdout", "--out", tmp_path / "o3", "--db", db)
    for table in ("records", "claims"):
        rows = query(db, f"SELECT count(*), count(DISTINCT article_id) FROM '{tmp_path / 'o3' / (table + '.parquet')}'")[0]
        lines = (tmp_path / "o3" / f"{table}.jsonl").read_text(encoding="utf-8").count("\n")
        assert rows[0] == lines > 0, table


def test_fetch_many_equals_fetch_one_by_one(tmp_path):
    from pipeline.write import Store
    db = tmp_path / "store.duckdb"
    run("extract", ROOT / "corpora" / "dev", "--out", tmp_path / "o1", "--db", db)
    store = Store(db, fresh=False, out_dir=tmp_path / "o1")
    try:
        ids = [a for (a,) in store.con.execute("SELECT article_id FROM articles ORDER BY article_id DESC").fetchall()]
        bulk = store.fetch_many(ids)
        assert [r.article.article_id for r in bulk] == ids
        for aid, res in zip(ids, bulk):
            one = store.fetch(aid)
            assert res.article == one.article and res.records == one.records and res.claims == one.claims
    finally:
        store.abandon()


def test_stored_lines_equal_the_lines_rebuilt_from_rows_and_old_databases_get_them(tmp_path):
    """An unchanged article is written again from its stored JSONL lines; a database from before
    the lines were stored is read from its rows once, and holds the lines from then on."""
    from pipeline.write import LINES_TABLE, Packed, Store, pack
    db = tmp_path / "store.duckdb"
    dev = ROOT / "corpora" / "dev"
    run("extract", dev, "--out", tmp_path / "o1", "--db", db)
    store = Store(db, fresh=False, out_dir=tmp_path / "o1")
    try:
        ids = [a for (a,) in store.con.execute("SELECT article_id FROM articles ORDER BY article_id DESC").fetchall()]
        stored = store.fetch_packed(ids)
        rebuilt = pack(store.fetch_many(ids), tables=False)
        assert stored.ids == rebuilt.ids == ids
        assert stored.lines == rebuilt.lines and stored.n_records == rebuilt.n_records and stored.ok == rebuilt.ok
        assert sum(stored.n_records) > 20 and isinstance(stored, Packed)
        store.con.execute(f"DELETE FROM {LINES_TABLE}")          # as a database of an older version
    finally:
        store.con.close()
    again = run("extract", dev, "--out", tmp_path / "o2", "--db", db)
    assert f"{len(ids)} unchanged" in again.stderr, again.stderr
    assert query(db, f"SELECT count(*) FROM {LINES_TABLE}")[0][0] == len(ids)
    run("extract", dev, "--out", tmp_path / "o3", "--db", db)
    for name in OUTPUTS:
        first = (tmp_path / "o1" / name).read_bytes()
        assert first == (tmp_path / "o2" / name).read_bytes() == (tmp_path / "o3" / name).read_bytes(), name


def test_the_analysis_is_rebuilt_when_an_article_is_stored_or_its_code_changed(tmp_path, monkeypatch):
    from pipeline import database, write
    db = tmp_path / "store.duckdb"
    run("extract", ROOT / "corpora" / "dev", "--out", tmp_path / "o1", "--db", db)
    calls = []
    real_finish = database.finish
    monkeypatch.setattr(database, "finish", lambda con, out, **kw: (calls.append(out), real_finish(con, out, **kw)))
    write.Store(db, fresh=False, out_dir=tmp_path / "o2").close()          # nothing stored: kept
    assert calls == []
    monkeypatch.setattr(write, "_analysis_fingerprint", lambda: "other code or data")
    write.Store(db, fresh=False, out_dir=tmp_path / "o3").close()          # fingerprint differs: rebuilt
    assert calls == [tmp_path / "o3"]
    updates = []
    real_update = database.update
    monkeypatch.setattr(database, "update", lambda con, out, ids, run_ids=None: (updates.append(ids),
                                                                              real_update(con, out, ids, run_ids)))
    store = write.Store(db, fresh=False, out_dir=tmp_path / "o4")               # an article stored: updated
    first = store.con.execute("SELECT min(article_id) FROM articles").fetchone()[0]
    store.add([store.fetch(first)])
    store.close()
    assert calls == [tmp_path / "o3"] and updates == [[first]]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT fingerprint FROM pipeline_state.analysis").fetchall() == [("other code or data",)]
    con.close()

# hand-made articles with repeated projects
HANDMADE = [
    ("p1", "2021-03-02", "许昌市", "襄城县与恒远新材料集团签订了总投资12亿元的尼龙新材料产业园项目。"),
    ("p2", "2021-09-10", "许昌市", "总投资12亿元的恒远新材料集团尼龙新材料产业园项目在襄城县开工建设。"),
    ("p3", "2022-05-01", "许昌市", "恒远新材料集团尼龙新材料产业园项目投产,总投资13亿元。长葛市与百川集团签订了投资5亿元的再生铝项目。"),
    ("q1", "2021-04-01", "廊坊市", "固安县与北京禾丰食品有限公司签订了总投资8亿元的净菜加工项目。"),
    ("q2", "2021-11-01", "廊坊市", "北京禾丰食品有限公司投资8亿元的净菜加工项目在固安县开工。"),
    ("z1", "2021-06-01", None, "华信集团签订了总投资3亿元的物流园项目。"),
]


def _analysis(con) -> dict:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("projects", "project_mentions", "project_links", "article_regions")}


def _load(db: Path, results) -> None:
    from pipeline.write import Store
    store = Store(db, fresh=False, out_dir=db.parent)
    store.add(results)
    store.close()


def _rebuilt(db: Path) -> dict:
    """The analysis of the same database built from scratch."""
    from pipeline import database
    con = duckdb.connect(str(db))
    database.finish(con, None)
    out = _analysis(con)
    con.close()
    return out


def test_appending_updates_the_analysis_as_a_rebuild_would(tmp_path):
    """Hand-made articles with repeated projects (the same firm and project in three articles of one
    city, signed, then started, then with another amount; a second city; an article without a
    place), stored one at a time and then one replaced: after each step the incrementally updated
    tables equal a full rebuild."""
    from pipeline.extract import extract_article
    from pipeline.read import RawArticle
    raws = {i: RawArticle(id=i, origin="-", text=t, date=d, region=r) for i, d, r, t in HANDMADE}
    results = {i: extract_article(raw) for i, raw in raws.items()}
    assert all(results[i].records for i in results)
    db = tmp_path / "a.duckdb"
    _load(db, [results["p1"]])                                   # the first load builds the tables
    for i in ("p2", "q1", "p3", "z1", "q2"):
        _load(db, [results[i]])
        con = duckdb.connect(str(db), read_only=True)
        got = _analysis(con)
        con.close()
        assert got == _rebuilt(db), i
    con = duckdb.connect(str(db), read_only=True)
    linked = con.execute("SELECT max(n_mentions) FROM projects WHERE company LIKE '恒远%'").fetchone()[0]
    con.close()
    assert linked == 3                                           # the three mentions are one project
    # p2 replaced by a text whose project is another: p2's mention leaves the project
    other = extract_article(RawArticle(id="p2", origin="-", text="襄城县与华夏陶瓷集团签订了总投资6亿元的陶瓷产业园项目。",
                                       date="2021-09-10", region="许昌市"))
    _load(db, [other])
    con = duckdb.connect(str(db), read_only=True)
    got = _analysis(con)
    con.close()
    assert got == _rebuilt(db)


def test_appending_to_the_corpora_database_equals_a_rebuild(tmp_path):
    """The corpora into a database, then one article of them again under a new text: updated tables
    equal a rebuild."""
    from pipeline.read import read_inputs
    from pipeline.extract import extract_article
    db = tmp_path / "c.duckdb"
    run("extract", ROOT / "corpora" / "dev", "--out", tmp_path / "o", "--db", db)
    raw = next(a for a in read_inputs([str(ROOT / "corpora" / "holdout")]) if a.text)
    raw.id = "appended-one"
    _load(db, [extract_article(raw)])
    con = duckdb.connect(str(db), read_only=True)
    got = _analysis(con)
    con.close()
    assert got == _rebuilt(db)
    assert any(r[0] == "appended-one" for r in got["article_regions"])


def test_a_database_of_an_older_version_gets_the_new_columns_and_keeps_its_rows_right(tmp_path):
    """A database made before a column was added (articles.source_kind): the column is added at
    the end of its table, and rows are inserted by name, never shifted into other columns."""
    db = tmp_path / "store.duckdb"
    dev = ROOT / "corpora" / "dev"
    run("extract", dev, "--out", tmp_path / "o1", "--db", db)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE articles DROP COLUMN source_kind")           # as the older version made it
    con.execute("UPDATE articles SET extractor = 'older'")                # and extracted with older code
    con.close()
    run("extract", dev, "--out", tmp_path / "o2", "--db", db)
    rows = query(db, "SELECT count(*), count(*) FILTER (WHERE length(content_hash) = 16 AND origin LIKE '%dev%' "
                     "AND source_kind IS NULL AND status = 'ok') FROM articles")
    assert rows[0][0] == rows[0][1] > 0
    again = run("extract", dev, "--out", tmp_path / "o3", "--db", db)
    assert f"{rows[0][0]} unchanged" in again.stderr, again.stderr
    for name in OUTPUTS:
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o3" / name).read_bytes(), name


def _updates_of_share(monkeypatch, share: float) -> list:
    """Every --db load an update (INCREMENTAL_MAX_SHARE 1), with the project update's share limit
    `share`; returns the list that gets an item per rebuild of the project tables by an update."""
    from pipeline import projects, write
    monkeypatch.setattr(write, "INCREMENTAL_MAX_SHARE", 1.0)
    monkeypatch.setattr(projects, "UPDATE_MAX_SHARE", share)
    rebuilds = []
    real_create = projects.create_projects
    monkeypatch.setattr(projects, "create_projects", lambda con: (rebuilds.append(1), real_create(con)))
    return rebuilds


def test_updates_match_again_only_what_can_change_and_equal_a_rebuild(tmp_path, monkeypatch):
    """The update itself, never the fallback to a rebuild: the hand-made articles and the corpora
    (with a block-key cap of 2, so that keys cross it as articles come and go) stored one article at
    a time, then some replaced and one emptied; after each step the tables equal a rebuild."""
    from pipeline import projects
    from pipeline.extract import extract_article
    from pipeline.read import RawArticle, read_inputs
    rebuilds = _updates_of_share(monkeypatch, 1.0)
    monkeypatch.setattr(projects, "GRAM_CAP", 2)
    db = tmp_path / "u.duckdb"
    # the same firm in a third article of the city: its keys cross the cap, p1 and p2 fall apart
    for i, d, r, t in HANDMADE:
        _load(db, [extract_article(RawArticle(id=i, origin="-", text=t, date=d, region=r))])
        con = duckdb.connect(str(db), read_only=True)
        got = _analysis(con)
        con.close()
        assert got == _rebuilt(db), i
        if i == "p2":
            assert query(db, "SELECT max(n_mentions) FROM projects")[0][0] == 2
    raws = [a for a in read_inputs([str(ROOT / "corpora" / "dev")]) if a.text][:40]
    results = [extract_article(r) for r in raws]
    for res in results:
        _load(db, [res])
    assert rebuilds == []                   # every load after the first (a rebuild by finish) an update
    con = duckdb.connect(str(db), read_only=True)
    got = _analysis(con)
    con.close()
    assert got == _rebuilt(db)
    assert any(n > 1 for (n,) in query(db, "SELECT n_mentions FROM projects"))
    # replaced by other texts (an article's text moved to another id), and one with no records
    moved = [RawArticle(id=raws[i].id, origin="-", text=raws[i + 1].text, date=raws[i + 1].date,
                        region=raws[i + 1].region) for i in (3, 10, 21)]
    emptied = RawArticle(id=raws[5].id, origin="-", text="今天天气晴朗。", date=raws[5].date, region=raws[5].region)
    for raw in [*moved, emptied]:
        _load(db, [extract_article(raw)])
        con = duckdb.connect(str(db), read_only=True)
        got = _analysis(con)
        con.close()
        assert got == _rebuilt(db), raw.id
    assert rebuilds == []


def test_an_update_that_reaches_too_far_rebuilds_and_equals_a_rebuild(tmp_path, monkeypatch):
    """The fallback: a closure above UPDATE_MAX_SHARE stops growing, the update's changes are
    committed and written out, and the tables are rebuilt (here every time: a share of 0)."""
    from pipeline.extract import extract_article
    from pipeline.read import RawArticle
    rebuilds = _updates_of_share(monkeypatch, 0.0)
    db = tmp_path / "f.duckdb"
    for n, (i, d, r, t) in enumerate(HANDMADE):
        _load(db, [extract_article(RawArticle(id=i, origin="-", text=t, date=d, region=r))])
        # every load falls back, the first too: a new --db file starts as a copy of the empty
        # database (write.empty_database), and its first load is an update of it
        assert len(rebuilds) == n + 1, i
        con = duckdb.connect(str(db), read_only=True)
        got = _analysis(con)
        con.close()
        assert got == _rebuilt(db), i
    assert query(db, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'pipeline_state' "
                     "AND table_name IN ('closure', 'frontier', 'new_rows', 'scope', 'changed')") == [(0,)]


def test_projects_aggregated_city_batch_by_city_batch_are_the_whole_table(tmp_path, monkeypatch):
    """The projects table is aggregated a batch of cities at a time (projects._city_batches): with
    batches of a few mentions it is the table of one batch, row for row in stored order."""
    from pipeline import projects
    db = tmp_path / "b.duckdb"
    nowhere = tmp_path / "nowhere.jsonl"          # records of no city: the last batch
    nowhere.write_text("".join(
        json.dumps({"id": f"n{i}", "title": "签约", "date": "2023-05-0{i}", "text": f"恒{i}新材料集团签订了总投资{i}亿元的第{i}号材料项目。"},
                   ensure_ascii=False) + "\n" for i in range(1, 4)), encoding="utf-8")
    run("extract", ROOT / "corpora" / "dev", ROOT / "corpora" / "holdout", nowhere, "--out", tmp_path / "o", "--db", db)
    whole = query(db, "SELECT * FROM projects")
    con = duckdb.connect(str(db))
    try:
        assert len(projects._city_batches(con, "project_mentions")) == 2     # the cities, then no city
        monkeypatch.setattr(projects, "PROJECT_BATCH_MENTIONS", 5)
        assert len(projects._city_batches(con, "project_mentions")) > 10
        projects.create_projects(con)
        batched = con.execute("SELECT * FROM projects").fetchall()
    finally:
        con.close()
    assert len(whole) > 100 and query(db, "SELECT count(*) FROM projects WHERE city_code IS NULL")[0][0] > 0
    assert batched == whole
