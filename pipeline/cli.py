"""Command line: `python -m pipeline extract INPUT... --out DIR [--segmenter jieba|pkuseg]`,
`python -m pipeline schema`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .read import UsageError
from .segment import SEGMENTERS


def _cmd_extract(args) -> int:
    from .extract import extract_article
    from .read import read_inputs
    from .write import JsonlWriter, write_duckdb

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        print(f"error: cannot write to output folder {out}: {exc}", file=sys.stderr)
        return 2
    try:
        raws = read_inputs(args.inputs)
        writer = JsonlWriter(out)
        articles, records, claims = [], [], []
        t0 = time.time()
        for raw in raws:
            res = extract_article(raw, args.segmenter)
            writer.write(res.article, res.records, res.claims)
            articles.append(res.article)
            records.extend(res.records)
            claims.extend(res.claims)
        writer.close()
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_duckdb(out / "pipeline.duckdb", articles, records, claims)
    n_ok = sum(a.status == "ok" for a in articles)
    n_err = len(articles) - n_ok
    print(f"read {len(articles)} articles: {n_ok} ok, {n_err} failed; "
          f"{len(records)} records, {len(claims)} claims → {out} ({time.time() - t0:.1f}s)",
          file=sys.stderr)
    if args.strict and n_err:
        return 1
    return 0


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
                    help=".txt (with optional NAME.meta.json), .jsonl, .jsonl.gz files or folders")
    ex.add_argument("--out", required=True, metavar="DIR", help="output folder")
    ex.add_argument("--segmenter", choices=SEGMENTERS, default="jieba")
    ex.add_argument("--strict", action="store_true", help="exit non-zero when any article failed")
    ex.set_defaults(func=_cmd_extract)
    rg = sub.add_parser("regress", help="score extraction against the gold files and the committed baseline")
    rg.add_argument("--corpus", default="corpora", help="folder searched for NAME.gold.json files")
    rg.add_argument("--baseline", default="tests/regress_baseline.json")
    rg.add_argument("--update", action="store_true", help="accept the current figures as the new baseline")
    rg.add_argument("--segmenter", choices=SEGMENTERS, default="jieba")
    rg.set_defaults(func=_cmd_regress)
    sc = sub.add_parser("schema", help="print the JSON schema of records, claims and articles")
    sc.set_defaults(func=_cmd_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
