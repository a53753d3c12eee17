"""`python -m pipeline sql "SELECT ..."`: run a query against the pipeline's DuckDB database and
print the result as a readable table; `python -m pipeline sql` with no query opens an interactive
prompt (statements end with ';'; .tables, .schema NAME, .help, .quit).

The database is opened read-only (temporary tables and views still work), so the shell never
changes the extraction's output. Tables are aligned for Chinese text (wide characters count as two
columns), amounts print without DECIMAL padding (425.9, not 425.900000), long cells are cut with
… (--max-width 0 keeps them whole).
"""
from __future__ import annotations

import datetime as dt
import decimal
import sys
import unicodedata
from pathlib import Path

DEFAULT_DB = "outputs/pipeline.duckdb"
HELP = """\
Statements end with ';' and may span several lines. Commands:
  .tables          list tables and views
  .schema NAME     columns of a table or view
  .help            this text
  .quit / .exit    leave (Ctrl-D too)
docs/database.md describes every table and view."""


# --- formatting ------------------------------------------------------------------------------

def display_width(s: str) -> int:
    """Terminal columns `s` takes: East Asian wide and fullwidth characters count as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in s)


def _cut(s: str, width: int) -> str:
    """`s` cut to at most `width` display columns, ending in … when something was cut."""
    if width <= 0 or display_width(s) <= width:
        return s
    out, used = [], 0
    for ch in s:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def format_value(v) -> str:
    """One cell as text: NULL, numbers without padding zeros, lists and structs compactly."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, decimal.Decimal):
        if v == v.to_integral_value():
            return str(v.quantize(decimal.Decimal(1)))
        return format(v.normalize(), "f")
    if isinstance(v, float):
        return repr(round(v, 6)) if v == v else "NaN"
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {format_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return str(v).replace("\r\n", "↵").replace("\n", "↵").replace("\t", " ")


def _numeric(v) -> bool:
    return isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool)


def format_table(columns: list[str], rows: list[tuple], max_width: int = 40, total: int | None = None) -> str:
    """A psql-style table: header, rule, rows (numbers right-aligned), and a row count."""
    cells = [[_cut(format_value(v), max_width) for v in row] for row in rows]
    heads = [_cut(c, max_width) for c in columns]
    right = [bool(rows) and all(_numeric(r[i]) or r[i] is None for r in rows) and any(_numeric(r[i]) for r in rows)
             for i in range(len(columns))]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(heads)]

    def pad(s: str, i: int) -> str:
        gap = " " * (widths[i] - display_width(s))
        return gap + s if right[i] else s + gap

    lines = [" | ".join(pad(h, i) for i, h in enumerate(heads)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(pad(c, i) for i, c in enumerate(r)).rstrip() for r in cells]
    n = len(rows) if total is None else total
    more = f", {len(rows)} shown" if total is not None and total > len(rows) else ""
    lines.append(f"({n} row{'s' if n != 1 else ''}{more})")
    return "\n".join(lines)


# --- running ---------------------------------------------------------------------------------

def connect(db: str | Path):
    import duckdb

    path = Path(db)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}: run `make extract` (or `python -m pipeline extract ... "
                                f"--out {path.parent}`) first, or pass --db")
    return duckdb.connect(str(path), read_only=True)


def run_query(con, sql: str, max_width: int = 40, max_rows: int = 1000) -> str:
    """Execute `sql` and return the printed result (a table, or OK for statements without one)."""
    cur = con.execute(sql)
    if cur.description is None:
        return "OK"
    columns = [d[0] for d in cur.description]
    rows = cur.fetchmany(max_rows + 1) if max_rows > 0 else cur.fetchall()
    if columns == ["Success"] and not rows:          # SET, CREATE VIEW ...: DuckDB's empty acknowledgement
        cur.fetchall()
        return "OK"
    total = None
    if max_rows > 0 and len(rows) > max_rows:
        rest = len(cur.fetchall())
        total = len(rows) + rest
        rows = rows[:max_rows]
    return format_table(columns, rows, max_width, total)


def _dot_command(con, line: str, out, max_width: int) -> bool:
    """Handle a .command; False means quit."""
    cmd, _, arg = line.strip().partition(" ")
    arg = arg.strip().rstrip(";")
    if cmd in (".quit", ".exit", ".q"):
        return False
    if cmd == ".help":
        print(HELP, file=out)
    elif cmd == ".tables":
        print(run_query(con, """SELECT table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS kind
                                FROM information_schema.tables
                                WHERE table_schema = 'main' ORDER BY kind, name""", max_width), file=out)
    elif cmd == ".schema":
        if not arg:
            print("usage: .schema NAME", file=out)
        else:
            print(run_query(con, f"""SELECT column_name AS column, data_type AS type FROM information_schema.columns
                                     WHERE table_name = '{arg.replace("'", "''")}' ORDER BY ordinal_position""",
                            0), file=out)
    else:
        print(f"unknown command {cmd} (.help lists them)", file=out)
    return True


def repl(con, stdin=None, stdout=None, max_width: int = 40, max_rows: int = 1000) -> int:
    """The interactive prompt. Prompts are shown only when stdin is a terminal, so that
    `python -m pipeline sql < queries.sql` prints just the results."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass
        print("DuckDB over the pipeline's tables; statements end with ';', .help for commands, .quit to leave.",
              file=stdout)
    buf: list[str] = []
    while True:
        prompt = ("sql> " if not buf else " ..> ") if interactive else ""
        try:
            line = input(prompt) if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            if interactive:
                print(file=stdout)
            break
        if not interactive and line == "":
            break
        line = line.rstrip("\n")
        if not buf and line.strip().startswith("."):
            if not _dot_command(con, line, stdout, max_width):
                break
            continue
        if not buf and not line.strip():
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            sql = "\n".join(buf)
            buf = []
            try:
                print(run_query(con, sql, max_width, max_rows), file=stdout)
            except Exception as exc:  # noqa: BLE001 - report and keep the prompt
                print(f"error: {exc}", file=stdout)
    if buf:                                  # a last statement without ';' at end of input
        try:
            print(run_query(con, "\n".join(buf), max_width, max_rows), file=stdout)
        except Exception as exc:  # noqa: BLE001
            print(f"error: {exc}", file=stdout)
    return 0


# --- command line ----------------------------------------------------------------------------

def _cmd_sql(args) -> int:
    try:
        con = connect(args.db)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.query is None:
            return repl(con, max_width=args.max_width, max_rows=args.max_rows)
        try:
            print(run_query(con, args.query, args.max_width, args.max_rows))
        except Exception as exc:  # noqa: BLE001 - a bad query is the user's error, not a crash
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    finally:
        con.close()


def register(subparsers) -> None:
    """Add the `sql` subcommand to the pipeline's command line."""
    p = subparsers.add_parser("sql", help="run a SQL query against the database (no query: interactive prompt)",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("query", nargs="?", help="the statement(s) to run; leave out for an interactive prompt")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    p.add_argument("--max-width", type=int, default=40, metavar="N",
                   help="cut cells wider than N columns (0 = never; default 40)")
    p.add_argument("--max-rows", type=int, default=1000, metavar="N",
                   help="print at most N rows (0 = all; default 1000)")
    p.set_defaults(func=_cmd_sql)


def main(argv: list[str] | None = None) -> int:
    from .cli import run_standalone
    return run_standalone(register, "sql", "sqlshell", argv)


if __name__ == "__main__":
    sys.exit(main())
