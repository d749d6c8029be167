#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine: copies the build context
# as .dockerignore leaves it, runs the build stage's RUN lines (taken from
# the Dockerfile, so it stays the one description of the build) with a
# stamped VERSION and COMMIT, and checks that the binary is static and
# prints what was stamped. Also checks that the files the runtime stage
# copies are in the context. Run from anywhere: bash deploy/image/check.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

fail() { echo "deploy/image/check.sh: $*" >&2; exit 1; }

# The build stage: from "FROM ... AS build" to the next FROM, with
# continuation lines joined.
stage=$(awk '
	/^FROM / { inbuild = ($0 ~ / [Aa][Ss] build$/); next }
	inbuild { print }
' Dockerfile | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
[[ -n "$stage" ]] || fail "Dockerfile has no stage named build"
runs=$(grep '^RUN ' <<<"$stage" | sed 's/^RUN //')
[[ -n "$runs" ]] || fail "the build stage has no RUN line"
build=$(grep 'go build' <<<"$runs") || fail "the build stage has no go build line"
[[ "$build" == *CGO_ENABLED=0* ]] || fail "the go build line does not set CGO_ENABLED=0: $build"
[[ "$build" == *callboard.Version=* && "$build" == *callboard.Commit=* ]] ||
	fail "the go build line does not stamp callboard.Version and callboard.Commit: $build"

# The build context: every file git knows (tracked, or new and not
# ignored) that .dockerignore does not exclude. Patterns are matched as
# Docker does for the forms used here: "name" and "dir/" from the root,
# "**/x" at any depth; "!" exceptions are not supported.
mapfile -t patterns < <(grep -v '^[[:space:]]*#' .dockerignore | sed 's/[[:space:]]*$//' | grep -v '^$')
excluded() {
	local f=$1 p r
	for p in "${patterns[@]}"; do
		[[ "$p" == '!'* ]] && fail ".dockerignore exceptions (!) are not supported by this check"
		p=${p%/}
		if [[ "$p" == '**/'* ]]; then
			r=${p#'**/'}
			# shellcheck disable=SC2053 # glob on purpose
			[[ "$f" == $r || "$f" == */$r || "$f" == $r/* || "$f" == */$r/* ]] && return 0
		else
			# shellcheck disable=SC2053
			[[ "$f" == $p || "$f" == $p/* ]] && return 0
		fi
	done
	return 1
}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
n=0
while IFS= read -r -d '' f; do
	[[ -f "$f" ]] || continue # deleted in the work tree
	excluded "$f" && continue
	mkdir -p "$ctx/$(dirname "$f")"
	cp -p "$f" "$ctx/$f"
	n=$((n + 1))
done < <(git ls-files -z --cached --others --exclude-standard)
echo "build context: $n files"

# The runtime stage's COPY sources (other than --from) must be in it.
while read -r src; do
	[[ -e "$ctx/$src" ]] || fail "COPY $src: not in the build context (.dockerignore?)"
done < <(awk '/^COPY / && !/--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' Dockerfile)

# Run the build stage as Docker would: its ARGs are variables of the
# RUN shells, set here as --build-arg would set them.
export VERSION="0.0.0-check" COMMIT
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
export OUT="$ctx/out"
(cd "$ctx" && while IFS= read -r line; do
	echo "RUN $line"
	bash -euo pipefail -c "$line"
done <<<"$runs")

bin="$OUT/callboard"
[[ -x "$bin" ]] || fail "the build stage did not produce $bin"
ldd_out=$(ldd "$bin" 2>&1 || true)
[[ "$ldd_out" == *"not a dynamic executable"* ]] || fail "the binary is dynamic: ldd says: $ldd_out"
go version -m "$bin" | grep -q 'CGO_ENABLED=0' || fail "go version -m does not show CGO_ENABLED=0"
got=$("$bin" version)
want="callboard $VERSION $COMMIT"
[[ "$got" == "$want" ]] || fail "callboard version printed \"$got\", want \"$want\""
echo "static: ldd says \"$(echo "$ldd_out" | tr -d '\t')\"; $(du -h "$bin" | cut -f1) binary; version: $got"
echo "ok"
