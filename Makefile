# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
# `make serve`'s address: loopback, for a proxy on the same machine (README, production).
BIND ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
SHIPPED_ARTICLES := $(wildcard articles/content/*.toml)

# uv must never fetch a Python of its own: it uses the interpreter we found.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# The first Python >= 3.12 on this machine: $PYTHON if set, then the usual
# names, then any pyenv installation (pyenv's shims fail for versions that
# are not selected, so each candidate is actually run).
FIND_PYTHON = for c in $${PYTHON:-} python3.14 python3.13 python3.12 python3 \
	  $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	  /usr/local/bin/python3 /usr/bin/python3; do \
	  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v "$$c"; exit 0; fi; done; \
	  echo "No Python 3.12 or newer found; set PYTHON=/path/to/python3.12" >&2; exit 1

.PHONY: help venv run test test-postgres lint format serve bench reliability screenshots messages allauth-french demo clean

help:
	@echo "make run      serve the site on http://127.0.0.1:$(PORT) (SQLite)"
	@echo "make test     run the whole test suite"
	@echo "make lint     ruff, migrations check, deploy check, French catalogue check"
	@echo "make serve    gunicorn with production settings"
	@echo "make bench    benchmarks, printed as JSON"
	@echo "make reliability  the site under load while Redis and PostgreSQL fail, as JSON"
	@echo "make demo     fill the shipped article with demo members and answers"
	@echo "make screenshots  the README's screenshots, from a fresh demo site"

$(BIN)/uv:
	@py="$$($(FIND_PYTHON))" && echo "Using $$py" && "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --python $(BIN)/python --quiet
	@touch $@

venv: $(VENV)/.synced

run: venv
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py rerender_answers
	$(BIN)/python manage.py import_article --publish $(SHIPPED_ARTICLES)
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL, browser and Redis tests required.
test-postgres: venv
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/agora} \
	  REQUIRE_BROWSER=1 REQUIRE_REDIS=1 \
	  $(BIN)/pytest $(PYTEST_ARGS)

# Production-like variables, so `check --deploy` judges what production runs.
DEPLOY_ENV := DEBUG=0 SECRET_KEY=$$(printf 'x%.0s' {1..60})-lint-only ALLOWED_HOSTS=agora.example \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	SITE_URL=https://agora.example EMAIL_URL=smtp://mail.example:587

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python bin/check_messages.py

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production settings: SECRET_KEY, ALLOWED_HOSTS, SITE_URL... come from the environment.
serve: export DEBUG = 0
serve: venv
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py rerender_answers
	$(BIN)/gunicorn forum.wsgi --bind $(BIND):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

# bin/check_messages.py (in `make lint`) runs the same makemessages on a copy.
messages: venv
	$(BIN)/python manage.py makemessages --locale fr --no-obsolete --add-location file --ignore '.venv/*'
	$(BIN)/python manage.py compilemessages --locale fr --ignore '.venv/*'

# French typography for allauth's own strings (after upgrading allauth).
allauth-french: venv
	$(BIN)/python bin/allauth_french.py

# The README's screenshots, from a fresh demo site (needs Chromium).
screenshots: venv
	$(BIN)/python docs/readme_screenshots.py

bench: venv
	@$(BIN)/python -m bench $(BENCH_ARGS)

# Its own PostgreSQL cluster and Redis on free ports (never the machine's); about 2 minutes.
reliability: venv
	@$(BIN)/python -m reliability $(RELIABILITY_ARGS)

demo: venv
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py import_article --publish $(SHIPPED_ARTICLES)
	$(BIN)/python manage.py demo_discussion

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
