# Two commands for a newcomer: `make run` and `make test`. Each sets itself up first.
PY := .venv/bin/python
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

.PHONY: setup test run storeday bench lint
setup:
	@bash scripts/setup.sh

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	.venv/bin/lint-imports
# Two workers a core: most tests wait on brokers, fsyncs and timers, not on the CPU (measured
# on 2 cores: 204 s with 4 workers, 278-308 s with 2). worksteal evens out the few long tests.
# One test alone, in one process: .venv/bin/python -m pytest tests/...::test_name (without -n).
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal

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
