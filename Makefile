# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Tests run against real PostgreSQL and Redis (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trdcert
TEST_REDIS_URL ?= redis://127.0.0.1:6379
TEST_BROKER_DB ?= 1
TEST_CACHE_DB ?= 2

.PHONY: install run test test-fast lint check-deploy bench clean

$(STAMP): requirements.lock pyproject.toml package-lock.json
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.lock
	# axe-core for the browser suite's accessibility audit (node_modules/).
	npm ci --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_curriculum
	$(PY) manage.py ensure_dev_admin
	$(VENV)/bin/honcho -f Procfile.dev start

# The whole suite on PostgreSQL, then the bad-input properties once more on
# SQLite, the embedded default, whose integers and errors differ.
test: install
	DATABASE_URL=$(TEST_DATABASE_URL) CACHE_URL=$(TEST_REDIS_URL)/$(TEST_CACHE_DB) \
		CELERY_BROKER_URL=$(TEST_REDIS_URL)/$(TEST_BROKER_DB) \
		$(PY) -m pytest $(PYTEST_ARGS)
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-sqlite.sqlite3 CACHE_URL=$(TEST_REDIS_URL)/$(TEST_CACHE_DB) \
		CELERY_BROKER_URL=$(TEST_REDIS_URL)/$(TEST_BROKER_DB) \
		$(PY) -m pytest tests/security/test_input_properties.py

lint: install
	$(VENV)/bin/ruff check .

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$(printf 'x%.0s' {1..64})-ci-only \
		ALLOWED_HOSTS=example.org CACHE_URL=$(TEST_REDIS_URL)/$(TEST_CACHE_DB) \
		$(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf var .pytest_cache
