#!/usr/bin/env bash
# Builds the add-header template filter (filters/add-header) on the proxy-wasm Rust SDK, a benchmark twin, into
# compat/rust-add-header/build/filter.wasm (the steps: ../build-rust-fixture.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build-rust-fixture.sh" "$(dirname "${BASH_SOURCE[0]}")"
