# Bürgerportal — the two commands: `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: run test build deps test-unit test-sqlite test-postgres test-e2e lint

## Front-end packages (KERN UX, browser-test tools), pinned in package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

## Build and serve http://127.0.0.1:8080 on SQLite under ./data with demo data.
run: deps
	$(CARGO) run --release --locked -- serve --demo

## The release binary target/release/buergerportal.
build: deps
	$(CARGO) build --release --locked

## Every test: unit, integration on SQLite and PostgreSQL, browser journey.
test: lint test-unit test-sqlite test-postgres test-e2e

test-unit: deps
	$(CARGO) test --locked --lib --bins --test cli

test-sqlite: deps
	$(CARGO) test --locked --test api
	$(CARGO) test --locked --test timing -- --test-threads=1

test-postgres: deps
	scripts/with-postgres.sh sh -c '$(CARGO) test --locked --test api && $(CARGO) test --locked --test timing -- --test-threads=1'

test-e2e: deps
	$(CARGO) build --locked
	BP_BIN=target/debug/buergerportal scripts/e2e.sh

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
