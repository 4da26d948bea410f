# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create (or refresh) the virtual environment in .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
AS_OF ?= 2026-11-22T09:00:00+00:00

.PHONY: venv demo test lint bench clean constraints

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## demo: check the bundled sample complaints (Jira Cloud and Zendesk) and print the findings
demo: venv
	$(BIN)/iso10002 validate-config
	$(BIN)/iso10002 check --platform jira --input connector/samples/jira-cloud-sample.jsonl --as-of $(AS_OF)
	$(BIN)/iso10002 check --platform zendesk --input connector/samples/zendesk-sample.jsonl --as-of $(AS_OF)

## test: the whole test suite (tests needing ../shared/specs skip without it)
test: venv
	$(BIN)/python -m pytest -q

## lint: ruff and mypy, both must be clean
lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy compliance_checks mappings connector report_templates

## bench: the benchmarks (slow; results go to benchmarks/README.md)
bench: venv
	$(BIN)/python benchmarks/map_check.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

## constraints: re-pin constraints.txt from the current .venv (after changing dependencies)
constraints: venv
	( echo "# Exact versions the test suite was last run with (pip constraints). Regenerate: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' ) > constraints.txt
