#!/usr/bin/env bash
# Builds a subset of filters/header-rewrite on the proxy-wasm Rust SDK, a benchmark twin, into
# compat/rust-header-rewrite/build/filter.wasm (the steps: ../build-rust-fixture.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build-rust-fixture.sh" "$(dirname "${BASH_SOURCE[0]}")"
