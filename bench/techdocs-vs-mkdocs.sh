#!/usr/bin/env bash
# Builds the same generated 100-page MkDocs site with `callboard docs
# generate` and with `mkdocs build`, and prints both wall times and the
# ratio (DESIGN.md's target: callboard at least 20x faster).
#
# Usage: bench/techdocs-vs-mkdocs.sh [PAGES] [RUNS]
# Needs Go; installs Debian's mkdocs and mkdocs-material when mkdocs is
# missing (root and apt required). Not part of `go test ./...`.
set -euo pipefail

pages=${1:-100}
runs=${2:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v mkdocs >/dev/null 2>&1; then
	echo "mkdocs not found; installing Debian's mkdocs and mkdocs-material" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "need root for apt-get; install mkdocs yourself" >&2
		exit 1
	fi
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mkdocs mkdocs-material >/dev/null
fi

cd "$repo"
go build -o "$work/callboard" ./cmd/callboard
go run ./techdocs/internal/sitegen/cmd/sitegen -n "$pages" -o "$work/site-src"

# mkdocs reads the same mkdocs.yml; use the material theme when installed,
# as techdocs-core would, and drop extensions this mkdocs cannot load.
cfg="$work/site-src/mkdocs.yml"
mkcfg="$work/site-src/mkdocs-bench.yml"
cp "$cfg" "$mkcfg"
# The interpreter mkdocs runs under (Debian's, not necessarily the python3 on PATH).
mkpy=$(head -1 "$(command -v mkdocs)" | sed -e 's/^#! *//' -e 's/ .*//')
[ -x "$mkpy" ] || mkpy=python3
if "$mkpy" -c 'import material' 2>/dev/null || [ -d /usr/share/mkdocs/themes/material ]; then
	printf 'theme:\n  name: material\n' >>"$mkcfg"
	theme=material
else
	theme=mkdocs
fi
if ! "$mkpy" -c 'import pymdownx' 2>/dev/null; then
	sed -i '/pymdownx/d' "$mkcfg"
fi

now_ms() { date +%s%3N; }

best() { # best of $runs runs of "$@", in ms
	local best_ms=""
	for _ in $(seq "$runs"); do
		local t0 t1
		t0=$(now_ms)
		"$@" >/dev/null 2>&1
		t1=$(now_ms)
		local d=$((t1 - t0))
		if [ -z "$best_ms" ] || [ "$d" -lt "$best_ms" ]; then best_ms=$d; fi
	done
	echo "$best_ms"
}

cb_ms=$(best "$work/callboard" docs generate --source-dir "$work/site-src" --output-dir "$work/out-callboard")
mk_ms=$(best mkdocs build -q -f "$mkcfg" -d "$work/out-mkdocs")

cb_pages=$(find "$work/out-callboard" -name index.html | wc -l)
mk_pages=$(find "$work/out-mkdocs" -name index.html | wc -l)
mk_version=$(mkdocs --version 2>/dev/null | awk '{print $3}')

echo "pages:     $pages (callboard wrote $cb_pages index.html, mkdocs $mk_pages)"
echo "callboard: ${cb_ms} ms (best of $runs, whole process)"
echo "mkdocs:    ${mk_ms} ms (best of $runs, mkdocs $mk_version, theme $theme)"
awk -v c="$cb_ms" -v m="$mk_ms" 'BEGIN { if (c < 1) c = 1; printf "ratio:     %.1fx faster (target 20x)\n", m / c }'
