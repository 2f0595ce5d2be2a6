# Two commands on a fresh machine with Python 3.11+ and make:  `make demo`, then `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint check bench bench-focus bench-telemetry bench-attribution \
	bench-nightly bench-history bench-engines bench-telemetry-day lock clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "aispend needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/aispend demo

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test

# A CUR 2.0 month (10 M line items) against DuckDB's own CTAS and a pandas pipeline.
bench: setup
	$(BIN)/python bench/cur.py

bench-focus: setup
	$(BIN)/python bench/focus.py

bench-telemetry: setup
	$(BIN)/python bench/telemetry.py

# One day of 64-GPU nvidia-smi CSV and its Slurm jobs through `aispend run`, against DuckDB's
# read_csv CTAS of the same files (add --before DIR to time an earlier tree in the same run).
bench-telemetry-day: setup
	$(BIN)/python bench/telemetry_day.py --repeat 3

# GPU samples attributed to runs, against polars join_asof and DuckDB ASOF JOIN.
bench-attribution: setup
	$(BIN)/python bench/attribution.py

# The nightly refresh: a 10 M-line month restated and a day of 64-GPU telemetry, end to end.
bench-nightly: setup
	$(BIN)/python bench/nightly.py

# What a nightly run costs as the history grows: 1, 6 and 24 months, one night after another.
bench-history: setup
	$(BIN)/python bench/nightly_history.py

# The SQL models on a parquet store holding a 10 M-line month: DuckDB vs Spark in local mode.
bench-engines: setup
	$(BIN)/python bench/engines.py

# Re-resolve the lock after changing dependencies in pyproject.toml (needs network).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) aispend.duckdb aispend.read.duckdb aispend.duckdb.lock .pytest_cache .mypy_cache .ruff_cache
