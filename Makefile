# Two commands for a newcomer: `make run` and `make test`. Each sets itself up first.
PY := .venv/bin/python

.PHONY: setup test run storeday bench lint
setup:
	@bash scripts/setup.sh

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	.venv/bin/lint-imports
# Every core (-n auto); worksteal evens out the few long tests. One test alone, in one
# process: .venv/bin/python -m pytest tests/...::test_name (without -n).
	$(PY) -m pytest -n auto --dist worksteal

run: setup
	$(PY) -m harness.demo

storeday: setup
	$(PY) -m terminal.demo.storeday

bench: setup
	$(PY) -m bench

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	.venv/bin/lint-imports
