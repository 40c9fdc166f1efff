#!/usr/bin/env bash
# The book's convnet (chapter 7) trained by Keras and by snackml at the same settings, several runs
# each, back to back on one machine: its test accuracy, the per-epoch curves and the epoch times.
#
# usage: [RUNS=3] [SIZE=32] [EPOCHS=10] bench/convnet_accuracy.sh [DATA_DIR] [KERAS_PYTHON]
#   DATA_DIR      a snacks-layout folder (default ../shared/datasets/snacks)
#   KERAS_PYTHON  a python with tensorflow-cpu and tf-keras (default $KERAS_PYTHON)
# Both sides decode every photo once and train on arrays in memory, with nearest-neighbour resizing
# (Keras's default), pixels x/127.5 − 1, batch 64, Adam 1e-3, no augmentation:
# ../shared/anchor/keras_ch7.py (TensorFlow draws its own seeds, so each run is a new draw) and
# `snackml train --model convnet --seed 1..RUNS`. Writes every JSON line, tagged with its side and
# run, to bench/convnet-accuracy-SIZEpx-EPOCHSep.jsonl and prints the medians (bench/convnet_accuracy.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$ROOT/../shared/datasets/snacks}"
PY="${2:-${KERAS_PYTHON:-}}"
[ -n "$PY" ] || { echo "give KERAS_PYTHON (a python with tensorflow-cpu and tf-keras)"; exit 2; }
RUNS="${RUNS:-3}" SIZE="${SIZE:-32}" EPOCHS="${EPOCHS:-10}"
OUT="$ROOT/bench/convnet-accuracy-${SIZE}px-${EPOCHS}ep.jsonl"
cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" -p snackml --features cli --bin snackml
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
echo "{\"side\": \"machine\", \"cpu\": \"$CPU\", \"date\": \"$(date -u +%F)\", \"size\": $SIZE, \"epochs\": $EPOCHS}" > "$OUT"
for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS: Keras, then snackml"
  "$PY" "$ROOT/../shared/anchor/keras_ch7.py" "$DATA" --size "$SIZE" --epochs "$EPOCHS" 2>/dev/null \
    | grep '^{' | sed "s/^{/{\"side\": \"keras\", \"run\": $run, /" | tee -a "$OUT"
  "$ROOT/target/release/snackml" train "$DATA" --model convnet --size "$SIZE" --epochs "$EPOCHS" \
    --batch-size 64 --lr 0.001 --filter nearest --seed "$run" --json \
    | grep '^{' | sed "s/^{/{\"side\": \"snackml\", \"run\": $run, /" | tee -a "$OUT"
done
python3 "$ROOT/bench/convnet_accuracy.py" "$OUT"
