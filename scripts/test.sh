#!/usr/bin/env bash
# Command 2: set up what is missing, then run every test:
#   0. cargo fmt --check and clippy with warnings as errors
#   1. cargo test (unit, integration and doc tests, all features)
#   1b. the saved files read from Python: safetensors with numpy, ONNX with onnxruntime and onnx.checker
#   1c. start.sh's data step: the photos from a local fake of the hub (checksums, credits, resume), the
#       stand-in without one; start.sh as root serving JupyterLab
#   2. the fuzz targets build (scripts/fuzz-build.sh)
#   3. every notebook executed headless with the real evcxr kernel, failing on any error, or on stderr
#      other than the crate's own reports
#   4. the committed notebooks have their outputs and no error in them
#   5. three Rust kernels at once, cells interleaved, each keeping to its own (scripts/test_kernels.py)
#   6. the notebook harness fails on errors, not on the crate's reports (scripts/test_harness.py)
#   7. end to end: every notebook run through JupyterLab's UI in headless Chromium, then two at once in
#      two tabs (scripts/e2e.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/setup.sh"
cd "$ROOT"
status=0

say "cargo fmt --check and cargo clippy -D warnings"
for tool in rustfmt clippy; do
  if ! cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1 && command -v rustup >/dev/null; then
    rustup component add "$tool" || true
  fi
done
if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all --check || status=1; else say "no rustfmt: skipped"; status=1; fi
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --workspace --all-features --all-targets -- -D warnings || status=1
  # The notebooks' `:dep snackml` builds the default features: no warnings there either.
  cargo clippy -p snackml -- -D warnings || status=1
else say "no clippy: skipped"; status=1; fi

say "cargo test"
cargo test --workspace --all-features || status=1
# The notebooks' default features (no TIFF decoder, for one): the library's own tests.
cargo test -p snackml --lib || status=1

say "Saved models outside Rust: safetensors in numpy, ONNX in onnxruntime (scripts/test_python_interop.py)"
python scripts/test_python_interop.py || status=1

say "The data step of start.sh, both ways, against a fake hub on 127.0.0.1 and its CDN on 127.0.0.2; start.sh as root (scripts/test_start.py)"
python scripts/test_start.py || status=1

say "Building the fuzz targets (running them is by hand: docs/reliability.md)"
bash scripts/fuzz-build.sh || status=1

say "Executing the notebooks with the evcxr kernel"
python scripts/run_notebooks.py --out "$ROOT/artifacts/notebooks" || status=1

say "Checking the committed notebooks"
python scripts/run_notebooks.py --check-committed || status=1

say "Three Rust kernels at once (each in a build folder of its own)"
python scripts/test_kernels.py || status=1

say "The notebook harness: errors fail, the crate's reports do not"
python scripts/test_harness.py || status=1

say "End to end: the notebooks in JupyterLab, in headless Chromium"
bash scripts/e2e.sh || status=1

if [ "$status" -ne 0 ]; then say "FAILED"; else say "All tests passed"; fi
exit "$status"
