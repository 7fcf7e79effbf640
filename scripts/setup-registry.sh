#!/usr/bin/env bash
# Installs what the kit's registry tests run against (cli/test/registry-fixture.ts): Debian's
# `docker-registry` (CNCF Distribution 2.8.2, the server), `skopeo` (an independent client that
# reads the pushed image back) and `apache2-utils` (`htpasswd -B` for the basic-auth mode), plus
# `openssl` (the token-auth mode's signing certificate) where a slim image lacks it.
#
#   sudo scripts/setup-registry.sh      # idempotent; returns at once when all are present
#
# Nothing is started: the tests run `docker-registry serve CONFIG` on loopback themselves. Prints
# nothing on stdout (apt's output and progress go to stderr), so callers can capture stdout freely.
set -euo pipefail

say() { echo "setup-registry: $*" >&2; }
fail() { echo "setup-registry: $*" >&2; exit 1; }

# command → Debian package
declare -A want=([docker-registry]=docker-registry [skopeo]=skopeo [htpasswd]=apache2-utils [openssl]=openssl)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

[ "$(id -u)" = 0 ] || fail "needs root to install ${missing[*]} (run it with sudo, or install them yourself)"
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install ${missing[*]} with this system's package manager"

export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -q --no-install-recommends "${missing[@]}" 1>&2; }
say "installing ${missing[*]}"
if ! install; then
  # stale or absent package lists: refresh once and retry
  say "apt-get install failed; running apt-get update and retrying"
  apt-get update -q 1>&2 || fail "apt-get update failed"
  install || fail "apt-get install ${missing[*]} failed"
fi
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || fail "$cmd is still missing after installing ${want[$cmd]}"
done
