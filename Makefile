# Everyday commands for callboard. CI runs .ci/run, which calls these.
.PHONY: run test fuzz bench-catalog catalog-client
SHELL := /bin/bash

# FUZZTIME is how long each fuzz target runs in `make fuzz`.
FUZZTIME ?= 10s
# BENCH_ARGS are passed to `callboard bench catalog`, e.g. BENCH_ARGS='-n 100000'.
BENCH_ARGS ?= -n 10000

# run serves the portal with the demo catalog on http://localhost:7007.
run:
	go run ./cmd/callboard serve

# test runs every Go test with the race detector. Set
# CALLBOARD_TEST_POSTGRES_URL to run the store suite on PostgreSQL too.
# The timeout is per package: under the race detector on a busy 2-core
# machine, techdocs' comparison of every chroma lexer passed go test's
# default of 10 minutes once.
test:
	go test -race -timeout 30m ./...

# fuzz runs each Fuzz target in the module for FUZZTIME. Go 1.26's fuzzing
# coordinator can fail a target with a bare "context deadline exceeded" when
# -fuzztime ends while a worker is busy (go.dev/issue/75804, fixed in Go
# 1.27); such a run wrote no failing input, so it is run once more. A run
# that writes a failing input, or fails otherwise, fails at once.
fuzz:
	@set -eo pipefail; \
	log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	go test -list '^Fuzz' ./... | awk ' \
		/^Fuzz/ { names[n++] = $$1; next } \
		/^ok/ { for (i = 0; i < n; i++) print $$2, names[i]; n = 0 }' | \
	while read -r pkg name; do \
		for try in 1 2; do \
			echo "--- fuzz $$pkg $$name ($(FUZZTIME))"; \
			if go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" 2>&1 | tee "$$log"; then break; fi; \
			if [ $$try = 2 ] || grep -q 'Failing input written' "$$log" || \
				! grep -q '^    context deadline exceeded$$' "$$log"; then exit 1; fi; \
			echo "--- fuzz $$name: the fuzztime deadline race (go.dev/issue/75804), no failing input; once more"; \
		done; \
	done

# bench-catalog measures ingest, queries and memory on a generated org.
bench-catalog:
	go run ./cmd/callboard bench catalog $(BENCH_ARGS)

# catalog-client checks the API with Backstage's @backstage/catalog-client
# (needs node and npm).
catalog-client:
	bash tests/catalog-client/run.sh
