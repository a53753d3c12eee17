"""The cache of compiled rule patterns: a pattern loaded from it is the pattern compiled anew, and
a cache that cannot be read costs a compile, never a wrong pattern."""
import pickle
import subprocess
import sys
from pathlib import Path

import regex

from pipeline import patterns
from pipeline.read import read_inputs

ROOT = Path(__file__).resolve().parent.parent


def _texts():
    for raw in read_inputs([str(ROOT / "corpora")]):
        if raw.text:
            yield raw.text


def _extract_in_a_process(cache: Path) -> str:
    """Extract the corpus in a new process with cache folder `cache`; its output lines."""
    code = ("import sys, json\n"
            "from pipeline.extract import extract_article\n"
            "from pipeline.read import read_inputs\n"
            "for raw in read_inputs([sys.argv[1]]):\n"
            "    r = extract_article(raw)\n"
            "    print(json.dumps([x.model_dump(mode='json') for x in r.records + r.claims], ensure_ascii=False))\n")
    env = {"PIPELINE_CACHE": str(cache), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "corpora" / "xuchang-daily-2020-12.txt")], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_patterns_from_the_cache_are_the_compiled_ones(tmp_path):
    first = _extract_in_a_process(tmp_path)            # compiles, writes the cache at exit
    files = list(tmp_path.glob("regex-*.pickle"))
    assert len(files) == 1
    cached = pickle.loads(files[0].read_bytes())
    assert len(cached) > 100
    texts = list(_texts())
    n = 0
    for (pattern, flags), p in cached.items():
        fresh = regex.compile(pattern, flags)
        assert (p.pattern, p.flags, p.groupindex) == (fresh.pattern, fresh.flags, fresh.groupindex)
        # (not the compiled code byte for byte: regex orders some of it by set iteration, which
        # differs between processes)
        for t in texts[:40]:
            assert [(m.span(), m.groups()) for m in p.finditer(t)] == [(m.span(), m.groups()) for m in fresh.finditer(t)]
            n += 1
    assert n > 2000
    again = _extract_in_a_process(tmp_path)            # loads them
    assert again == first and again.strip()


def test_an_unreadable_cache_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setattr(patterns, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(patterns, "_known", None)
    monkeypatch.setattr(patterns, "_new", False)
    monkeypatch.setattr(patterns, "_used", set())
    path = patterns.cache_path()
    for junk in (b"not a pickle", pickle.dumps({("a", 0): "a"}), pickle.dumps(print)):
        path.write_bytes(junk)
        monkeypatch.setattr(patterns, "_known", None)
        p = patterns.compile(r"总投资(\d+)亿元")
        assert p.search("总投资12亿元").group(1) == "12"
    # a pattern cached under another text is not taken for it
    path.write_bytes(pickle.dumps({("x", 0): regex.compile("y")}))
    monkeypatch.setattr(patterns, "_known", None)
    assert patterns.compile("x").pattern == "x"
    patterns.save()
    assert patterns.compile("x").pattern == "x"
    assert ("x", 0) in pickle.loads(path.read_bytes())


def test_a_command_line_run_saves_the_cache_at_its_fast_exit(tmp_path):
    """`python -m pipeline` ends with os._exit after running the exit handlers: the cache is saved
    and the exit code is the command's."""
    env = {"PIPELINE_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    art = ROOT / "corpora" / "xuchang-daily-2020-12.txt"
    ok = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(art), "--out", str(tmp_path / "o"), "--quiet"],
                        env=env, cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o" / "records.jsonl").read_text(encoding="utf-8").count("\n") > 5
    assert list((tmp_path / "cache").glob("regex-*.pickle"))
    bad = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(tmp_path / "missing"), "--out",
                          str(tmp_path / "o2")], env=env, cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "does not exist" in bad.stderr
