# Sluice developer commands. `make test` is the one command that installs
# what the tests need and runs the whole suite; CI runs exactly it.

GO        ?= go
TOOLS_BIN := $(CURDIR)/.tools/bin
export PATH := $(TOOLS_BIN):$(PATH)

VERSITYGW_VERSION := v1.8.0

.PHONY: run build test test-deps unit generate fmt vet bench

run:
	$(GO) run ./cmd/sluice

build:
	$(GO) build -o bin/sluice ./cmd/sluice

## test: install test dependencies, then run every test with the race detector.
test: test-deps
	$(GO) vet ./...
	$(GO) test -race -timeout 40m ./...

## test-deps: tools the integration and end-to-end tests drive.
test-deps:
	@mkdir -p $(TOOLS_BIN)
	@if [ ! -x $(TOOLS_BIN)/versitygw ]; then \
		echo "installing versitygw $(VERSITYGW_VERSION) (a real S3 server for delivery tests)"; \
		GOBIN=$(TOOLS_BIN) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION); \
	fi
	@# The AWS SDK for JavaScript, for the SigV4 client tests (internal/auth), pinned by the lock file.
	cd test/node && npm ci --no-audit --no-fund

## unit: the fast tests only (no race detector, no end-to-end scripts).
unit:
	$(GO) test -short ./...

generate:
	$(GO) generate ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
