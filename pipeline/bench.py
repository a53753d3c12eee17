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
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
DIVISIONS = ROOT / "rules" / "places" / "divisions.tsv"
MIB = 1 << 20
SEED = 20240607
DEFAULT_MB = 20
DEFAULT_PKUSEG_MB = 2
LOAD_RECORDS = 500_000

TARGETS = {
    "ratio_to_jieba": 2.0,          # single worker / plain jieba.lcut
    "scaling_1_to_2": 1.8,          # --jobs 2 / --jobs 1
    "worker_peak_mb": 500.0,        # jieba
    "load_records_per_s": 300_000.0,
    "cold_start_s": 2.0,
}

# --- the benchmark corpus ------------------------------------------------------------------------

SYLLABLES = list("华恒瑞鑫泰达丰盛德源宏远新天正信和隆润嘉锦中金汇联创博通安凯荣昌益康明辉祥立弘旭腾飞宇晨"
                 "东方南北海航科星辰云峰岳川湘楚越秦晋豫皖闽粤蜀滇黔桂琼辽吉黑燕赣沪津渝甘宁青藏")
PREFIXES = ["", "", "", "北京", "上海", "深圳", "广州", "杭州", "苏州", "南京", "武汉", "成都", "重庆", "西安",
            "天津", "青岛", "宁波", "厦门", "合肥", "长沙", "郑州", "济南", "江苏", "浙江", "广东", "山东",
            "福建", "湖南", "湖北", "四川", "香港", "新加坡", "德国", "日本"]
INDUSTRIES = ["新材料", "智能装备", "电子", "生物医药", "新能源", "食品", "物流", "汽车零部件", "纺织", "化工",
              "光电", "环保", "半导体", "医疗器械", "数据", "精密机械", "农业发展", "文旅", "建材", "储能"]
SUFFIXES = ["集团", "有限公司", "科技公司", "股份有限公司", "科技有限公司", "集团有限公司"]

AMOUNT_RE = regex.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?=\s*(?:多|余)?\s*[亿億万萬]\s*(?:元|圓|美元|欧元|歐元|港元|港币|日元|英镑))")
YEAR_RE = regex.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?=\s*年)")


def source_articles() -> list:
    """The articles the corpus is built from: corpora/*.txt and corpora/dev/*.txt, sorted."""
    from .read import read_txt
    paths = sorted(CORPORA.glob("*.txt")) + sorted((CORPORA / "dev").glob("*.txt"))
    out = []
    for p in paths:
        raw = read_txt(p)
        if raw.error is None and raw.text and raw.text.strip():
            out.append(raw)
    if not out:
        raise SystemExit(f"no articles under {CORPORA}")
    return out


def _gold_companies(raw) -> list[str]:
    """Company names of the article's gold file that occur in its text (longest first)."""
    gold = Path(raw.origin).with_name(Path(raw.origin).name[: -len(".txt")] + ".gold.json")
    names: set[str] = set()
    if gold.exists():
        data = json.loads(gold.read_text(encoding="utf-8"))
        for rec in data.get("records", []):
            for name in (rec.get("company") or "").split("、"):
                if len(name) >= 3 and name in raw.text:
                    names.add(name)
    return sorted(names, key=lambda n: (-len(n), n))


@dataclass
class Division:
    code: str
    name: str
    level: str
    city_code: str
    short_forms: list[str]


def load_divisions() -> tuple[dict[str, Division], dict[str, list[Division]]]:
    """Current county- and city-level units by full name; counties by city code."""
    by_name: dict[str, Division] = {}
    counties: dict[str, list[Division]] = {}
    with open(DIVISIONS, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or line.startswith("code\t"):
                continue
            code, name, level, _city, city_code, _prov, _pcode, short, status = line.rstrip("\n").split("\t")[:9]
            if status != "current" or level not in ("city", "county"):
                continue
            d = Division(code, name, level, city_code, [s for s in short.split("|") if len(s) >= 2])
            by_name.setdefault(name, d)
            if level == "county":
                counties.setdefault(city_code, []).append(d)
    return by_name, counties


def company_names(seed: int) -> list[str]:
    """A deterministic, shuffled list of distinct generated company names to rotate through."""
    rng = random.Random(seed)
    names = set()
    out = []
    while len(out) < 20_000:
        a, b = rng.sample(SYLLABLES, 2)
        name = rng.choice(PREFIXES) + a + b + rng.choice(INDUSTRIES) + rng.choice(SUFFIXES)
        if name not in names:
            names.add(name)
            out.append(name)
    return out


class Variator:
    """Makes variant n of a source article: new companies, places, amounts and years."""

    def __init__(self, sources: list, seed: int = SEED):
        self.sources = sources
        self.seed = seed
        self.names = company_names(seed)
        self.next_name = 0
        self.by_name, self.counties = load_divisions()
        self.cities = sorted(c for c in self.counties if len(self.counties[c]) >= 4)
        self.city_of = {d.code: d for d in self.by_name.values() if d.level == "city"}
        self.plans = [self._plan(raw) for raw in sources]

    def _plan(self, raw) -> dict:
        text = raw.text + "\n" + (raw.title or "")
        places = [d for name, d in self.by_name.items() if len(name) >= 3 and name in text]
        region = self.by_name.get(raw.region or "")
        if region is not None and region not in places:
            places.append(region)
        places.sort(key=lambda d: (d.level != "city", d.code))
        return {"companies": _gold_companies(raw), "places": places}

    def _place_map(self, places: list[Division], rng: random.Random) -> dict[str, str]:
        mapping: dict[str, str] = {}
        city_code = rng.choice(self.cities)
        pool = list(self.counties[city_code])
        rng.shuffle(pool)
        k = 0
        first_city = True
        for d in places:
            if d.level == "city":
                # the first city named becomes the chosen city, any other one some other city
                code = city_code if first_city else rng.choice(self.cities)
                first_city = False
                target = self.city_of.get(code) or pool[0]
            else:
                target = pool[k % len(pool)]
                k += 1
            mapping[d.name] = target.name
            short = target.short_forms[0] if target.short_forms else target.name
            for s in d.short_forms:
                mapping.setdefault(s, short)
        return mapping

    def variant(self, n: int) -> dict:
        """Variant n (0, 1, 2...) of source article n % len(sources): a JSONL article object."""
        raw = self.sources[n % len(self.sources)]
        plan = self.plans[n % len(self.sources)]
        rng = random.Random(f"{self.seed}:{n}")
        mapping = self._place_map(plan["places"], rng)
        for name in plan["companies"]:
            mapping[name] = self.names[self.next_name % len(self.names)]
            self.next_name += 1
        keys = sorted(mapping, key=lambda s: (-len(s), s))
        names_re = regex.compile("|".join(regex.escape(k) for k in keys)) if keys else None
        factor = round(math.exp(rng.uniform(math.log(0.2), math.log(5.0))), 2)
        shift = rng.choice([-6, -5, -4, -3, -2, -1, 1, 2, 3, 4])

        def scale(m) -> str:
            s = m.group(1)
            decimals = len(s.split(".")[1]) if "." in s else 0
            v = float(s) * factor
            if decimals:
                out = f"{v:.{decimals}f}"
                return out if float(out) > 0 else "0." + "0" * (decimals - 1) + "1"
            return str(max(1, round(v)))

        def year(m) -> str:
            return str(int(m.group(1)) + shift)

        def vary(s: str | None) -> str | None:
            if not s:
                return s
            if names_re is not None:
                s = names_re.sub(lambda m: mapping[m.group(0)], s)
            return YEAR_RE.sub(year, AMOUNT_RE.sub(scale, s))

        date = raw.date
        if date and regex.match(r"^\d{4}", date):
            y = int(date[:4]) + shift
            date = f"{y}{date[4:]}"
            if date[4:10] == "-02-29" and not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
                date = f"{y}-02-28{date[10:]}"
        region = mapping.get(raw.region, raw.region) if raw.region else raw.region
        return {"id": f"{raw.id}~v{n:06d}", "title": vary(raw.title), "date": date, "source": raw.source,
                "region": region, "text": vary(raw.text)}


def build_corpus(path: Path, mb: float = DEFAULT_MB, seed: int = SEED) -> dict:
    """Write the benchmark corpus (at least `mb` MiB of UTF-8 article text) as a deterministic
    .jsonl.gz; returns its figures."""
    v = Variator(source_articles(), seed)
    target = int(mb * MIB)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = n_bytes = n_chars = 0
    hashes: set[str] = set()
    rerolls = 0
    digest = hashlib.sha256()
    with open(tmp, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=6) as gz:
        k = 0
        while n_bytes < target:
            art = v.variant(k)
            k += 1
            h = hashlib.sha256(art["text"].encode("utf-8")).hexdigest()
            if h in hashes:          # the same text again (an article with nothing to vary): skip it
                rerolls += 1
                if rerolls > 1000 + k // 10:
                    raise SystemExit("the corpus builder keeps producing the same texts")
                continue
            hashes.add(h)
            line = json.dumps(art, ensure_ascii=False) + "\n"
            data = line.encode("utf-8")
            gz.write(data)
            digest.update(data)
            n += 1
            n_bytes += len(art["text"].encode("utf-8"))
            n_chars += len(art["text"])
    os.replace(tmp, path)
    return {"path": str(path), "articles": n, "text_bytes": n_bytes, "text_mib": round(n_bytes / MIB, 2),
            "chars": n_chars, "sources": len(v.sources), "seed": seed, "sha256": digest.hexdigest()[:16]}


def iter_corpus(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def write_slice(src: Path, dst: Path, mb: float) -> dict:
    """The first articles of a corpus making at least `mb` MiB of text."""
    n = n_bytes = n_chars = 0
    with open(dst, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        for art in iter_corpus(src):
            if n_bytes >= mb * MIB:
                break
            gz.write((json.dumps(art, ensure_ascii=False) + "\n").encode("utf-8"))
            n += 1
            n_bytes += len(art["text"].encode("utf-8"))
            n_chars += len(art["text"])
    return {"path": str(dst), "articles": n, "text_bytes": n_bytes, "text_mib": round(n_bytes / MIB, 2),
            "chars": n_chars}


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
    maxrss_mb: float | None = None
    cpu_s: float | None = None          # user + system time of the process and its children
    load_before: float | None = None    # 1-minute load average just before the start


def run_measured(cmd: list[str], cwd: Path = ROOT, env: dict | None = None) -> ProcRun:
    """Run a command; wall time from start to exit, VmHWM of it and of its children (sampled)."""
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-stderr-{os.getpid()}.txt"
    hwm: dict[int, int] = {}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with open(err_path, "w+b") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for pid in [proc.pid] + _children(proc.pid):
                    kb = _status_kb(pid, "VmHWM")
                    if kb is not None:
                        hwm[pid] = max(hwm.get(pid, 0), kb)
                done.wait(0.05)

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
                   sorted(v / 1024 for v in hwm.values()), ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime, load)


def run_cli(inputs: list[str], out: Path, jobs: int, segmenter: str) -> ProcRun:
    """A plain run; its phase timings (--timings) are in out/../<out name>.timings.json."""
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "pipeline", "extract", *inputs, "--out", str(out), "--jobs", str(jobs),
           "--segmenter", segmenter, "--quiet", "--timings", str(_timings_path(out))]
    r = run_measured(cmd)
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


def _sub(mode: str, *args: str) -> dict:
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
    from .rules import load_toml

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
    from .sentences import split_sentences

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

    from .normalise import normalise

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

    from .batch import CHUNK, COMMIT_EVERY
    from .extract import ArticleResult
    from .models import Article, Claim, Record
    from .write import Store, _select, pack

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

def _rate(n: float, s: float) -> float:
    return n / s if s > 0 else float("nan")


def _cold_start(out_dir: Path, segmenter: str, runs: int = 3) -> dict:
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


def _extract_pair(corpus: dict, work: Path, segmenter: str, cores: int, repeat: bool = False) -> dict:
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
            "chars_per_s": _rate(corpus["chars"], wall), "articles_per_s": _rate(corpus["articles"], wall),
            "main_peak_mb": max(entry.get("main_peak_mb") or 0, r.main_hwm_mb or 0),
            "maxrss_mb": max(entry.get("maxrss_mb") or 0, r.maxrss_mb or 0),
            "cpu_s": r.cpu_s, "cpu_per_wall": _rate(r.cpu_s, r.wall), "load_before": r.load_before,
            "summary": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""})
        # the serial part of the run: process wall time minus the extraction phase, which is the
        # part --jobs spreads over the workers
        phases = json.loads(_timings_path(out).read_text(encoding="utf-8"))
        phases["serial_s"] = round(r.wall - phases["extract_s"], 3)
        entry["phases_runs"] = entry.get("phases_runs", []) + [phases]
        entry["serial_s"] = statistics.fmean(p["serial_s"] for p in entry["phases_runs"])
        entry["extract_phase_s"] = statistics.fmean(p["extract_s"] for p in entry["phases_runs"])
        if jobs > 1 and r.children_hwm_mb:
            peaks = entry.get("worker_peaks_mb", []) + [round(x, 1) for x in r.children_hwm_mb]
            entry["worker_peaks_mb"] = peaks
            entry["worker_peak_mb"] = max(peaks)
        if jobs == 1:
            entry["records"] = _count_lines(out / "records.jsonl")
            entry["claims"] = _count_lines(out / "claims.jsonl")
        res[f"jobs{jobs}"] = entry
        print(f"  {segmenter} --jobs {jobs}: {r.wall:.1f}s, {_rate(corpus['chars'], r.wall):,.0f} chars/s",
              file=sys.stderr)
    res["identical_outputs"] = len(set(digests.values())) == 1
    res["outputs_sha256"] = digests
    res["order"] = order
    return res


def _engine_run(corpus: dict, work: Path, cores: int) -> dict:
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
                      "--workers", str(cores)])
    if r.returncode != 0:
        return {"failed": r.stderr[-2000:]}
    plain = run_cli([corpus["path"]], work / "engine-plain", cores, "jieba")
    return {"workers": cores, "chars": corpus["chars"], "articles": corpus["articles"], "wall_s": r.wall,
            "chars_per_s": _rate(corpus["chars"], r.wall), "plain_wall_s": plain.wall,
            "plain_chars_per_s": _rate(corpus["chars"], plain.wall), "cpu_s": r.cpu_s,
            "summary": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""}


def run_bench(mb: float, out_dir: Path, pkuseg_mb: float, seed: int, skip_pkuseg: bool = False,
              keep: bool = False) -> dict:
    from .batch import default_jobs, extractor_version

    cores = default_jobs()
    version_at_start = extractor_version.__wrapped__()
    work = out_dir / "bench"
    work.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    print(f"building the benchmark corpus ({mb} MiB)...", file=sys.stderr)
    t0 = time.perf_counter()
    corpus = build_corpus(work / f"corpus-{mb:g}mb-seed{seed}.jsonl.gz", mb, seed)
    corpus["build_s"] = time.perf_counter() - t0
    pk_corpus = write_slice(Path(corpus["path"]), work / f"corpus-{pkuseg_mb:g}mb-slice.jsonl.gz", pkuseg_mb)

    # cold start first, on a quiet machine: after the load step (gigabytes of results in one
    # process) the page cache of the installed packages is partly gone and a start reads them
    # from disk again, which is not what a user running one press release sees
    print("cold start...", file=sys.stderr)
    cold = _cold_start(work, "jieba", runs=5)

    print("baseline: plain jieba.lcut...", file=sys.stderr)
    base = _sub("_baseline", corpus["path"], str(pk_corpus["articles"]), "0" if skip_pkuseg else "1")

    print("the ceiling of segmenting less: jieba.lcut on the relevant sentences only...", file=sys.stderr)
    ceiling = _sub("_ceiling", pk_corpus["path"])
    spin = _sub("_spin", str(cores), "20000000") if cores > 1 else None
    print("extraction, jieba...", file=sys.stderr)
    jb = _extract_pair(corpus, work, "jieba", cores, repeat=True)
    # the machine's speed drifts (shared host): the baseline again, right after the runs it is
    # compared with; the ratio uses the mean of both
    print("baseline again: plain jieba.lcut...", file=sys.stderr)
    base2 = _sub("_baseline", corpus["path"], str(pk_corpus["articles"]), "0")
    print("DuckDB load...", file=sys.stderr)
    load = _sub("_load", str(work / "jieba-jobs1" / "records.jsonl"), str(LOAD_RECORDS), str(work))
    for p in work.glob("load*.duckdb*"):
        p.unlink()

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cores": cores, "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "extractor_version": version_at_start,
        "corpus": corpus,
        "baseline_jieba": {**base, "chars_per_s": _rate(2 * base["chars"], base["seconds"] + base2["seconds"]),
                           "articles_per_s": _rate(2 * base["articles"], base["seconds"] + base2["seconds"]),
                           "runs_chars_per_s": [_rate(base["chars"], base["seconds"]),
                                                _rate(base2["chars"], base2["seconds"])]},
        "machine_parallel": spin,
        "segment_less_ceiling": ceiling,
        "jieba": jb,
        "load": {**load, "records_per_s": _rate(load["records"], load["store_seconds"]),
                 "pack_records_per_s": _rate(load["records"], load["pack_seconds"]),
                 "records_only_per_s": _rate(load["records"], load["records_only_seconds"])},
        "cold_start_jieba": cold,
    }
    if not skip_pkuseg:
        print(f"extraction, pkuseg ({pk_corpus['text_mib']} MiB slice)...", file=sys.stderr)
        pk = _extract_pair(pk_corpus, work, "pkuseg", cores)
        result["pkuseg_corpus"] = pk_corpus
        result["pkuseg"] = pk
        result["baseline_slice"] = {
            "chars": base["slice_chars"], "articles": base["slice_articles"],
            "jieba_chars_per_s": _rate(base["slice_chars"], base["slice_seconds"]),
            "pkuseg_chars_per_s": _rate(base["slice_chars"], base["pkuseg_slice_seconds"]),
        }
        result["cold_start_pkuseg"] = _cold_start(work, "pkuseg")
    shutil.rmtree(work / "cold", ignore_errors=True)
    print(f"dask engine, local cluster ({pk_corpus['text_mib']} MiB slice)...", file=sys.stderr)
    result["engine_dask"] = _engine_run(pk_corpus, work, cores)
    if not keep:          # the runs' outputs (about 250 MB); the corpus stays
        for d in ("jieba-jobs1", "jieba-jobs2", f"jieba-jobs{cores}", "pkuseg-jobs1", "pkuseg-jobs2",
                  f"pkuseg-jobs{cores}", "engine-dask", "engine-plain"):
            shutil.rmtree(work / d, ignore_errors=True)
    version_at_end = extractor_version.__wrapped__()
    result["extractor_version_at_end"] = version_at_end
    result["code_changed_during_bench"] = version_at_end != version_at_start
    result["targets"] = check_targets(result)
    result["bench_seconds"] = time.perf_counter() - t_all
    return result


def check_targets(r: dict) -> list[dict]:
    jb = r["jieba"]
    one = jb["jobs1"]
    out = []

    def target(name: str, value, limit, holds: bool, note: str = "") -> None:
        out.append({"target": name, "value": value, "limit": limit, "holds": bool(holds), "note": note})

    ratio = one["chars_per_s"] / r["baseline_jieba"]["chars_per_s"]
    cl = (r.get("segment_less_ceiling") or {}).get("filters", {}).get("a signing word")
    note = (f"jieba.lcut on only the sentences with an amount, a count or a signing word ({cl['relevant_share']:.0%} "
            f"of the characters) is {cl['ceiling']:.2f}x jieba.lcut on all of them: the most segmenting less "
            f"can give, with matching, reading and writing free" if cl else "")
    target("single worker >= 2x plain jieba.lcut", round(ratio, 3), TARGETS["ratio_to_jieba"],
           ratio >= TARGETS["ratio_to_jieba"], note)
    if "jobs2" in jb:
        sc = jb["jobs2"]["chars_per_s"] / one["chars_per_s"]
        spin = r.get("machine_parallel") or {}
        note = (f"this machine runs {spin['procs']} pure-Python loops at once at {spin['capacity']:.2f}x one loop"
                if spin.get("capacity") else "")
        bound = scaling_bounds(r)
        if bound:
            note += (f"{'; ' if note else ''}the serial part of --jobs 1 ({one['serial_s']:.1f} s) bounds it "
                     f"at {bound['two_cores']:.2f}x on two whole cores")
        target("--jobs 2 >= 1.8x --jobs 1", round(sc, 3), TARGETS["scaling_1_to_2"], sc >= TARGETS["scaling_1_to_2"],
               note)
    else:
        target("--jobs 2 >= 1.8x --jobs 1", None, TARGETS["scaling_1_to_2"], False, "one core only: not measurable")
    target("output identical whatever --jobs", jb["identical_outputs"], True, jb["identical_outputs"])
    peaks = [e.get("worker_peak_mb") or 0.0 for k, e in jb.items() if k.startswith("jobs") and k != "jobs1"]
    if peaks:
        peak = max(peaks)
        target("peak memory per worker <= 500 MB (jieba)", round(peak, 1), TARGETS["worker_peak_mb"],
               peak <= TARGETS["worker_peak_mb"],
               f"largest pool worker; the --jobs 1 process, which also holds the DuckDB store, peaked at "
               f"{one['main_peak_mb']:.0f} MB")
    else:
        peak = one["main_peak_mb"] or 0.0
        target("peak memory per worker <= 500 MB (jieba)", round(peak, 1), TARGETS["worker_peak_mb"],
               peak <= TARGETS["worker_peak_mb"], "one core: the --jobs 1 process")
    rate = r["load"]["records_per_s"]
    target("DuckDB load >= 300,000 records/s", round(rate), TARGETS["load_records_per_s"],
           rate >= TARGETS["load_records_per_s"],
           "the parent's Store.add_packed of worker-packed Arrow tables, with their articles and claims, "
           "one transaction per --commit-every articles as a run loads them")
    cs = r["cold_start_jieba"]["median_s"]
    target("cold start for one article < 2 s", round(cs, 3), TARGETS["cold_start_s"], cs < TARGETS["cold_start_s"],
           f"median of {len(r['cold_start_jieba']['runs_s'])} runs")
    return out


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


def scaling_bounds(r: dict) -> dict | None:
    """What --jobs 2 could reach over --jobs 1 given the serial part of the --jobs 1 runs (Amdahl):
    with two whole cores, and with the host's measured parallel capacity. Our code's limit, apart
    from the host's."""
    j1 = r["jieba"].get("jobs1", {})
    if "serial_s" not in j1:
        return None
    wall, serial = j1["wall_s"], j1["serial_s"]
    par = wall - serial
    out = {"two_cores": wall / (serial + par / 2)}
    cap = (r.get("machine_parallel") or {}).get("capacity")
    if cap:
        out["host"] = wall / (serial + par / cap)
    return out


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
    w = [max(len(x[i]) for x in rows) for i in range(3)]
    out = lines + [""]
    for i, row in enumerate(rows):
        out.append(f"{row[0]:<{w[0]}}  {row[1]:>{w[1]}}  {row[2]:>{w[2]}}")
        if i == 0:
            out.append("-" * (sum(w) + 4))
    out.append("")
    out.append("targets (issue 7):")
    for t in r["targets"]:
        mark = "holds " if t["holds"] else "FAILS "
        note = f"  ({t['note']})" if t["note"] else ""
        out.append(f"  {mark} {t['target']}: {t['value']} (limit {t['limit']}){note}")
    if r.get("code_changed_during_bench"):
        out.append("  WARNING: the extraction code or rules changed while the bench ran: the runs measured "
                   "different versions, rerun it")
    out.append(f"\nwhole bench: {r['bench_seconds']:.0f} s")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in MODES:
        print(json.dumps(MODES[argv[0]](*argv[1:])))
        return 0
    p = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=DEFAULT_MB, help="MiB of article text in the corpus (default 20)")
    p.add_argument("--out", default="outputs", help="output folder: bench.json and bench/ (default outputs)")
    p.add_argument("--pkuseg-mb", type=float, default=DEFAULT_PKUSEG_MB,
                   help="MiB of the corpus measured with pkuseg (default 2)")
    p.add_argument("--no-pkuseg", action="store_true", help="skip the pkuseg measurements")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--corpus-only", action="store_true", help="build the corpus and stop")
    p.add_argument("--keep", action="store_true", help="keep the outputs of the measured runs under OUT/bench/")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.corpus_only:
        print(json.dumps(build_corpus(out / "bench" / f"corpus-{args.mb:g}mb-seed{args.seed}.jsonl.gz",
                                      args.mb, args.seed), ensure_ascii=False, indent=1))
        return 0
    result = run_bench(args.mb, out, args.pkuseg_mb, args.seed, skip_pkuseg=args.no_pkuseg, keep=args.keep)
    (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(format_table(result))
    print(f"figures written to {out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
