# planflow: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := workflow tasks notifications api
SAMPLE_PLAN := deploy/sample/ke-hoach-cchc-so-noi-vu-2021-2030.txt
SAMPLE_PLAN_KEY := cai-cach-hanh-chinh-so-noi-vu-giai-doan-2021-2030
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint typecheck pytest bench install browser office clean docs i18n-check i18n-update

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: embedded mode (SQLite under var/, maildir mail, in-process scheduler) on :8000
## (the sample plan names no units: task-units.yaml is the coordinator's distribution;
## another sample plan: import it, load its units, then `plan issue` it before `serve`)
run: install
	mkdir -p var
	$(BIN)/planflow db upgrade
	$(BIN)/planflow org load deploy/sample/org.yaml
	$(BIN)/planflow plan import $(SAMPLE_PLAN)
	$(BIN)/planflow plan units $(SAMPLE_PLAN_KEY) deploy/sample/task-units.yaml  # lead/supporting units
	$(BIN)/planflow user dev-passwords  # sample users log in with password planflow-dev
	$(BIN)/planflow demo seed  # a few items around today first: issuing keeps them as the tasks' work
	$(BIN)/planflow plan issue $(SAMPLE_PLAN_KEY)  # every other task → its lead unit's head
	$(BIN)/planflow serve --host 127.0.0.1 --port 8000

## test: lint, types, then the whole suite (unit + integration + e2e) on real services
test: install browser office lint typecheck i18n-check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(PACKAGES)

## i18n-check: `pybabel extract` (babel.cfg) against workflow/locale/{vi,en}: fails on a
## message missing from a catalog, untranslated or fuzzy, or no longer used
i18n-check: install
	$(BIN)/python deploy/i18n_catalogs.py check

## i18n-update: add the new messages to both catalogs (en untranslated, vi fuzzy), drop the gone
i18n-update: install
	$(BIN)/python deploy/i18n_catalogs.py update

pytest: install
	$(BIN)/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

## browser: Debian chromium for Playwright (no browser download)
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## office: LibreOffice + fonts for DOCX → PDF (make test installs it; reports skip PDF without it)
office:
	@command -v soffice >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui fonts-liberation2 poppler-utils; }

bench: install
	@for b in bench/*.py; do [ "$$b" = bench/__init__.py ] || { echo "== $$b"; $(BIN)/python $$b; }; done

clean:
	rm -rf var build *.egg-info
