#!/usr/bin/env bash
# Sets up everything the notebooks need that is missing, and nothing that is already there:
#   - .venv/            a Python environment with JupyterLab (requirements.txt)
#   - evcxr_jupyter     the Rust kernel (cargo install, into ~/.cargo/bin), registered with Jupyter
#   - data/synth/       the embedded default dataset (the synthetic snacks stand-in)
# Safe to run again: each step checks first. Source it (`. scripts/setup.sh`) to keep its variables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVCXR_VERSION="0.22.0"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs (see environment.md)"; exit 1; }
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || { echo "python3 not found: install Python 3.9+ (see environment.md)"; exit 1; }

# 1. Python environment with JupyterLab.
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/jupyter" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  say "Creating the Python environment in .venv (JupyterLab, nbclient)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt"
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$HOME/.cargo/bin:$PATH"

# 2. The evcxr Rust kernel.
if ! cargo install --list | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
  say "Installing evcxr_jupyter $EVCXR_VERSION (compiles once, about 6 minutes on 2 cores)"
  cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked --quiet
fi
if ! jupyter kernelspec list 2>/dev/null | grep -qE '^\s*rust\s'; then
  say "Registering the Rust kernel with Jupyter"
  evcxr_jupyter --install >/dev/null
fi

# 3. Where evcxr builds: one persistent folder, so restarts and later notebooks reuse compiled crates.
#    Outside the repository: inside it, cargo would take evcxr's project for a stray workspace member.
export EVCXR_TMPDIR="${EVCXR_TMPDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/snackml/evcxr}"
mkdir -p "$EVCXR_TMPDIR"
#    evcxr links each cell against Rust's libstd dynamically and finds it through an rpath that cargo
#    computes one folder off when EVCXR_TMPDIR and the toolchain share a parent (both under $HOME, say):
#    the cell then fails with "dlopen failed". Putting the toolchain's lib folder on the library path
#    makes the lookup independent of where the folder is.
RUST_LIBDIR="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/lib"
export LD_LIBRARY_PATH="$RUST_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# Only for the processes that run notebooks (start.sh, the notebook and browser tests; not cargo test):
# evcxr builds everything with debug assertions and overflow checks on, which makes training in a
# notebook about 3x slower than the same code built for release (24 ms against 9 ms a step of the
# two-layer network, measured). Cargo lets the environment override evcxr's profile.
notebook_env() {
  export CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false
  export CARGO_PROFILE_DEV_OVERFLOW_CHECKS=false
}

# 4. The embedded default dataset.
if [ ! -f "$ROOT/data/synth/.complete" ] && [ ! -f "$ROOT/data/snacks/.complete" ]; then
  say "Writing the synthetic snacks dataset to data/synth (the offline stand-in for the real photos)"
  # The test profile with all features: the same build `cargo test --all-features` makes, so it is compiled once.
  cargo run --quiet --profile test --all-features --manifest-path "$ROOT/Cargo.toml" -p snackml --bin snackml -- synth --out "$ROOT/data/synth"
fi
say "Set up: JupyterLab $(jupyter lab --version 2>/dev/null | head -1), evcxr_jupyter $EVCXR_VERSION, data in $(ls -d "$ROOT"/data/snacks "$ROOT"/data/synth 2>/dev/null | head -1)"
