# tocta — the two commands: `make demo` (main job) and `make test` (the tests).
# Both create .venv when needed and install what they need into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
DEMO_OUT ?= demo-output

.PHONY: demo test lint typecheck pytest install install-dev system-deps bench clean

demo: $(STAMP_RUN)
	$(BIN)/tocta demo --out $(DEMO_OUT)

test: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench scripts

typecheck: $(STAMP_DEV)
	$(BIN)/mypy src

bench: $(STAMP_DEV)
	$(BIN)/python bench/ingest.py

system-deps:
	@sh scripts/system-deps.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

$(STAMP_RUN): pyproject.toml | $(VENV)/bin/python
	@sh scripts/system-deps.sh
	$(BIN)/python -m pip install -q -e '.[postgres]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(VENV)/bin/python
	@sh scripts/system-deps.sh
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP_RUN) $@

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
