# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-service test-browser lint typecheck bench docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gigawatt run scenarios/anthropic-fluidstack-2026.yaml --out runs/demo

# Everything but the service and end-to-end tests on two processes (pytest-xdist; they use
# only their own temporary files), then those two serially (servers, ports, a database).
test: $(STAMP)
	$(BIN)/pytest -n 2 --ignore=tests/service --ignore=tests/e2e
	$(BIN)/pytest tests/service tests/e2e

# The service tests again, against PostgreSQL (CI runs this after `make test`).
test-service: $(STAMP)
	GIGAWATT_TEST_DATABASE_URL=$${GIGAWATT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest tests/service

# The report and dashboard in headless Chromium (Debian's chromium: apt-get install -y chromium);
# screenshots in tests/artifacts/.
test-browser: $(STAMP)
	$(BIN)/pytest tests/e2e/test_browser_*.py

# ruff (with SLF001: no reaching into another class's underscored attributes in src/), mypy
# --strict, and the import contracts of pyproject.toml ([tool.importlinter]: the core imports
# no edge, nothing imports the CLI, no cycles among gigawatt's subpackages).
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/gigawatt
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/plan.py

docs: $(STAMP)
	$(BIN)/python -m gigawatt.scenario.reference > docs/scenario-reference.md

clean:
	rm -rf $(VENV) runs .pytest_cache
