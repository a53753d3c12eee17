"""`make bench`: throughput, memory, load rate and cold start of the pipeline, measured in one run.

    python -m pipeline.bench [--mb 20] [--out outputs] [--pkuseg-mb 2] [--seed N]

1. Builds a deterministic benchmark corpus (a seeded RNG) of at least `--mb` MiB of article text
   as `OUT/bench/corpus-<mb>mb-seed<seed>.jsonl.gz`: every article of corpora/*.txt and
   corpora/dev/*.txt, over and over, each time as a new variant: its companies replaced by
   generated names (syllables + industry + 集团/有限公司/科技公司...), its city and counties by
   another real city and its counties (rules/places/divisions.tsv), its amounts before 亿元/万元
   scaled by a factor of the variant, its years shifted; sentences and structure are kept. Every
   variant has its own text (no two content hashes are equal, so none is skipped as a duplicate).
2. Measures, each in its own process:
   - `python -m pipeline extract CORPUS --jobs 1` and `--jobs <all cores>` end to end (process
     start to exit), each twice in the order 1, N, N, 1 (this host's speed drifts within minutes;
     the ABBA order cancels a steady drift): wall time (mean of the two), characters/s,
     articles/s; the outputs of all runs must be byte-identical;
   - the baseline: plain `jieba.lcut` over the same texts in one process (dictionary loaded
     before the clock starts), before and again after the extraction runs (the machine's speed
     drifts), and the ratio of our single-worker throughput to their mean;
   - the ceiling of segmenting less: on the `--pkuseg-mb` slice, plain `jieba.lcut` over only the
     sentences with an amount, a count or a signing word (and, wider, any stage word) against
     `jieba.lcut` over all the text: what skipping the other sentences could give at most;
   - the machine's parallel capacity: one pure-Python loop alone, then one per core at once;
   - peak memory: VmHWM of the single process of the --jobs 1 run and of every pool worker of
     the --jobs N run (sampled from /proc while it runs), plus the wait4() max RSS;
   - DuckDB load rate: at least 500,000 records (the run's records, claims and articles,
     re-labelled under new article ids), packed as the workers pack them (timed apart), then
     stored through `pipeline.write.Store.add_packed`, `batch.COMMIT_EVERY` articles per
     transaction, as the parent of a run does, with the seconds of each step (inserts per table,
     commits, the final checkpoint);
   - cold start: `python -m pipeline extract one.txt --out DIR --jobs 1`, process start to exit,
     median of 5, measured first (before the heavy runs evict the page cache);
   - the same with `--segmenter pkuseg`, on the first `--pkuseg-mb` MiB of the corpus (pkuseg is
     several times slower), against plain `jieba.lcut` and plain `pkuseg.cut` over that slice.
3. Prints a table, writes `OUT/bench.json`, and says for each target of issue 7 whether it holds.

Never run by `make test` (tests/test_bench.py checks the corpus builder only, and times nothing).
"""
