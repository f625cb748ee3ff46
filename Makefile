# postload: see README.md.
GO ?= go

.PHONY: build run test lint bench

build: ## the binary, ./postload
	$(GO) build -o postload ./cmd/postload

run: ## the whole service on embedded defaults (Kafka on 127.0.0.1:9092, API on 127.0.0.1:8080)
	$(GO) run ./cmd/postload serve

# One package at a time (-p 1): the process tests of cmd/postload run
# brokers, receivers and postload processes whose timing the other
# packages' tests, run beside them on a 2-core machine, starved; one at a
# time is also faster in all.
test: ## every test, with the race detector
	$(GO) test -race -count=1 -p 1 -timeout 15m ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build ## the scenarios of docs/benchmarks.md against this machine's ceiling, then the hot-path micro-benchmarks
	./postload bench --json bench-report.json
	$(GO) test -run '^$$' -bench . -benchmem ./dispatcher/ ./schema/ ./hook/ ./attemptlog/
