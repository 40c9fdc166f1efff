#!/usr/bin/env bash
# Builds the fuzz targets of crate/fuzz (cargo-fuzz / libFuzzer), installing cargo-fuzz if it is
# missing (about 2-7 minutes of compiling, once). Building is the check: it keeps the targets
# compiling as the crate changes. Running them is by hand, see docs/reliability.md.
#
# cargo-fuzz needs nightly-only flags (-Z sanitizer, ...); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them, so no nightly toolchain is needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "Installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
cd "$ROOT/crate/fuzz"
RUSTC_BOOTSTRAP=1 cargo fuzz build --debug-assertions
echo "Fuzz targets built: $(RUSTC_BOOTSTRAP=1 cargo fuzz list | tr '\n' ' ')"
