# Everything a fresh machine with Python 3.11 needs: `make run` and `make test` set up the venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/dateline.duckdb
UV_VERSION := 0.13.9

# uv does not read pip's configuration; pass this machine's extra indexes and wheel folders through
# (without printing them) so uv sees what pip sees. Index addresses stay out of the repo.
UV_ENV = export UV_INDEX_STRATEGY=unsafe-best-match; \
	x=$$(pip config get global.extra-index-url 2>/dev/null) && export UV_EXTRA_INDEX_URL="$$x"; \
	x=$$(pip config get global.find-links 2>/dev/null) && export UV_FIND_LINKS="$$x"; true

.PHONY: setup run test lock clean bench bench-readers eval ui

UI_PORT ?= 4200

setup: $(VENV)/.installed

# --compile-bytecode: uv writes no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set (as on these
# machines) Python never writes them either, so every process compiled every module it imports from
# source: `import great_expectations` took 13-19 s instead of 4.4 s, `import prefect` 2.8 s instead of 1.6.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV_ENV); $(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --no-deps --compile-bytecode \
		-r requirements.lock
	@$(UV_ENV); $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

run: setup
	$(BIN)/dateline run seeds --db $(DB)

test: setup
	$(BIN)/python -m pytest

# A real Prefect server with its UI on this machine. Point runs at it with
# `export PREFECT_API_URL=http://127.0.0.1:$(UI_PORT)/api`.
ui: setup
	@echo "Prefect UI: http://127.0.0.1:$(UI_PORT)  (runs report there with PREFECT_API_URL=http://127.0.0.1:$(UI_PORT)/api)"
	PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 $(BIN)/prefect server start --host 127.0.0.1 --port $(UI_PORT)

# Re-resolve the pinned, hashed lock from pyproject.toml (the override is explained there).
lock: setup
	@$(UV_ENV); $(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes \
		--no-emit-index-url --no-emit-find-links --no-header -o requirements.lock

eval: setup
	$(BIN)/python bench/eval_timex.py
	$(BIN)/python bench/eval_pubdate.py
	$(BIN)/python bench/eval_sanity.py
	$(BIN)/python bench/eval_quarantine.py
	$(BIN)/python bench/eval_stories.py
	$(BIN)/python bench/eval_sources.py
	$(BIN)/python bench/eval_language.py

# Throughput side by side (floor / dateline / stories off / naive / re-run) on a replicated reuters_dev corpus; then a
# generated JSONL streamed at two sizes (peak RSS: memory flat) and JSONL/CSV vs .txt per article.
# The issue's target is a 1 GB JSONL: make bench RECORDS_ARGS="--sizes-mb 100,1000" (needs ~1 GB of /tmp).
RECORDS_ARGS ?= --sizes-mb 50,200
bench: setup
	$(BIN)/python bench/throughput.py $(BENCH_ARGS)
	$(BIN)/python bench/records.py $(RECORDS_ARGS)

# Queries during a run, DuckDB file and DuckLake: BEFORE=<checkout of the commit to compare against>.
bench-readers: setup
	$(BIN)/python bench/readers.py --before $(BEFORE) --after . --lake $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
