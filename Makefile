# One command to set up and run the main job, one to set up and run the tests.
#   make demo   -> .venv + install + full ECSI analysis of the bundled survey into reports/ecsi/
#   make test   -> .venv + install (with test oracles) + the default test suite
#   make bench  -> the speed benchmarks against seminr-py

PYENV_PY := $(shell command -v pyenv >/dev/null 2>&1 && echo "$$(pyenv root)/versions/3.12.1/bin/python")
PYTHON ?= $(if $(wildcard $(PYENV_PY)),$(PYENV_PY),python3.12)
VENV := .venv
BIN := $(VENV)/bin
REPORT ?= reports/ecsi

.PHONY: demo test test-slow bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,oracle]"
	touch $@

demo: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/expectmodel demo --out $(REPORT)

test: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/python -m pytest

test-slow: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/python -m pytest -m slow

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_pls.py

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) reports .pytest_cache
