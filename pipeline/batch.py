"""A batch run: read every input article, extract the new or changed ones (in parallel with
--jobs), store them, write the JSONL outputs, and account for every article.

Order is the input order whatever the number of workers, so the outputs are byte-identical for
any --jobs. Workers are forked after the rules and the segmenter are loaded, so each process
loads them once.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .extract import ArticleResult, extract_article
from .models import Article
from .read import MAX_ARTICLE_CHARS, RawArticle, read_inputs
from .readers import ReadOptions
from .write import JsonlWriter, Packed, Store, pack

BATCH = 256            # articles planned and handed to the workers at a time
CHUNK = 64             # articles per worker task (extracted and packed together)
COMMIT_EVERY = 2048    # articles per database transaction: DuckDB inserts one large Arrow table
                       # several times faster than many small ones; a killed --db run redoes at
                       # most this many articles
PARALLEL_MIN = 16      # below this many articles to extract in a batch, no worker pool


# The modules whose code decides what an article yields (with everything under rules/).
EXTRACTION_MODULES = ("read", "htmlpage", "normalise", "sentences", "segment", "amounts", "places", "dates",
                      "companies", "home", "sectors", "drafts", "claims", "firm_records", "merge", "assemble",
                      "validate", "extract", "models", "mentions", "rules", "scan", "retold",
                      "patterns", "cache")


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
    skipped: dict = field(default_factory=dict)   # parts of inputs that are not articles, by reason
    # seconds spent in each phase of the run (see run()): what --timings FILE writes
    timings: dict = field(default_factory=dict)

    def line(self) -> str:
        return (f"read {self.read} articles: {self.ok} ok, {self.failed} failed "
                f"({self.unchanged} unchanged and not re-extracted, {self.duplicates} duplicates); "
                f"{self.records} records, {self.claims} claims"
                + "".join(f"; passed over {n} {reason}" for reason, n in sorted(self.skipped.items())))


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
_VERSION: str | None = None


def _work_chunk(raws: list[RawArticle]) -> Packed:
    """Extract a few articles and pack them (JSONL lines, Arrow tables): in a worker when there is
    a pool, so the parent has little left to do per article."""
    results = []
    for raw in raws:
        res = extract_article(raw, _SEGMENTER)
        res.article.extractor = _VERSION
        results.append(res)
    return pack(results)


def _warm(segmenter: str) -> None:
    """Load the rules and the segmenter once, before the workers are forked."""
    from .segment import warm
    warm(segmenter)
    extract_article(RawArticle(id="warm-up", origin="-", text="某县与某某集团签订了总投资5亿元的项目。"), segmenter)


class Planner:
    """Decides, article by article and in input order, what a run does with it: extract it, take
    the stored result (unchanged), or record it as a duplicate of an article with the same text."""

    def __init__(self, store: Store | None, version: str):
        self.store = store
        self.version = version
        self.seen: dict[str, str | None] = {}          # ids of this run → content hash
        self.new_hash: dict[str, str] = {}             # texts planned for extraction → id

    def admit(self, raw: RawArticle) -> bool:
        """False for the same article given again in this run (accounted once); another article
        under an id already used is kept under a new id (id~2)."""
        if raw.id in self.seen:
            if self.seen[raw.id] == raw.content_hash:
                return False
            n = 2
            while f"{raw.id}~{n}" in self.seen:
                n += 1
            raw.id = f"{raw.id}~{n}"
        self.seen[raw.id] = raw.content_hash
        return True

    def action(self, raw: RawArticle) -> tuple[str, str | None]:
        store = self.store
        h = raw.content_hash if raw.text and raw.text.strip() else None
        if store is not None and raw.error is None and store.hash_of.get(raw.id) == raw.content_hash \
                and store.version_of.get(raw.id) == self.version and store.kind_of.get(raw.id) == raw.kind:
            return "unchanged", None
        stored = store.id_of_hash.get(h) if store is not None and h is not None else None
        if raw.error is None and h is not None:
            other = stored if stored not in (None, raw.id) else self.new_hash.get(h)
            if other not in (None, raw.id):
                return "duplicate", other
            if len(raw.text) <= MAX_ARTICLE_CHARS:      # an article refused for its size is no original
                self.new_hash.setdefault(h, raw.id)
        return "extract", None


def duplicate_result(raw: RawArticle, other: str, version: str) -> ArticleResult:
    return ArticleResult(Article(article_id=raw.id, source=raw.source, title=raw.title, date=raw.date,
                                 region=raw.region, source_kind=raw.kind, origin=raw.origin, content_hash=raw.content_hash,
                                 encoding=raw.encoding, duplicate_of=other, extractor=version, status="ok"))


def run(inputs: list[str], out_dir: Path, db_path: Path | None, segmenter: str, jobs: int,
        progress: bool, commit_every: int = COMMIT_EVERY, read_options: ReadOptions | None = None) -> Summary:
    """Extract the inputs into out_dir (and db_path). While the workers extract one batch, the
    parent stores and writes the one before, so the pool is never idle waiting for the database.
    Results are committed to the database every `commit_every` articles, each time in one
    transaction, and their JSONL lines are written once they are committed. `read_options`: how
    the inputs are read (--ocr, --columns)."""
    global _SEGMENTER, _VERSION
    clock = time.perf_counter
    t_begin = clock()
    _SEGMENTER = segmenter
    version = _VERSION = extractor_version()
    store = Store(db_path or out_dir / "pipeline.duckdb", fresh=db_path is None, out_dir=out_dir)
    writer = JsonlWriter(out_dir)
    summary = Summary()
    bar = Progress(_input_bytes([i for i in inputs if i != "-"]), progress)
    planner = Planner(store, version)
    pool = None
    bytes_done = 0
    t_extract: float | None = None      # when the first batch was set going
    warmed = False

    def start(batch: list[RawArticle]):
        """Plan a batch and set its extraction going; returns what finish() needs."""
        nonlocal pool, t_extract, warmed
        store.lookup(batch, version)            # what the database holds about these articles
        plan = [(raw, *planner.action(raw)) for raw in batch]
        todo = [raw for raw, action, _ in plan if action == "extract"]
        chunks = [todo[k:k + CHUNK] for k in range(0, len(todo), CHUNK)]
        if len(todo) >= PARALLEL_MIN and not warmed:
            _warm(segmenter)                    # the rules and the segmenter, once, before the fork
            warmed = True
        if t_extract is None:
            t_extract = clock()
        if jobs > 1 and len(todo) >= PARALLEL_MIN and pool is None:
            pool = multiprocessing.get_context("fork").Pool(jobs)
        if pool is not None and len(todo) >= PARALLEL_MIN:
            done = pool.imap(_work_chunk, chunks)
        else:
            done = map(_work_chunk, chunks)
        return plan, done

    def finish(plan, done) -> None:
        extracted = ((p, k) for p in done for k in range(len(p)))
        to_write: list[list] = []       # [Packed, i, j]: runs of articles in input order
        to_store: list[list] = []
        # the batch's unchanged articles: read back in bulk and packed together
        kept = [raw.id for raw, action, _ in plan if action == "unchanged"]
        kept_pack = store.fetch_packed(kept) if kept else None
        store.note_unchanged(kept)
        kept_at = {aid: k for k, aid in enumerate(kept)}
        for raw, action, other in plan:
            if action == "unchanged":
                p, k = kept_pack, kept_at[raw.id]
                summary.unchanged += 1
            elif action == "duplicate":
                p, k = pack([duplicate_result(raw, other, version)]), 0
                summary.duplicates += 1
            else:
                p, k = next(extracted)
            for runs in (to_write,) if action == "unchanged" else (to_write, to_store):
                if runs and runs[-1][0] is p and runs[-1][2] == k:
                    runs[-1][2] = k + 1
                else:
                    runs.append([p, k, k + 1])
            summary.read += 1
            summary.ok += p.ok[k]
            summary.failed += not p.ok[k]
            summary.records += p.n_records[k]
            summary.claims += p.n_claims[k]
        held_store.extend(to_store)
        held_write.extend(to_write)
        held[0] += len(plan)
        if held[0] >= commit_every:
            commit()

    held_store: list[list] = []
    held_write: list[list] = []
    held = [0]

    def commit() -> None:
        store.add_packed([tuple(r) for r in held_store])
        for p, i, j in held_write:
            writer.write_packed(p, i, j)
        held_store.clear()
        held_write.clear()
        held[0] = 0
        bar.update(summary.read, bytes_done)

    try:
        # Batches in flight: while the parent commits (seconds for a large transaction), the
        # workers go on with the batches queued behind.
        depth = 2 if jobs == 1 else max(2, commit_every // BATCH // 2 + 2)
        pending: collections.deque = collections.deque()
        batch: list[RawArticle] = []
        read_options = read_options or ReadOptions()
        for raw in read_inputs(inputs, read_options):
            if progress:
                bytes_done += len(raw.text.encode("utf-8")) if raw.text else 0
            if not planner.admit(raw):
                summary.read += 1            # the same article again in this run: accounted once
                summary.duplicates += 1
                continue
            batch.append(raw)
            if len(batch) >= BATCH:
                pending.append(start(batch))
                batch = []
                while len(pending) > depth:
                    finish(*pending.popleft())
        pending.append(start(batch))
        while pending:
            finish(*pending.popleft())
        t_extracted = clock()
        commit()
        t_committed = clock()
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
    t_closing = clock()
    stored_s = sum(store.step_seconds.values())     # inserts, commits and checkpoints of the run
    store.close()
    t_end = clock()
    # start-up (store, first batch read and planned, rules and segmenter loaded), extraction (from
    # the first batch set going until the last result is in: the part --jobs spreads over the
    # workers, the parent's commits of all but the last batches included), the last commit, and
    # closing the store (the analysis layer of database.finish, the final checkpoint)
    summary.timings = {
        "start_s": round(t_extract - t_begin, 3),
        "extract_s": round(t_extracted - t_extract, 3),
        "last_commit_s": round(t_committed - t_extracted, 3),
        "close_s": round(t_end - t_closing, 3),
        "run_s": round(t_end - t_begin, 3),
        "store_s": round(stored_s, 3),
    }
    summary.skipped = dict(read_options.skipped)
    bar.update(summary.read, bar.total, final=True)
    return summary


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
