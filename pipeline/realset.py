"""The real development set (corpora/real/): third-party articles whose texts are never committed.

Per article the repository holds `NAME.meta.json` (source URL, title, date, the search that found
it, sha256 and length of the text) and `NAME.gold.json` (the facts, annotated by
corpora/real/GUIDELINE.md). The texts live in the git-ignored folder `corpora/real/texts/`
(`NAME.txt`, UTF-8), gathered again by URL as corpora/real/README.md describes.

    python -m pipeline.realset add NAME --url URL --title T --date D --source S --query Q
        checks the text is not a held-out evaluation article (by URL and by text), then writes
        NAME.meta.json with the text's sha256 and length
    python -m pipeline.realset check [--corpus DIR]
        says, per article, whether its text is present and matches its sha256
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import regex

from .read import RawArticle, decode_bytes

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "corpora" / "real"
TEXTS = "texts"
HELDOUT_CHECK = ROOT.parent / "shared" / "tools" / "heldout-check"


def text_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def core_sha256(text: str) -> str:
    """sha256 of the text's Chinese characters and digits only: the same for a copy that differs
    in spaces, line breaks or punctuation (a page gathered again may be laid out differently)."""
    return hashlib.sha256("".join(regex.findall(r"[\p{Han}\d]", text)).encode("utf-8")).hexdigest()


@dataclass
class TextStatus:
    name: str
    path: Path
    state: str            # "ok", "same-core" (only layout differs), "missing", "changed"
    detail: str = ""


def text_path(meta_path: Path) -> Path:
    """Where the text of the article described by `meta_path` is kept (git-ignored)."""
    name = meta_path.name[: -len(".meta.json")]
    return meta_path.parent / TEXTS / f"{name}.txt"


def status(meta_path: Path) -> TextStatus:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    path = text_path(meta_path)
    name = meta_path.name[: -len(".meta.json")]
    if not path.exists():
        return TextStatus(name, path, "missing", f"gather it again from {meta.get('url')}")
    data = path.read_bytes()
    digest = text_sha256(data)
    if digest == meta.get("sha256"):
        return TextStatus(name, path, "ok")
    if core_sha256(decode_bytes(data)[0]) == meta.get("core_sha256"):
        return TextStatus(name, path, "same-core", "only spaces, line breaks or punctuation differ from the recorded text")
    return TextStatus(name, path, "changed", f"sha256 {digest[:12]}… is not the recorded {str(meta.get('sha256'))[:12]}…")


def load_article(meta_path: Path) -> RawArticle | None:
    """The article of a real-set entry (text from texts/, metadata from the committed sidecar),
    or None when its text is not present."""
    path = text_path(meta_path)
    if not path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    text, encoding = decode_bytes(path.read_bytes())
    name = meta_path.name[: -len(".meta.json")]
    return RawArticle(id=meta.get("id") or name, origin=str(path), text=text, title=meta.get("title"),
                      date=meta.get("date"), source=meta.get("source"), region=meta.get("region"),
                      encoding=encoding)


def heldout(target: str) -> bool:
    """Ask the shared held-out check about a URL or a file; True when it says "held out"."""
    if not HELDOUT_CHECK.exists():
        raise SystemExit(f"the held-out check is not at {HELDOUT_CHECK}")
    out = subprocess.run([sys.executable, str(HELDOUT_CHECK), target], capture_output=True, text=True)
    return "held out" in out.stdout


def _cmd_add(args) -> int:
    folder = Path(args.corpus)
    path = folder / TEXTS / f"{args.name}.txt"
    if not path.exists():
        print(f"error: put the text in {path} first", file=sys.stderr)
        return 2
    for target in (args.url, str(path)):
        if heldout(target):
            print(f"held out: {target} belongs to the hidden evaluation; delete {path} and drop it", file=sys.stderr)
            return 1
    data = path.read_bytes()
    text, _ = decode_bytes(data)
    meta = {"id": args.name, "title": args.title, "date": args.date or None, "source": args.source,
            "url": args.url, "query": args.query, "province": args.province,
            "sha256": text_sha256(data), "core_sha256": core_sha256(text), "chars": len(text)}
    out = folder / f"{args.name}.meta.json"
    out.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: ok ({len(text)} characters)")
    return 0


def _cmd_check(args) -> int:
    folder = Path(args.corpus)
    rows = [status(p) for p in sorted(folder.glob("*.meta.json"))]
    for r in rows:
        if r.state != "ok" or args.verbose:
            print(f"{r.name}: {r.state}{' (' + r.detail + ')' if r.detail else ''}")
    counts = {s: sum(r.state == s for r in rows) for s in ("ok", "same-core", "missing", "changed")}
    print(f"{len(rows)} articles: {counts['ok']} present, {counts['same-core']} present with another layout, "
          f"{counts['missing']} missing, {counts['changed']} changed")
    return 0 if counts["changed"] == 0 else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.realset", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add", help="record a gathered text (after the held-out check)")
    a.add_argument("name")
    a.add_argument("--url", required=True)
    a.add_argument("--title", required=True)
    a.add_argument("--date", default=None, help="publication date YYYY-MM-DD, YYYY-MM or YYYY")
    a.add_argument("--source", default=None, help="paper or site name")
    a.add_argument("--query", required=True, help="the pages search that returned it")
    a.add_argument("--province", default=None)
    a.add_argument("--corpus", default=str(REAL))
    c = sub.add_parser("check", help="are the texts present and unchanged?")
    c.add_argument("--corpus", default=str(REAL))
    c.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    return _cmd_add(args) if args.cmd == "add" else _cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
