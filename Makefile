# 领军 (Lingjun) — one entry point. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/lingjun
PYTEST_ARGS ?= -n 2

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml scripts/system-deps.sh
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	@$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev,spark]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the platform with its test and Spark extras

demo: install ## Install, build a demo district in ./var and serve http://127.0.0.1:8000 (prints logins)
	$(BIN)/lingjun demo

test: install ## Install and run the whole test suite (SQLite; DATABASE_URL for another database)
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install ## The whole suite against PostgreSQL (PG_URL, default 127.0.0.1:5432)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff (lint + format check), mypy and the architecture contracts (import-linter)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install ## Benchmarks (rules engine on 1M enterprises, import of 10k, pages with 100k); results go to docs/benchmarks.md
	$(BIN)/python bench/bench_rules.py
	$(BIN)/python bench/bench_import.py --record
	$(BIN)/python bench/bench_demo.py --record
	$(BIN)/python bench/bench_pages.py --record
	$(BIN)/python bench/bench_hostile.py --record

bench-instructions: install ## Instructions of the rules engine's query under valgrind (deterministic: compare engine versions)
	$(BIN)/python bench/count_instructions.py

clean: ## Remove the demo database and caches (keeps .venv)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install demo test test-postgres lint bench bench-instructions clean
