"""A batch run on a distributed engine (Dask): the same articles, the same records, as partitioned
Parquet that DuckDB queries directly.

    python -m pipeline extract INPUT... --out DIR --engine dask [--jobs N] [--scheduler tcp://HOST:8786]
    python -m pipeline.engine INPUT... --out DIR [--workers N] [--scheduler tcp://HOST:8786]

Extracting one article is a pure function of its text, its metadata and the rules
(`extract.extract_article`), so the run is a map over partitions of articles:

- the driver (this process) reads the inputs in order (`read.read_inputs`), gives every article
  its final id and finds the duplicates exactly as a fresh `batch.run` does (an id seen twice,
  a text already seen under another id), and cuts the stream into numbered partitions of at most
  PARTITION_ARTICLES articles / PARTITION_CHARS characters;
- each partition is one task: a worker extracts its articles and writes
  `DIR/records/part-NNNNN.parquet`, `DIR/claims/part-NNNNN.parquet` and
  `DIR/articles/part-NNNNN.parquet` (the columns of the models in pipeline/models.py; a partition
  with no records still writes an empty file with the columns);
- at most a few partitions per worker are in flight, so the driver never holds the whole dump.

Partition N holds the articles of input positions before those of partition N+1, so reading the
files in name order gives the input order, as the JSONL of a plain run:

    SELECT * FROM read_parquet('DIR/records/*.parquet') ...

Without a scheduler address a local cluster is started (one single-threaded worker process per
core, on 127.0.0.1) and stopped at the end. With `scheduler_address` the run uses that cluster:
every worker must have this project (same code and rules: their extractor version is checked
against the driver's) and must be able to write to DIR (a shared file system, or a URI pyarrow
understands such as s3://bucket/prefix). See docs/scaling.md.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .batch import Summary

ENGINES = ("dask",)
TABLES = ("records", "claims", "articles")

PARTITION_ARTICLES = 128
PARTITION_CHARS = 1_000_000
IN_FLIGHT_PER_WORKER = 3


@dataclass
class EngineSummary(Summary):
    """The counts of a batch run (read, ok, failed, duplicates, records, claims) and the engine's."""
    engine: str = "dask"
    scheduler: str = ""
    workers: int = 0
    partitions: int = 0
    seconds: float = 0.0
    out: str = ""

    def line(self) -> str:
        return (f"read {self.read} articles: {self.ok} ok, {self.failed} failed ({self.duplicates} duplicates); "
                f"{self.records} records, {self.claims} claims in {self.partitions} Parquet partitions "
                f"({self.engine}, {self.workers} workers, {self.scheduler})")


# --- the driver's plan: ids and duplicates as a fresh plain run ---------------------------------------

def plan_articles(inputs: list[str], read_options=None) -> Iterator[tuple[object, str, str | None]]:
    """(raw article, action, duplicate_of) in input order; action is "extract", "duplicate" (an
    Article row pointing at the first article with the same text) or "again" (the same id and text
    given twice: counted, no row). Mirrors the id and duplicate handling of `batch.run` on a
    fresh database."""
    from .batch import Planner
    from .read import read_inputs

    planner = Planner(None, "")
    for raw in read_inputs(inputs, read_options):
        if not planner.admit(raw):
            yield raw, "again", None
            continue
        action, other = planner.action(raw)
        yield raw, action, other


def partitions(plan, max_articles: int = PARTITION_ARTICLES, max_chars: int = PARTITION_CHARS,
               counts: dict | None = None):
    """Cut the plan into lists of (raw, action, other); "again" items are only counted."""
    part: list = []
    chars = 0
    for raw, action, other in plan:
        if action == "again":
            if counts is not None:
                counts["again"] = counts.get("again", 0) + 1
            continue
        part.append((raw, action, other))
        chars += len(raw.text) if raw.text else 0
        if len(part) >= max_articles or chars >= max_chars:
            yield part
            part, chars = [], 0
    if part:
        yield part


# --- the worker side --------------------------------------------------------------------------------

def _filesystem(out: str):
    """(pyarrow file system, base path) for a local folder or a URI (s3://..., hdfs://...)."""
    from pyarrow import fs

    if "://" in out:
        return fs.FileSystem.from_uri(out)
    return fs.LocalFileSystem(), str(Path(out).resolve())


def _write_table(table, out: str, name: str, part_no: int) -> None:
    import pyarrow.parquet as pq

    filesystem, base = _filesystem(out)
    folder = f"{base}/{name}"
    filesystem.create_dir(folder, recursive=True)
    final = f"{folder}/part-{part_no:05d}.parquet"
    if "://" in out:
        pq.write_table(table, final, filesystem=filesystem)
        return
    tmp = f"{folder}/.part-{part_no:05d}.{uuid.uuid4().hex[:8]}.tmp"
    pq.write_table(table, tmp, filesystem=filesystem)
    os.replace(tmp, final)   # a retried task replaces the file whole


def extract_partition(part_no: int, items: list, segmenter: str, out: str, version: str) -> dict:
    """Extract one partition and write its three Parquet files; returns its counts."""
    from .batch import duplicate_result
    from .extract import extract_article
    from .models import Article, Claim, Record
    from .write import arrow_table

    results = []
    for raw, action, other in items:
        if action == "duplicate":
            results.append(duplicate_result(raw, other, version))
        else:
            res = extract_article(raw, segmenter)
            res.article.extractor = version
            results.append(res)
    tables = {
        "records": arrow_table(Record, [x.model_dump() for r in results for x in r.records]),
        "claims": arrow_table(Claim, [x.model_dump() for r in results for x in r.claims]),
        "articles": arrow_table(Article, [r.article.model_dump() for r in results]),
    }
    for name, table in tables.items():
        _write_table(table, out, name, part_no)
    return {"part": part_no, "read": len(results),
            "ok": sum(r.article.status == "ok" for r in results),
            "failed": sum(r.article.status == "error" for r in results),
            "duplicates": sum(r.article.duplicate_of is not None for r in results),
            "records": tables["records"].num_rows, "claims": tables["claims"].num_rows}


def warm_worker(segmenter: str) -> None:
    """Load the rules, the segmenter and its user words (rules/lexicon.txt) in this process."""
    from .extract import extract_article
    from .read import RawArticle
    from .segment import warm

    warm(segmenter)
    extract_article(RawArticle(id="warm-up", origin="-", text="某县与某某集团签订了总投资5亿元的项目。"), segmenter)


def worker_info(segmenter: str) -> dict:
    """What a worker process has: its extractor version, whether the segmenter is loaded, and the
    user words (rules/lexicon.txt) missing from jieba's dictionary in this process."""
    from .batch import extractor_version
    from .segment import _jieba, _load_user_words, get_nlp

    words: list[str] = []
    _load_user_words(lambda w, f: words.append(w))
    missing = None
    if segmenter == "jieba":
        import jieba
        missing = [w for w in words if w not in jieba.dt.FREQ]
    info = (_jieba if segmenter == "jieba" else get_nlp).cache_info()
    return {"version": extractor_version(), "pid": os.getpid(),
            "loaded": info.currsize > 0,
            "user_words": len(words), "user_words_missing": missing}


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:                    # without dask the module still imports (plan, partitions...)
    _WorkerPlugin = object


class WarmPlugin(_WorkerPlugin):
    """Dask worker plugin: every worker (also one that joins later or restarts) loads the rules and
    the segmenter with its user words once, before its first task."""

    name = "zsyz-pipeline-warm"

    def __init__(self, segmenter: str):
        self.segmenter = segmenter

    def setup(self, worker) -> None:
        warm_worker(self.segmenter)

    def teardown(self, worker) -> None:
        pass

    def transition(self, key, start, finish, **kwargs) -> None:
        pass


# --- the run ---------------------------------------------------------------------------------------

def _clear_outputs(out: str) -> None:
    filesystem, base = _filesystem(out)
    for name in TABLES:
        filesystem.create_dir(f"{base}/{name}", recursive=True)
        filesystem.delete_dir_contents(f"{base}/{name}", missing_dir_ok=True)


def _client(workers: int | None, scheduler_address: str | None):
    from distributed import Client, LocalCluster

    if scheduler_address:
        return Client(scheduler_address), None
    from .batch import default_jobs
    n = workers or default_jobs()
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


def _register(client, plugin) -> None:
    if hasattr(client, "register_plugin"):
        client.register_plugin(plugin)
    else:                                                    # distributed < 2023.9
        client.register_worker_plugin(plugin, name=plugin.name)


def run_engine(inputs: list[str], out_dir, engine: str = "dask", segmenter: str = "jieba",
               workers: int | None = None, scheduler_address: str | None = None,
               partition_articles: int = PARTITION_ARTICLES, partition_chars: int = PARTITION_CHARS,
               read_options=None) -> EngineSummary:
    """Extract `inputs` on `engine` into partitioned Parquet under `out_dir` (records/, claims/,
    articles/). Local cluster of `workers` processes (default: all cores) unless
    `scheduler_address` names a running scheduler. Returns the run's summary."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    from distributed import as_completed

    from .batch import extractor_version
    from .read import expand_inputs
    from .segment import SEGMENTERS

    if segmenter not in SEGMENTERS:
        raise ValueError(f"unknown segmenter {segmenter!r}")
    expand_inputs(inputs)                      # missing paths fail here, before a cluster starts
    out = str(out_dir)
    t0 = time.time()
    version = extractor_version()
    _clear_outputs(out)
    client, cluster = _client(workers, scheduler_address)
    try:
        _register(client, WarmPlugin(segmenter))
        infos = client.run(worker_info, segmenter)
        bad = {w: i["version"] for w, i in infos.items() if i["version"] != version}
        if bad:
            raise RuntimeError(f"workers run another version of the code or rules than this driver ({version}): "
                               f"{bad} (install the same checkout on every worker; on a local cluster, were "
                               f"files edited while it started?)")
        lacking = {w: i["user_words_missing"] for w, i in infos.items()
                   if i["loaded"] is False or i["user_words_missing"]}
        if lacking:
            raise RuntimeError(f"workers lack the segmenter's user words: {lacking}")
        n_workers = len(infos)
        summary = EngineSummary(engine=engine, workers=n_workers, out=out,
                                scheduler=scheduler_address or "local cluster")
        counts: dict = {}
        parts = enumerate(partitions(plan_articles(inputs, read_options), partition_articles, partition_chars, counts))
        token = uuid.uuid4().hex[:8]
        ac = as_completed()

        def submit_next() -> bool:
            nxt = next(parts, None)
            if nxt is None:
                return False
            no, items = nxt
            ac.add(client.submit(extract_partition, no, items, segmenter, out, version,
                                 key=f"zsyz-extract-{token}-{no:05d}", pure=False, retries=2))
            summary.partitions += 1
            return True

        for _ in range(max(1, n_workers) * IN_FLIGHT_PER_WORKER):
            if not submit_next():
                break
        for fut in ac:
            res = fut.result()
            for k in ("read", "ok", "failed", "duplicates", "records", "claims"):
                setattr(summary, k, getattr(summary, k) + res[k])
            fut.release()
            submit_next()
        again = counts.get("again", 0)
        summary.read += again
        summary.duplicates += again
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = time.time() - t0
    return summary


def duckdb_views(out_dir, con=None):
    """A DuckDB connection (in memory unless given) with views records, claims and articles over
    the Parquet files of an engine run, in input order."""
    import duckdb

    con = con or duckdb.connect()
    base = str(out_dir) if "://" in str(out_dir) else Path(out_dir).resolve().as_posix()
    for name in TABLES:
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (filename, file_row_number) FROM "
                    f"read_parquet('{base}/{name}/*.parquet', filename = true, file_row_number = true) "
                    f"ORDER BY filename, file_row_number")
    return con


def main(argv: list[str] | None = None) -> int:
    from .read import UsageError
    from .segment import SEGMENTERS

    p = argparse.ArgumentParser(prog="python -m pipeline.engine",
                                description="Extract articles on a distributed engine into partitioned Parquet.")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder or URI (s3://...)")
    p.add_argument("--engine", choices=ENGINES, default="dask")
    p.add_argument("--segmenter", choices=SEGMENTERS, default="jieba")
    p.add_argument("--workers", type=int, default=None, help="local cluster worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of a running Dask scheduler (default: start a local cluster)")
    p.add_argument("--strict", action="store_true", help="exit non-zero when any article failed")
    args = p.parse_args(argv)
    try:
        s = run_engine(args.inputs, args.out, args.engine, args.segmenter, args.workers, args.scheduler)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{s.line()} → {args.out} ({s.seconds:.1f}s)", file=sys.stderr)
    return 1 if args.strict and s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
