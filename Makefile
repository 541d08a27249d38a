# Two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Each step leaves a stamp so a second run skips what is already done.
SHELL := /bin/bash
PY := .venv/bin/python
VAR := $(CURDIR)/var
PGDATA := $(VAR)/pgdata
PGSOCK := $(VAR)/pgrun
# The private cluster listens only on a Unix socket under var/: nothing else on the
# machine can reach it, and it never clashes with a system PostgreSQL on port 5432.
export DATABASE_URL ?= postgres://postgres@/gis_portal?host=$(PGSOCK)
export DJANGO_DEBUG ?= true
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test stop deps db migrate demo serve clean bench messages

run: deps db migrate demo
	@echo
	@echo "  Open http://$(HOST):$(PORT)/  (admin: /admin/, API: /api/v1/, docs: /api/v1/docs/)"
	@echo "  Sign in as 'admin' or '<municipality>-viewer|editor|manager' with password $${DEMO_PASSWORD:-demo}"
	@echo
	@# The task queue's worker (large exports) runs beside the web server and stops with it.
	$(PY) manage.py procrastinate worker & worker=$$!; trap "kill $$worker" EXIT; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: deps db
	$(PY) -m pytest $(PYTEST_ARGS)

stop:
	@scripts/devdb.sh stop

deps: $(VAR)/.system-deps .venv/.installed static/vendor/.installed

$(VAR)/.system-deps: scripts/system-deps.sh
	@scripts/system-deps.sh
	@mkdir -p $(VAR) && touch $@

.venv/.installed: requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

static/vendor/.installed: package.json package-lock.json scripts/vendor.sh
	npm ci --no-audit --no-fund --loglevel=error
	scripts/vendor.sh
	touch $@

db:
	@if [[ "$$DATABASE_URL" == *"host=$(PGSOCK)"* ]]; then scripts/devdb.sh start; fi

migrate:
	$(PY) manage.py migrate --noinput

demo:
	$(PY) manage.py load_demo

bench: deps db
	$(PY) bench/run.py
	$(PY) bench/load.py
# After interface text changed: the Thai and English catalogues (needs gettext). The .po
# files and the compiled .mo files are committed, so a set-up never needs this step.
MESSAGE_FLAGS := --ignore=node_modules --ignore=static/vendor --ignore=.venv --ignore=staticfiles \
	--ignore=var --ignore=tests --no-location --no-wrap
messages:
	$(PY) manage.py makemessages -l th -l en $(MESSAGE_FLAGS)
	$(PY) manage.py makemessages -d djangojs -l th -l en $(MESSAGE_FLAGS)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean: stop
	rm -rf $(VAR) .venv node_modules static/vendor
