# The two set-up commands of the README: `make demo` and `make test`.
# Both create .venv, install torch==2.13.0 (CPU wheel) first, then the project with its extras, at the
# exact versions of constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# Reference data: ../shared/data beside the clone (CI), unless ELECTROSCREEN_DATA is set.
export ELECTROSCREEN_DATA ?= $(if $(wildcard ../shared/data/obelix/all.csv),$(abspath ../shared/data),)
export NUMBA_CACHE_DIR ?= $(abspath .numba_cache)

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,bench]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/electroscreen demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=15

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_composition.py
	$(BIN)/python benchmarks/bench_structure.py

clean:
	rm -rf $(VENV) .numba_cache *.egg-info
