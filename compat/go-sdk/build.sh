#!/usr/bin/env bash
# Builds compat/go-sdk/build/filter.wasm: our Go filter (filter/) on the proxy-wasm Go SDK, compiled
# by standard Go (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared). See README.md for why and how.
#
#   1. `go mod download` github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0 (checked against the h1
#      hash below as well as by the Go checksum database),
#   2. adapt it for standard Go with ./adapt into .cache/go-sdk-adapted/ (filter/go.mod replaces the
#      SDK with that directory),
#   3. build the filter.
# Steps 1-2 and 3 are skipped when their inputs (script, adapter, filter sources, Go version) are
# unchanged. Needs Go >= 1.24 (//go:wasmexport) and the Go module proxy (or a warm module cache).
#
# `build.sh --sdk-only` stops after step 2: other Go fixtures (compat/go-add-header) build on the
# same adapted SDK and call it for that.
set -euo pipefail
sdk_only=false
[[ "${1:-}" == "--sdk-only" ]] && sdk_only=true

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$root/.cache"
adapted="$cache/go-sdk-adapted"
stamps="$cache/go-sdk"
out="$here/build/filter.wasm"

sdk_module="github.com/tetratelabs/proxy-wasm-go-sdk"
sdk_version="v0.24.0"
sdk_sum="h1:Xuwzknb4+OHBSYFXif0aBdV0F4MShL8L5YYFda9uUIs="

die() {
  echo "compat/go-sdk/build.sh: error: $*" >&2
  exit 1
}
log() { echo "compat/go-sdk/build.sh: $*"; }
# Exit code 3: this machine lacks the toolchain (scripts/build.ts reports the fixture as not built,
# and fails under CI); the last line on stderr is the reason.
unavailable() { echo "$*" >&2; exit 3; }

command -v go >/dev/null 2>&1 || unavailable "'go' is not on PATH (install Go 1.24 or newer; CI uses Go 1.26.8)"
go_version="$(go env GOVERSION)" || die "'go env GOVERSION' failed"
if [[ "$go_version" =~ ^go1\.([0-9]+) ]]; then
  (( BASH_REMATCH[1] >= 24 )) || unavailable "$go_version is too old: //go:wasmexport needs Go 1.24 or newer"
else
  die "cannot read the Go version from '$go_version'"
fi
command -v sha256sum >/dev/null 2>&1 || die "'sha256sum' is not on PATH"

# The adapter and the download run for the build machine, whatever GOOS/GOARCH the caller exported.
host_env=(env GOOS="$(go env GOHOSTOS)" GOARCH="$(go env GOHOSTARCH)" GOWORK=off)

# ---- 1 + 2: the adapted SDK ------------------------------------------------------------------
adapt_key="$( { echo "$sdk_module@$sdk_version $sdk_sum $go_version"; cat "$here/adapt/go.mod" "$here/adapt/main.go"; } | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$adapted/.adapt-key" 2>/dev/null || true)" != "$adapt_key" ]]; then
  log "downloading $sdk_module@$sdk_version"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # outside any module, so nothing here (no go.mod, no replace) influences the download
  if ! json="$(cd "$tmp" && "${host_env[@]}" GOFLAGS=-mod=mod go mod download -json "$sdk_module@$sdk_version" 2>"$tmp/err")"; then
    cat "$tmp/err" >&2
    [[ -n "${json:-}" ]] && echo "$json" >&2
    die "go mod download $sdk_module@$sdk_version failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  fi
  sdk_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  got_sum="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  [[ -n "$sdk_dir" && -d "$sdk_dir" ]] || die "go mod download did not report the SDK's directory:
$json"
  [[ "$got_sum" == "$sdk_sum" ]] || die "$sdk_module@$sdk_version has hash '$got_sum', expected '$sdk_sum'"

  log "adapting the SDK for GOOS=wasip1 into ${adapted#"$root/"}"
  mkdir -p "$cache"
  rm -rf "$adapted.tmp"
  (cd "$here/adapt" && "${host_env[@]}" go run . "$sdk_dir" "$adapted.tmp") || die "adapting the SDK failed (see above)"
  echo "$adapt_key" >"$adapted.tmp/.adapt-key"
  rm -rf "$adapted"
  mv "$adapted.tmp" "$adapted"
fi

$sdk_only && exit 0

# ---- 3: the filter ---------------------------------------------------------------------------
build_flags=(-buildmode=c-shared -trimpath -buildvcs=false)
build_key="$( { echo "$adapt_key ${build_flags[*]}"; cat "$here/build.sh"; \
  find "$here/filter" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 | sort -z | xargs -0 cat; } \
  | sha256sum | cut -d' ' -f1)"
# the stamp holds the inputs' key and the output's hash, so a replaced or damaged output is rebuilt too
if [[ -f "$out" && "$(cat "$stamps/filter.key" 2>/dev/null || true)" == "$build_key $(sha256sum <"$out" | cut -d' ' -f1)" ]]; then
  log "${out#"$root/"} is up to date"
  exit 0
fi
log "building ${out#"$root/"} with $go_version"
mkdir -p "$here/build" "$stamps"
(cd "$here/filter" && env GOOS=wasip1 GOARCH=wasm GOWORK=off \
  go build "${build_flags[@]}" -o "$out.tmp" .) || {
  # no stale module left behind for the tests to run
  rm -f "$out.tmp" "$out" "$stamps/filter.key"
  die "go build of compat/go-sdk/filter failed (see above)"
}
mv "$out.tmp" "$out"
echo "$build_key $(sha256sum <"$out" | cut -d' ' -f1)" >"$stamps/filter.key"
log "wrote ${out#"$root/"} ($(wc -c <"$out") bytes)"
