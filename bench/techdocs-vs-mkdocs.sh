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

# One run of "$@": prints "wall_ms cpu_ms" (cpu = user + sys of the
# process and its children), from bash's own time keyword.
run_once() {
	local TIMEFORMAT='%R %U %S' out
	out=$({ time "$@" >/dev/null 2>&1; } 2>&1)
	awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$out"
}

# Runs alternate between the two builders, so both see the same machine
# load (shared machines make wall times noisy; CPU time is steadier).
cb_ms="" mk_ms="" cb_cpu="" mk_cpu=""
for _ in $(seq "$runs"); do
	read -r w c < <(run_once "$work/callboard" docs generate --source-dir "$work/site-src" --output-dir "$work/out-callboard")
	if [ -z "$cb_ms" ] || [ "$w" -lt "$cb_ms" ]; then cb_ms=$w; fi
	if [ -z "$cb_cpu" ] || [ "$c" -lt "$cb_cpu" ]; then cb_cpu=$c; fi
	read -r w c < <(run_once mkdocs build -q -f "$mkcfg" -d "$work/out-mkdocs")
	if [ -z "$mk_ms" ] || [ "$w" -lt "$mk_ms" ]; then mk_ms=$w; fi
	if [ -z "$mk_cpu" ] || [ "$c" -lt "$mk_cpu" ]; then mk_cpu=$c; fi
done

cb_pages=$(find "$work/out-callboard" -name index.html | wc -l)
mk_pages=$(find "$work/out-mkdocs" -name index.html | wc -l)
mk_version=$(mkdocs --version 2>/dev/null | awk '{print $3}')

echo "pages:     $pages (callboard wrote $cb_pages index.html, mkdocs $mk_pages)"
echo "callboard: ${cb_ms} ms wall, ${cb_cpu} ms CPU (best of $runs, whole process)"
echo "mkdocs:    ${mk_ms} ms wall, ${mk_cpu} ms CPU (best of $runs, mkdocs $mk_version, theme $theme)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) on $(nproc) CPUs"
awk -v c="$cb_ms" -v m="$mk_ms" -v cc="$cb_cpu" -v mc="$mk_cpu" 'BEGIN {
	if (c < 1) c = 1; if (cc < 1) cc = 1
	printf "ratio:     %.1fx faster wall, %.1fx less CPU (target 20x)\n", m / c, mc / cc
}'
