"""`make bench`: throughput, memory, storing share and cold start of the pipeline, measured in one run.

    python -m pipeline.bench [--mb 20] [--big-mb 320] [--out outputs] [--pkuseg-mb 2] [--seed N]

Modules: corpus.py builds the corpora, measure.py runs each measurement in its own process,
targets.py holds the targets and verdicts (issues 14 and 17), report.py prints the table, run.py runs it all.

1. Builds deterministic corpora (a seeded RNG) under `OUT/bench/`:
   - the investment-only corpus of at least `--mb` MiB (`corpus-<mb>mb-seed<seed>.jsonl.gz`):
     every article of corpora/*.txt and corpora/dev/*.txt, over and over, each time as a new
     variant (companies replaced by generated names, city and counties by another real city and
     its counties, amounts scaled, years shifted; sentences and structure kept);
   - the mixed corpus of the same size (`corpus-mixed-...`): a whole paper's dump, where one
     article in five is such a variant and the others are variants of corpora/other/ (other news
     in 13 sections: politics, sports, courts, weather, economy news with money that is no
     signing...);
   - the large dump of `--big-mb` MiB (default 320) and 2 MiB of new articles to append.
2. Measures, each in its own process:
   - `python -m pipeline extract CORPUS --jobs 1` and `--jobs <all cores>` end to end, in the
     order 1, N, N, 1 (the host drifts; ABBA cancels a steady drift): wall time, characters/s,
     articles/s, the outputs byte-identical; the run's phases (`--timings`), storing included
     (inserts, commits, checkpoints: `store_s`);
   - plain `jieba.lcut` over the same texts, before and after the runs, and the ratios: on the
     investment-only corpus and on the mixed one;
   - the host's parallel capacity (one pure-Python loop, then one per core at once);
   - peak memory of the whole process tree (parent and workers; PSS, which counts shared pages
     once, and the RSS sum) sampled from /proc, at the two dump sizes, for a plain run, a `--db`
     run appending the new articles to the database of that dump, and the closing phase;
   - cold start for one article (median of 5), the pkuseg runs on the `--pkuseg-mb` slice, the
     Dask engine on that slice and on the large dump (per-worker throughput);
   - the same dump again into its database (every article unchanged) and one new article into
     it, at the two sizes (issue 17);
   - a projection: hours for one million articles of a whole paper's dump on this machine.
3. Prints a table, writes `OUT/bench.json`, and says for each target of issues 14 and 17 whether it holds.

Never run by `make test` (tests/test_bench.py checks the corpus builders; tests/test_pass_over.py
checks on a mixed slice that passing over changes no output; nothing is timed in a test).
"""
