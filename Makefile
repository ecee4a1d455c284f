# The README's two commands are `make demo` and `make test`; each sets up .venv itself.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench dashboard install clean

demo: $(STAMP)
	$(BIN)/vendorsim-demo

# One test file per worker: a module's fixtures (a dashboard server, the SLURM cluster) stay
# in one process, and the suite takes about two thirds of the time on two cores.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow and not browser"

# Contract names are short enough that each prints on one line with its verdict at 80
# columns; COLUMNS=200 keeps it so for longer names too.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	COLUMNS=200 $(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/why.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/batch_run.py
	$(BIN)/python benchmarks/memory.py
	$(BIN)/python benchmarks/pairing.py

dashboard: $(STAMP)
	$(BIN)/vendorsim-dashboard

install: $(STAMP)

$(STAMP): pyproject.toml scripts/bootstrap scripts/find-python
	@scripts/bootstrap

clean:
	rm -rf $(VENV) outputs multirun results .pytest_cache .ruff_cache .import_linter_cache
