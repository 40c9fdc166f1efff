"""Reads the JSON lines of keras_ch6.py, keras_inmemory.py and `snackml train --json` (one file per
seed) and prints them side by side, with the ratios.

usage: python compare.py KERAS.jsonl KERAS_INMEMORY.jsonl SNACKML_SEED1.jsonl [SNACKML_SEED2.jsonl ...]
snackml's times are medians over its seeds; accuracies are compared as medians over seeds on both
sides (Keras's from keras_inmemory.py, the same models, epochs and data held in memory).
"""
import json, statistics, sys

med = statistics.median


def load(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            rows.setdefault(r["model"], []).append(r)
    return rows


def summary(rows):
    untrained = next(r for r in rows if r["phase"] == "untrained_test")
    # snackml decodes when its generators are made (its `load` line); Keras inside epoch 1.
    load = next((r["seconds"] for r in rows if r["phase"] == "load"), 0.0)
    epochs = [r for r in rows if r["phase"] == "epoch"]
    trained = next(r for r in rows if r["phase"] == "trained_test")
    secs = [r["seconds"] for r in epochs]
    return {
        "untrained": (untrained["loss"], untrained.get("acc", untrained.get("accuracy"))),
        "first_epoch_s": secs[0] + load,
        "later_epoch_s": med(secs[1:]) if len(secs) > 1 else secs[0],
        "trained": (trained["loss"], trained.get("acc", trained.get("accuracy"))),
        "epochs": len(epochs),
    }


def over_seeds(runs):
    """The median of each figure over the seeds' summaries."""
    return {
        "untrained": tuple(med(r["untrained"][i] for r in runs) for i in (0, 1)),
        "first_epoch_s": med(r["first_epoch_s"] for r in runs),
        "later_epoch_s": med(r["later_epoch_s"] for r in runs),
        "trained": tuple(med(r["trained"][i] for r in runs) for i in (0, 1)),
        "accs": [r["trained"][1] for r in runs],
    }


keras = load(sys.argv[1])
inmem = {m: rows[0] for m, rows in load(sys.argv[2]).items()}
seeds = [load(p) for p in sys.argv[3:]]
print(f"epoch 1 s: snackml's includes making the train and val generators (decoding every image of both once); "
      f"snackml figures are medians over {len(seeds)} seeds")
print(f"{'model':8} {'':10} {'untrained loss/acc':>20} {'epoch 1 s':>10} {'later epochs s':>15} {'test loss/acc':>16}")
for model in ("logreg", "mlp500"):
    if model not in keras or not all(model in s for s in seeds):
        continue
    a, b = summary(keras[model]), over_seeds([summary(s[model]) for s in seeds])
    for name, r in (("keras", a), ("snackml", b)):
        print(f"{model:8} {name:10} {r['untrained'][0]:>11.3f} / {r['untrained'][1]:.3f} {r['first_epoch_s']:>10.3f} "
              f"{r['later_epoch_s']:>15.4f} {r['trained'][0]:>9.3f} / {r['trained'][1]:.3f}")
    print(f"{model:8} {'ratio':10} {'':>20} {a['first_epoch_s'] / b['first_epoch_s']:>9.1f}x "
          f"{a['later_epoch_s'] / b['later_epoch_s']:>14.1f}x")
    if model in inmem:
        k = inmem[model]
        ka, sa = k["test_acc"], b["accs"]
        print(f"{model:8} Keras fit on in-memory arrays: {k['median_epoch_s']:.4f} s/epoch; snackml (cached) "
              f"{b['later_epoch_s']:.4f} s/epoch: {k['median_epoch_s'] / b['later_epoch_s']:.1f}x")
        print(f"{model:8} test accuracy over seeds: Keras median {med(ka):.3f} ({min(ka):.3f}-{max(ka):.3f}, "
              f"{len(ka)} seeds), snackml median {med(sa):.3f} ({min(sa):.3f}-{max(sa):.3f}, {len(sa)} seeds): "
              f"diff {med(sa) - med(ka):+.3f}")
