# Cumulus — the two commands a user needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/cumulus
PKGS    := ./...

.PHONY: run build test test-heavy bench deps fmt vet clean

## run: install what is missing, build, and serve on ./data (SQLite + files)
run: build
	$(BIN) serve --addr $${CUMULUS_ADDR:-127.0.0.1:8080} --data $${CUMULUS_DATA:-./data}

## build: bin/cumulus
build: deps
	$(GO) build -o $(BIN) ./cmd/cumulus

deps:
	@scripts/deps.sh

## test: every unit, conformance and end-to-end test (official Go and Node SDKs)
test: build
	@scripts/deps.sh test
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 15m $(PKGS)

## test-heavy: fuzzing, soak and crash suites (CI runs them too)
test-heavy: build
	@scripts/deps.sh test
	CUMULUS_HEAVY=1 $(GO) test -count=1 -timeout 80m -run 'Heavy' $(PKGS)

## bench: throughput figures against a real server, beside nginx (docs/performance.md)
bench: build
	@scripts/deps.sh bench
	scripts/bench.sh

fmt:
	gofmt -w .

clean:
	rm -rf bin

## vulncheck: govulncheck (Go modules) and the native image libraries against known fixed versions
.PHONY: vulncheck
vulncheck:
	@scripts/vulncheck.sh
