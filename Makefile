# planflow: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := workflow tasks notifications api
SAMPLE_PLAN := deploy/sample/ke-hoach-cchc-so-noi-vu-2021-2030.txt
SAMPLE_PLAN_KEY := cai-cach-hanh-chinh-so-noi-vu-giai-doan-2021-2030
# The coming year's annual plan as signed (Word; its units and group names in the table).
ANNUAL_PLAN := deploy/sample/ke-hoach-cchc-2027.docx
ANNUAL_PLAN_KEY := cai-cach-hanh-chinh-nam-2027-cua-so-noi-vu
export PYTHONDONTWRITEBYTECODE := 1
LOCK_RUNTIME := requirements/runtime.lock
LOCK_DEV := requirements/dev.lock
LOCK_TOOL := pip-tools==7.7.0
# Index URLs are left out of the lock: each machine installs through its own pip config.
COMPILE = $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --build-deps-for editable $(LOCK_ARGS)

.PHONY: run test lint typecheck pytest test-cluster bench install lock browser office imap haproxy ldap oidc clean docs i18n-check i18n-update

# The exact versions and hashes of requirements/dev.lock (runtime + dev tools), then the
# project itself without resolving anything; pyproject.toml keeps the ranges for library users.
$(STAMP): pyproject.toml $(LOCK_DEV)
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r $(LOCK_DEV)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# htmx (the pages' partial updates) from the npm registry into the static folder, not
# committed and never from a CDN at run time; the version is pinned here.
HTMX_VERSION := 2.0.11
HTMX := api/static/vendor/htmx.min.js
$(HTMX):
	mkdir -p $(dir $(HTMX))
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null \
		&& tar -xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js) \
		&& cp $$tmp/package/dist/htmx.min.js $(HTMX); status=$$?; rm -rf $$tmp; exit $$status

install: $(STAMP) $(HTMX)

## lock: re-resolve requirements/*.lock from pyproject.toml (kept pins stay; new dependencies
## are added); `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed release.
## The runtime lock (servers, the Dockerfile) constrains the dev lock, so both agree.
lock:
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q $(LOCK_TOOL)
	$(COMPILE) -o $(LOCK_RUNTIME) pyproject.toml
	$(COMPILE) --extra dev -c $(LOCK_RUNTIME) -o $(LOCK_DEV) pyproject.toml

## run: embedded mode (SQLite under var/, maildir mail, in-process scheduler) on :8000
## (the 2021-2030 plan names no units: task-units.yaml is the coordinator's distribution;
## the 2027 annual plan names its units and groups in its task table and is issued as it is)
# Replies by mail on: the dev mailbox's "Trả lời thử" answers a mail as its recipient would.
run: export PLANFLOW_MAIL_REPLY_MODE ?= subaddress
run: install
	mkdir -p var
	$(BIN)/planflow db upgrade
	$(BIN)/planflow org load deploy/sample/org.yaml
	$(BIN)/planflow plan import $(SAMPLE_PLAN)
	$(BIN)/planflow plan units $(SAMPLE_PLAN_KEY) deploy/sample/task-units.yaml  # lead/supporting units
	$(BIN)/planflow user dev-passwords  # sample users log in with password planflow-dev
	$(BIN)/planflow demo seed  # a few items around today first: issuing keeps them as the tasks' work
	$(BIN)/planflow plan issue $(SAMPLE_PLAN_KEY)  # every other task → its lead unit's head
	$(BIN)/planflow plan import $(ANNUAL_PLAN)  # 2027: deadline phrases, unit groups
	$(BIN)/planflow plan issue $(ANNUAL_PLAN_KEY)  # dated by its phrases; a group → each unit
	$(BIN)/planflow serve --host 127.0.0.1 --port 8000

## test: lint, types, then the whole suite (unit + integration + e2e) on real services, then
## the cluster run on its own (it kills processes and needs the machine's cores to itself)
test: install browser office imap haproxy ldap oidc lint typecheck i18n-check pytest test-cluster

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
	$(BIN)/pytest -n 2 -p no:cacheprovider --ignore=tests/cluster $(PYTEST_ARGS)

## test-cluster: deploy/local-cluster.sh (haproxy, 2 API, 2 workers, 2 schedulers, SMTP sink)
## through a 1,000-item plan over 30 accelerated days with kills mid-way; prints its figures
test-cluster: install haproxy
	$(BIN)/pytest -p no:cacheprovider -s tests/cluster $(PYTEST_ARGS)

## browser: Debian chromium for Playwright (no browser download)
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## office: LibreOffice + fonts for DOCX → PDF (make test installs it; reports skip PDF without it)
office:
	@command -v soffice >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui fonts-liberation2 poppler-utils; }

## imap: Dovecot (dovecot-imapd): its imap binary threads the demo's mail (pre-authenticated,
## stdin/stdout); the reply-by-mail tests start the server on a loopback port (tests/imap_server.py)
imap:
	@test -x /usr/lib/dovecot/imap || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; }

## haproxy: Debian's load balancer, in front of the API processes of the cluster run
haproxy:
	@command -v haproxy >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }

## ldap: Debian's OpenLDAP server and tools; the directory sign-in tests start slapd with a
## test tree on a loopback port (deploy/directory/slapd.sh)
ldap:
	@test -x /usr/sbin/slapd -a -x /usr/bin/ldapsearch || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils; }

## oidc: the certified OpenID provider `oidc-provider` (npm, exact versions of
## deploy/directory/package-lock.json) that the OpenID Connect sign-in tests start on a
## loopback port (deploy/directory/oidc-provider.mjs); needs Node.js 18+
oidc:
	@test -d deploy/directory/node_modules/oidc-provider || npm ci --prefix deploy/directory --no-audit --no-fund --loglevel=error

bench: install
	@for b in bench/*.py; do [ "$$b" = bench/__init__.py ] || { echo "== $$b"; $(BIN)/python $$b; }; done

clean:
	rm -rf var build *.egg-info
