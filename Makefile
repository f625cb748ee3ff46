# postload: see README.md.
GO ?= go

.PHONY: build run test lint bench

build: ## the binary, ./postload
	$(GO) build -o postload ./cmd/postload

run: ## the whole service on embedded defaults (Kafka on 127.0.0.1:9092, API on 127.0.0.1:8080)
	$(GO) run ./cmd/postload serve

test: ## every test, with the race detector
	$(GO) test -race -count=1 -timeout 10m ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build ## the scenarios of docs/benchmarks.md against this machine's ceiling, then the hot-path micro-benchmarks
	./postload bench --json bench-report.json
	$(GO) test -run '^$$' -bench . -benchmem ./dispatcher/ ./schema/ ./hook/
