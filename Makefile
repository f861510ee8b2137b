# The two commands: `make run` and `make test`. Each sets up everything it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_WORKERS ?= 2  # pytest-xdist processes: one a core on the 2-core machines we and CI run on

.PHONY: run test bench docs install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The benchmarks' own extra (matplotlib, for bench/scaling.py's plot): never installed for the daemon or the tests.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(BIN)/xero-syncd run

test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# `make bench BENCH_DB=postgresql://postgres@127.0.0.1:5432/test`: the store benchmarks on PostgreSQL
BENCH_DB ?=
ON_DB = $(if $(BENCH_DB),--database-url $(BENCH_DB))
bench: $(BENCH_STAMP)
	$(BIN)/python bench/full_sync.py $(ON_DB)
	$(BIN)/python bench/incremental_sync.py $(ON_DB)
	$(BIN)/python bench/many_orgs.py
	$(BIN)/python bench/slack_load.py $(ON_DB)
	$(BIN)/python bench/scaling.py --sizes 50000,200000 $(ON_DB)
	$(BIN)/python bench/api_read.py

docs: $(STAMP)  # docs/slack.md (what the daemon says in Slack, written by driving it), README's entity table, docs/DATA.md's column tables
	UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/slack/test_slack_doc.py -k sqlite
	UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/test_readme_entities.py
	$(BIN)/python -m storage.typed docs

clean:
	rm -rf $(VENV) build *.egg-info
