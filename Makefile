# 学前教育监管平台 — developer tasks. See README.md.
#
# VENV selects the virtualenv (default .venv); .ci/run uses a fresh one: `make test VENV=/tmp/...`.
# Everything here works with no PostgreSQL and no Redis: SQLite (db.sqlite3) and kombu's
# filesystem broker under var/celery are the defaults when DATABASE_URL / REDIS_URL are unset.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV ?= .venv
PY := $(VENV)/bin/python
VAR_DIR ?= var
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
BENCH_ARGS ?=
SCHEMA_FILE ?= /tmp/kgportal-schema.yaml
HOST_PORT ?= 127.0.0.1:8000

.PHONY: help venv run test lint check-deploy migrations-check schema-check bench clean

help:
	@echo "make venv              create $(VENV) (Python 3.11) and install requirements-dev.txt"
	@echo "make run               migrate, seed demo data, Celery worker+beat in background, runserver $(HOST_PORT)"
	@echo "make test              pytest: non-browser tests on $(PYTEST_WORKERS) workers, then browser tests"
	@echo "make lint              ruff check + ruff format --check"
	@echo "make check-deploy      manage.py check --deploy with production settings"
	@echo "make migrations-check  fail if models have changes without migrations"
	@echo "make schema-check      validate the OpenAPI schema (drf-spectacular)"
	@echo "make bench             bench/access.py against PostgreSQL (DATABASE_URL)"
	@echo "make clean             remove var/, db.sqlite3, staticfiles/"

venv: $(VENV)/.installed

# Re-installs only when a requirements file is newer than the stamp.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ ! -x "$(PY)" ]; then \
		py="$${PYTHON:-}"; \
		if [ -z "$$py" ]; then py="$$(command -v python3.11 || true)"; fi; \
		if [ -z "$$py" ] && command -v python3 >/dev/null \
			&& python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
			py="$$(command -v python3)"; \
		fi; \
		if [ -z "$$py" ]; then echo "error: Python 3.11 is required (no python3.11, and python3 is not 3.11)" >&2; exit 1; fi; \
		echo "creating $(VENV) with $$py"; \
		"$$py" -m venv "$(VENV)"; \
	fi
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements-dev.txt
	@touch "$@"

# Background worker with embedded beat (the only beat), stopped by the trap when runserver ends.
run: venv
	mkdir -p "$(VAR_DIR)/celery/queue" "$(VAR_DIR)/celery/processed"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@$(VENV)/bin/celery -A config worker -B --pool=solo --loglevel=INFO >>"$(VAR_DIR)/celery.log" 2>&1 & \
	worker=$$!; \
	stop_worker() { kill -TERM "$$worker" 2>/dev/null && wait "$$worker" 2>/dev/null; echo "Celery worker stopped."; }; \
	trap stop_worker EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	echo "Celery worker with embedded beat started (pid $$worker); log: $(VAR_DIR)/celery.log"; \
	$(PY) manage.py runserver $(HOST_PORT)

# pytest exits 5 when it collects nothing: accepted for the browser run only without REQUIRE_SERVICES=1.
# Without Chromium the browser tests skip locally (tests/conftest.py prints how many) and fail under
# REQUIRE_SERVICES=1; either way the last line of `make test` says so (the path is the one
# tests/browser/conftest.py launches).
test: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not browser" $(PYTEST_ARGS)
	@status=0; \
	echo "$(PY) -m pytest -m browser $(PYTEST_ARGS)"; \
	$(PY) -m pytest -m browser $(PYTEST_ARGS) || status=$$?; \
	if [ "$$status" -eq 5 ] && [ "$${REQUIRE_SERVICES:-}" != "1" ]; then \
		echo "make test: no browser tests collected (pytest exit 5); accepted because REQUIRE_SERVICES is not 1"; \
		status=0; \
	fi; \
	if [ ! -x /usr/bin/chromium ]; then \
		echo "make test: WARNING: the browser tests did not run: no /usr/bin/chromium. Install it: apt-get install chromium" >&2; \
	fi; \
	exit "$$status"

lint: venv
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	exit "$$status"

# A throwaway key: the check needs one of 50+ random characters, nothing else uses it.
check-deploy: venv
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	PII_HMAC_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=portal.example.gov.cn \
	$(PY) manage.py check --deploy --fail-level WARNING

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

schema-check: venv
	DJANGO_SETTINGS_MODULE=config.settings.test \
	$(PY) manage.py spectacular --validate --fail-on-warn --file "$(SCHEMA_FILE)"

# PostgreSQL only: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/kgportal_bench); the
# script drops and recreates its own *_bench database. BENCH_ARGS e.g. "--explain --runs 50".
bench: venv
	$(PY) bench/access.py $(BENCH_ARGS)

# Only the checkout's own var/, never an exported VAR_DIR (that may be a server's data).
clean:
	rm -rf var db.sqlite3 db.sqlite3-journal staticfiles
