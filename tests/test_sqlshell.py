"""`python -m pipeline sql`: the table printer, the prompt, and the example queries of
docs/database.md and README.md, run exactly as written."""
from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline import sqlshell
from pipeline.sqlshell import display_width, format_table, format_value, repl, run_query

ROOT = Path(__file__).resolve().parent.parent
PROMPT = '$ python -m pipeline sql "'


def test_display_width_counts_wide_characters_twice():
    assert display_width("许昌市") == 6
    assert display_width("ab许") == 4
    assert display_width("ＡＢ") == 4          # fullwidth forms


def test_format_value():
    assert format_value(Decimal("425.900000")) == "425.9"
    assert format_value(Decimal("37.000000")) == "37"
    assert format_value(Decimal("0.000100")) == "0.0001"
    assert format_value(None) == "NULL"
    assert format_value(True) == "true"
    assert format_value(["a", None, Decimal("1.50")]) == "[a, NULL, 1.5]"
    assert format_value({"article_id": "A1", "amount_yi": Decimal("15.000000")}) == "{article_id: A1, amount_yi: 15}"
    assert format_value("第一行\n第二行") == "第一行↵第二行"


def test_format_table_aligns_chinese_and_numbers():
    got = format_table(["名称", "n"], [("许昌市", Decimal("425.900000")), ("ab", 1), (None, None)])
    assert got == ("名称   |     n\n"
                   "-------+------\n"
                   "许昌市 | 425.9\n"
                   "ab     |     1\n"
                   "NULL   |  NULL\n"
                   "(3 rows)")


def test_format_table_cuts_wide_cells():
    got = format_table(["t"], [("许昌市招商引资",)], max_width=7)
    assert got.splitlines()[2] == "许昌市…"
    assert format_table(["t"], [("许昌市招商引资",)], max_width=0).splitlines()[2] == "许昌市招商引资"
    assert format_table(["x"], []) == "x\n-\n(0 rows)"


@pytest.fixture()
def small_db(tmp_path):
    path = tmp_path / "small.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS i, '项目' || range AS name FROM range(5)")
    con.close()
    return path


def test_run_query_limits_rows(small_db):
    con = sqlshell.connect(small_db)
    out = run_query(con, "SELECT i FROM t ORDER BY i", max_rows=2)
    assert out == "i\n-\n0\n1\n(5 rows, 2 shown)"
    run_query(con, "CREATE TEMP TABLE x AS SELECT 1 AS one")           # read-only, but temp tables work
    assert run_query(con, "SELECT one FROM x") == "one\n---\n  1\n(1 row)"
    assert run_query(con, "SET threads = 1") == "OK"                       # a statement without a result
    with pytest.raises(duckdb.Error):
        run_query(con, "CREATE TABLE y AS SELECT 1")


def test_prompt_runs_statements_until_quit(small_db):
    con = sqlshell.connect(small_db)
    stdin = io.StringIO(".tables\nSELECT count(*) AS n,\n  sum(i) AS s FROM t;\nSELECT nope;\n"
                        ".schema t\n.quit\nSELECT 42;\n")
    out = io.StringIO()
    assert repl(con, stdin, out) == 0
    text = out.getvalue()
    assert "name | kind\n-----+------\nt    | table\n(1 row)" in text
    assert "n |  s\n--+---\n5 | 10\n(1 row)" in text
    assert "error: Binder Error" in text
    assert "column | type\n-------+--------\ni      | BIGINT\nname   | VARCHAR\n(2 rows)" in text
    assert "42" not in text                                      # nothing after .quit


def test_prompt_runs_a_last_statement_without_semicolon(small_db):
    out = io.StringIO()
    repl(sqlshell.connect(small_db), io.StringIO("SELECT max(i) AS m FROM t"), out)
    assert out.getvalue() == "m\n-\n4\n(1 row)\n"


def test_command_line(small_db):
    def run(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "pipeline.sqlshell", "--db", str(small_db), *args],
                              cwd=ROOT, capture_output=True, text=True, input=stdin)
    proc = run("SELECT name FROM t WHERE i = 3")
    assert proc.returncode == 0 and proc.stdout == "name\n-----\n项目3\n(1 row)\n"
    proc = run("SELECT nope")
    assert proc.returncode == 1 and "error:" in proc.stderr
    proc = run(stdin="SELECT count(*) AS n FROM t;\n")              # no query: the prompt, fed by a pipe
    assert proc.returncode == 0 and proc.stdout == "n\n-\n5\n(1 row)\n"
    proc = subprocess.run([sys.executable, "-m", "pipeline.sqlshell", "--db", str(small_db.parent / "none.duckdb"),
                           "SELECT 1"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "no database at" in proc.stderr


def test_cli_has_the_sql_and_report_subcommands():
    """pipeline/cli.py registers them (sqlshell.register(sub), report.register(sub))."""
    from pipeline import cli, report
    parser = cli.build_parser()
    assert parser.parse_args(["sql", "SELECT 1"]).func is sqlshell._cmd_sql
    assert parser.parse_args(["report"]).func is report._cmd_report


# --- the documented examples -----------------------------------------------------------------

def _examples() -> list[tuple[str, int, str, str]]:
    """(file, line number, command, documented header) of every `$ python -m pipeline sql "..."`."""
    found = []
    for name in ("docs/database.md", "README.md"):
        path = ROOT / name
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.startswith(PROMPT):
                header = lines[i + 1] if i + 1 < len(lines) else ""
                found.append((name, i + 1, line[2:], header))
    return found


EXAMPLES = _examples()


def test_docs_have_five_examples():
    assert len([e for e in EXAMPLES if e[0] == "docs/database.md"]) >= 5


@pytest.fixture(scope="module")
def corpora_outputs(tmp_path_factory):
    """A folder with outputs/ extracted from corpora/, as after `make extract`."""
    d = tmp_path_factory.mktemp("examples")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", "corpora", "--out", str(d / "outputs")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return d


@pytest.mark.parametrize("doc,line,command,header", EXAMPLES, ids=[f"{e[0]}:{e[1]}" for e in EXAMPLES])
def test_documented_example_runs_as_written(corpora_outputs, doc, line, command, header):
    args = shlex.split(command)
    assert args[:4] == ["python", "-m", "pipeline", "sql"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, *args[1:]], cwd=corpora_outputs, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, f"{doc}:{line}: {proc.stderr}"
    out = proc.stdout.splitlines()
    columns = lambda h: [c.strip() for c in h.split("|")]   # widths follow the data: compare the names
    assert columns(out[0]) == columns(header), f"{doc}:{line}: the documented header differs from the output"
    assert re.fullmatch(r"\(\d+ rows?(, \d+ shown)?\)", out[-1])
