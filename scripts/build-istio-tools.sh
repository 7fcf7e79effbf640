#!/usr/bin/env bash
# Builds the Istio programs the kit's tests judge its output with, all from one pinned Go module
# (istio/tools: one istio.io/istio version for all), into .cache/istio/bin/:
#   istio-fetch  pulls a Wasm image with Istio's own fetcher (istio.io/istio/pkg/wasm), for the tests
#                that compare what the kit pushed with what Istio's agent would load
#                (istio/tools/cmd/istio-fetch; cli/test/istio-fetch.test.ts, in every npm test)
#   istioctl     Istio's CLI, a `tool` of istio/tools/go.mod, for `istioctl validate -f` over the
#                kit's WasmPlugins (istio/test/istioctl.test.ts)
#   xds-server   Istio's xDS translation and server without Kubernetes (pilot/test/xds, wrapped by
#                istio/tools/cmd/xds-server) for the end-to-end run (istio/test/mesh.test.ts)
#   pilot-agent  Istio's sidecar agent (a `tool`): pulls the image, starts Envoy (the same test)
# Usage: scripts/build-istio-tools.sh [NAME...]    (no NAME: all four)
# npm run build builds istio-fetch; the Istio stage (npm run test:istio) the other three.
#
# Reproducible: the module graph is pinned by istio/tools/go.mod + go.sum (-mod=readonly: the build
# fails rather than change them), CGO_ENABLED=0, -trimpath, -buildvcs=false, GOTOOLCHAIN=local.
# The Go module and build caches live under the repository's .cache/go/ (git-ignored), so CI can keep
# them between runs. Measured on 2 cores (Go 1.26.8): istio-fetch needs ~0.4 GB of modules and
# builds in about a minute from empty caches; istioctl needs ~0.35 GB more of modules and builds in
# 4-5 min from a cold build cache (peak RSS ~2.2 GB, ~1.8 GB more build cache, a 153 MB binary),
# identical bytes from another cold cache; after it, xds-server takes ~1.5 min more and
# pilot-agent ~10 s (they share most packages). Each binary is skipped when it is newer than its
# inputs (go.mod, go.sum, this script; a cmd/ program also its main.go): "up to date".
#
# stdout: the bin directory's absolute path (only that). stderr: progress with durations.
# Exit 1 on a failed build; exit 2 on an unknown NAME; exit 3 when this machine lacks the
# toolchain (no `go`, or one older than go.mod's `go` line), with the reason as the last line on
# stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/istio/tools"
bin="$repo/.cache/istio/bin"
self="$repo/scripts/build-istio-tools.sh"

log() { echo "build-istio-tools: $*" >&2; }
fail() { echo "build-istio-tools: error: $*" >&2; exit 1; }
# Exit code 3: this machine lacks the toolchain (the caller reports the Istio checks as not run,
# and fails under CI); the last line on stderr is the reason.
unavailable() { echo "$*" >&2; exit 3; }

# name, Go package (built from inside the module), inputs besides go.mod, go.sum and this script
all=(istio-fetch istioctl xds-server pilot-agent)
declare -A pkg=([istio-fetch]=./cmd/istio-fetch [istioctl]=istio.io/istio/istioctl/cmd/istioctl
  [xds-server]=./cmd/xds-server [pilot-agent]=istio.io/istio/pilot/cmd/pilot-agent)
declare -A extra=([istio-fetch]="$src/cmd/istio-fetch/main.go" [istioctl]="" [xds-server]="$src/cmd/xds-server/main.go" [pilot-agent]="")
names=("$@")
((${#names[@]} > 0)) || names=("${all[@]}")
for name in "${names[@]}"; do
  [[ -n "${pkg[$name]+set}" ]] || { echo "build-istio-tools: error: unknown program '$name' (one of: ${all[*]})" >&2; exit 2; }
done

stale=()
for name in "${names[@]}"; do
  out="$bin/$name"
  fresh=false
  if [[ -x "$out" ]]; then
    fresh=true
    for f in "$src/go.mod" "$src/go.sum" "$self" ${extra[$name]}; do [[ "$out" -nt "$f" ]] || fresh=false; done
  fi
  if $fresh; then log "up to date: ${out#"$repo/"}"; else stale+=("$name"); fi
done
if ((${#stale[@]} == 0)); then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || unavailable "'go' is not on PATH (install Go $(sed -n 's/^go //p' "$src/go.mod") or newer; it builds istio/tools)"
need="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")"
[[ -n "$need" ]] || fail "cannot read the go line of istio/tools/go.mod"
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
ver_ge "${BASH_REMATCH[1]}" "$need" || unavailable "$have is too old: istio.io/istio (istio/tools/go.mod) needs Go $need or newer"
for name in "${stale[@]}"; do
  [[ ${pkg[$name]} == ./* ]] || grep -q "^[[:space:]]*\(tool \)\?${pkg[$name]}\$" "$src/go.mod" || fail "istio/tools/go.mod has no tool line for ${pkg[$name]}"
done
istio="$(sed -n 's/^require istio\.io\/istio \(v[^ ]*\)$/\1/p' "$src/go.mod")"
[[ -n "$istio" ]] || fail "cannot read the istio.io/istio version of istio/tools/go.mod"

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
mkdir -p "$repo/.cache/go" "$bin"

t0=$SECONDS
for name in "${stale[@]}"; do
  out="$bin/$name"
  t1=$SECONDS
  log "downloading the modules $name builds with (into .cache/go/mod)"
  # `go list -deps` fetches exactly the modules the build needs (not the test-only ones `go mod download` would)
  (cd "$src" && "${build_env[@]}" go list -deps "${pkg[$name]}" >/dev/null) ||
    fail "resolving $name's dependencies failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  log "modules for $name ready ($((SECONDS - t1)) s)"

  t2=$SECONDS
  log "building ${out#"$repo/"} ($istio) with $have (into .cache/go/build)"
  ldflags=()
  # Istio's programs print this as their version (Istio's release builds set it the same way)
  [[ ${pkg[$name]} == istio.io/* ]] && ldflags=(-ldflags "-X istio.io/istio/pkg/version.buildVersion=$istio")
  if ! (cd "$src" && "${build_env[@]}" go build -trimpath -buildvcs=false "${ldflags[@]}" -o "$out.tmp" "${pkg[$name]}"); then
    rm -f "$out.tmp" "$out" # no stale binary left for the tests to run
    fail "go build of $name (istio/tools) failed (see above)"
  fi
  mv "$out.tmp" "$out"
  log "built ${out#"$repo/"} ($(wc -c <"$out") bytes) in $((SECONDS - t2)) s"
done
log "done in $((SECONDS - t0)) s"
echo "$bin"
