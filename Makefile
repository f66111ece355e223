# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PROD_STAMP := $(VENV)/.installed-prod
DEV_STAMP := $(VENV)/.installed-dev

# Tests run against real PostgreSQL and Redis (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trdcert
TEST_REDIS_URL ?= redis://127.0.0.1:6379
TEST_BROKER_DB ?= 1
TEST_CACHE_DB ?= 2

.PHONY: install install-dev run test test-fast lint check-deploy check-production-install bench clean

# `make run` needs only the production set (requirements.lock); tests, lint and
# benchmarks add requirements-dev.lock and, for the browser suite's
# accessibility audit, axe-core from npm. pip shows its progress.
$(PROD_STAMP): requirements.lock pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade --progress-bar on pip
	$(VENV)/bin/pip install --progress-bar on -r requirements.lock
	touch $(PROD_STAMP)

$(DEV_STAMP): $(PROD_STAMP) requirements-dev.lock package-lock.json
	$(VENV)/bin/pip install --progress-bar on -r requirements-dev.lock
	npm ci --no-audit --no-fund
	touch $(DEV_STAMP)

install: $(PROD_STAMP)

install-dev: $(DEV_STAMP)

run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_curriculum
	$(PY) manage.py ensure_dev_admin
	$(VENV)/bin/honcho -f Procfile.dev start

TEST_ENV = DATABASE_URL=$(TEST_DATABASE_URL) CACHE_URL=$(TEST_REDIS_URL)/$(TEST_CACHE_DB) \
	CELERY_BROKER_URL=$(TEST_REDIS_URL)/$(TEST_BROKER_DB)

# The whole suite on PostgreSQL, then the bad-input properties once more on
# SQLite, the embedded default, whose integers and errors differ.
test: install-dev
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-sqlite.sqlite3 CACHE_URL=$(TEST_REDIS_URL)/$(TEST_CACHE_DB) \
		CELERY_BROKER_URL=$(TEST_REDIS_URL)/$(TEST_BROKER_DB) \
		$(PY) -m pytest tests/security/test_input_properties.py

# The quick tier while working: no browser, no worker process, no injected
# faults, no full curriculum loads or long property runs (marked slow), on
# both cores (each pytest-xdist worker gets its own database and Redis
# database, see config/settings/test.py).
FAST_WORKERS ?= 2
test-fast: install-dev
	$(TEST_ENV) $(PY) -m pytest -n $(FAST_WORKERS) -m "not browser and not worker and not faults and not slow" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

# What production settings demand, with throwaway values: a long secret, a
# host, a shared cache and a freshly made credential signing key ($(1) is the
# Python that makes the key).
DEPLOY_ENV = DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$(printf 'x%.0s' {1..64})-ci-only \
	ALLOWED_HOSTS=example.org CACHE_URL=$(TEST_REDIS_URL)/$(TEST_CACHE_DB) \
	CREDENTIAL_SIGNING_KEY=$$($(1) manage.py credential_key --settings=config.settings.dev 2>/dev/null | cut -d= -f2)

check-deploy: install
	$(call DEPLOY_ENV,$(PY)) $(PY) manage.py check --deploy --fail-level WARNING

bench: install-dev
	$(PY) bench/run_all.py

# The production set alone, in a fresh virtualenv: it installs, is
# consistent (pip check), holds no test or benchmark tool, and the deploy
# check passes with it.
PROD_VENV := var/production-venv
check-production-install:
	rm -rf $(PROD_VENV) && $(PYTHON) -m venv $(PROD_VENV)
	$(PROD_VENV)/bin/pip install --progress-bar on -r requirements.lock
	$(PROD_VENV)/bin/pip check
	! $(PROD_VENV)/bin/pip list --format=freeze | grep -iE '^(flask|gevent|locust|playwright|pytest|hypothesis|ruff)='
	$(call DEPLOY_ENV,$(PROD_VENV)/bin/python) $(PROD_VENV)/bin/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var .pytest_cache
