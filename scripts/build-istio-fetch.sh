#!/usr/bin/env bash
# Builds istio/fetch (istio-fetch: pulls a Wasm image with Istio's own fetcher, istio.io/istio/pkg/wasm)
# into .cache/istio/bin/istio-fetch, for the tests that compare what the kit pushed with what Istio's
# agent would load. Usage: scripts/build-istio-fetch.sh
#
# Reproducible: the module graph is pinned by istio/fetch/go.mod + go.sum (-mod=readonly: the build
# fails rather than change them), CGO_ENABLED=0, -trimpath, -buildvcs=false, GOTOOLCHAIN=local.
# The Go module and build caches live under the repository's .cache/go/ (git-ignored), so CI can keep
# them between runs: from empty caches the first build downloads ~0.5 GB of modules and takes about a
# minute on 2 cores; later builds are skipped when the binary is newer than main.go, go.mod, go.sum
# and this script ("up to date").
#
# stdout: the binary's absolute path (only that). stderr: progress with durations.
# Exit 1 on a failed build; exit 3 when this machine lacks the toolchain (no `go`, or one older than
# go.mod's `go` line), with the reason as the last line on stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/istio/fetch"
out="$repo/.cache/istio/bin/istio-fetch"
self="$repo/scripts/build-istio-fetch.sh"

log() { echo "build-istio-fetch: $*" >&2; }
fail() { echo "build-istio-fetch: error: $*" >&2; exit 1; }
# Exit code 3: this machine lacks the toolchain (the caller reports the Istio checks as not run,
# and fails under CI); the last line on stderr is the reason.
unavailable() { echo "$*" >&2; exit 3; }

inputs=("$src/main.go" "$src/go.mod" "$src/go.sum" "$self")
if [[ -x "$out" ]]; then
  fresh=true
  for f in "${inputs[@]}"; do [[ "$out" -nt "$f" ]] || fresh=false; done
  if $fresh; then
    log "up to date: ${out#"$repo/"}"
    echo "$out"
    exit 0
  fi
fi

command -v go >/dev/null 2>&1 || unavailable "'go' is not on PATH (install Go $(sed -n 's/^go //p' "$src/go.mod") or newer; it builds istio/fetch)"
need="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")"
[[ -n "$need" ]] || fail "cannot read the go line of istio/fetch/go.mod"
have="$(GOTOOLCHAIN=local go env GOVERSION)" || fail "'go env GOVERSION' failed"
# compare go1.X.Y with go.mod's X.Y[.Z] numerically
ver_ge() { # ver_ge A B: A >= B, both dotted numbers
  local IFS=. i a b
  a=($1) b=($2)
  for ((i = 0; i < 3; i++)); do
    (( ${a[i]:-0} > ${b[i]:-0} )) && return 0
    (( ${a[i]:-0} < ${b[i]:-0} )) && return 1
  done
  return 0
}
[[ "$have" =~ ^go([0-9]+(\.[0-9]+)*) ]] || fail "cannot read the Go version from '$have'"
ver_ge "${BASH_REMATCH[1]}" "$need" || unavailable "$have is too old: istio.io/istio (istio/fetch/go.mod) needs Go $need or newer"

# Everything pinned; the caller's GOOS/GOARCH/GOFLAGS/GOWORK do not leak in. -modcacherw keeps the
# module cache deletable with a plain rm -rf.
build_env=(env
  GOMODCACHE="$repo/.cache/go/mod"
  GOCACHE="$repo/.cache/go/build"
  GOFLAGS="-mod=readonly -modcacherw"
  GOTOOLCHAIN=local
  GOWORK=off
  CGO_ENABLED=0
  GOOS="$(GOTOOLCHAIN=local go env GOHOSTOS)"
  GOARCH="$(GOTOOLCHAIN=local go env GOHOSTARCH)")
mkdir -p "$repo/.cache/go" "$(dirname "$out")"

t0=$SECONDS
log "downloading the modules istio/fetch builds with (into .cache/go/mod)"
# `go list -deps` fetches exactly the modules the build needs (not the test-only ones `go mod download` would)
(cd "$src" && "${build_env[@]}" go list -deps . >/dev/null) ||
  fail "resolving istio/fetch's dependencies failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
log "modules ready ($((SECONDS - t0)) s)"

t1=$SECONDS
log "building ${out#"$repo/"} with $have (into .cache/go/build)"
if ! (cd "$src" && "${build_env[@]}" go build -trimpath -buildvcs=false -o "$out.tmp" .); then
  rm -f "$out.tmp" "$out" # no stale binary left for the tests to run
  fail "go build of istio/fetch failed (see above)"
fi
mv "$out.tmp" "$out"
log "built ${out#"$repo/"} ($(wc -c <"$out") bytes) in $((SECONDS - t1)) s; total $((SECONDS - t0)) s"
echo "$out"
