# The two commands a newcomer needs: `make run` and `make test`. Everything else is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STATIC := src/odh_tec/static
UI_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	$(wildcard frontend/package.json frontend/package-lock.json frontend/index.html frontend/vite.config.ts frontend/tsconfig*.json)
APT_GET := $(if $(filter 0,$(shell id -u)),apt-get,sudo apt-get)

.PHONY: run test install ui browsers bench clean lint format lock api-types

run: install ui ## install, build the UI, start embedded SeaweedFS + the app on http://127.0.0.1:8888
	$(VENV)/bin/odh-tec serve

test: install ui browsers lint ## install what the tests need, lint, and run every test
	$(PY) -m pytest -q -p no:cacheprovider

lint: install ui ## ruff (lint and format), mypy, eslint, prettier and tsc: CI fails on any finding
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	cd frontend && npm run lint && npx tsc --noEmit

format: install ## apply ruff's and prettier's formatting
	$(VENV)/bin/ruff check --fix-only src tests bench
	$(VENV)/bin/ruff format src tests bench
	cd frontend && npm run format

# The UI's types come from the API's OpenAPI document; tests/api/test_openapi_types.py fails until the
# committed frontend/src/api/schema.d.ts is what this writes.
api-types: install ## regenerate frontend/src/api/schema.d.ts after changing a route or a response model
	@test -d frontend/node_modules/openapi-typescript || (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
	set -o pipefail; $(PY) -m odh_tec.openapi | node frontend/scripts/api-types.mjs frontend/src/api/schema.d.ts

install: $(VENV)/.installed

# Exact, hashed versions from requirements.lock, then the project itself. To update the lock after
# changing dependencies in pyproject.toml: `make lock` (pip-compile, in the venv).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

lock: ## re-resolve requirements.lock from pyproject.toml (newest versions allowed by its ranges)
	$(PY) -m pip install -q --disable-pip-version-check pip-tools
	$(VENV)/bin/pip-compile -q --extra test --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

ui: $(STATIC)/index.html

$(STATIC)/index.html: $(UI_SOURCES)
	@if [ -f frontend/package.json ]; then \
		cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	else echo "no frontend yet: serving the placeholder page"; fi

# Debian's Chromium drives the browser tests (Playwright's own browser download is not used).
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }

bench: install ## throughput and memory benchmarks against the same SeaweedFS (prints figures)
	$(PY) bench/transfer_bench.py
	$(PY) bench/hf_import_bench.py
	$(PY) bench/vram_accuracy.py
	$(PY) bench/load_bench.py
	$(PY) bench/listing_bench.py

clean:
	rm -rf $(VENV) $(STATIC) frontend/node_modules

# The container image (deploy/Containerfile, deploy/README.md). `make image BASE_IMAGE=… IMAGE=…`.
.PHONY: wheel image
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
BASE_IMAGE ?= registry.access.redhat.com/ubi9/python-311
IMAGE ?= localhost/odh-tec:$(VERSION)
CONTAINER_ENGINE ?= podman
comma := ,
# pip inside the build trusts the same CA bundle as pip here (a TLS-inspecting proxy); a build secret leaves no trace.
IMAGE_BUILD_FLAGS ?= $(if $(wildcard $(PIP_CERT)),--secret id=ca$(comma)src=$(PIP_CERT))

wheel: install ui ## the wheel, web UI inside: dist/odh_tec-$(VERSION)-py3-none-any.whl
	rm -f dist/odh_tec-*.whl
	@# Entries dated by the last commit: the same sources give the same wheel, and the image build its cache.
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 315532800) \
		$(PY) -m pip wheel -q --no-deps --disable-pip-version-check -w dist .
	@ls dist/odh_tec-*.whl

image: wheel ## the container image from the wheel: $(IMAGE) on $(BASE_IMAGE)
	$(CONTAINER_ENGINE) build -f deploy/Containerfile --build-arg BASE_IMAGE=$(BASE_IMAGE) -t $(IMAGE) \
		$(IMAGE_BUILD_FLAGS) dist
