"""Write stage: records.jsonl, claims.jsonl, articles.jsonl and pipeline.duckdb in the output folder.

JSONL files are written line by line as results arrive (deterministic order: input order, then
text order). The DuckDB database is loaded in bulk from Arrow tables at the end, never row by row.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa

from . import database
from .models import Article, Claim, Record

ARTICLE_JSON_FIELDS = ("article_id", "source", "title", "date", "region", "origin", "content_hash",
                       "encoding", "status", "error", "n_records", "n_claims")

DECIMAL = "DECIMAL(18,6)"


class JsonlWriter:
    """Opens the three JSONL outputs and appends results to them."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self._files = {name: open(out_dir / f"{name}.jsonl", "w", encoding="utf-8")
                       for name in ("records", "claims", "articles")}

    def write(self, article: Article, records: list[Record], claims: list[Claim]) -> None:
        for r in records:
            self._files["records"].write(r.model_dump_json() + "\n")
        for c in claims:
            self._files["claims"].write(c.model_dump_json() + "\n")
        row = article.model_dump(include=set(ARTICLE_JSON_FIELDS))
        self._files["articles"].write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()


def _arrow(model_cls, rows: list[dict]) -> pa.Table:
    """An Arrow table with one column per model field (in model order), even when empty."""
    names = list(model_cls.model_fields)
    cols = {n: [r.get(n) for r in rows] for n in names}
    arrays = []
    for n in names:
        ann = model_cls.model_fields[n].annotation
        values = cols[n]
        if "list" in str(ann):
            arrays.append(pa.array(values, type=pa.list_(pa.string())))
        elif "int" in str(ann) and "float" not in str(ann):
            arrays.append(pa.array(values, type=pa.int64()))
        elif "float" in str(ann):
            arrays.append(pa.array(values, type=pa.float64()))
        elif "bool" in str(ann):
            arrays.append(pa.array(values, type=pa.bool_()))
        else:
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=names)


def write_duckdb(path: Path, articles: list[Article], records: list[Record], claims: list[Claim]) -> None:
    """(Re)create the database with tables articles, records, claims and the coverage view."""
    import duckdb

    tmp = path.with_name(path.name + ".tmp")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    art_t = _arrow(Article, [a.model_dump() for a in articles])
    rec_t = _arrow(Record, [r.model_dump() for r in records])
    cla_t = _arrow(Claim, [c.model_dump() for c in claims])
    con = duckdb.connect(str(tmp))
    try:
        con.register("art_t", art_t)
        con.register("rec_t", rec_t)
        con.register("cla_t", cla_t)
        con.execute("CREATE TABLE articles AS SELECT * FROM art_t")
        con.execute(f"""CREATE TABLE records AS SELECT * REPLACE (
            amount::{DECIMAL} AS amount, amount_yi::{DECIMAL} AS amount_yi,
            amount_high::{DECIMAL} AS amount_high) FROM rec_t""")
        con.execute(f"""CREATE TABLE claims AS SELECT * REPLACE (
            total_amount::{DECIMAL} AS total_amount, total_yi::{DECIMAL} AS total_yi,
            total_high::{DECIMAL} AS total_high) FROM cla_t""")
        database.finish(con, path.parent)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
