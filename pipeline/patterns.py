"""Compiled rule patterns, kept between runs.

The recognisers compile some 160 patterns from rules/ (alternations of lexicon words, dates,
amounts). `regex` parses and compiles a pattern in Python: 0.15-0.2 s for all of them, a fifth of
extracting one article from a cold start. A compiled `regex` pattern pickles as the compiled code
itself (regex registers `_regex.compile` with its data, no parsing on loading), so the patterns a
run compiled are kept in the project's cache folder and the next run loads them in a few
milliseconds. A cached pattern is the same pattern: same text, flags and compiled code
(tests/test_patterns.py). The cache is keyed by the `regex` and Python versions; a file that
cannot be read is ignored and written again.
"""
from __future__ import annotations

import atexit
import io
import os
import pickle
import sys
from pathlib import Path

import regex

from .cache import CACHE_DIR

# beyond this many patterns the file keeps only those of the last run that compiled a new one
# (rules edited over and over leave their old patterns behind)
MAX_KEPT = 2000

_known: dict[tuple[str, int], regex.Pattern] | None = None
_used: set[tuple[str, int]] = set()
_new = False
_owner_pid = os.getpid()


def cache_path() -> Path:
    v = sys.version_info
    return CACHE_DIR / f"regex-{regex.__version__}-py{v.major}.{v.minor}.pickle"


class _PatternsOnly(pickle.Unpickler):
    """Unpickles compiled patterns and nothing else (the file holds only regex's own constructor)."""

    def find_class(self, module, name):
        if (module, name) in (("_regex", "compile"), ("regex._regex", "compile")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"not a compiled pattern: {module}.{name}")


def _load() -> dict:
    try:
        data = _PatternsOnly(io.BytesIO(cache_path().read_bytes())).load()
    except Exception:   # noqa: BLE001 - missing, truncated, of another version: compile again
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: p for k, p in data.items()
            if isinstance(k, tuple) and isinstance(p, regex.Pattern) and p.pattern == k[0]}


def compile(pattern: str, flags: int = 0) -> regex.Pattern:  # noqa: A001 - regex's own name
    """`regex.compile(pattern, flags)`, from the cache of compiled patterns when it holds it."""
    global _known, _new
    if _known is None:
        _known = _load()
    key = (pattern, flags)
    p = _known.get(key)
    if p is None:
        p = regex.compile(pattern, flags)
        _known[key] = p
        if not _new:
            _new = True
            atexit.register(save)
    _used.add(key)
    return p


def save() -> None:
    """Write the cache if this process compiled a pattern it did not hold (at exit: once)."""
    global _new
    if not _new or _known is None or os.getpid() != _owner_pid:
        return
    keep = _known if len(_known) <= MAX_KEPT else {k: _known[k] for k in _used}
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(dict(sorted(keep.items())), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
        _new = False
    except OSError:
        pass                    # no writable cache: compiled again next time
