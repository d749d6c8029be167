#!/usr/bin/env bash
# run.sh checks callboard against Backstage's own @backstage/catalog-client:
# it builds callboard, serves the demo catalog from a fresh SQLite file on a
# free port, waits until the catalog is loaded, runs check.mjs with node's
# test runner, then stops the server. It exits non-zero when a check fails.
#
#   bash tests/catalog-client/run.sh        (from anywhere; needs go, node, npm)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/callboard-catalog-client.XXXXXX")
pid=""

cleanup() {
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "--- building callboard"
(cd "$root" && go build -o "$tmp/callboard" ./cmd/callboard)

echo "--- starting callboard serve --demo --dev --port 0 in $tmp/work"
mkdir -p "$tmp/work"
# check.mjs registers locations served by its own HTTP server on 127.0.0.1
# (any port: an entry without a port allows only the default one).
cat >"$tmp/work/app-config.yaml" <<'EOF'
backend:
  reading:
    allow:
      - host: 127.0.0.1:1024-65535 # check.mjs serves on a random port; without one only port 80 is allowed
EOF
# Port 0 lets the kernel pick a free port; callboard prints the one it got.
(cd "$tmp/work" && exec "$tmp/callboard" serve --config app-config.yaml --demo --dev --port 0) >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!

port=""
for _ in $(seq 1 300); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "callboard exited early:" >&2
		cat "$tmp/stdout" "$tmp/stderr" >&2
		exit 1
	fi
	port=$(sed -n 's|.*listening on http://localhost:\([0-9][0-9]*\).*|\1|p' "$tmp/stdout" | head -n 1)
	[[ -n "$port" ]] && break
	sleep 0.1
done
if [[ -z "$port" ]]; then
	echo "callboard did not report its port within 30 s:" >&2
	cat "$tmp/stdout" "$tmp/stderr" >&2
	exit 1
fi
url="http://127.0.0.1:$port"

# Ready when /healthz answers and the demo's payment-service is served.
ready=""
for _ in $(seq 1 300); do
	if curl -fsS "$url/healthz" >/dev/null 2>&1 &&
		curl -fsS "$url/api/catalog/entities/by-name/component/default/payment-service" >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.1
done
if [[ -z "$ready" ]]; then
	echo "callboard at $url did not serve the demo catalog within 30 s:" >&2
	cat "$tmp/stdout" "$tmp/stderr" >&2
	exit 1
fi
echo "callboard ready at $url ($(curl -fsS "$url/healthz"))"

cd "$here"
if [[ ! -d node_modules ]]; then
	echo "--- npm ci"
	npm ci --no-audit --no-fund
fi

echo "--- node --test check.mjs"
status=0
CALLBOARD_URL="$url" node --test --test-reporter=spec check.mjs || status=$?

if [[ $status -ne 0 ]]; then
	echo "--- callboard log (stderr, last 50 lines)"
	tail -n 50 "$tmp/stderr"
	echo "catalog-client check FAILED (exit $status)" >&2
else
	echo "catalog-client check passed"
fi
exit "$status"
