"""Measurements of the benchmark, each in its own process where it matters: end-to-end runs of
the CLI with the peak memory of the whole process tree, plain jieba.lcut, the ceiling of segmenting
less, the host's parallel capacity, the DuckDB load, cold start, the Dask engine."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import regex

from .corpus import ROOT, iter_corpus, source_articles


LOAD_RECORDS = 500_000

# --- measuring processes ---------------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out.extend(int(x) for x in fh.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


@dataclass
class ProcRun:
    wall: float
    returncode: int
    stderr: str
    main_hwm_mb: float | None
    children_hwm_mb: list[float] = field(default_factory=list)
    # the whole process tree (parent and workers) at its largest, sampled: PSS counts the pages the
    # forked workers share with the parent once (RSS would count them in every process)
    tree_pss_peak_mb: float | None = None
    tree_rss_peak_mb: float | None = None
    timeline: list = field(default_factory=list)     # (seconds from the start, tree PSS MB)
    maxrss_mb: float | None = None
    cpu_s: float | None = None          # user + system time of the process and its children
    load_before: float | None = None    # 1-minute load average just before the start


def run_measured(cmd: list[str], cwd: Path = ROOT, env: dict | None = None, tree: bool = False) -> ProcRun:
    """Run a command; wall time from start to exit, VmHWM of it and of its children (sampled)."""
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-stderr-{os.getpid()}.txt"
    hwm: dict[int, int] = {}
    sample_tree = tree           # reading every process's PSS costs CPU: only for the memory runs
    tree = [0, 0]
    timeline: list = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with open(err_path, "w+b") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                pss = rss = 0
                for pid in _tree(proc.pid):
                    kb = _status_kb(pid, "VmHWM")
                    if kb is not None:
                        hwm[pid] = max(hwm.get(pid, 0), kb)
                    if sample_tree:
                        pss += _pss_kb(pid)
                        rss += _status_kb(pid, "VmRSS") or 0
                if sample_tree:
                    tree[0] = max(tree[0], pss)
                    tree[1] = max(tree[1], rss)
                    timeline.append((time.perf_counter() - t0, pss / 1024))
                done.wait(0.1 if sample_tree else 0.05)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        th.join()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    err_path.unlink(missing_ok=True)
    main = hwm.pop(proc.pid, None)
    return ProcRun(wall, proc.returncode, stderr, main / 1024 if main else None,
                   children_hwm_mb=sorted(v / 1024 for v in hwm.values()), maxrss_mb=ru.ru_maxrss / 1024,
                   cpu_s=ru.ru_utime + ru.ru_stime, load_before=load, tree_pss_peak_mb=tree[0] / 1024 or None,
                   tree_rss_peak_mb=tree[1] / 1024 or None, timeline=timeline)


def run_cli(inputs: list[str], out: Path, jobs: int, segmenter: str, db: Path | None = None,
            tree: bool = False) -> ProcRun:
    """A plain run (or, with `db`, a run that adds to that database); its phase timings
    (--timings) are in out/../<out name>.timings.json."""
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "pipeline", "extract", *inputs, "--out", str(out), "--jobs", str(jobs),
           "--segmenter", segmenter, "--quiet", "--timings", str(_timings_path(out))]
    if db is not None:
        cmd += ["--db", str(db)]
    r = run_measured(cmd, tree=tree)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r


def _timings_path(out: Path) -> Path:
    return out.parent / f"{out.name}.timings.json"


def _outputs_digest(out: Path) -> str:
    h = hashlib.sha256()
    for name in ("records.jsonl", "claims.jsonl", "articles.jsonl"):
        h.update((out / name).read_bytes())
    return h.hexdigest()[:16]


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def sub(mode: str, *args: str) -> dict:
    """Run one of this module's measuring modes in a fresh process; its JSON result."""
    proc = subprocess.run([sys.executable, "-m", "pipeline.bench", mode, *args], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])

# --- measuring modes (each runs in its own process) ----------------------------------------------


def _mode_baseline(corpus: str, slice_articles: str, pkuseg_too: str) -> dict:
    """Plain jieba.lcut over every text of the corpus (and pkuseg.cut over the first articles)."""
    import logging

    texts = [a["text"] for a in iter_corpus(Path(corpus))]
    n_slice = int(slice_articles)
    import jieba
    jieba.setLogLevel(logging.WARNING)
    t_init = time.perf_counter()
    jieba.initialize()
    init = time.perf_counter() - t_init
    t0 = time.perf_counter()
    t_slice = None
    for i, t in enumerate(texts):
        if i == n_slice:
            t_slice = time.perf_counter() - t0
        jieba.lcut(t)
    total = time.perf_counter() - t0
    if t_slice is None:
        t_slice = total
    out = {"articles": len(texts), "chars": sum(map(len, texts)), "seconds": total, "init_seconds": init,
           "slice_articles": min(n_slice, len(texts)), "slice_chars": sum(map(len, texts[:n_slice])),
           "slice_seconds": t_slice, "peak_mb": _status_kb(os.getpid(), "VmHWM") / 1024}
    if pkuseg_too == "1":
        import pkuseg
        seg = pkuseg.pkuseg()
        t0 = time.perf_counter()
        for t in texts[:n_slice]:
            seg.cut(t)
        out["pkuseg_slice_seconds"] = time.perf_counter() - t0
    return out


def relevant_pattern(stages: tuple[str, ...] = ("signed",)) -> regex.Pattern:
    """The sentences the throughput issue says need segmenting and matching: those with an amount
    (a number before 万 or 亿, or before a currency of rules/amounts.toml), a count of projects or
    firms (6个项目, 项目17个, 16家企业) or a signing word (rules/assemble.toml, [stage] signed).
    Narrow on purpose: the fewer sentences it keeps, the higher the ceiling of segmenting less
    (`_mode_ceiling`). `stages` = all four stage lists also keeps the sentences of projects that
    only started or are negotiated (XX项目同步开工), which have records too."""
    from ..rules import load_toml

    amounts = load_toml("amounts.toml")
    currencies = sorted(amounts["currency"]["suffix"], key=len, reverse=True)
    digits = "".join(amounts["numerals"]["digits"])
    tens = "".join(u for u, v in amounts["numerals"]["small_units"].items() if v == 10)
    # a number: Arabic digits or Chinese numerals (rules/amounts.toml), starting with a digit or
    # 十 (十个项目), not with another unit (千万不要)
    number = f"[0-9{digits}{tens}][0-9.{digits}{''.join(amounts['numerals']['small_units'])}万亿]*"
    stage = load_toml("assemble.toml")["stage"]
    words = sorted({w for k in stages for w in stage[k]}, key=len, reverse=True)
    alt = "|".join
    return regex.compile(
        rf"{number}\s*(?:{alt(amounts['numerals']['over_markers'])})?\s*(?:[万亿]|{alt(map(regex.escape, currencies))})"
        rf"|{number}\s*(?:个|项|宗)\p{{Han}}{{0,6}}?项目|项目\p{{Han}}{{0,4}}?{number}\s*(?:个|项|宗)"
        rf"|{number}\s*家\p{{Han}}{{0,4}}?(?:企业|公司|单位|客商)"
        rf"|{alt(map(regex.escape, words))}")

ALL_STAGES = ("signed", "negotiating", "started", "operating")

# the filters of the ceiling, named by what a sentence needs besides an amount or a count
CEILING_FILTERS = {"a signing word": ("signed",), "any stage word": ALL_STAGES}


def relevant_sentences(text: str, pattern: regex.Pattern | None = None) -> list[str]:
    """The sentences (pipeline.sentences) of a normalised text that `relevant_pattern` keeps."""
    from ..sentences import split_sentences

    pattern = pattern or relevant_pattern()
    return [s.text for s in split_sentences(text) if pattern.search(s.text)]


def _mode_ceiling(corpus: str, rounds: str = "3") -> dict:
    """The most that segmenting less can give: plain jieba.lcut over the relevant sentences only
    (relevant_sentences of the normalised texts, with the signing words of the issue, then with
    every stage word) against jieba.lcut over the whole normalised texts, in one process,
    alternating `rounds` times (the host's speed drifts). Matching, reading and writing cost
    nothing in this figure: the pipeline can only be slower than it."""
    import logging

    import jieba

    from ..normalise import normalise

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    texts = [normalise(a["text"]) for a in iter_corpus(Path(corpus)) if a.get("text")]
    total = sum(len(t) for t in texts)
    filters = {}
    for name, stages in CEILING_FILTERS.items():
        pattern = relevant_pattern(stages)
        subsets = [relevant_sentences(t, pattern) for t in texts]
        # one call per article, its relevant sentences a line each: jieba cuts at line breaks
        # anyway, and one call costs less than one per sentence
        filters[name] = {"stages": list(stages), "relevant_chars": sum(len(x) for sub in subsets for x in sub),
                         "texts": ["\n".join(sub) for sub in subsets if sub], "seconds": 0.0}
    t_all = 0.0
    for _ in range(int(rounds)):
        t0 = time.perf_counter()
        for t in texts:
            jieba.lcut(t)
        t_all += time.perf_counter() - t0
        for f in filters.values():
            t0 = time.perf_counter()
            for t in f["texts"]:
                jieba.lcut(t)
            f["seconds"] += time.perf_counter() - t0
    for f in filters.values():
        del f["texts"]
        f["relevant_share"] = f["relevant_chars"] / total
        f["ceiling"] = t_all / f["seconds"]
    return {"articles": len(texts), "chars": total, "rounds": int(rounds), "all_seconds": t_all, "filters": filters}


def _spin_task(n: int) -> float:
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i % 7
    return time.perf_counter() - t0


def _mode_spin(procs: str, n: str) -> dict:
    """What the machine gives to parallel Python: the same pure-Python loop in 1 process, then in
    `procs` processes at once. capacity = procs x (1-process time) / (time of the parallel run):
    `procs` on an idle machine with real cores; the ceiling of --jobs scaling otherwise."""
    import multiprocessing

    k, loops = int(procs), int(n)
    single = min(_spin_task(loops) for _ in range(2))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(k) as pool:
        t0 = time.perf_counter()
        pool.map(_spin_task, [loops] * k, chunksize=1)
        parallel = time.perf_counter() - t0
    return {"procs": k, "loops": loops, "single_s": single, "parallel_s": parallel,
            "capacity": k * single / parallel}


def _mode_load(records_jsonl: str, n_records: str, db_dir: str) -> dict:
    """DuckDB load rate, the way a run loads: the run's records (and its articles, with their
    texts), re-labelled under new article ids until there are at least n_records; packed in
    chunks of CHUNK articles as the workers pack them (timed apart: worker work), then stored
    through Store.add_packed, COMMIT_EVERY articles per transaction, as the parent does. The load
    rate is records / the parent's storing time (articles and claims tables included), the final
    checkpoint of what is still in the write-ahead log included."""
    import duckdb

    from ..batch import CHUNK, COMMIT_EVERY
    from ..extract import ArticleResult
    from ..models import Article, Claim, Record
    from ..write import Store, _select, pack

    run_dir = Path(records_jsonl).parent
    by_article: dict[str, list[dict]] = {}
    with open(records_jsonl, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            by_article.setdefault(r["article_id"], []).append(r)
    claims_of: dict[str, list[dict]] = {}
    with open(run_dir / "claims.jsonl", encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            claims_of.setdefault(c["article_id"], []).append(c)
    con = duckdb.connect(str(run_dir / "pipeline.duckdb"), read_only=True)
    texts = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
    con.close()
    groups = [(aid, v) for aid, v in by_article.items() if v]
    if not groups:
        raise SystemExit("the run produced no records to load")
    want = int(n_records)
    results = []
    n = n_claims = 0
    k = 0
    while n < want:
        src, rows = groups[k % len(groups)]
        aid = f"load-{k:07d}"
        recs = [Record(**{**r, "article_id": aid, "record_id": f"{aid}#r{i + 1}"}) for i, r in enumerate(rows)]
        cls = [Claim(**{**c, "article_id": aid, "claim_id": f"{aid}#c{i + 1}"})
               for i, c in enumerate(claims_of.get(src, []))]
        art = Article(article_id=aid, origin="bench", status="ok", n_records=len(recs), n_claims=len(cls),
                      content_hash=f"{k:016x}", text=texts.get(src))
        results.append(ArticleResult(art, recs, cls))
        n += len(recs)
        n_claims += len(cls)
        k += 1
    out = {"records": n, "claims": n_claims, "articles": len(results), "chunk_articles": CHUNK,
           "commit_articles": COMMIT_EVERY}

    t0 = time.perf_counter()
    packs = [pack(results[i:i + CHUNK]) for i in range(0, len(results), CHUNK)]
    out["pack_seconds"] = time.perf_counter() - t0           # done by the workers in a run
    del results

    store = Store(Path(db_dir) / "load.duckdb", fresh=True)
    per = max(1, COMMIT_EVERY // CHUNK)
    t0 = time.perf_counter()
    for i in range(0, len(packs), per):
        store.add_packed([(p, 0, len(p)) for p in packs[i:i + per]])
    t1 = time.perf_counter()
    store.con.execute("CHECKPOINT")      # what is still in the write-ahead log: a run's close writes it
    out["checkpoint_seconds"] = time.perf_counter() - t1
    out["store_seconds"] = time.perf_counter() - t0
    out["steps_seconds"] = {**store.step_seconds, "final checkpoint": out["checkpoint_seconds"]}
    (count,) = store.con.execute("SELECT count(*) FROM records").fetchall()[0]
    assert count == n, (count, n)
    store.abandon()

    # for comparison: the records table alone, all records in one ready Arrow table, one insert,
    # commit and checkpoint included
    import pyarrow as pa
    records = pa.concat_tables([p.tables["records"] for p in packs]).combine_chunks()
    del packs
    store2 = Store(Path(db_dir) / "load2.duckdb", fresh=True)
    con = store2.con
    t0 = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    con.register("batch_t", records)
    con.execute(f"INSERT INTO records {_select('records', 'batch_t')}")
    con.unregister("batch_t")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    out["records_only_seconds"] = time.perf_counter() - t0
    store2.abandon()
    return out

MODES = {"_baseline": _mode_baseline, "_ceiling": _mode_ceiling, "_load": _mode_load, "_spin": _mode_spin}

# --- the run --------------------------------------------------------------------------------------


def rate(n: float, s: float) -> float:
    return n / s if s > 0 else float("nan")


def cold_start(out_dir: Path, segmenter: str, runs: int = 3) -> dict:
    src = source_articles()
    small = min(src, key=lambda r: len(r.text))
    d = out_dir / "cold"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    one = d / "one.txt"
    one.write_text(small.text, encoding="utf-8")
    meta = {k: getattr(small, k) for k in ("title", "date", "source", "region")}
    (d / "one.meta.json").write_text(json.dumps({"id": small.id, **meta}, ensure_ascii=False), encoding="utf-8")
    walls = []
    for i in range(runs):
        r = run_cli([str(one)], d / f"out{i}", 1, segmenter)
        if not (d / f"out{i}" / "records.jsonl").exists():
            raise SystemExit("cold start run wrote no records.jsonl")
        walls.append(r.wall)
    return {"article": small.id, "chars": len(small.text), "runs_s": [round(w, 3) for w in walls],
            "first_s": walls[0], "median_s": statistics.median(walls)}


def extract_pair(corpus: dict, work: Path, segmenter: str, cores: int, repeat: bool = False) -> dict:
    """--jobs 1, --jobs 2 (if the machine has more than 2 cores) and --jobs <all cores>. With
    `repeat`, the runs go 1, 2.., N, N.., 2, 1 (an ABBA order: a machine whose speed drifts during
    the bench slows both sides alike) and each figure is from the sum of its two runs."""
    res: dict = {}
    digests = {}
    order = sorted({1, min(2, cores), cores})
    if repeat:
        order = order + order[::-1]
    walls: dict[int, list] = {}
    for n_run, jobs in enumerate(order):
        out = work / f"{segmenter}-jobs{jobs}"
        r = run_cli([corpus["path"]], out, jobs, segmenter)
        digests[f"{jobs}#{n_run}"] = _outputs_digest(out)
        walls.setdefault(jobs, []).append(r.wall)
        wall = statistics.fmean(walls[jobs])
        entry = res.get(f"jobs{jobs}") or {}
        entry.update({
            "jobs": jobs, "runs_wall_s": list(walls[jobs]), "wall_s": wall,
            "chars_per_s": rate(corpus["chars"], wall), "articles_per_s": rate(corpus["articles"], wall),
            "main_peak_mb": max(entry.get("main_peak_mb") or 0, r.main_hwm_mb or 0),
            "maxrss_mb": max(entry.get("maxrss_mb") or 0, r.maxrss_mb or 0),
            "cpu_s": r.cpu_s, "cpu_per_wall": rate(r.cpu_s, r.wall), "load_before": r.load_before,
            "summary": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""})
        # the serial part of the run: process wall time minus the extraction phase, which is the
        # part --jobs spreads over the workers
        phases = json.loads(_timings_path(out).read_text(encoding="utf-8"))
        phases["serial_s"] = round(r.wall - phases["extract_s"], 3)
        phases["store_share"] = round(phases.get("store_s", 0.0) / r.wall, 4)

        entry["phases_runs"] = entry.get("phases_runs", []) + [phases]
        entry["serial_s"] = statistics.fmean(p["serial_s"] for p in entry["phases_runs"])
        entry["extract_phase_s"] = statistics.fmean(p["extract_s"] for p in entry["phases_runs"])
        entry["store_share"] = statistics.fmean(p["store_share"] for p in entry["phases_runs"])

        if jobs > 1 and r.children_hwm_mb:
            peaks = entry.get("worker_peaks_mb", []) + [round(x, 1) for x in r.children_hwm_mb]
            entry["worker_peaks_mb"] = peaks
            entry["worker_peak_mb"] = max(peaks)
        if jobs == 1:
            entry["records"] = _count_lines(out / "records.jsonl")
            entry["claims"] = _count_lines(out / "claims.jsonl")
        res[f"jobs{jobs}"] = entry
        print(f"  {segmenter} --jobs {jobs}: {r.wall:.1f}s, {rate(corpus['chars'], r.wall):,.0f} chars/s",
              file=sys.stderr)
    res["identical_outputs"] = len(set(digests.values())) == 1
    res["outputs_sha256"] = digests
    res["order"] = order
    return res


def memory_of(r: ProcRun, out: Path) -> dict:
    """A run's memory: the whole process tree's peak (PSS; and the RSS sum, which counts the pages
    the workers share with the parent in every process), the peak while it extracts and the peak
    of the closing phase (analysis tables, views, Parquet exports: the run's last close_s seconds)."""
    phases = json.loads(_timings_path(out).read_text(encoding="utf-8"))
    closing_from = r.wall - phases["close_s"] - 0.3
    during = [m for t, m in r.timeline if t < closing_from]
    closing = [m for t, m in r.timeline if t >= closing_from]
    return {"wall_s": r.wall, "tree_pss_peak_mb": r.tree_pss_peak_mb, "tree_rss_peak_mb": r.tree_rss_peak_mb,
            "run_peak_mb": max(during, default=None), "closing_peak_mb": max(closing, default=None),
            "main_peak_mb": r.main_hwm_mb, "worker_peaks_mb": [round(x, 1) for x in r.children_hwm_mb],
            "phases": phases, "summary": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""}


def memory_run(corpus: dict, out: Path, jobs: int, db: Path | None = None) -> dict:
    """One run of `corpus` with --jobs `jobs` (into `db` if given), with its memory."""
    r = run_cli([corpus["path"]], out, jobs, "jieba", db=db, tree=True)
    return {"corpus_mib": corpus["text_mib"], "articles": corpus["articles"], "jobs": jobs,
            "chars_per_s": rate(corpus["chars"], r.wall), **memory_of(r, out)}


def engine_run(corpus: dict, work: Path, cores: int, plain_wall_s: float | None = None) -> dict:
    """The same slice through `python -m pipeline.engine` (Dask local cluster, all cores) and
    through the plain CLI with --jobs <all cores>, one after the other."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return {"skipped": "dask[distributed] is not installed"}
    out = work / "engine-dask"
    if out.exists():
        shutil.rmtree(out)
    r = run_measured([sys.executable, "-m", "pipeline.engine", corpus["path"], "--out", str(out),
                      "--workers", str(cores)], tree=True)
    if r.returncode != 0:
        return {"failed": r.stderr[-2000:]}
    if plain_wall_s is None:
        plain_wall_s = run_cli([corpus["path"]], work / "engine-plain", cores, "jieba").wall
    return {"workers": cores, "chars": corpus["chars"], "articles": corpus["articles"],
            "corpus_mib": corpus["text_mib"], "wall_s": r.wall,
            "chars_per_s": rate(corpus["chars"], r.wall), "articles_per_s": rate(corpus["articles"], r.wall),
            "per_worker_articles_per_s": rate(corpus["articles"], r.wall) / cores,
            "plain_wall_s": plain_wall_s, "plain_chars_per_s": rate(corpus["chars"], plain_wall_s),
            "cpu_s": r.cpu_s, "tree_pss_peak_mb": r.tree_pss_peak_mb,
            "summary": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""}
