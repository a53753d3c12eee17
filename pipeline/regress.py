"""Regression check against hand-made gold files, in the manner of GATE's corpus QA.

Every `NAME.gold.json` under the corpus folder sits beside its article (`NAME.txt` with
`NAME.meta.json`). The check extracts each article, aligns its records and claims with the gold
ones, and reports precision, recall and F1 per field and for whole records and claims, strict
(values equal) and lenient (one name contains the other; a date inside the other's period).
Figures are compared with a committed baseline: any figure below it fails the check.

The headline figures are the ones the team's hidden evaluation reports: amount-bearing records F1
(aligned records whose amounts agree), company right and county right on matched records, the
share of gold companies found in some record, and claims F1.

The real development set (corpora/real, see pipeline/realset.py) keeps its texts out of the
repository: its gold files are scored when the texts are present in texts/, and the report names
the ones that are missing. A run over a parent folder (corpora) leaves the real set out, so that
its figures do not depend on which texts a machine holds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import realset
from .extract import extract_article
from .read import RawArticle, read_txt

FIELDS = ("company", "county", "county_code", "amount", "currency", "project", "stage", "sector", "date")
TEXT_FIELDS = {"company", "county", "project"}


def _norm(v):
    return v.strip() if isinstance(v, str) else v


def field_equal(name: str, g, s, lenient: bool) -> bool:
    g, s = _norm(g), _norm(s)
    if g is None or s is None:
        return g is None and s is None
    if name == "amount":
        return abs(float(g) - float(s)) < 1e-6
    if g == s:
        return True
    if not lenient:
        return False
    if name in TEXT_FIELDS:
        return g in s or s in g
    if name == "date":
        return _periods_overlap(str(g), str(s))
    return False


def _period(v: str) -> tuple[str, str]:
    """A date value as (first, last) comparable strings: 2020-12 → (2020-12-00, 2020-12-99)."""
    a, _, b = v.partition("/")
    b = b or a

    def bound(x: str, low: bool) -> str:
        if "-Q" in x:
            year, q = x.split("-Q")
            month = (int(q) - 1) * 3 + (1 if low else 3)
            x = f"{year}-{month:02d}"
        fill = "-00-00" if low else "-99-99"
        return x + fill[len(x) - 4:] if len(x) < 10 else x

    return bound(a, True), bound(b, False)


def _periods_overlap(g: str, s: str) -> bool:
    (ga, gb), (sa, sb) = _period(g), _period(s)
    return ga <= sb and sa <= gb


def _pair_score(g: dict, s: dict) -> float:
    score = 0.0
    if g.get("company") and s.get("company") and field_equal("company", g["company"], s["company"], True):
        score += 3
    if g.get("amount") is not None and s.get("amount") is not None and field_equal("amount", g["amount"], s["amount"], False):
        score += 3
    if g.get("project") and s.get("project") and field_equal("project", g["project"], s["project"], True):
        score += 2
    if g.get("county") and s.get("county") and field_equal("county", g["county"], s["county"], True):
        score += 1
    return score


def align(gold: list[dict], system: list[dict], score_fn=_pair_score, minimum: float = 3) -> list[tuple[int, int]]:
    """Greedy one-to-one alignment of gold and system items by score (ties: text order)."""
    cands = []
    for i, g in enumerate(gold):
        for j, s in enumerate(system):
            sc = score_fn(g, s)
            if sc >= minimum:
                cands.append((-sc, i, j))
    cands.sort()
    used_g, used_s, pairs = set(), set(), []
    for _, i, j in cands:
        if i in used_g or j in used_s:
            continue
        used_g.add(i)
        used_s.add(j)
        pairs.append((i, j))
    return sorted(pairs)


def _claim_score(g: dict, s: dict) -> float:
    score = 0.0
    if g.get("project_count") is not None and g.get("project_count") == s.get("project_count"):
        score += 2
    gt, st = g.get("total_amount"), s.get("total_amount")
    if gt is not None and st is not None and abs(float(gt) - float(st)) < 1e-6:
        score += 2
    if gt is None and st is None:
        score += 0.5
    return score


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def prf(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


@dataclass
class ArticleReport:
    article_id: str
    problems: list[str] = field(default_factory=list)


def _record_whole_equal(g: dict, s: dict, lenient: bool) -> bool:
    return all(field_equal(f, g.get(f), s.get(f), lenient) for f in ("company", "county", "amount"))


def _claim_whole_equal(g: dict, s: dict) -> bool:
    if g.get("project_count") != s.get("project_count"):
        return False
    gt, st = g.get("total_amount"), s.get("total_amount")
    if gt is None or st is None:
        return gt is None and st is None
    return abs(float(gt) - float(st)) < 1e-6 and (g.get("currency") or "CNY") == (s.get("currency") or "CNY")


def _unmatched(rep: ArticleReport, kind: str, gold: list[dict], system: list[dict],
               matched_gold: set[int], matched_system: set[int], describe) -> None:
    """Note the gold items nobody matched (missing) and the system items that match nothing (spurious)."""
    rep.problems.extend(f"missing {kind}: {describe(g)}" for i, g in enumerate(gold) if i not in matched_gold)
    rep.problems.extend(f"spurious {kind}: {describe(x)} [{x.get('rule')}]"
                        for j, x in enumerate(system) if j not in matched_system)


def evaluate(corpus: Path, segmenter: str = "jieba") -> tuple[dict, list[ArticleReport]]:
    """Extract every gold-annotated article under `corpus` and score it. Returns (figures, reports)."""
    field_counts = {(f, mode): Counts() for f in FIELDS for mode in ("strict", "lenient")}
    whole = {k: Counts() for k in ("records_strict", "records_lenient", "amount_records_strict",
                                   "amount_records_lenient", "claims")}
    headline = {"amount_records": Counts()}
    scored: set[str] = set()
    matched = 0
    company_ok = county_ok = 0
    gold_companies = found_companies = 0
    missing: list[str] = []
    reports: list[ArticleReport] = []
    gold_files = gold_files_of(corpus)
    for gpath in gold_files:
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        raw = article_for(gpath)
        name = gpath.name[: -len(".gold.json")]
        if raw is None and _is_real_entry(gpath):
            missing.append(name)
            continue
        rep = ArticleReport(gold.get("article_id") or name)
        reports.append(rep)
        if raw is None:
            rep.problems.append(f"no article file {name}.txt beside the gold file")
            continue
        res = extract_article(raw, segmenter)
        if res.article.status != "ok":
            rep.problems.append(f"extraction failed: {res.article.error}")
        sys_recs = [r.model_dump() for r in res.records]
        sys_claims = [c.model_dump() for c in res.claims]
        g_recs = gold.get("records", [])
        pairs = align(g_recs, sys_recs)
        pg = {i for i, _ in pairs}
        ps = {j for _, j in pairs}
        _unmatched(rep, "record", g_recs, sys_recs, pg, ps,
                   lambda x: f"{x.get('company')} / {x.get('county')} / {x.get('amount')} / {x.get('project')}")
        for mode in ("strict", "lenient"):
            lenient = mode == "lenient"
            for f in FIELDS:
                c = field_counts[(f, mode)]
                if g_recs and not any(f in g for g in g_recs):
                    continue                  # a field the gold files of this corpus leave out
                scored.add(f)
                for i, j in pairs:
                    g, s = g_recs[i].get(f), sys_recs[j].get(f)
                    if g is None and s is None:
                        continue
                    if field_equal(f, g, s, lenient):
                        c.tp += 1
                    else:
                        if s is not None:
                            c.fp += 1
                        if g is not None:
                            c.fn += 1
                        if not lenient:
                            rep.problems.append(f"wrong {f} for {g_recs[i].get('company') or g_recs[i].get('project')}: gold {g!r}, got {s!r}")
                c.fn += sum(1 for i, g in enumerate(g_recs) if i not in pg and g.get(f) is not None)
                c.fp += sum(1 for j, s in enumerate(sys_recs) if j not in ps and s.get(f) is not None)
            for key, only_amount in ((f"records_{mode}", False), (f"amount_records_{mode}", True)):
                gsel = [g for g in g_recs if not only_amount or g.get("amount") is not None]
                ssel = [s for s in sys_recs if not only_amount or s.get("amount") is not None]
                good = sum(1 for i, j in pairs if _record_whole_equal(g_recs[i], sys_recs[j], lenient)
                           and (not only_amount or g_recs[i].get("amount") is not None))
                whole[key].add(Counts(good, len(ssel) - good, len(gsel) - good))
        for i, j in pairs:
            matched += 1
            company_ok += field_equal("company", g_recs[i].get("company"), sys_recs[j].get("company"), True)
            county_ok += field_equal("county", g_recs[i].get("county"), sys_recs[j].get("county"), True)
        amount_pairs = sum(1 for i, j in pairs if g_recs[i].get("amount") is not None
                           and sys_recs[j].get("amount") is not None
                           and field_equal("amount", g_recs[i]["amount"], sys_recs[j]["amount"], False))
        headline["amount_records"].add(Counts(amount_pairs,
                                              sum(s.get("amount") is not None for s in sys_recs) - amount_pairs,
                                              sum(g.get("amount") is not None for g in g_recs) - amount_pairs))
        for g in g_recs:
            if g.get("company"):
                gold_companies += 1
                found_companies += any(s.get("company") and field_equal("company", g["company"], s["company"], True)
                                       for s in sys_recs)
        g_claims = gold.get("claims", [])
        cpairs = align(g_claims, sys_claims, _claim_score, minimum=2)
        good = sum(1 for i, j in cpairs if _claim_whole_equal(g_claims[i], sys_claims[j]))
        whole["claims"].add(Counts(good, len(sys_claims) - good, len(g_claims) - good))
        cg = {i for i, j in cpairs if _claim_whole_equal(g_claims[i], sys_claims[j])}
        cs = {j for i, j in cpairs if _claim_whole_equal(g_claims[i], sys_claims[j])}
        _unmatched(rep, "claim", g_claims, sys_claims, cg, cs,
                   lambda x: f"{x.get('scope')} {x.get('project_count')} / {x.get('total_amount')}")
    figures = {
        "articles": len(gold_files) - len(missing),
        "headline": {
            "amount_records_f1": headline["amount_records"].prf()["f1"],
            "amount_records_precision": headline["amount_records"].prf()["precision"],
            "amount_records_recall": headline["amount_records"].prf()["recall"],
            "company_right": round(company_ok / matched, 4) if matched else 1.0,
            "county_right": round(county_ok / matched, 4) if matched else 1.0,
            "companies_found": round(found_companies / gold_companies, 4) if gold_companies else 1.0,
            "claims_f1": whole["claims"].prf()["f1"],
            "claims_precision": whole["claims"].prf()["precision"],
            "claims_recall": whole["claims"].prf()["recall"],
        },
        "fields": {f"{f}:{mode}": field_counts[(f, mode)].prf() for f in FIELDS for mode in ("strict", "lenient")
                   if f in scored or not scored},
        "wholes": {k: v.prf() for k, v in whole.items()},
        "matched_records": matched,
        "company_correct_share": round(company_ok / matched, 4) if matched else 1.0,
        "county_correct_share": round(county_ok / matched, 4) if matched else 1.0,
    }
    if missing:
        figures["missing_texts"] = missing
    return figures, reports


def _is_real_entry(gold_path: Path) -> bool:
    """A gold file of the real set: its sidecar records a URL and a sha256, its text is in texts/."""
    meta = gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".meta.json")
    if not meta.exists() or gold_path.with_name(meta.name[: -len(".meta.json")] + ".txt").exists():
        return False
    data = json.loads(meta.read_text(encoding="utf-8"))
    return "sha256" in data and "url" in data


def gold_files_of(corpus: Path) -> list[Path]:
    """The gold files a run over `corpus` scores: all below it, except real-set entries that lie
    below a subfolder of it (corpora/real is scored only when named)."""
    out = []
    for g in sorted(corpus.rglob("*.gold.json")):
        if _is_real_entry(g) and g.parent.resolve() != corpus.resolve():
            continue
        out.append(g)
    return out


def article_for(gold_path: Path) -> RawArticle | None:
    """The article a gold file describes: NAME.txt beside it, or a real-set text in texts/."""
    name = gold_path.name[: -len(".gold.json")]
    txt = gold_path.with_name(name + ".txt")
    if txt.exists():
        return read_txt(txt)
    meta = gold_path.with_name(name + ".meta.json")
    if _is_real_entry(gold_path):
        return realset.load_article(meta)
    return None


def flatten(figures: dict) -> dict[str, float]:
    out = {}
    for group in ("fields", "wholes"):
        for name, prf in figures[group].items():
            for k, v in prf.items():
                out[f"{group}.{name}.{k}"] = v
    out["company_correct_share"] = figures["company_correct_share"]
    out["county_correct_share"] = figures["county_correct_share"]
    for k, v in figures.get("headline", {}).items():
        out[f"headline.{k}"] = v
    return out


def compare(figures: dict, baseline: dict) -> list[str]:
    """Figures that fell below the baseline (a tolerance of 0.0005 absorbs rounding)."""
    now, base = flatten(figures), flatten(baseline)
    return [f"{k}: {now.get(k, 0):.4f} < baseline {v:.4f}" for k, v in sorted(base.items())
            if now.get(k, 0) < v - 0.0005]


def format_report(figures: dict, reports: list[ArticleReport]) -> str:
    lines = [f"articles: {figures['articles']}"]
    if figures.get("missing_texts"):
        names = figures["missing_texts"]
        lines.append(f"texts missing: {len(names)} (gather them again by URL: corpora/real/README.md): "
                     + ", ".join(names))
    h = figures["headline"]
    lines += ["", "headline (as the hidden evaluation reports):",
              f"  amount-bearing records F1 {h['amount_records_f1']:.3f} (P {h['amount_records_precision']:.3f}"
              f" R {h['amount_records_recall']:.3f})   company right {h['company_right']:.3f}"
              f"   county right {h['county_right']:.3f}   companies found {h['companies_found']:.3f}",
              f"  claims F1 {h['claims_f1']:.3f} (P {h['claims_precision']:.3f} R {h['claims_recall']:.3f})",
              "", f"{'field':<14}{'strict P/R/F1':>24}{'lenient P/R/F1':>26}"]
    for f in FIELDS:
        if f"{f}:strict" not in figures["fields"]:
            continue
        s, l = figures["fields"][f"{f}:strict"], figures["fields"][f"{f}:lenient"]
        lines.append(f"{f:<14}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                     f"{l['precision']:>10.3f}{l['recall']:>8.3f}{l['f1']:>8.3f}")
    lines.append("")
    for k, v in figures["wholes"].items():
        lines.append(f"{k:<26} P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}")
    lines.append(f"company correct on matched records: {figures['company_correct_share']:.3f}")
    lines.append(f"county correct on matched records:  {figures['county_correct_share']:.3f}")
    problems = [r for r in reports if r.problems]
    if problems:
        lines.append("")
        lines.append("per article:")
        for r in problems:
            lines.append(f"  {r.article_id}")
            lines.extend(f"    - {p}" for p in r.problems)
    return "\n".join(lines)
