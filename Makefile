# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create (or refresh) the virtual environment in .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test lint bench clean constraints zendesk-app test-lowest plugins jira-app

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## demo: the whole product on local sandboxes (Zendesk + Jira Cloud, 600 complaints each):
## iso10002 run (sync, check, write-back), reports, and a team lead's fix; output in demo-out/
DEMO_COMPLAINTS ?= 600
demo: venv
	$(BIN)/python -m devtools.demo --out demo-out --complaints $(DEMO_COMPLAINTS)

## test: the whole test suite (tests needing ../shared/specs skip without it)
test: venv
	$(BIN)/python -m pytest -q

## test-lowest: the test suite against the lowest versions pyproject.toml allows (constraints-lowest.txt)
## in its own .venv-lowest; proves the declared lower bounds. Not part of CI (about as long as make test):
## run it after changing a bound (then update the pin in constraints-lowest.txt too; a test checks)
LOWEST_VENV := .venv-lowest
LOWEST_STAMP := $(LOWEST_VENV)/.installed-stamp

$(LOWEST_STAMP): pyproject.toml constraints-lowest.txt
	rm -rf $(LOWEST_VENV)
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(LOWEST_VENV)/bin/python -m pip install --quiet -c constraints-lowest.txt -e ".[dev]"
	touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	$(LOWEST_VENV)/bin/python -m pytest -x -q -p no:cacheprovider

## lint: ruff and mypy, both must be clean
lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy compliance_checks mappings connector report_templates devtools

## bench: every benchmark (slow: one to two hours); rewrites benchmarks/README.md
bench: venv
	$(BIN)/python benchmarks/run_all.py

## plugins: write each plugin's copy of the shared panel core (plugins/common/panel-core.{js,css})
plugins:
	$(PYTHON) plugins/common/sync_panel_core.py

## zendesk-app: validate the Zendesk sidebar app offline and package dist/iso10002-zendesk-app.zip
## (ZENDESK_APP_DOMAIN=iso10002.yourcompany.com puts the service's host into domainWhitelist)
zendesk-app: venv plugins
	$(BIN)/python plugins/zendesk/scripts/zendesk_app.py --out dist/iso10002-zendesk-app.zip \
	  $(if $(ZENDESK_APP_DOMAIN),--domain $(ZENDESK_APP_DOMAIN))

## jira-app: the Forge app's build (copies of the panel core, @forge/bridge bundled from npm);
## then `cd plugins/jira && forge deploy` (see plugins/jira/README.md)
jira-app: plugins
	cd plugins/jira && npm install --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) $(LOWEST_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

## constraints: re-pin constraints.txt from the current .venv (after changing dependencies)
constraints: venv
	( echo "# Exact versions the test suite was last run with (pip constraints). Regenerate: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' ) > constraints.txt
