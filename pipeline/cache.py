"""The project's cache folder (.cache/, or $PIPELINE_CACHE): what the pipeline builds once from its
code and data and loads faster afterwards. Each file's name carries a key of what it was built
from, so a changed input builds a new one; the folder can be deleted at any time.

- jieba-<key>.keys/.freq: jieba's dictionary grouped by first character (segment.py)
- regex-<version>.pickle: the compiled rule patterns (patterns.py)
- empty-<key>.duckdb: a database with no article, its static tables and views made (write.py)
"""
from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR = Path(os.environ.get("PIPELINE_CACHE", Path(__file__).resolve().parent.parent / ".cache"))
