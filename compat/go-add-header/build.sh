#!/usr/bin/env bash
# Builds the Go SDK add-header filter (the benchmark twin of filters/add-header) into
# compat/go-add-header/build/filter.wasm, with standard Go (GOOS=wasip1, -buildmode=c-shared) on the
# proxy-wasm Go SDK v0.24.0 as compat/go-sdk adapts it (see compat/go-sdk/README.md for why).
# Fast when nothing changed: Go's build cache decides what to rebuild, and the copy is skipped when
# build/filter.wasm already has the same bytes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$here/build/filter.wasm"

fail() { echo "compat/go-add-header/build.sh: error: $*" >&2; exit 1; }

# The adapted SDK (and the toolchain checks: exit code 3 with the reason when Go is missing or too
# old, which scripts/build.ts reports as not built, and fails under CI).
bash "$repo/compat/go-sdk/build.sh" --sdk-only >&2 || exit $?

mkdir -p "$here/build"
if ! (cd "$here/filter" && env GOOS=wasip1 GOARCH=wasm GOWORK=off \
  go build -buildmode=c-shared -trimpath -buildvcs=false -o "$out.tmp" .); then
  rm -f "$out.tmp" "$out" # the tests must not pass against the module of an earlier source
  fail "go build of compat/go-add-header/filter failed (see above)"
fi
if [ -f "$out" ] && cmp -s "$out.tmp" "$out"; then
  rm -f "$out.tmp"
  echo "up to date: ${out#"$repo"/} ($(wc -c <"$out") bytes)"
else
  mv "$out.tmp" "$out"
  echo "built: ${out#"$repo"/} ($(wc -c <"$out") bytes)"
fi
