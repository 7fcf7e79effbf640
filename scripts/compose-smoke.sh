#!/usr/bin/env bash
# Smoke test of docker-compose.yml on a machine WITHOUT a Docker engine or a registry (the kit's CI
# machines): Podman's Docker-compatible socket, Debian's docker-compose 1.29.2, the Envoy image
# imported by setup-envoy-runtime.sh and the echo image built by build-echo-image.sh.
#
#   sudo scripts/compose-smoke.sh        # idempotent; last line: compose smoke: ok (envoy X, up in N ms)
#   sudo FILTERKIT_ENGINE=docker scripts/compose-smoke.sh   # the same on Docker Engine
#                                        # (scripts/setup-docker-runtime.sh: the user's Docker, or one of the kit's)
#
# It brings the compose file up unchanged (only ENVOY_IMAGE / ECHO_IMAGE set), waits for Envoy's
# admin /ready, sends GET /v1/hello?x=1 (with an API key and spoofed x-auth-user and x-consumer)
# through the chain of shipped filters and checks: status 200; auth identified alice, replaced the
# spoofed x-consumer and took the key away; rate-limit counted alice (x-ratelimit-limit: 100) and
# refuses the third /v1/burst with 429 and Retry-After; header-rewrite moved it to /v2/hello?x=1, stripped
# x-auth-user and said x-served-path on the answer; add-header's `x-powered-by: filterkit`; that
# the echo upstream saw this very request; and that a request without a credential gets auth's 401.
# It always tears down.
# Docker users do not need this: `docker compose up` pulls the default images.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
TIMEOUT_S="${SMOKE_TIMEOUT:-60}"              # for Envoy's /ready and the first proxied 200
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-filterkit-smoke}"
log="$(mktemp)"; headers="$(mktemp)"; body="$(mktemp)"
trap 'rm -f "$log" "$headers" "$body"' EXIT    # replaced by teardown once containers exist
say() { echo "compose smoke: $*" >&2; }
failure=""
fail() { failure="$*"; echo "compose smoke: FAILED: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ "$(id -u)" = 0 ] || fail "run as root (podman's rootful socket, apt-get)"

# 1. Tools and images: the engine's socket + Envoy image, docker-compose, echo image, the filters' build.
engine="${FILTERKIT_ENGINE:-podman}"
case "$engine" in
  podman) setup="$root/envoy/runtime/setup-envoy-runtime.sh" ;;
  docker) setup="$root/scripts/setup-docker-runtime.sh" ;;
  *) fail "FILTERKIT_ENGINE must be podman or docker, got $engine" ;;
esac
env_lines="$("$setup" --env)" || fail "$setup failed"
eval "$env_lines"                              # DOCKER_HOST, ENVOY_IMAGE (localhost/envoy:vX)
export FILTERKIT_ENGINE="$engine"             # build-echo-image.sh imports into the same engine
if ! command -v docker-compose >/dev/null; then
  say "installing Debian's docker-compose"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; } >"$log" 2>&1 \
    || { cat "$log" >&2; fail "apt-get install docker-compose failed"; }
fi
ECHO_IMAGE="$("$root/scripts/build-echo-image.sh")" || fail "scripts/build-echo-image.sh failed"
export ECHO_IMAGE
node --conditions=filterkit-source --import tsx scripts/build.ts --quiet >&2 || fail "node --conditions=filterkit-source --import tsx scripts/build.ts failed (the filters do not build)"
for f in add-header auth header-rewrite rate-limit; do
  [ -s "filters/$f/build/release.wasm" ] || fail "filters/$f/build/release.wasm missing after the build"
done

# 2. A clean slate: a previous run killed before its trap leaves its project behind; anything
#    else on the ports would answer our checks instead of this compose project.
docker-compose down --remove-orphans >/dev/null 2>&1 || true
for port in 9901 10000; do
  listening "$port" && fail "something already listens on localhost:$port (another Envoy or compose project?)"
done

teardown() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    say "compose output and container logs:"
    cat "$log" >&2
    docker-compose logs --no-color --tail 40 >&2 2>&1 || true
  fi
  docker-compose down --remove-orphans -t 5 >/dev/null 2>&1 || say "warning: docker-compose down failed"
  rm -f "$log" "$headers" "$body"
  [ -z "$failure" ] || echo "compose smoke: FAILED: $failure" >&2   # again, below the logs
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# 3. Up, and wait for Envoy's admin /ready.
say "docker-compose up -d (ENVOY_IMAGE=$ENVOY_IMAGE ECHO_IMAGE=$ECHO_IMAGE, DOCKER_HOST=$DOCKER_HOST)"
start="$(now_ms)"
docker-compose up -d >"$log" 2>&1 || fail "docker-compose up failed"
deadline=$(( start + TIMEOUT_S * 1000 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 localhost:9901/ready)" = 200 ]; do
  [ "$(now_ms)" -lt "$deadline" ] || fail "Envoy's admin /ready did not answer 200 within ${TIMEOUT_S}s"
  sleep 0.1
done
up_ms=$(( $(now_ms) - start ))

# 4. One request through Envoy. A nonce header proves the echo upstream saw this very request.
#    (Retried until the deadline: a 503 is possible while the echo container is still starting.)
nonce="smoke-$$-$RANDOM"
while :; do
  status="$(curl -s -o "$body" -D "$headers" -w '%{http_code}' --max-time 5 \
            -H "x-smoke-id: $nonce" -H "x-auth-user: spoofed" -H "x-consumer: spoofed" \
            -H "x-api-key: alice-secret-key" 'localhost:10000/v1/hello?x=1' || true)"
  [ "$status" = 200 ] && break
  [ "$(now_ms)" -lt "$deadline" ] || fail "GET localhost:10000/v1/hello?x=1 answered ${status:-nothing}, not 200; body: $(head -c 300 "$body")"
  sleep 0.2
done
tr -d '\r' < "$headers" | grep -qix 'x-powered-by: filterkit' \
  || fail "response lacks x-powered-by: filterkit (the add-header filter did not run); headers: $(tr -d '\r' < "$headers" | tr '\n' ' ')"
tr -d '\r' < "$headers" | grep -qix 'x-served-path: /v2/hello?x=1' \
  || fail "response lacks x-served-path: /v2/hello?x=1 (header-rewrite did not run); headers: $(tr -d '\r' < "$headers" | tr '\n' ' ')"
grep -qE '"path": *"/v2/hello"' "$body" && grep -qE '"query": *"x=1"' "$body" && grep -q "$nonce" "$body" \
  || fail "the echo body does not show GET /v2/hello?x=1 with x-smoke-id $nonce: $(head -c 300 "$body")"
if grep -qi 'x-auth-user' "$body"; then
  fail "the echo upstream received x-auth-user (header-rewrite did not strip it): $(head -c 300 "$body")"
fi
# the echo prints Go's canonical names, each value list indented on lines of its own
tr -d ' \n' < "$body" | grep -qi '"X-Consumer":\["alice"\]' && ! grep -qi 'spoofed' "$body" && ! grep -qi 'alice-secret-key' "$body" \
  || fail "the echo upstream did not get x-consumer: alice alone, without the key (the auth filter did not run): $(head -c 400 "$body")"
denied="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 'localhost:10000/v1/hello?x=1' || true)"
[ "$denied" = 401 ] || fail "GET without a credential answered ${denied:-nothing}, not the auth filter's 401"
tr -d '\r' < "$headers" | grep -qix 'x-ratelimit-limit: 100' \
  || fail "response lacks x-ratelimit-limit: 100 (the rate-limit filter did not count alice); headers: $(tr -d '\r' < "$headers" | tr '\n' ' ')"
# /v1/burst: 2 a minute per consumer, across Envoy's 2 workers: the third is refused
bursts=""
for _ in 1 2 3; do
  bursts="$bursts $(curl -s -o "$body" -D "$headers" -w '%{http_code}' --max-time 5 -H "x-api-key: alice-secret-key" 'localhost:10000/v1/burst' || true)"
done
[ "$bursts" = " 200 200 429" ] || fail "3 x GET /v1/burst answered$bursts, not 200 200 429 (the rate-limit filter's 2 a minute)"
tr -d '\r' < "$headers" | grep -qiE '^retry-after: [0-9]+$' && grep -qx 'local_rate_limited' "$body" \
  || fail "the refused /v1/burst lacks Retry-After or the body local_rate_limited; headers: $(tr -d '\r' < "$headers" | tr '\n' ' ')"

# 5. Envoy's version, from the admin /server_info ("version": "<sha>/1.40.0/Clean/RELEASE/BoringSSL").
version="$(curl -s --max-time 5 localhost:9901/server_info | sed -n 's/^ *"version": *"[^/]*\/\([^/]*\)\/.*/\1/p' | head -n 1)"
[ -n "$version" ] || fail "no version in Envoy's admin /server_info"

echo "compose smoke: ok ($engine $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'), envoy $version, up in $up_ms ms)"
