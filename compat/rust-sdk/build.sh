#!/usr/bin/env bash
# Builds the Rust SDK compatibility filter into compat/rust-sdk/build/filter.wasm (the steps:
# ../build-rust-fixture.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build-rust-fixture.sh" "$(dirname "${BASH_SOURCE[0]}")"
