"""The benchmark's table, as `make bench` prints it."""
from __future__ import annotations

from .targets import scaling_bounds


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if v >= 1000:
            return f"{v:,.0f}{unit}"
        if v >= 100:
            return f"{v:.0f}{unit}"
        return f"{v:.2f}{unit}"
    return f"{v}{unit}"


def format_table(r: dict) -> str:
    c = r["corpus"]
    jb = r["jieba"]
    pk = r.get("pkuseg")
    cores = r["machine"]["cores"]
    lines = [f"benchmark corpus: {c['articles']:,} articles, {c['chars']:,} characters, {c['text_mib']} MiB "
             f"of text (from {c['sources']} articles, seed {c['seed']}); machine: {cores} cores"]
    if pk:
        pc = r["pkuseg_corpus"]
        lines.append(f"pkuseg measured on the first {pc['articles']:,} articles ({pc['chars']:,} characters, "
                     f"{pc['text_mib']} MiB) of the same corpus")
    rows = [("measure", "jieba", "pkuseg (slice)")]

    def col(res, key, sub, unit=""):
        if res is None or key not in res:
            return "-"
        return _fmt(res[key].get(sub), unit)

    for key in [k for k in jb if k.startswith("jobs")]:
        j = jb[key]["jobs"]
        label = f"--jobs {j}" + (" (all cores)" if j == cores else "")
        rows.append((f"{label}: wall time", col(jb, key, "wall_s", " s"), col(pk, key, "wall_s", " s")))
        rows.append((f"{label}: characters/s", col(jb, key, "chars_per_s"), col(pk, key, "chars_per_s")))
        rows.append((f"{label}: articles/s", col(jb, key, "articles_per_s"), col(pk, key, "articles_per_s")))
        rows.append((f"{label}: CPU s / wall s (load avg before)",
                     f"{col(jb, key, 'cpu_per_wall')} ({col(jb, key, 'load_before')})",
                     f"{col(pk, key, 'cpu_per_wall')} ({col(pk, key, 'load_before')})"))
    b = r["baseline_jieba"]
    bs = r.get("baseline_slice", {})
    runs = b.get("runs_chars_per_s") or []
    rows.append(("baseline plain jieba.lcut, 1 process: chars/s"
                 + (f" (mean of {', '.join(_fmt(x) for x in runs)}: before and after the runs)" if runs else ""),
                 _fmt(b["chars_per_s"]), _fmt(bs.get("jieba_chars_per_s"))))
    spin = r.get("machine_parallel")
    if spin:
        rows.append((f"machine: {spin['procs']} pure-Python loops at once / 1 loop (ceiling of --jobs scaling)",
                     _fmt(spin["capacity"], "x"), ""))
    rows.append(("baseline plain pkuseg.cut, 1 process: chars/s", "-", _fmt(bs.get("pkuseg_chars_per_s"))))
    cl = r.get("segment_less_ceiling")
    for name, f in (cl or {}).get("filters", {}).items():
        rows.append((f"segmenting only sentences with an amount, a count or {name}: their share / ceiling",
                     f"{_fmt(100 * f['relevant_share'], '%')} / {_fmt(f['ceiling'], 'x')}", ""))
    one = jb["jobs1"]["chars_per_s"]
    rows.append(("ratio --jobs 1 / plain jieba.lcut", _fmt(one / b["chars_per_s"], "x"),
                 _fmt(pk["jobs1"]["chars_per_s"] / bs["jieba_chars_per_s"], "x") if pk else "-"))
    if pk:
        rows.append(("ratio --jobs 1 / plain pkuseg.cut", "-",
                     _fmt(pk["jobs1"]["chars_per_s"] / bs["pkuseg_chars_per_s"], "x")))
    if "jobs2" in jb:
        rows.append(("scaling --jobs 2 / --jobs 1", _fmt(jb["jobs2"]["chars_per_s"] / one, "x"),
                     _fmt(pk["jobs2"]["chars_per_s"] / pk["jobs1"]["chars_per_s"], "x") if pk else "-"))
        rows.append(("serial seconds of a run (wall minus the extraction phase), --jobs 1 / --jobs 2",
                     f"{col(jb, 'jobs1', 'serial_s', ' s')} / {col(jb, 'jobs2', 'serial_s', ' s')}",
                     f"{col(pk, 'jobs1', 'serial_s', ' s')} / {col(pk, 'jobs2', 'serial_s', ' s')}" if pk else "-"))
        bound = scaling_bounds(r)
        if bound:
            rows.append(("scaling bound from --jobs 1's serial part: 2 whole cores / the host's capacity",
                         f"{_fmt(bound['two_cores'], 'x')} / {_fmt(bound.get('host'), 'x')}", ""))
    rows.append(("outputs identical for every --jobs", str(jb["identical_outputs"]),
                 str(pk["identical_outputs"]) if pk else "-"))
    rows.append(("peak memory, --jobs 1 process (VmHWM)", col(jb, "jobs1", "main_peak_mb", " MB"),
                 col(pk, "jobs1", "main_peak_mb", " MB")))
    top = f"jobs{cores}"
    if cores > 1:
        rows.append((f"peak memory per pool worker, --jobs {cores} (max)", col(jb, top, "worker_peak_mb", " MB"),
                     col(pk, top, "worker_peak_mb", " MB")))
        rows.append((f"peak memory, --jobs {cores} parent process", col(jb, top, "main_peak_mb", " MB"),
                     col(pk, top, "main_peak_mb", " MB")))
    ld = r["load"]
    rows.append((f"DuckDB load as a run does ({ld['records']:,} records, {ld['claims']:,} claims, "
                 f"{ld['articles']:,} articles): records/s", _fmt(ld["records_per_s"]), ""))
    steps = ld.get("steps_seconds")
    if steps:
        rows.append(("  its steps, seconds: " + ", ".join(steps), " / ".join(_fmt(v) for v in steps.values()), ""))
    rows.append(("packing results into JSONL lines + Arrow (in the workers): records/s",
                 _fmt(ld["pack_records_per_s"]), ""))
    rows.append(("records table alone, one ready Arrow table, insert + commit + checkpoint: records/s",
                 _fmt(ld.get("records_only_per_s")), ""))
    eng = r.get("engine_dask") or {}
    if "chars_per_s" in eng:
        rows.append((f"dask engine, local cluster, {eng['workers']} workers, {eng['chars']:,}-char slice: chars/s",
                     _fmt(eng["chars_per_s"]), ""))
        rows.append((f"plain --jobs {eng['workers']} on the same slice: chars/s", _fmt(eng["plain_chars_per_s"]), ""))
    elif eng:
        rows.append(("dask engine", "skipped" if "skipped" in eng else "failed (see bench.json)", ""))
    cj = r["cold_start_jieba"]
    cp = r.get("cold_start_pkuseg")
    rows.append((f"cold start, one article ({cj['chars']} chars), median of {len(cj['runs_s'])}", _fmt(cj["median_s"], " s"),
                 _fmt(cp["median_s"], " s") if cp else "-"))
    sc = r.get("scale") or {}
    mx = sc.get("mixed")
    if mx:
        mc = mx["corpus"]
        rows.append((f"mixed corpus ({mc['articles']:,} articles, {mc['investment_articles']:,} about investment, "
                     f"{mc['text_mib']} MiB): --jobs 1 chars/s / plain jieba.lcut chars/s",
                     f"{_fmt(mx['jobs1_chars_per_s'])} / {_fmt(mx['jieba_chars_per_s'])}", ""))
        rows.append(("ratio --jobs 1 / plain jieba.lcut, mixed corpus", _fmt(mx["ratio_to_jieba"], "x"), ""))
    rows.append(("storing (inserts, commits, checkpoints) / wall, --jobs 1", _fmt(100 * (jb["jobs1"].get("store_share") or 0), "%"), ""))
    for kind, label in (("plain", "plain run"), ("append", f"--db append of {(sc.get('new_corpus') or {}).get('text_mib', '?')} MiB")):
        for size in ("small", "big"):
            m = sc.get(f"{kind}_{size}")
            if not m:
                continue
            what = f"{m['corpus_mib']:g} MiB" if kind == "plain" else \
                f"to the database of {sc['plain_' + size]['corpus_mib']:g} MiB"
            rows.append((f"memory, {label} {what}, --jobs {sc['jobs']}: tree peak PSS (RSS sum) / while extracting / "
                         f"closing phase", f"{_fmt(m['tree_pss_peak_mb'], ' MB')} ({_fmt(m['tree_rss_peak_mb'], ' MB')}) / "
                         f"{_fmt(m['run_peak_mb'], ' MB')} / {_fmt(m['closing_peak_mb'], ' MB')}", ""))
    for size in ("small", "big"):
        rr, one = sc.get(f"rerun_{size}"), sc.get(f"one_{size}")
        base = sc.get(f"plain_{size}")
        if rr and base:
            rows.append((f"the same {base['corpus_mib']:g} MiB dump again into its --db (all unchanged): wall / "
                         f"share of the first run / closing phase", f"{_fmt(rr['wall_s'], ' s')} / "
                         f"{_fmt(100 * rr['share_of_first'], '%')} / {_fmt(rr['phases']['close_s'], ' s')}", ""))
        if one and base:
            rows.append((f"one new article into the database of {base['corpus_mib']:g} MiB: wall / tree peak PSS / "
                         f"closing phase", f"{_fmt(one['wall_s'], ' s')} / {_fmt(one['tree_pss_peak_mb'], ' MB')} / "
                         f"{_fmt(one['phases']['close_s'], ' s')}", ""))
    de = sc.get("engine_dask_big") or {}
    if "per_worker_articles_per_s" in de:
        rows.append((f"dask engine, local cluster, {de['workers']} workers, {de['corpus_mib']:g} MiB: articles/s per worker",
                     _fmt(de["per_worker_articles_per_s"]), ""))
    pj = r.get("projection")
    if pj:
        rows.append((f"projection: hours for one million articles, --jobs {pj['jobs']} (a whole paper's dump / "
                     f"investment articles only)", f"{_fmt(pj['hours_mixed'], ' h')} / "
                     f"{_fmt(pj['hours_investment_only'], ' h')}", ""))
    w = [max(len(x[i]) for x in rows) for i in range(3)]
    out = lines + [""]
    for i, row in enumerate(rows):
        out.append(f"{row[0]:<{w[0]}}  {row[1]:>{w[1]}}  {row[2]:>{w[2]}}")
        if i == 0:
            out.append("-" * (sum(w) + 4))
    out.append("")
    out.append("targets (issues 14 and 17):")
    for t in r["targets"]:
        mark = "holds " if t["holds"] else "FAILS "
        note = f"  ({t['note']})" if t["note"] else ""
        out.append(f"  {mark} {t['target']}: {t['value']} (limit {t['limit']}){note}")
    if r.get("code_changed_during_bench"):
        out.append("  WARNING: the extraction code or rules changed while the bench ran: the runs measured "
                   "different versions, rerun it")
    out.append(f"\nwhole bench: {r['bench_seconds']:.0f} s")
    return "\n".join(out)
