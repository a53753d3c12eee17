"""The distributed run (pipeline/engine.py, Dask's local cluster) gives exactly the records, claims
and article rows of the plain `python -m pipeline extract` run, as Parquet that DuckDB reads.
Every input here is made by the test from the articles under corpora/."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.engine import duckdb_views, partitions, plan_articles, run_engine, worker_info
from pipeline.read import read_txt
from pipeline.write import ARTICLE_JSON_FIELDS

ROOT = Path(__file__).resolve().parent.parent


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> list[str]:
    """corpora/ as .txt files, plus a JSONL dump with the awkward cases: the same text under
    another id, another text under a used id, a bad line, an empty text; the dump given twice."""
    d = tmp_path_factory.mktemp("dump")
    srcs = sorted(ROOT.glob("corpora/*.txt")) + sorted(ROOT.glob("corpora/dev/*.txt"))
    arts = [read_txt(p) for p in srcs]
    lines = []
    for i, a in enumerate(arts[:12]):
        lines.append({"id": f"j{i}", "title": a.title, "date": a.date, "source": a.source, "region": a.region,
                      "text": a.text.replace("亿元", "万元", 1)})
    lines.append({"id": "copy-of-first", "text": arts[1].text, "region": arts[1].region})   # same text, other id
    lines.append({"id": "j3", "text": arts[5].text + "\n附:项目清单另行公布。"})            # used id, other text
    lines.append({"id": "empty", "text": ""})
    body = [json.dumps(x, ensure_ascii=False) for x in lines]
    body.insert(4, "{not json")
    (d / "dump.jsonl").write_text("\n".join(body) + "\n", encoding="utf-8")
    txt = d / "txt"
    txt.mkdir()
    for p in srcs:
        (txt / p.name).write_bytes(p.read_bytes())
        meta = p.with_name(p.name[:-4] + ".meta.json")
        if meta.exists():
            (txt / meta.name).write_bytes(meta.read_bytes())
    return [str(txt), str(d / "dump.jsonl"), str(d / "dump.jsonl")]


@pytest.fixture(scope="module")
def plain(dump, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plain")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", *dump, "--out", str(out), "--jobs", "1",
                           "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (out / "summary.txt").write_text(proc.stderr, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def engine_run(dump, tmp_path_factory):
    out = tmp_path_factory.mktemp("engine")
    # small partitions, so that many tasks run on both workers and finish out of order
    summary = run_engine(dump, out, engine="dask", workers=2, partition_articles=5, partition_chars=20_000)
    return out, summary


def rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_records_read_back_with_duckdb_equal_the_plain_run(plain, engine_run):
    out, summary = engine_run
    want = sorted(jsonl(plain / "records.jsonl"), key=lambda r: (r["article_id"], r["record_id"]))
    con = duckdb.connect()
    got = rows(con, f"SELECT * FROM read_parquet('{out}/records/*.parquet') ORDER BY article_id, record_id")
    assert len(want) > 100
    assert [list(r) for r in got[:1]] == [list(want[0])]           # the columns of the model, in order
    assert got == want
    assert summary.records == len(want)


def test_claims_and_articles_equal_the_plain_run_in_input_order(plain, engine_run):
    out, summary = engine_run
    con = duckdb_views(out)
    assert rows(con, "SELECT * FROM claims") == jsonl(plain / "claims.jsonl")
    assert rows(con, "SELECT * FROM records") == jsonl(plain / "records.jsonl")     # file order = input order
    fields = ", ".join(ARTICLE_JSON_FIELDS)
    articles = rows(con, f"SELECT {fields} FROM articles")
    assert articles == jsonl(plain / "articles.jsonl")
    assert any(a["duplicate_of"] for a in articles)
    assert any(a["article_id"] == "j3~2" for a in articles)
    assert any(a["status"] == "error" for a in articles)
    stored = duckdb.connect(str(plain / "pipeline.duckdb"), read_only=True)
    n_plain = stored.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert len(articles) == n_plain
    # the same accounting as the plain run's summary line
    line = (plain / "summary.txt").read_text(encoding="utf-8")
    m = re.search(r"read (\d+) articles: (\d+) ok, (\d+) failed \((\d+) unchanged and not re-extracted, "
                  r"(\d+) duplicates\); (\d+) records, (\d+) claims", line)
    assert m, line
    read, ok, failed, _unchanged, dups, records, claims = map(int, m.groups())
    assert (summary.read, summary.ok, summary.failed, summary.duplicates, summary.records, summary.claims) == \
        (read, ok, failed, dups, records, claims)
    assert read > len(articles)                     # the dump given twice is counted, not stored twice
    assert summary.partitions > 4


def test_dask_workers_get_the_segmenter_user_words_and_the_same_version():
    """pipeline/segment.py adds the user words to jieba at first use in each process: that holds
    in a Dask worker process, and the warm-up plugin of run_engine loads them before any task."""
    from distributed import Client, LocalCluster

    from pipeline.batch import extractor_version
    from pipeline.engine import WarmPlugin, _register
    from pipeline.segment import segment

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        (fresh,) = client.run(worker_info, "jieba").values()
        client.submit(segment, "许昌县与瑞祥集团签订了总投资8.6亿元的项目。", "jieba", pure=False).result()
        (used,) = client.run(worker_info, "jieba").values()
        assert used["pid"] == fresh["pid"]
        client.restart()
        _register(client, WarmPlugin("jieba"))
        (warmed,) = client.run(worker_info, "jieba").values()
    assert not fresh["loaded"] and fresh["user_words_missing"]          # nothing loaded before first use
    for info in (used, warmed):
        assert info["loaded"] and info["user_words"] > 10 and info["user_words_missing"] == []
        assert info["version"] == extractor_version()
    assert warmed["pid"] != fresh["pid"]


def test_partitions_respect_both_limits_and_keep_the_order(dump):
    plan = list(plan_articles(dump))
    parts = list(partitions(iter(plan), max_articles=7, max_chars=5_000))
    flat = [item for part in parts for item in part]
    assert [r.id for r, _a, _o in flat] == [r.id for r, a, _o in plan if a != "again"]
    for part in parts:
        chars = sum(len(r.text or "") for r, _a, _o in part)
        assert len(part) <= 7 and (chars < 5_000 + max(len(r.text or "") for r, _a, _o in part))


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        run_engine([str(ROOT / "corpora")], tmp_path, engine="spark")
