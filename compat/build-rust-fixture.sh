#!/usr/bin/env bash
# Builds a Rust SDK fixture (compat/rust-sdk, compat/rust-add-header, compat/rust-header-rewrite): the crate in
# <fixture>/filter into <fixture>/build/filter.wasm. Usage: build-rust-fixture.sh <fixture dir>
# (each fixture's build.sh calls it). Idempotent and fast when nothing changed: cargo decides what
# to rebuild, and the copy is skipped when build/filter.wasm already has the same bytes. Cargo's target directory lives under the
# repository's .cache/ (git-ignored) so nothing big lands in the source tree.
set -euo pipefail

here="$(cd "${1:?usage: build-rust-fixture.sh <fixture dir>}" && pwd)"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="compat/$(basename "$here")"
target=wasm32-wasip1
crate="$here/filter"
out="$here/build/filter.wasm"
export CARGO_TARGET_DIR="$repo/.cache/cargo-target"
# cargo names the module after the package, with '-' as '_'
package="$(sed -n 's/^name = "\(.*\)"$/\1/p' "$crate/Cargo.toml" | head -1)"
artifact="$CARGO_TARGET_DIR/$target/release/${package//-/_}.wasm"

fail() { echo "$name/build.sh: error: $*" >&2; exit 1; }
# Exit code 3: this machine lacks the toolchain (scripts/build.ts reports the fixture as not built,
# and fails under CI); the last line on stderr is the reason.
unavailable() { echo "$*" >&2; exit 3; }

command -v cargo >/dev/null 2>&1 || unavailable "cargo is not on PATH (install Rust with rustup: https://rustup.rs)"

# The wasm target: add it when rustup manages the toolchain and it is missing.
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "adding the $target target with rustup" >&2
    rustup target add "$target" || unavailable "the Rust target $target is not installed and 'rustup target add $target' failed"
  fi
elif ! rustc --print target-list 2>/dev/null | grep -qx "$target"; then
  unavailable "rustc does not know the $target target and rustup is not available to add it"
fi

# --locked: build exactly what Cargo.lock pins (the SDK version the tests were written against).
if ! cargo build --quiet --release --locked --target "$target" --manifest-path "$crate/Cargo.toml"; then
  rm -f "$out" # the tests must not pass against the module of an earlier source
  fail "cargo build --release --target $target failed (see cargo's messages above)"
fi
[ -f "$artifact" ] || fail "cargo succeeded but $artifact is missing"

mkdir -p "$here/build"
if [ -f "$out" ] && cmp -s "$artifact" "$out"; then
  echo "up to date: ${out#"$repo"/} ($(wc -c <"$out") bytes)"
else
  cp "$artifact" "$out.tmp" && mv "$out.tmp" "$out" # never leave a half-written module behind
  echo "built: ${out#"$repo"/} ($(wc -c <"$out") bytes)"
fi
