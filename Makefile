# Scion: `make demo` runs the main job end to end, `make test` runs every suite.
# Both create .venv when it is missing and install the project into it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-team test postgresql lint lint-python lint-clients format test-python test-neovim test-vscode bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# compat mode puts a plain path in a .pth file, as a regular install costs nothing at start-up; the default
	# editable finder costs every `scion` process 10-15 ms. setuptools calls compat transitional: fall back when it goes.
	$(PY) -m pip install --quiet -e '.[dev,llm,hub]' --config-settings editable_mode=compat 2>/dev/null \
		|| $(PY) -m pip install --quiet -e '.[dev,llm,hub]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

# Two developers and a team hub on a throwaway PostgreSQL cluster (removed at the end).
demo-team: $(STAMP) postgresql
	$(PY) scripts/demo_team.py

test: lint test-python test-neovim test-vscode

# The same checks as .pre-commit-config.yaml: ruff, mypy, eslint + prettier, StyLua.
lint: lint-python lint-clients

lint-python: $(STAMP)
	$(VENV)/bin/ruff check server tests bench scripts
	$(VENV)/bin/ruff format --check server tests bench scripts
	$(VENV)/bin/mypy

lint-clients: clients/vscode/node_modules/.package-lock.json clients/neovim/node_modules/.package-lock.json
	cd clients/vscode && npm run -s lint
	cd clients/neovim && npm run -s lint

clients/%/node_modules/.package-lock.json: clients/%/package-lock.json
	cd clients/$* && npm ci --no-audit --no-fund --loglevel=error

format: $(STAMP) clients/vscode/node_modules/.package-lock.json clients/neovim/node_modules/.package-lock.json
	$(VENV)/bin/ruff check --fix server tests bench scripts
	$(VENV)/bin/ruff format server tests bench scripts
	cd clients/vscode && npm run -s format
	cd clients/neovim && npm run -s format

# The hub's tests start throwaway PostgreSQL clusters with Debian's binaries (tests/support/pg_cluster.py).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update && apt-get install -y postgresql; }

test-python: $(STAMP) postgresql
	$(PY) -m pytest -q

test-neovim: $(STAMP)
	$(PY) tests/neovim/run.py

test-vscode: $(STAMP)
	$(PY) tests/vscode/run.py

bench: $(STAMP) postgresql
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache test-output demo-workspace demo-team
