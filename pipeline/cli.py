"""Command line: `python -m pipeline extract INPUT... --out DIR [--segmenter jieba|pkuseg]`,
`python -m pipeline schema`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .read import SOURCE_KINDS, UsageError
from .readers import ReadOptions
from .segment import SEGMENTERS


def _cmd_extract(args) -> int:
    from .batch import run

    if args.timings and args.engine:
        print("error: --timings is for the plain run, not --engine", file=sys.stderr)
        return 2
    if args.engine:
        return _cmd_extract_engine(args)
    if args.scheduler:
        print("error: --scheduler needs --engine", file=sys.stderr)
        return 2

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        print(f"error: cannot write to output folder {out}: {exc}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.commit_every is not None and args.commit_every < 1:
        print("error: --commit-every must be at least 1", file=sys.stderr)
        return 2
    t0 = time.time()
    try:
        summary = run(args.inputs, out, Path(args.db) if args.db else None, args.segmenter, args.jobs,
                      progress=sys.stderr.isatty() and not args.quiet, read_options=args.read_options,
                      **({"commit_every": args.commit_every} if args.commit_every else {}))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        import duckdb
        if isinstance(exc, duckdb.IOException):
            print(f"error: cannot open the database: {exc}", file=sys.stderr)
            return 2
        raise
    print(f"{summary.line()} → {out} ({time.time() - t0:.1f}s)", file=sys.stderr)
    if args.timings:
        Path(args.timings).write_text(json.dumps(summary.timings, indent=1) + "\n", encoding="utf-8")
    if args.strict and summary.failed:
        return 1
    return 0


def _cmd_extract_engine(args) -> int:
    """--engine NAME: the batch on a distributed engine, into partitioned Parquet (docs/scaling.md)."""
    from .engine import run_engine

    if args.db:
        print("error: --db is not used with --engine (the engine writes Parquet under --out)", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        summary = run_engine(args.inputs, args.out, engine=args.engine, segmenter=args.segmenter,
                             workers=args.jobs, scheduler_address=args.scheduler, read_options=args.read_options)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{summary.line()} → {args.out} ({summary.seconds:.1f}s)", file=sys.stderr)
    return 1 if args.strict and summary.failed else 0


def _cmd_schema(args) -> int:
    from .models import json_schemas
    print(json.dumps(json_schemas(), ensure_ascii=False, indent=2))
    return 0


def _cmd_regress(args) -> int:
    from .regress import compare, evaluate, format_report

    figures, reports = evaluate(Path(args.corpus), args.segmenter)
    print(format_report(figures, reports))
    baseline_path = Path(args.baseline)
    if args.update:
        baseline_path.write_text(json.dumps(figures, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                 encoding="utf-8")
        print(f"\nbaseline written to {baseline_path}")
        return 0
    if not baseline_path.exists():
        print(f"\nno baseline at {baseline_path}: run with --update (make regress UPDATE=1) to accept these figures")
        return 1
    worse = compare(figures, json.loads(baseline_path.read_text(encoding="utf-8")))
    if worse:
        print("\nbelow the baseline:")
        print("\n".join(f"  {w}" for w in worse))
        return 1
    print("\nno figure below the baseline")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline",
                                description="Extract investment-promotion records and claims from Chinese news articles.")
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract articles into records, claims and a DuckDB database")
    ex.add_argument("inputs", nargs="+", metavar="INPUT",
                    help="files or folders: .txt (with optional NAME.meta.json), .jsonl, .html, .csv, .tsv, "
                         ".parquet, .warc, .arc, .pdf, images (with --ocr), .zip; any compressed with gzip, "
                         "bzip2, xz or zstd; - reads JSONL on stdin")
    ex.add_argument("--ocr", action="store_true",
                    help="read images and PDFs without a text layer with Tesseract (tesseract-ocr, tesseract-ocr-chi-sim)")
    ex.add_argument("--official", metavar="KIND", default=None, choices=SOURCE_KINDS,
                    help="the inputs are official sources of this kind (communique, work_report, bureau_release, "
                         "government_release): their claims are official figures (view official_claims); an "
                         "article's own metadata `kind` says the same per article")
    ex.add_argument("--columns", metavar="FIELD=COLUMN,...", default=None,
                    help="columns of .csv/.tsv/.parquet tables that hold the article fields, e.g. "
                         "text=body,date=pubdate (fields: id, title, date, source, region, text)")
    ex.add_argument("--out", required=True, metavar="DIR", help="output folder")
    ex.add_argument("--segmenter", choices=SEGMENTERS, default="jieba")
    ex.add_argument("--strict", action="store_true", help="exit non-zero when any article failed")
    ex.add_argument("--db", metavar="FILE",
                    help="add to this DuckDB database (only new or changed articles are extracted); "
                         "default: a fresh DIR/pipeline.duckdb")
    ex.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.add_argument("--commit-every", type=int, default=None, metavar="N",
                    help="articles per database transaction (default 8192, batch.COMMIT_EVERY); the JSONL lines of "
                         "articles are written once they are committed, and a killed --db run redoes "
                         "at most N articles")
    ex.add_argument("--timings", metavar="FILE", default=None,
                    help="write the seconds of each phase of the run to FILE (JSON): start-up, extraction, "
                         "the last commit, closing the store (analysis tables, checkpoint)")
    ex.add_argument("--engine", choices=("dask",), default=None,
                    help="run on a distributed engine and write partitioned Parquet under --out "
                         "(local cluster of --jobs workers unless --scheduler; see docs/scaling.md)")
    ex.add_argument("--scheduler", metavar="ADDRESS", default=None,
                    help="with --engine dask: address of a running scheduler, e.g. tcp://host:8786")
    ex.set_defaults(func=_cmd_extract)
    rg = sub.add_parser("regress", help="score extraction against the gold files and the committed baseline")
    rg.add_argument("--corpus", default="corpora", help="folder searched for NAME.gold.json files")
    rg.add_argument("--baseline", default="tests/regress_baseline.json")
    rg.add_argument("--update", action="store_true", help="accept the current figures as the new baseline")
    rg.add_argument("--segmenter", choices=SEGMENTERS, default="jieba")
    rg.set_defaults(func=_cmd_regress)
    sc = sub.add_parser("schema", help="print the JSON schema of records, claims and articles")
    sc.set_defaults(func=_cmd_schema)
    from . import report, sqlshell
    sqlshell.register(sub)
    report.register(sub)
    return p


def run_standalone(register, command: str, module: str, argv: list[str] | None) -> int:
    """`python -m pipeline.MODULE ARGS` = `python -m pipeline COMMAND ARGS`, for one subcommand."""
    parser = argparse.ArgumentParser(prog=f"python -m pipeline.{module}")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([command, *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "command", None) == "extract":
        if args.jobs is None:
            from .batch import default_jobs
            args.jobs = default_jobs()
        try:
            args.read_options = ReadOptions(ocr=args.ocr, columns=parse_columns(args.columns), kind=args.official)
        except UsageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return args.func(args)


def parse_columns(spec: str | None) -> tuple[tuple[str, str], ...]:
    """--columns text=body,date=pubdate → (("text", "body"), ("date", "pubdate")); UsageError
    for a field that articles do not have or a pair without '='."""
    from .readers.tables import FIELDS

    if not spec:
        return ()
    pairs = []
    for part in spec.split(","):
        key, sep, column = part.partition("=")
        key, column = key.strip(), column.strip()
        if not sep or not key or not column:
            raise UsageError(f"--columns takes FIELD=COLUMN pairs separated by commas, got {part!r}")
        if key not in FIELDS:
            raise UsageError(f"--columns: unknown field {key!r} (fields: {', '.join(FIELDS)})")
        pairs.append((key, column))
    return tuple(pairs)
