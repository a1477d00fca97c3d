# Illuwa: build, run, lint and test.
#
#   make test    what CI runs: services, gofmt, go vet, staticcheck, docs lint, go test -race
#   make build   the binary ./illuwa (the Dockerfile runs this same target)
#   make run     go run . (http://localhost:8080, SQLite in ./data)
#   make lint    gofmt, go vet, staticcheck, OpenAPI and GraphQL schema lint
#   make bench   every benchmark, output also kept in bench/out/go-bench.txt
#   make screenshots  copy the README's screenshots from the last test run to docs/screenshots
#
# Each recipe is one bash script (.ONESHELL) that stops at the first failing command.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := test

GO ?= go
STATICCHECK_VERSION ?= v0.8.2
GOTESTSUM_VERSION ?= v1.13.0
GO_TEST_TIMEOUT ?= 45m
# Tests with a database of their own run in parallel; most of their time is
# spent waiting on MariaDB, so more of them than cores keeps the cores busy.
GO_TEST_PARALLEL ?= 8
# Where the browser tests keep their screenshots, and the ones the README shows.
SCREENSHOT_DIR ?= $(CURDIR)/testdata/screenshots
README_SHOTS := webapp-map.png webapp-list.png webapp-stall.png webapp-accepted.png owner-live.png webapp-pos.png

# The version stamped into the binary. Docker builds have no .git and pass VERSION.
ifeq ($(origin VERSION),undefined)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
endif

# What the tests read to reach the real servers (see .ci/services.sh).
export ILLUWA_TEST_MYSQL_DSN ?= root@tcp(127.0.0.1:3306)/
export ILLUWA_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export CHROMIUM ?= /usr/bin/chromium
# The OpenAPI linter must not reach for the network.
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

.PHONY: screenshots test services lint fmt-check vet staticcheck docs-lint go-test build run bench

test: services lint go-test

services:
	@bash .ci/services.sh

lint: fmt-check vet staticcheck docs-lint

# gofmt on the Go files git knows about (tracked, plus new files not ignored).
fmt-check:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.go')
	else
		mapfile -t files < <(find . -name '*.go' -not -path '*/node_modules/*' -not -path './.git/*')
	fi
	existing=()
	for f in "$${files[@]}"; do [[ -f "$$f" ]] && existing+=("$$f"); done
	unformatted=""
	if (( $${#existing[@]} )); then unformatted=$$(gofmt -l "$${existing[@]}"); fi
	if [[ -n "$$unformatted" ]]; then
		echo "gofmt: these files are not formatted (run gofmt -w on them):"
		echo "$$unformatted"
		exit 1
	fi
	echo "gofmt: $${#existing[@]} files ok"

vet:
	@echo "go vet ./..."
	$(GO) vet ./...

staticcheck:
	@echo "staticcheck $(STATICCHECK_VERSION) ./..."
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# Lints the OpenAPI document and the GraphQL schema with the Node tools pinned
# in docs/package-lock.json.
docs-lint:
	@if [[ ! -f docs/openapi.yaml ]]; then echo "docs lint: no docs/openapi.yaml yet"; exit 0; fi
	if [[ ! -x docs/node_modules/.bin/redocly ]]; then
		echo "docs lint: docs/node_modules is missing; run 'make services' (or npm ci --prefix docs)" >&2
		exit 1
	fi
	echo "redocly lint --config docs/redocly.yaml docs/openapi.yaml"
	docs/node_modules/.bin/redocly lint --config docs/redocly.yaml --format=stylish docs/openapi.yaml
	if [[ ! -x docs/node_modules/.bin/graphql-schema-linter ]]; then
		echo "docs lint: graphql-schema-linter is missing; run 'make services' (or npm ci --prefix docs)" >&2
		exit 1
	fi
	echo "graphql-schema-linter docs/schema.graphql"
	docs/node_modules/.bin/graphql-schema-linter docs/schema.graphql

# The whole suite, with the race detector, against the real servers.
# gotestsum runs go test and closes with a "DONE N tests, ..." summary line.
go-test: services
	@mkdir -p "$(SCREENSHOT_DIR)"
	export ILLUWA_SCREENSHOT_DIR="$(SCREENSHOT_DIR)"
	echo "go test -race -count=1 -parallel $(GO_TEST_PARALLEL) -timeout $(GO_TEST_TIMEOUT) ./..."
	echo "  ILLUWA_SCREENSHOT_DIR=$$ILLUWA_SCREENSHOT_DIR"
	echo "  ILLUWA_TEST_MYSQL_DSN=$$ILLUWA_TEST_MYSQL_DSN"
	echo "  ILLUWA_TEST_REDIS_URL=$$ILLUWA_TEST_REDIS_URL"
	echo "  CHROMIUM=$$CHROMIUM"
	$(GO) run gotest.tools/gotestsum@$(GOTESTSUM_VERSION) --format pkgname-and-test-fails --format-icons text \
		-- -race -count=1 -parallel $(GO_TEST_PARALLEL) -timeout $(GO_TEST_TIMEOUT) ./...

# The browser tests keep their screenshots in SCREENSHOT_DIR; `make
# screenshots` copies the ones the README shows from the last test run.
screenshots:
	@for f in $(README_SHOTS); do
		[[ -f "$(SCREENSHOT_DIR)/$$f" ]] || { echo "$(SCREENSHOT_DIR)/$$f is missing: run make test first" >&2; exit 1; }
	done
	mkdir -p docs/screenshots
	for f in $(README_SHOTS); do cp "$(SCREENSHOT_DIR)/$$f" docs/screenshots/; done
	echo "copied $(README_SHOTS) to docs/screenshots/"

build:
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o illuwa .

run:
	$(GO) run .

bench:
	@mkdir -p bench/out
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee bench/out/go-bench.txt
