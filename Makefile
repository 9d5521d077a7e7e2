# Scion: `make demo` runs the main job end to end, `make test` runs every suite.
# Both create .venv when it is missing and install the project into it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-python test-neovim test-vscode bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,llm]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

test: test-python test-neovim test-vscode

test-python: $(STAMP)
	$(PY) -m pytest -q

test-neovim: $(STAMP)
	$(PY) tests/neovim/run.py

test-vscode: $(STAMP)
	$(PY) tests/vscode/run.py

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache test-output demo-workspace
