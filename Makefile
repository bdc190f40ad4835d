# One command to set up and run the main job, one to set up and run the tests.
#   make demo   -> .venv + install + full ECSI analysis of the bundled survey into reports/ecsi/
#   make test   -> .venv + install (with test oracles) + the default test suite
#   make bench  -> the speed benchmarks against seminr-py

PYENV_PY := $(shell command -v pyenv >/dev/null 2>&1 && echo "$$(pyenv root)/versions/3.12.1/bin/python")
PYTHON ?= $(if $(wildcard $(PYENV_PY)),$(PYENV_PY),python3.12)
VENV := .venv
BIN := $(VENV)/bin
REPORT ?= reports/ecsi

.PHONY: demo test test-slow bench bench-latent lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pytensor (pymc's compiler) links against the system OpenBLAS (METHODS §9 E7): install it when we can;
# expectmodel.bayes then selects it through PYTENSOR_FLAGS.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@ldconfig -p 2>/dev/null | grep -q libopenblas.so || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get install -y -qq libopenblas-dev >/dev/null; } || \
	  echo "note: libopenblas-dev not installed; pymc will run without BLAS (slower)"
	$(BIN)/python -m pip install --quiet -e ".[test,oracle,bayes]"
	touch $@

demo: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/expectmodel demo --out $(REPORT)

# the tests also run the numpyro (JAX) sampler path on the CPU, so that CI covers it
$(VENV)/.installed-gpu: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[gpu]"
	touch $@

# two workers (the machines have 2 cores), a test file on one worker, so a file's compiled models are shared
test: $(VENV)/.installed-gpu
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadfile

test-slow: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/python -m pytest -m slow

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_pls.py

bench-latent: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_latent.py

# ruff, then the import rules of ARCHITECTURE §3: import-linter's contracts ([tool.importlinter] in
# pyproject.toml) and the check that estimators import plotting inside plot methods only
lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider --no-header tests/test_import.py -k plotting

clean:
	rm -rf $(VENV) reports .pytest_cache
