#!/usr/bin/env bash
# Sets up everything the notebooks need that is missing, and nothing that is already there:
#   - .venv/            a Python environment with JupyterLab (requirements.txt)
#   - evcxr_jupyter     the Rust kernel (cargo install, into ~/.cargo/bin), registered with Jupyter
#                       through a launcher giving each kernel a build folder of its own (scripts/rust_kernel.py)
#   - data/synth/       the embedded default dataset (the synthetic snacks stand-in)
#   - the crate compiled once for the Rust kernel, if no kernel has compiled it yet
# Safe to run again: each step checks first. Source it (`. scripts/setup.sh`) to keep its variables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVCXR_VERSION="0.22.0"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs (see environment.md)"; exit 1; }
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || { echo "python3 not found: install Python 3.9+ (see environment.md)"; exit 1; }
# The interpreter the kernel launcher runs with: this one, not .venv's (the registration serves every
# checkout and every Jupyter, and outlives .venv).
BASE_PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"

# 1. Python environment with JupyterLab.
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/jupyter" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  say "Creating the Python environment in .venv (JupyterLab, nbclient)"
  step_start=$SECONDS
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt"
  echo "$WANT" > "$STAMP"
  say "The Python environment: done in $((SECONDS - step_start)) s"
fi
export PATH="$VENV/bin:$HOME/.cargo/bin:$PATH"

# 2. The evcxr Rust kernel.
if ! cargo install --list | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
  say "Installing evcxr_jupyter $EVCXR_VERSION (compiles once, about 6 minutes on 2 cores)"
  step_start=$SECONDS
  cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked --quiet
  say "evcxr_jupyter: done in $((SECONDS - step_start)) s"
fi

# 3. Its registration with Jupyter, where evcxr_jupyter --install puts it (every Jupyter finds it), with
#    kernel.json running our launcher (scripts/rust_kernel.py, copied next to it) instead of evcxr_jupyter
#    itself: each kernel then builds in a folder of its own (~/.cache/snackml/kernels/N, locked while it
#    runs, seeded from the most recently built one), so notebooks open at once neither corrupt each other
#    nor compile everything again, however JupyterLab was started. The launcher also sets what the cells
#    need (LD_LIBRARY_PATH, PATH, debug assertions off): see environment.md. Rewritten only when it differs,
#    so running this again is a no-op, and an older registration (evcxr_jupyter's own) is upgraded in place.
KERNEL_DIR="${JUPYTER_PATH:-${XDG_DATA_HOME:-$HOME/.local/share}/jupyter}/kernels/rust"
if [ ! -f "$KERNEL_DIR/version.txt" ]; then
  # The logos and evcxr's version.txt (without it, evcxr_jupyter re-installs itself over our kernel.json).
  evcxr_jupyter --install >/dev/null
fi
if [ "$("$BASE_PYTHON" "$ROOT/scripts/rust_kernel.py" --register "$KERNEL_DIR" "$(command -v evcxr_jupyter)")" = changed ]; then
  say "Registered the Rust kernel with Jupyter ($KERNEL_DIR: one build folder per kernel)"
fi

# Kept for scripts that still call it: the kernel launcher now sets this environment itself, for every
# kernel (debug assertions and overflow checks off in evcxr's profile, the toolchain on LD_LIBRARY_PATH).
notebook_env() { :; }

# 4. The embedded default dataset.
if [ ! -f "$ROOT/data/synth/.complete" ] && [ ! -f "$ROOT/data/snacks/.complete" ]; then
  say "Writing the synthetic snacks dataset to data/synth (the offline stand-in for the real photos)"
  # The test profile with all features: the same build `cargo test --all-features` makes, so it is compiled once.
  step_start=$SECONDS
  cargo run --quiet --profile test --all-features --manifest-path "$ROOT/Cargo.toml" -p snackml --bin snackml -- synth --out "$ROOT/data/synth"
  say "The synthetic stand-in (and the build that drew it): done in $((SECONDS - step_start)) s"
fi
# 5. The crate compiled once for the Rust kernel, when no kernel build folder is built yet: then even
#    notebooks opened at once the very first time start from copies of it (see scripts/warm_kernel.py,
#    which prints its own "done in N s" when it compiles).
python "$ROOT/scripts/warm_kernel.py" "$ROOT/crate"
say "Set up: JupyterLab $(jupyter lab --version 2>/dev/null | head -1), evcxr_jupyter $EVCXR_VERSION, data in $(ls -d "$ROOT"/data/snacks "$ROOT"/data/synth 2>/dev/null | head -1)"
