#!/usr/bin/env bash
# Builds the kit's echo upstream (envoy/echo, Go standard library only) and imports it as a local
# image for machines without a registry, where docker-compose.yml's default echo image cannot be
# pulled:
#
#   sudo scripts/build-echo-image.sh        # idempotent; prints the image name
#   ECHO_IMAGE=localhost/filterkit-echo:latest docker-compose up -d
#   FILTERKIT_ENGINE=docker scripts/build-echo-image.sh   # into the Docker Engine at DOCKER_HOST
#
# The binary is static (CGO_ENABLED=0), so the rootfs is the binary, /etc/nsswitch.conf and
# /etc/hosts. The image carries a label with a hash of the sources; it is rebuilt only when they change.
set -euo pipefail

IMAGE="${ECHO_IMAGE:-localhost/filterkit-echo:latest}"
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/envoy/echo"
say() { echo "build-echo-image: $*" >&2; }

engine="${FILTERKIT_ENGINE:-podman}"
case "$engine" in
  podman)
    [ "$(id -u)" = 0 ] || { echo "build-echo-image: run as root (podman's rootful store backs the API socket)" >&2; exit 1; }
    command -v podman >/dev/null || { echo "build-echo-image: podman missing; run envoy/runtime/setup-envoy-runtime.sh first" >&2; exit 1; } ;;
  docker)
    command -v docker >/dev/null || { echo "build-echo-image: docker missing; run scripts/setup-docker-runtime.sh first" >&2; exit 1; } ;;
  *) echo "build-echo-image: FILTERKIT_ENGINE must be podman or docker, got $engine" >&2; exit 1 ;;
esac
command -v go >/dev/null || { echo "build-echo-image: go missing (needs a Go toolchain >= 1.21)" >&2; exit 1; }

hash="$(cat "$src/go.mod" "$src/main.go" | sha256sum | cut -c1-16)"
if [ "$($engine image inspect --format '{{index .Config.Labels "filterkit.echo.src"}}' "$IMAGE" 2>/dev/null)" = "$hash" ]; then
  echo "$IMAGE"
  exit 0
fi

say "building $IMAGE (sources $hash)"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp"
(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$rootfs/usr/local/bin/echo" .)
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"   # name lookups in a bare rootfs
printf '127.0.0.1 localhost\n' > "$rootfs/etc/hosts"
tar -C "$rootfs" -cf - . | $engine import \
  --change 'ENTRYPOINT ["/usr/local/bin/echo"]' \
  --change 'ENV HTTP_PORT=8080' \
  --change 'EXPOSE 8080' \
  --change "LABEL filterkit.echo.src=$hash" - "$IMAGE" >/dev/null
echo "$IMAGE"
