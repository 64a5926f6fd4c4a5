# The entry points a person types. Everything installs itself into .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROJECTS := shared services/survey-api services/callback-scheduler services/scoring services/complaints sim
PYPROJECTS := $(addsuffix /pyproject.toml,$(PROJECTS))
NODE_TOOLS := tools/asyncapi-check tools/browser-check

.PHONY: run test lint install migrate clean kubectl promtool chromium node-tools demo bench console console-api-types api-docs

$(STAMP): $(PYPROJECTS) Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e 'shared[dev]' $(addprefix -e ,$(filter-out shared,$(PROJECTS)))
	@touch $(STAMP)

install: $(STAMP)

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

test: $(STAMP) kubectl promtool chromium node-tools console
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The deploy tests build the kustomize overlays with Debian's kubectl.
kubectl:
	@command -v kubectl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl; }

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

# ruff; mypy (strict) on csi_shared and the rule modules ([tool.mypy] in pyproject.toml); the floors of
# docs/architecture.md with import-linter (.importlinter).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(addsuffix /node_modules,$(NODE_TOOLS)) $(CONSOLE)/node_modules $(CONSOLE)/dist
