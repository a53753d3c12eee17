"""`make bench`: build the corpora, run the measurements, check the targets (see the package doc)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path


from . import __doc__ as PACKAGE_DOC
from .corpus import DEFAULT_MB, SEED, build_corpus, write_slice
from .measure import LOAD_RECORDS, MODES, cold_start, engine_run, extract_pair, memory_run, rate, run_cli, sub
from .report import format_table
from .targets import check_targets


DEFAULT_PKUSEG_MB = 2
DEFAULT_BIG_MB = 320          # the larger dump of the memory measurements
NEW_MB = 2                    # the new articles appended to a database that already holds a dump
SETTLE_S = 5                  # seconds between copying a database and the run measured on the copy


def _memory_and_scale(corpus: dict, mixed: dict, work: Path, cores: int, big_mb: float, seed: int) -> dict:
    """Peak memory of the whole process tree at two dump sizes (a plain run; a --db run appending
    new articles to the database of that dump; the closing phase), the mixed corpus's throughput
    against plain jieba.lcut over it, and the Dask engine's per-worker throughput at the large size."""
    jobs = min(2, cores)
    big = build_corpus(work / f"corpus-{big_mb:g}mb-seed{seed}.jsonl.gz", big_mb, seed)
    new = build_corpus(work / f"corpus-new-{NEW_MB:g}mb-seed{seed + 7}.jsonl.gz", NEW_MB, seed + 7)
    one = write_slice(Path(new["path"]), work / "one-new-article.jsonl.gz", 1e-6)      # its first article
    out: dict = {"jobs": jobs, "big_corpus": big, "new_corpus": new, "one_article": one}
    for label, c in (("small", corpus), ("big", big)):
        print(f"memory: plain run, {c['text_mib']} MiB, --jobs {jobs}...", file=sys.stderr)
        run = memory_run(c, work / f"mem-{label}", jobs)
        out[f"plain_{label}"] = run
        # new articles appended to the database of that dump; issue 17: the same dump again into
        # it (every article unchanged), and one new article into it; each into its own copy
        for kind, corpus_of, what in (("append", new, f"{new['text_mib']} MiB of new articles appended"),
                                      ("rerun", c, "the same dump again"), ("one", one, "one new article")):
            copy = work / f"mem-{label}-{kind}.duckdb"
            for p in work.glob(f"mem-{label}-{kind}.duckdb*"):
                p.unlink()
            shutil.copy(work / f"mem-{label}" / "pipeline.duckdb", copy)
            # the copy written out and the disk quiet again before the run starts: the writeback of
            # a fresh copy of hundreds of MB otherwise lands in the measured run (0.3-0.8 s of a
            # one-article append, measured), which is not what a user appending to a database sees
            os.sync()
            time.sleep(SETTLE_S)
            print(f"{what} into the database of {c['text_mib']} MiB...", file=sys.stderr)
            out[f"{kind}_{label}"] = memory_run(corpus_of, work / f"mem-{label}-{kind}", jobs, db=copy)
        out[f"rerun_{label}"]["share_of_first"] = out[f"rerun_{label}"]["wall_s"] / run["wall_s"]
    print(f"mixed corpus ({mixed['text_mib']} MiB): plain jieba.lcut and --jobs 1...", file=sys.stderr)
    base = sub("_baseline", mixed["path"], "0", "0")
    mixed_run = run_cli([mixed["path"]], work / "mixed-jobs1", 1, "jieba")
    phases = json.loads((work / "mixed-jobs1.timings.json").read_text(encoding="utf-8"))
    out["mixed"] = {"corpus": mixed, "jieba_chars_per_s": rate(base["chars"], base["seconds"]),
                    "jobs1_wall_s": mixed_run.wall, "jobs1_chars_per_s": rate(mixed["chars"], mixed_run.wall),
                    "jobs1_articles_per_s": rate(mixed["articles"], mixed_run.wall), "phases": phases}
    out["mixed"]["ratio_to_jieba"] = out["mixed"]["jobs1_chars_per_s"] / out["mixed"]["jieba_chars_per_s"]
    print(f"dask engine, local cluster, {big['text_mib']} MiB...", file=sys.stderr)
    out["engine_dask_big"] = engine_run(big, work, jobs, plain_wall_s=out["plain_big"]["wall_s"])
    return out


def run_bench(mb: float, out_dir: Path, pkuseg_mb: float, seed: int, skip_pkuseg: bool = False,
              keep: bool = False, big_mb: float = DEFAULT_BIG_MB) -> dict:
    from ..batch import default_jobs, extractor_version

    cores = default_jobs()
    version_at_start = extractor_version.__wrapped__()
    work = out_dir / "bench"
    work.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    print(f"building the benchmark corpus ({mb} MiB)...", file=sys.stderr)
    t0 = time.perf_counter()
    corpus = build_corpus(work / f"corpus-{mb:g}mb-seed{seed}.jsonl.gz", mb, seed)
    corpus["build_s"] = time.perf_counter() - t0
    mixed = build_corpus(work / f"corpus-mixed-{mb:g}mb-seed{seed}.jsonl.gz", mb, seed, mixed=True)
    pk_corpus = write_slice(Path(corpus["path"]), work / f"corpus-{pkuseg_mb:g}mb-slice.jsonl.gz", pkuseg_mb)

    # cold start first, on a quiet machine: after the load step (gigabytes of results in one
    # process) the page cache of the installed packages is partly gone and a start reads them
    # from disk again, which is not what a user running one press release sees
    print("cold start...", file=sys.stderr)
    cold = cold_start(work, "jieba", runs=5)

    print("baseline: plain jieba.lcut...", file=sys.stderr)
    base = sub("_baseline", corpus["path"], str(pk_corpus["articles"]), "0" if skip_pkuseg else "1")

    print("the ceiling of segmenting less: jieba.lcut on the relevant sentences only...", file=sys.stderr)
    ceiling = sub("_ceiling", pk_corpus["path"])
    spin = sub("_spin", str(cores), "20000000") if cores > 1 else None
    print("extraction, jieba...", file=sys.stderr)
    jb = extract_pair(corpus, work, "jieba", cores, repeat=True)
    # the machine's speed drifts (shared host): the baseline again, right after the runs it is
    # compared with; the ratio uses the mean of both
    print("baseline again: plain jieba.lcut...", file=sys.stderr)
    base2 = sub("_baseline", corpus["path"], str(pk_corpus["articles"]), "0")
    print("DuckDB load...", file=sys.stderr)
    load = sub("_load", str(work / "jieba-jobs1" / "records.jsonl"), str(LOAD_RECORDS), str(work))
    for p in work.glob("load*.duckdb*"):
        p.unlink()

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cores": cores, "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "extractor_version": version_at_start,
        "corpus": corpus,
        "baseline_jieba": {**base, "chars_per_s": rate(2 * base["chars"], base["seconds"] + base2["seconds"]),
                           "articles_per_s": rate(2 * base["articles"], base["seconds"] + base2["seconds"]),
                           "runs_chars_per_s": [rate(base["chars"], base["seconds"]),
                                                rate(base2["chars"], base2["seconds"])]},
        "machine_parallel": spin,
        "segment_less_ceiling": ceiling,
        "jieba": jb,
        "load": {**load, "records_per_s": rate(load["records"], load["store_seconds"]),
                 "pack_records_per_s": rate(load["records"], load["pack_seconds"]),
                 "records_only_per_s": rate(load["records"], load["records_only_seconds"])},
        "cold_start_jieba": cold,
    }
    if not skip_pkuseg:
        print(f"extraction, pkuseg ({pk_corpus['text_mib']} MiB slice)...", file=sys.stderr)
        pk = extract_pair(pk_corpus, work, "pkuseg", cores)
        result["pkuseg_corpus"] = pk_corpus
        result["pkuseg"] = pk
        result["baseline_slice"] = {
            "chars": base["slice_chars"], "articles": base["slice_articles"],
            "jieba_chars_per_s": rate(base["slice_chars"], base["slice_seconds"]),
            "pkuseg_chars_per_s": rate(base["slice_chars"], base["pkuseg_slice_seconds"]),
        }
        result["cold_start_pkuseg"] = cold_start(work, "pkuseg")
    shutil.rmtree(work / "cold", ignore_errors=True)
    print(f"dask engine, local cluster ({pk_corpus['text_mib']} MiB slice)...", file=sys.stderr)
    result["engine_dask"] = engine_run(pk_corpus, work, cores)
    result["scale"] = _memory_and_scale(corpus, mixed, work, cores, big_mb, seed)
    # a projection: one million articles of a whole paper's dump (the mixed corpus's articles) with
    # --jobs <all cores>, from the mixed corpus's --jobs 1 rate and the measured scaling
    sc = jb[f"jobs{cores}"]["chars_per_s"] / jb["jobs1"]["chars_per_s"] if cores > 1 else 1.0
    mixed_rate = result["scale"]["mixed"]["jobs1_articles_per_s"] * sc
    result["projection"] = {
        "articles": 1_000_000, "jobs": cores,
        "hours_mixed": 1_000_000 / mixed_rate / 3600,
        "hours_investment_only": 1_000_000 / (jb[f"jobs{cores}"]["articles_per_s"]) / 3600,
        "dask_per_worker_articles_per_s": (result["scale"].get("engine_dask_big") or {}).get("per_worker_articles_per_s"),
    }
    if not keep:          # the runs' outputs (about 250 MB); the corpus stays
        for d in ("jieba-jobs1", "jieba-jobs2", f"jieba-jobs{cores}", "pkuseg-jobs1", "pkuseg-jobs2",
                  f"pkuseg-jobs{cores}", "engine-dask", "engine-plain", "mem-small", "mem-big",
                  "mem-small-append", "mem-big-append", "mixed-jobs1", "mem-small-rerun", "mem-big-rerun",
                  "mem-small-one", "mem-big-one"):
            shutil.rmtree(work / d, ignore_errors=True)
        for p in [*work.glob("mem-*-append.duckdb*"), *work.glob("mem-*-rerun.duckdb*"), *work.glob("mem-*-one.duckdb*")]:
            p.unlink()
    version_at_end = extractor_version.__wrapped__()
    result["extractor_version_at_end"] = version_at_end
    result["code_changed_during_bench"] = version_at_end != version_at_start
    result["targets"] = check_targets(result)
    result["bench_seconds"] = time.perf_counter() - t_all
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in MODES:
        print(json.dumps(MODES[argv[0]](*argv[1:])))
        return 0
    p = argparse.ArgumentParser(prog="python -m pipeline.bench", description=PACKAGE_DOC.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=DEFAULT_MB, help="MiB of article text in the corpus (default 20)")
    p.add_argument("--out", default="outputs", help="output folder: bench.json and bench/ (default outputs)")
    p.add_argument("--pkuseg-mb", type=float, default=DEFAULT_PKUSEG_MB,
                   help="MiB of the corpus measured with pkuseg (default 2)")
    p.add_argument("--no-pkuseg", action="store_true", help="skip the pkuseg measurements")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--corpus-only", action="store_true", help="build the corpus and stop")
    p.add_argument("--keep", action="store_true", help="keep the outputs of the measured runs under OUT/bench/")
    p.add_argument("--big-mb", type=float, default=DEFAULT_BIG_MB,
                   help="MiB of the larger dump of the memory measurements (default 320)")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.corpus_only:
        print(json.dumps(build_corpus(out / "bench" / f"corpus-{args.mb:g}mb-seed{args.seed}.jsonl.gz",
                                      args.mb, args.seed), ensure_ascii=False, indent=1))
        return 0
    result = run_bench(args.mb, out, args.pkuseg_mb, args.seed, skip_pkuseg=args.no_pkuseg, keep=args.keep,
                       big_mb=args.big_mb)
    (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(format_table(result))
    print(f"figures written to {out / 'bench.json'}")
    return 0
