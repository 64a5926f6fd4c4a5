# The entry points a person types. Everything installs itself into .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROJECTS := shared services/survey-api services/callback-scheduler services/scoring services/complaints sim
PYPROJECTS := $(addsuffix /pyproject.toml,$(PROJECTS))

.PHONY: run test lint install migrate clean kubectl demo bench

$(STAMP): $(PYPROJECTS) Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e 'shared[dev]' $(addprefix -e ,$(filter-out shared,$(PROJECTS)))
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/csi run

# Against a running `make run`: a simulated month of a 20-dealer network, then what its users look at.
demo: $(STAMP)
	$(BIN)/python -m csi_sim.demo

# Throughput, latency, OEM pull and memory beside baselines measured in the same run (not part of `make test`).
bench: $(STAMP)
	$(BIN)/python -m csi_sim.bench

migrate: $(STAMP)
	$(BIN)/csi db upgrade

test: $(STAMP) kubectl
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The deploy tests build the kustomize overlays with Debian's kubectl.
kubectl:
	@command -v kubectl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
