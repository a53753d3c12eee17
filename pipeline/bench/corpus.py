"""The benchmark corpora: deterministic variants of our articles (names, places, amounts and years
changed), written as gzipped JSONL, and slices of them."""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

import regex



ROOT = Path(__file__).resolve().parent.parent.parent

CORPORA = ROOT / "corpora"

DIVISIONS = ROOT / "rules" / "places" / "divisions.tsv"

MIB = 1 << 20

SEED = 20240607

DEFAULT_MB = 20

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

COUNT_RE = regex.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?=\s*(?:人|名|户|个|家|所|场|次|吨|亩|公里|辆|件|台|起|元|万|%))")
YEAR_RE = regex.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?=\s*年)")


def source_articles(kind: str = "investment") -> list:
    """The articles a corpus is built from, sorted: investment articles (corpora/*.txt and
    corpora/dev/*.txt) or other news (corpora/other/*.txt)."""
    from ..read import read_txt
    if kind == "other":
        paths = sorted((CORPORA / "other").glob("*.txt"))
    else:
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

    def __init__(self, sources: list, seed: int = SEED, kind: str = "investment"):
        self.sources = sources
        self.kind = kind
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
            s = YEAR_RE.sub(year, AMOUNT_RE.sub(scale, s))
            # other news may hold no money: its counts vary too, so that no two variants are equal
            return COUNT_RE.sub(scale, s) if self.kind == "other" else s

        date = raw.date
        if date and regex.match(r"^\d{4}", date):
            y = int(date[:4]) + shift
            date = f"{y}{date[4:]}"
            if date[4:10] == "-02-29" and not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
                date = f"{y}-02-28{date[10:]}"
        region = mapping.get(raw.region, raw.region) if raw.region else raw.region
        mark = "o" if self.kind == "other" else "v"
        return {"id": f"{raw.id}~{mark}{n:06d}", "title": vary(raw.title), "date": date, "source": raw.source,
                "region": region, "text": vary(raw.text)}


def build_corpus(path: Path, mb: float = DEFAULT_MB, seed: int = SEED, mixed: bool = False) -> dict:
    """Write the benchmark corpus (at least `mb` MiB of UTF-8 article text) as a deterministic
    .jsonl.gz; returns its figures. `mixed`: a whole paper's dump, where one article in five
    (INVESTMENT_SHARE) is about investment and the others are variants of corpora/other/ (other
    news: politics, sports, weather, courts, economy with money that is no signing...)."""
    v = Variator(source_articles(), seed)
    other = Variator(source_articles("other"), seed + 1, kind="other") if mixed else None
    n_investment = 0
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
            if other is not None and k % INVESTMENT_EVERY:
                art = other.variant(k)
            else:
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
            n_investment += other is None or "~o" not in art["id"]
    os.replace(tmp, path)
    return {"path": str(path), "articles": n, "text_bytes": n_bytes, "text_mib": round(n_bytes / MIB, 2),
            "chars": n_chars, "sources": len(v.sources) + (len(other.sources) if other else 0), "seed": seed,
            "mixed": mixed, "investment_articles": n_investment, "sha256": digest.hexdigest()[:16]}


INVESTMENT_EVERY = 5         # in a mixed corpus, one article in this many is about investment


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
