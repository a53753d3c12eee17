"""Scoring the project matcher on gold links: do the mentions of one project in several articles (a
signing, then a start or an opening) end up in one `projects` row?

A links file (`corpora/real/links.json`) lists chains: per project, its mentions as (article_id,
index of the record in that article's gold file). The chain's articles are extracted into a fresh
database; each gold record is aligned with the article's extracted records as `regress` aligns
them; then, over every pair of mentions of a chain in different articles:

- recall: the share of gold pairs whose two records are mentions of one project;
- precision: of the pairs of records of those articles, in different articles, that the matcher
  put in one project, the share that are gold pairs.

`python -m pipeline.linkscore [--links corpora/real/links.json]` prints the figures and, per
chain, what happened to it.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .read import RawArticle
from .regress import align

ROOT = Path(__file__).resolve().parent.parent
LINKS = ROOT / "corpora" / "real" / "links.json"


@dataclass
class ChainReport:
    chain: str
    project: str
    mentions: list[str] = field(default_factory=list)     # per mention: record id, or why none
    linked_pairs: int = 0
    pairs: int = 0


@dataclass
class LinkScore:
    chains: int
    mentions: int
    mentions_found: int
    gold_pairs: int
    gold_pairs_linked: int
    predicted_pairs: int
    predicted_pairs_right: int
    reports: list[ChainReport]

    @property
    def recall(self) -> float:
        return self.gold_pairs_linked / self.gold_pairs if self.gold_pairs else 0.0

    @property
    def precision(self) -> float:
        return self.predicted_pairs_right / self.predicted_pairs if self.predicted_pairs else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self) -> dict:
        return {"chains": self.chains, "mentions": self.mentions, "mentions_found": self.mentions_found,
                "gold_pairs": self.gold_pairs, "gold_pairs_linked": self.gold_pairs_linked,
                "predicted_pairs": self.predicted_pairs, "predicted_pairs_right": self.predicted_pairs_right,
                "recall": round(self.recall, 3), "precision": round(self.precision, 3), "f1": round(self.f1, 3)}


def _article(folder: Path, article_id: str) -> tuple[RawArticle | None, dict]:
    """The article and its gold file, from a real-set folder (meta + texts/) or a corpus folder
    (NAME.txt beside NAME.gold.json)."""
    from .realset import load_article
    from .regress import article_for

    gold_path = folder / f"{article_id}.gold.json"
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    meta = folder / f"{article_id}.meta.json"
    raw = load_article(meta) if meta.exists() and (folder / "texts").is_dir() else None
    if raw is None:
        raw = article_for(gold_path)
    return raw, gold


def score_links(links_path: Path = LINKS, work: Path | None = None) -> LinkScore:
    """Extract the chains' articles and score the matcher on the links (see the module)."""
    import duckdb

    from .batch import run

    links = json.loads(Path(links_path).read_text(encoding="utf-8"))
    folder = Path(links_path).parent
    ids = sorted({m["article_id"] for chain in links for m in chain["mentions"]})
    arts, golds = {}, {}
    for aid in ids:
        arts[aid], golds[aid] = _article(folder, aid)
    missing = [a for a in ids if arts[a] is None]
    if missing:
        raise SystemExit(f"texts missing for {', '.join(missing)} (corpora/real/README.md: gathering the texts again)")
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        dump = Path(tmp) / "chains.jsonl"
        with open(dump, "w", encoding="utf-8") as fh:
            for aid in ids:
                a = arts[aid]
                fh.write(json.dumps({"id": aid, "title": a.title, "date": a.date, "source": a.source,
                                     "region": a.region, "text": a.text}, ensure_ascii=False) + "\n")
        out = Path(tmp) / "out"
        run([str(dump)], out, None, "jieba", 1, progress=False)
        con = duckdb.connect(str(out / "pipeline.duckdb"), read_only=True)
        try:
            records = {}
            for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines():
                r = json.loads(line)
                records.setdefault(r["article_id"], []).append(r)
            project_of = dict(con.execute("SELECT record_id, project_id FROM project_mentions").fetchall())
        finally:
            con.close()
    # gold record index -> extracted record id, per article
    found: dict[tuple[str, int], str] = {}
    for aid in ids:
        system = records.get(aid, [])
        for i, j in align(golds[aid].get("records", []), system):
            found[(aid, i)] = system[j]["record_id"]
    gold_pairs: set[frozenset] = set()
    reports = []
    n_mentions = n_found = linked = total = 0
    for chain in links:
        rep = ChainReport(chain["chain"], chain.get("project", ""))
        rids = []
        for m in chain["mentions"]:
            n_mentions += 1
            rid = found.get((m["article_id"], m["record"]))
            rids.append((m["article_id"], rid))
            rep.mentions.append(rid or f"{m['article_id']}: gold record {m['record']} not extracted")
            n_found += rid is not None
        for (a1, r1), (a2, r2) in itertools.combinations(rids, 2):
            if a1 == a2:
                continue
            rep.pairs += 1
            if r1 and r2:
                gold_pairs.add(frozenset((r1, r2)))
                if project_of.get(r1) is not None and project_of.get(r1) == project_of.get(r2):
                    rep.linked_pairs += 1
        total += rep.pairs
        linked += rep.linked_pairs
        reports.append(rep)
    by_project: dict[str, list[str]] = {}
    for rid, pid in project_of.items():
        by_project.setdefault(pid, []).append(rid)
    predicted = right = 0
    for members in by_project.values():
        for r1, r2 in itertools.combinations(sorted(members), 2):
            if r1.split("#r")[0] != r2.split("#r")[0]:
                predicted += 1
                right += frozenset((r1, r2)) in gold_pairs
    return LinkScore(len(links), n_mentions, n_found, total, linked, predicted, right, reports)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.linkscore", description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", type=Path, default=LINKS)
    ap.add_argument("--json", action="store_true", help="the figures as JSON")
    args = ap.parse_args(argv)
    s = score_links(args.links)
    if args.json:
        print(json.dumps(s.figures(), indent=1))
        return 0
    f = s.figures()
    print(f"{f['chains']} chains, {f['mentions']} mentions ({f['mentions_found']} extracted as records); "
          f"pairs across articles: {f['gold_pairs_linked']} of {f['gold_pairs']} linked (recall {f['recall']}), "
          f"{f['predicted_pairs_right']} of {f['predicted_pairs']} predicted right (precision {f['precision']}), "
          f"F1 {f['f1']}")
    for r in s.reports:
        print(f"  {r.chain} {r.project}: {r.linked_pairs}/{r.pairs} pairs linked; " + "; ".join(r.mentions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
