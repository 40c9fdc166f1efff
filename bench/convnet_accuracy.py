"""Summarises bench/convnet_accuracy.sh's JSON lines: per side, the median test accuracy over the
runs (with each run's), the median epoch time, and the median validation accuracy after each epoch.

usage: python convnet_accuracy.py bench/convnet-accuracy-32px-10ep.jsonl
"""
import json, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
machine = next(r for r in rows if r["side"] == "machine")
print(f"{machine['cpu']}, {machine['date']}: {machine['size']} px, {machine['epochs']} epochs")
for side in ("keras", "snackml"):
    mine = [r for r in rows if r["side"] == side]
    tests = [r["acc"] for r in mine if r["phase"] == "trained_test"]
    epochs = [r for r in mine if r["phase"] == "epoch"]
    if not tests:
        continue
    times = [r["seconds"] for r in epochs]
    curve = [statistics.median(r["val_accuracy"] for r in epochs if r["epoch"] == e)
             for e in sorted({r["epoch"] for r in epochs})]
    train = [statistics.median(r["accuracy"] for r in epochs if r["epoch"] == e)
             for e in sorted({r["epoch"] for r in epochs})]
    print(f"{side:8} test accuracy median {statistics.median(tests):.3f} "
          f"(runs: {', '.join(f'{t:.3f}' for t in tests)}); epoch {statistics.median(times):.1f} s")
    print(f"{'':8} val_accuracy by epoch (median): {' '.join(f'{v:.3f}' for v in curve)}")
    print(f"{'':8} accuracy by epoch (median):     {' '.join(f'{v:.3f}' for v in train)}")
