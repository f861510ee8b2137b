# The two commands: `make run` and `make test`. Each sets up everything it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench docs install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/xero-syncd run

test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/full_sync.py
	$(BIN)/python bench/incremental_sync.py
	$(BIN)/python bench/many_orgs.py
	$(BIN)/python bench/slack_load.py
	$(BIN)/python bench/api_read.py

docs: $(STAMP)  # docs/slack.md (what the daemon says in Slack, written by driving it), README's entity table, docs/DATA.md's column tables
	UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/slack/test_slack_doc.py -k sqlite
	UPDATE_DOCS=1 $(BIN)/python -m pytest -q tests/test_readme_entities.py
	$(BIN)/python -m storage.typed docs

clean:
	rm -rf $(VENV) build *.egg-info
