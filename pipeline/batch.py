"""A batch run: read every input article, extract the new or changed ones (in parallel with
--jobs), store them, write the JSONL outputs, and account for every article.

Order is the input order whatever the number of workers, so the outputs are byte-identical for
any --jobs. Workers are forked after the rules and the segmenter are loaded, so each process
loads them once.
"""
from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .extract import ArticleResult, extract_article
from .models import Article
from .read import RawArticle, read_inputs
from .write import JsonlWriter, Store

BATCH = 256            # articles per database transaction
PARALLEL_MIN = 16      # below this many articles to extract in a batch, no worker pool


# The modules whose code decides what an article yields (with everything under rules/).
EXTRACTION_MODULES = ("read", "htmlpage", "normalise", "sentences", "segment", "amounts", "places", "dates",
                      "companies", "sectors", "assemble", "validate", "extract", "models", "mentions", "rules")


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """A hash of the extraction code and the rules: stored articles extracted by another version
    are extracted again."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    files = [root / f"{m}.py" for m in EXTRACTION_MODULES]
    files += sorted(p for p in (root.parent / "rules").rglob("*") if p.is_file())
    for p in files:
        h.update(p.relative_to(root.parent).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class Summary:
    read: int = 0
    ok: int = 0
    failed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    records: int = 0
    claims: int = 0

    def line(self) -> str:
        return (f"read {self.read} articles: {self.ok} ok, {self.failed} failed "
                f"({self.unchanged} unchanged and not re-extracted, {self.duplicates} duplicates); "
                f"{self.records} records, {self.claims} claims")


class Progress:
    """Articles done, rate and time left on stderr; silent when stderr is not a terminal."""

    def __init__(self, total_bytes: int, enabled: bool):
        self.total = max(total_bytes, 1)
        self.enabled = enabled
        self.t0 = time.time()
        self.last = 0.0

    def update(self, done: int, bytes_done: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.time()
        if not final and now - self.last < 0.5:
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-6)
        rate = done / elapsed
        frac = min(bytes_done / self.total, 1.0)
        left = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        bar = "#" * int(frac * 30)
        left_s = "--" if left != left else f"{int(left // 60)}m{int(left % 60):02d}s"
        sys.stderr.write(f"\r[{bar:<30}] {done} articles  {rate:,.1f}/s  left {left_s}   ")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _input_bytes(inputs: list[str]) -> int:
    total = 0
    for raw in inputs:
        p = Path(raw)
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(q.stat().st_size for q in p.rglob("*") if q.is_file())
    return total


_SEGMENTER = "jieba"


def _work(raw: RawArticle) -> ArticleResult:
    return extract_article(raw, _SEGMENTER)


def _warm(segmenter: str) -> None:
    """Load the rules and the segmenter once, before the workers are forked."""
    from .segment import get_nlp
    extract_article(RawArticle(id="warm-up", origin="-", text="某县与某某集团签订了总投资5亿元的项目。"), segmenter)
    get_nlp(segmenter)


def run(inputs: list[str], out_dir: Path, db_path: Path | None, segmenter: str, jobs: int,
        progress: bool) -> Summary:
    global _SEGMENTER
    _SEGMENTER = segmenter
    version = extractor_version()
    store = Store(db_path or out_dir / "pipeline.duckdb", fresh=db_path is None, out_dir=out_dir)
    writer = JsonlWriter(out_dir)
    summary = Summary()
    bar = Progress(_input_bytes([i for i in inputs if i != "-"]), progress)
    pool = None
    seen: dict[str, str | None] = {}
    bytes_done = 0
    try:
        batch: list[RawArticle] = []

        def flush() -> None:
            nonlocal pool, bytes_done
            plan: list[tuple[RawArticle, str, object]] = []
            todo: list[RawArticle] = []
            new_hash: dict[str, str] = {}
            for raw in batch:
                h = raw.content_hash if raw.text and raw.text.strip() else None
                if raw.error is None and store.hash_of.get(raw.id) == raw.content_hash \
                        and store.version_of.get(raw.id) == version:
                    plan.append((raw, "unchanged", None))
                elif raw.error is None and h is not None and (
                        (store.id_of_hash.get(h) not in (None, raw.id)) or new_hash.get(h) not in (None, raw.id)):
                    plan.append((raw, "duplicate", store.id_of_hash.get(h) or new_hash.get(h)))
                else:
                    plan.append((raw, "extract", None))
                    todo.append(raw)
                    if raw.error is None and h is not None:
                        new_hash.setdefault(h, raw.id)
            if jobs > 1 and len(todo) >= PARALLEL_MIN and pool is None:
                _warm(segmenter)
                pool = multiprocessing.get_context("fork").Pool(jobs)
            if pool is not None and len(todo) >= PARALLEL_MIN:
                done = pool.imap(_work, todo, chunksize=4)
            else:
                done = map(_work, todo)
            extracted = {}
            for raw, res in zip(todo, done):
                res.article.extractor = version
                extracted[id(raw)] = res
            results = []
            for raw, action, other in plan:
                if action == "unchanged":
                    res = store.fetch(raw.id)
                    summary.unchanged += 1
                elif action == "duplicate":
                    art = Article(article_id=raw.id, source=raw.source, title=raw.title, date=raw.date,
                                  region=raw.region, origin=raw.origin, content_hash=raw.content_hash,
                                  encoding=raw.encoding, duplicate_of=other, extractor=version, status="ok")
                    res = ArticleResult(art)
                    summary.duplicates += 1
                else:
                    res = extracted[id(raw)]
                results.append((action, res))
            store.add([res for action, res in results if action != "unchanged"])
            for action, res in results:
                writer.write(res)
                summary.read += 1
                summary.ok += res.article.status == "ok"
                summary.failed += res.article.status == "error"
                summary.records += len(res.records)
                summary.claims += len(res.claims)
            bar.update(summary.read, bytes_done)
            batch.clear()

        for raw in read_inputs(inputs):
            bytes_done += len(raw.text.encode("utf-8")) if raw.text else 0
            if raw.id in seen:
                if seen[raw.id] == raw.content_hash:
                    # the same article again in this run (a dump given twice): accounted once
                    summary.read += 1
                    summary.duplicates += 1
                    continue
                n = 2
                while f"{raw.id}~{n}" in seen:   # another article under a used id: keep both
                    n += 1
                raw.id = f"{raw.id}~{n}"
            seen[raw.id] = raw.content_hash
            batch.append(raw)
            if len(batch) >= BATCH:
                flush()
        flush()
    except BaseException:
        writer.close()
        store.abandon()
        if pool is not None:
            pool.terminate()
        raise
    if pool is not None:
        pool.close()
        pool.join()
    writer.close()
    store.close()
    bar.update(summary.read, bar.total, final=True)
    return summary


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
