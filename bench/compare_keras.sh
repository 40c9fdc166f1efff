#!/usr/bin/env bash
# The chapter, end to end, in Keras and in snackml, back to back on the same machine, and the ratios.
#
# usage: [SEEDS=5] bench/compare_keras.sh [DATA_DIR] [KERAS_PYTHON]
#   DATA_DIR      a snacks-layout folder (default ../shared/datasets/food10-256)
#   KERAS_PYTHON  a python with tensorflow-cpu, tf-keras, pillow, scipy (default $KERAS_PYTHON);
#                 set one up as ../shared/anchor/README.md says.
# Runs ../shared/anchor/keras_ch6.py (logreg 5 epochs, mlp500 3 epochs, generators decoding every
# epoch), then `snackml train` with the same models, epochs, batch size and learning rate, for seeds
# 1..SEEDS, once with Keras's nearest-neighbour resize (the same pixels) and once with snackml's
# default triangle filter (JPEGs decoded at a reduced DCT scale: `ResizeFilter::default()`, which is
# also `snackml train`'s default and the notebooks' through `FlowOptions`); then Keras's `fit` on the same arrays in memory
# (bench/keras_inmemory.py, also seeds 1..SEEDS), and prints a table (bench/compare.py): times are
# medians over the seeds, test accuracies are compared as medians over the seeds on both sides
# (one run's accuracy moves by ±0.02 with the seed). Machines are noisy: run it a few times.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$ROOT/../shared/datasets/food10-256}"
PY="${2:-${KERAS_PYTHON:-}}"
[ -n "$PY" ] || { echo "give KERAS_PYTHON (a python with tensorflow-cpu and tf-keras)"; exit 2; }
OUT="$ROOT/artifacts/compare"
mkdir -p "$OUT"
cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" -p snackml --features cli --bin snackml
BIN="$ROOT/target/release/snackml"

echo "== Keras (keras_ch6.py) on $DATA"
"$PY" "$ROOT/../shared/anchor/keras_ch6.py" "$DATA" 2>/dev/null | tee "$OUT/keras.jsonl"
SEEDS="${SEEDS:-5}"
rm -f "$OUT"/snackml-*seed*.jsonl
for filter in nearest triangle; do
  echo "== snackml on $DATA, --filter $filter, seeds 1..$SEEDS"
  for seed in $(seq 1 "$SEEDS"); do
    {
      "$BIN" train "$DATA" --model logreg --epochs 5 --batch-size 64 --size 32 --lr 0.001 --filter "$filter" --seed "$seed" --json
      "$BIN" train "$DATA" --model mlp --epochs 3 --batch-size 64 --size 32 --lr 0.001 --filter "$filter" --seed "$seed" --json
    } | grep '^{' > "$OUT/snackml-$filter-seed$seed.jsonl"
  done
  cat "$OUT/snackml-$filter-seed1.jsonl"
done
echo "== Keras fit on arrays in memory, seeds 1..$SEEDS"
"$PY" "$ROOT/bench/keras_inmemory.py" "$DATA" --seeds "$SEEDS" 2>/dev/null | grep '^{' | tee "$OUT/keras_inmemory.jsonl"
python3 "$ROOT/bench/compare.py" "$OUT/keras.jsonl" "$OUT/keras_inmemory.jsonl" \
  --nearest "$OUT"/snackml-nearest-seed*.jsonl --triangle "$OUT"/snackml-triangle-seed*.jsonl
