"""Real dumps and bad input, through the command line: every article accounted for, nothing lost,
nothing duplicated. Every input file here is made by the test."""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "{county}与{company}签订了总投资{amount}亿元的{project}项目。"


def run(*args, stdin=None, check=True):
    proc = subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, input=stdin)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def article(i: int) -> dict:
    text = SENTENCE.format(county="襄城县", company=f"恒{i}新材料集团", amount=i % 50 + 1, project=f"第{i}号材料")
    return {"id": f"a{i}", "title": "签约", "date": "2023-09-20", "source": "测试", "region": "许昌市", "text": text}


def test_every_kind_of_bad_input_is_an_error_row_and_the_batch_goes_on(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(SENTENCE.format(county="鄢陵县", company="振华集团", amount=12.6, project="物流基地"),
                                encoding="utf-8")
    (d / "gbk.txt").write_bytes(SENTENCE.format(county="长葛市", company="百川集团", amount=15, project="再生铝")
                                .encode("gb18030"))
    (d / "bom.txt").write_bytes(b"\xef\xbb\xbf" + "魏都区与力玄科技公司签订了总投资5亿元的飞灰项目。".encode("utf-8"))
    (d / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (d / "empty.txt").write_bytes(b"")
    (d / "baddate.txt").write_text("襄城县签约。", encoding="utf-8")
    (d / "baddate.meta.json").write_text(json.dumps({"date": "2023-02-30"}), encoding="utf-8")
    lines = [json.dumps(article(1), ensure_ascii=False), "{broken json", json.dumps({"id": "t", "text": ["list"]}),
             json.dumps({"id": "e", "text": ""}), json.dumps({"id": "m", "title": "no text"}),
             json.dumps({"id": "big", "text": "签" * 17_500_000}, ensure_ascii=False)]   # 50 MB on one line
    (d / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    gz = gzip.compress(("\n".join(json.dumps(article(i), ensure_ascii=False) for i in range(2, 60)) + "\n").encode())
    (d / "cut.jsonl.gz").write_bytes(gz[: len(gz) * 2 // 3])
    (d / "dangling.txt").symlink_to(d / "nowhere.txt")          # a link to nothing: unreadable
    locked = d / "locked.txt"
    locked.write_text("襄城县签约。", encoding="utf-8")
    locked.chmod(0)
    out = tmp_path / "out"
    proc = run("extract", d, "--out", out)
    arts = {a["article_id"]: a for a in jsonl(out / "articles.jsonl")}
    assert arts["good"]["status"] == "ok" and arts["good"]["n_records"] == 1
    assert arts["gbk"]["status"] == "ok" and arts["gbk"]["encoding"] == "gb18030" and arts["gbk"]["n_records"] == 1
    assert arts["bom"]["encoding"] == "utf-8-sig" and arts["bom"]["n_records"] == 1
    assert "binary" in arts["binary"]["error"]
    assert arts["empty"]["error"] == "empty text"
    assert "impossible" in arts["baddate"]["error"]
    assert arts["a1"]["status"] == "ok"
    assert "line 2" in arts["dump:2"]["error"]
    assert "'text'" in arts["t"]["error"] and "list" in arts["t"]["error"]
    assert arts["e"]["error"] == "empty text"
    assert "missing 'text'" in arts["m"]["error"]
    assert "exceeds the limit" in arts["big"]["error"]
    cut_errors = [a for a in arts.values() if a["origin"].startswith(str(d / "cut.jsonl.gz")) and a["status"] == "error"]
    assert len(cut_errors) == 1 and "cannot read" in cut_errors[0]["error"]
    assert arts["dangling"]["status"] == "error" and "cannot read" in arts["dangling"]["error"]
    if os.geteuid() != 0:          # root reads files whatever their mode
        assert "Permission denied" in arts["locked"]["error"]
    assert "failed" in proc.stderr and "read" in proc.stderr
    assert "\r" not in proc.stderr            # no progress bar when stderr is not a terminal
    # every article is in the database too
    assert query(out / "pipeline.duckdb", "SELECT count(*) FROM articles") == [(len(arts),)]
    # --strict turns failures into a non-zero exit
    assert run("extract", d, "--out", tmp_path / "out2", "--strict", check=False).returncode == 1


def test_usage_errors(tmp_path):
    p = run("extract", tmp_path / "missing", "--out", tmp_path / "o", check=False)
    assert p.returncode == 2 and "does not exist" in p.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    src = tmp_path / "a.txt"
    src.write_text("正文。", encoding="utf-8")
    p = run("extract", src, "--out", blocker / "sub", check=False)
    assert p.returncode == 2 and "cannot write" in p.stderr


def test_stdin_jsonl(tmp_path):
    data = "\n".join(json.dumps(article(i), ensure_ascii=False) for i in range(3)) + "\n"
    run("extract", "-", "--out", tmp_path, stdin=data)
    assert [a["article_id"] for a in jsonl(tmp_path / "articles.jsonl")] == ["a0", "a1", "a2"]
    assert len(jsonl(tmp_path / "records.jsonl")) == 3


def test_html_page(tmp_path):
    page = """<html><head><meta charset="gbk"><title>襄城县签约_门户网站</title>
    <meta name="PubDate" content="2023-09-18 10:20"><script>document.title="总投资99亿元";</script></head>
    <body><div class="nav">首页 | 新闻 | 投资88亿元</div><h1>襄城县集中签约5个项目</h1>
    <div class="content"><p>9月16日,襄城县与东方化工集团签订了总投资6亿元的尼龙新材料产业园项目。</p>
    <p>此次共签约项目5个,总投资23.5亿元。</p></div>
    <div class="related"><ul><li>禹州市与某某集团签订总投资50亿元的项目</li></ul></div>
    <div class="footer">版权所有 免责声明</div></body></html>"""
    (tmp_path / "page.html").write_bytes(page.encode("gbk"))
    out = tmp_path / "out"
    run("extract", tmp_path / "page.html", "--out", out)
    (art,) = jsonl(out / "articles.jsonl")
    assert (art["title"], art["date"], art["encoding"]) == ("襄城县集中签约5个项目", "2023-09-18", "gb18030")
    recs = jsonl(out / "records.jsonl")
    assert [(r["company"], r["county"], r["amount"], r["date"]) for r in recs] == [
        ("东方化工集团", "襄城县", 6.0, "2023-09-16")]
    claims = jsonl(out / "claims.jsonl")
    assert [(c["project_count"], c["total_amount"]) for c in claims] == [(5, 23.5)]


def test_traditional_and_converter_garbage(tmp_path):
    (tmp_path / "trad.txt").write_text("鄢陵縣與江南振華醫療用品集團簽訂了總投資12.6億元的華中物流基地項目。", encoding="utf-8")
    (tmp_path / "garbage.txt").write_text(
        "鄢(yān)陵(líng)縣(xiàn)與(yǔ)江南振華集團簽(qiān)訂(dìng)了總投資12.6億(yì)元的物流基地項(xiàng)目。",
        encoding="utf-8")
    (tmp_path / "lost.txt").write_text("鄢陵县与江南振?集团签订了总投资1?.6亿元的物流基地项目。", encoding="utf-8")
    out = tmp_path / "out"
    run("extract", tmp_path, "--out", out)
    recs = {r["article_id"]: r for r in jsonl(out / "records.jsonl")}
    assert (recs["trad"]["company"], recs["trad"]["county"], recs["trad"]["amount"]) == ("江南振华医疗用品集团", "鄢陵县", 12.6)
    assert recs["trad"]["project"] == "华中物流基地项目"            # output in simplified characters
    assert (recs["garbage"]["company"], recs["garbage"]["county"], recs["garbage"]["amount"]) == ("江南振华集团", "鄢陵县", 12.6)
    # a lost character is marked, never matched: no wrong amount (1?.6 is not 1.6 or 16)
    assert "lost" not in recs or recs["lost"]["amount"] is None


def test_same_dump_twice_and_duplicates_across_files(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text("\n".join(json.dumps(article(i), ensure_ascii=False) for i in range(5)) + "\n", encoding="utf-8")
    b = tmp_path / "b.jsonl"    # the same text as a3 under another id, and one new article
    b.write_text(json.dumps(dict(article(3), id="copy-of-a3"), ensure_ascii=False) + "\n"
                 + json.dumps(article(7), ensure_ascii=False) + "\n", encoding="utf-8")
    db = tmp_path / "store.duckdb"
    first = run("extract", a, "--out", tmp_path / "o1", "--db", db)
    assert "5 ok" in first.stderr
    again = run("extract", a, a, "--out", tmp_path / "o2", "--db", db)   # same dump twice, and given twice
    assert "5 unchanged" in again.stderr
    assert (tmp_path / "o1" / "records.jsonl").read_bytes() == (tmp_path / "o2" / "records.jsonl").read_bytes()
    run("extract", b, "--out", tmp_path / "o3", "--db", db)
    assert query(db, "SELECT count(*), count(DISTINCT article_id) FROM articles") == [(7, 7)]
    assert query(db, "SELECT duplicate_of FROM articles WHERE article_id = 'copy-of-a3'") == [("a3",)]
    assert query(db, "SELECT count(*) FROM records") == [(6,)]     # the copy adds no record
    # a changed article replaces its old rows
    changed = dict(article(1), text=SENTENCE.format(county="长葛市", company="新瑞集团", amount=33, project="新"))
    c = tmp_path / "c.jsonl"
    c.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    run("extract", c, "--out", tmp_path / "o4", "--db", db)
    assert query(db, "SELECT company, amount::DOUBLE FROM records WHERE article_id = 'a1'") == [("新瑞集团", 33.0)]


def test_killed_run_leaves_a_valid_database_and_the_next_run_completes_it(tmp_path):
    dump = tmp_path / "dump.jsonl"
    n = 4000
    dump.write_text("\n".join(json.dumps(article(i), ensure_ascii=False) for i in range(n)) + "\n", encoding="utf-8")
    db = tmp_path / "store.duckdb"
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(dump), "--out", str(out),
                             "--db", str(db), "--jobs", "1", "--commit-every", "256"], cwd=ROOT,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:          # lines are written once committed: wait for a commit, then kill
        if (out / "articles.jsonl").exists() and len((out / "articles.jsonl").read_text().splitlines()) >= 256:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the committed batches are in the write-ahead log (checkpointed only at the end of a run)
    assert Path(str(db) + ".wal").stat().st_size > 0
    ((stored,),) = query(db, "SELECT count(*) FROM articles")
    assert 256 <= stored < n
    done = run("extract", dump, "--out", out, "--db", db, "--jobs", "1")
    assert not Path(str(db) + ".wal").exists()       # a finished run leaves one self-contained file
    assert f"{stored} unchanged" in done.stderr
    clean = tmp_path / "clean"
    run("extract", dump, "--out", clean, "--jobs", "1")
    assert (out / "records.jsonl").read_bytes() == (clean / "records.jsonl").read_bytes()
    assert query(db, "SELECT count(*) FROM articles") == [(n,)]
    assert query(db, "SELECT count(*) FROM records") == [(n,)]


def test_parallel_output_is_identical(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(json.dumps(article(i), ensure_ascii=False) for i in range(60)) + "\n", encoding="utf-8")
    run("extract", dump, ROOT / "corpora", "--out", tmp_path / "j1", "--jobs", "1")
    run("extract", dump, ROOT / "corpora", "--out", tmp_path / "j2", "--jobs", "2")
    for name in ("records.jsonl", "claims.jsonl", "articles.jsonl"):
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()


def test_timings_file_gives_the_phases_of_the_run(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(json.dumps(article(i), ensure_ascii=False) for i in range(40)) + "\n", encoding="utf-8")
    t = tmp_path / "t.json"
    run("extract", dump, "--out", tmp_path / "o", "--jobs", "2", "--timings", t)
    phases = json.loads(t.read_text(encoding="utf-8"))
    assert set(phases) == {"start_s", "extract_s", "last_commit_s", "close_s", "run_s", "store_s"}
    assert all(v >= 0 for v in phases.values())
    assert 0 < phases["store_s"] < phases["run_s"]     # storing is a part of the run, measured apart
    parts = phases["start_s"] + phases["extract_s"] + phases["last_commit_s"] + phases["close_s"]
    assert parts <= phases["run_s"] + 0.01           # the JSONL close between them is not a phase
    assert phases["close_s"] > 0                      # the analysis layer runs on every close
    bad = run("extract", dump, "--out", tmp_path / "e", "--engine", "dask", "--timings", t, check=False)
    assert bad.returncode == 2 and "--timings is for the plain run" in bad.stderr


def test_extractor_version_covers_every_module_extraction_imports():
    """A change to any module the extraction runs (home.py, claims.py…) must change
    extractor_version, or stored articles would not be extracted again."""
    import ast
    from pathlib import Path

    from pipeline.batch import EXTRACTION_MODULES

    root = Path(__file__).resolve().parent.parent / "pipeline"
    seen, todo = set(), ["extract"]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        tree = ast.parse((root / f"{mod}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                todo.extend(n for n in names if (root / f"{n}.py").exists())
    assert seen <= set(EXTRACTION_MODULES), sorted(seen - set(EXTRACTION_MODULES))


def test_an_extractor_bug_on_one_article_is_its_error_and_the_batch_goes_on(tmp_path, monkeypatch):
    import pipeline.extract as extract_mod
    from pipeline.batch import run

    real = extract_mod.assemble

    def buggy(text, sentences, m, home):
        if "故障" in text:
            raise AttributeError("'NoneType' object has no attribute 'endswith'")
        return real(text, sentences, m, home)

    monkeypatch.setattr(extract_mod, "assemble", buggy)
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("鄢陵县与江南振华医疗用品集团签订了总投资12.6亿元的华中物流基地项目。", encoding="utf-8")
    (src / "b.txt").write_text("这篇文章触发了故障。襄城县与东方化工集团签订了总投资6亿元的项目。", encoding="utf-8")
    out = tmp_path / "out"
    summary = run([str(src)], out, None, "jieba", 1, False)
    assert (summary.read, summary.ok, summary.failed) == (2, 1, 1)
    rows = [json.loads(line) for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = next(r for r in rows if r["article_id"] == "b")
    assert bad["status"] == "error" and bad["error"].startswith("extractor error") and "AttributeError" in bad["error"]
