#!/usr/bin/env bash
# Three `callboard serve` replicas on one PostgreSQL database, under mixed
# load (90% reads of pages and API, 10% registrations, unregistrations,
# refreshes and template runs), with one replica killed (SIGKILL) in the
# middle of a scaffolder task and PostgreSQL restarted once. Prints
# throughput, p50/p99 per replica, change-log propagation and the seconds of
# unavailability, after checking that nothing ran twice and every replica
# serves the same catalog. Loopback only; the database is a private cluster
# in a temp dir (the shared one on 5432 is never restarted).
#
# Usage: bench/replicas.sh [LOAD_DURATION] [CONNECTIONS]   (default 30s 64)
# Needs Go and PostgreSQL 15's binaries in /usr/lib/postgresql/15/bin; run as
# root (the cluster runs as the postgres user) or as a user who may run them.
# It is TestReplicasUnderFaults of tests/replicas: see that package.
set -euo pipefail

load=${1:-30s}
conns=${2:-64}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
CALLBOARD_TEST_FAULTS=1 CALLBOARD_FAULTS_LOAD="$load" CALLBOARD_FAULTS_CONNS="$conns" \
	go test ./tests/replicas -run '^TestReplicasUnderFaults$' -count=1 -v -timeout 10m >"$out" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
	cat "$out"
	echo "bench/replicas.sh: the run failed its checks (exit $status)" >&2
	exit "$status"
fi
# The report, without the test framework's lines.
sed -n '/^replicas under load:/,/^tasks finished once:/p' "$out" | awk '!seen[$0]++'
