# closurescope's front door. `make demo` and `make test` work on a fresh Debian machine with
# Python 3.11: they install what is missing (system packages when root, a virtualenv), then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Debian packages the tests use (real peers and real tools): installed when missing and root.
APT_PACKAGES := graphviz nix-bin busybox-static rmlint jdupes skopeo umoci tmux rsync zstd sqlite3 debootstrap
PY_DIRS = closurescope tests benchmarks sample-closures $(shell find docs -name "*.py")
DEMO_IMAGE ?= sample-closures/nix/images/app-full.docker.tar
DEMO_INPUT ?= sample-closures/nix/app-image-root-full.path-info-S.json
DEMO_INPUT_V2 ?= sample-closures/nix/app-image-root-full-v2.path-info-S.json
DEMO_TZDATA ?= sample-closures/nix/images/tzdata-rsync-k.docker.tar
DEMO_SVG ?= $(or $(TMPDIR),/tmp)/closurescope-demo.svg

.PHONY: all setup system-packages venv demo test lint typecheck imports fmt samples nix-store minbase clean

all: test

system-packages:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: not root or no apt-get; missing:$$missing (the tests that need them are skipped)"; \
	  fi; \
	fi

$(BIN)/closurescope: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e . --group dev
	touch $@

venv: $(BIN)/closurescope

setup: system-packages venv

demo: setup
	@echo "+ closurescope report $(DEMO_IMAGE)"
	@$(BIN)/closurescope report $(DEMO_IMAGE) --format table --top 8; rc=$$?; \
	  if [ $$rc -gt 1 ]; then exit $$rc; fi
	@echo; echo "+ closurescope why $(DEMO_IMAGE) perl --precise"
	@$(BIN)/closurescope why $(DEMO_IMAGE) perl --precise
	@echo; echo "+ closurescope etc $(DEMO_IMAGE)"
	@$(BIN)/closurescope etc $(DEMO_IMAGE)
	@echo; echo "+ closurescope dupes $(DEMO_TZDATA) --limit 3"
	@$(BIN)/closurescope dupes $(DEMO_TZDATA) --limit 3
	@echo; echo "+ closurescope diff $(DEMO_INPUT) $(DEMO_INPUT_V2)"
	@$(BIN)/closurescope diff $(DEMO_INPUT) $(DEMO_INPUT_V2)
	@echo; echo "+ closurescope graph $(DEMO_INPUT) -o $(DEMO_SVG)"
	@$(BIN)/closurescope graph $(DEMO_INPUT) -o $(DEMO_SVG) && echo "wrote $(DEMO_SVG) (rendered by Graphviz's dot)"

lint: venv
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)

typecheck: venv
	$(BIN)/mypy --strict closurescope

imports: venv
	$(BIN)/lint-imports

# Puts the sample closures into the local Nix store (outputs go to a temp dir, the committed
# samples are not touched), so the needs_nix tests compare against the live store.
nix-store:
	@if command -v nix-build >/dev/null 2>&1; then \
	  out=$$(mktemp -d); bash sample-closures/nix/make.sh "$$out" >/dev/null 2>&1 \
	    && echo "sample closures are in the Nix store" || echo "note: could not build the Nix samples"; \
	  rm -rf "$$out"; \
	fi

# A real Debian minbase rootfs (about 35 s, from Debian's mirror) for the jdupes/rmlint
# agreement tests and benchmarks/bench_dupes.py; skipped quietly when it cannot be built.
MINBASE := benchmarks/_work/minbase-bookworm
minbase:
	@if [ ! -d $(MINBASE)/usr ] && [ "$$(id -u)" = 0 ] && command -v debootstrap >/dev/null; then \
	  echo "building $(MINBASE) with debootstrap --variant=minbase bookworm"; \
	  mkdir -p benchmarks/_work; \
	  debootstrap --variant=minbase bookworm $(MINBASE).tmp >/dev/null 2>&1 \
	    && mv $(MINBASE).tmp $(MINBASE) \
	    || { rm -rf $(MINBASE).tmp; echo "note: debootstrap failed; the minbase tests are skipped"; }; \
	fi

test: setup lint typecheck imports nix-store minbase
	$(BIN)/pytest -q

fmt: venv
	$(BIN)/ruff format $(PY_DIRS)
	$(BIN)/ruff check --fix $(PY_DIRS)

samples:
	bash sample-closures/nix/make.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
