"""Reads the JSON lines of keras_ch6.py, keras_inmemory.py and `snackml train --json` (one file per
seed) and prints them side by side, with the ratios.

usage: python compare.py KERAS.jsonl KERAS_INMEMORY.jsonl --nearest SEED1.jsonl [SEED2.jsonl ...]
                         [--triangle SEED1.jsonl ...]
--nearest: snackml with Keras's nearest-neighbour resize (the same pixels, full-size decoding);
--triangle: snackml with its default triangle filter (JPEGs decoded at a reduced DCT scale).
snackml's times are medians over its seeds; accuracies are compared as medians over seeds on both
sides (Keras's from keras_inmemory.py, the same models, epochs and data held in memory).
"""
import argparse, json, statistics

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
    load_row = next((r for r in rows if r["phase"] == "load"), None)
    load = load_row["seconds"] if load_row else 0.0
    epochs = [r for r in rows if r["phase"] == "epoch"]
    trained = next(r for r in rows if r["phase"] == "trained_test")
    secs = [r["seconds"] for r in epochs]
    return {
        "images_per_s": load_row["images"] / (load_row["seconds"] + load_row["test_seconds"]) if load_row else None,
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
        "images_per_s": med(r["images_per_s"] for r in runs),
    }


ap = argparse.ArgumentParser()
ap.add_argument("keras")
ap.add_argument("keras_inmemory")
ap.add_argument("--nearest", nargs="+", required=True)
ap.add_argument("--triangle", nargs="*", default=[])
args = ap.parse_args()
keras = load(args.keras)
inmem = {m: rows[0] for m, rows in load(args.keras_inmemory).items()}
runs = {"nearest": [load(p) for p in args.nearest], "triangle": [load(p) for p in args.triangle]}
print("epoch 1 s: snackml's includes making the train and val generators (decoding every image of both once); "
      "snackml figures are medians over its seeds")
print(f"{'model':8} {'':18} {'untrained loss/acc':>20} {'epoch 1 s':>10} {'later epochs s':>15} {'test loss/acc':>16}")
for model in ("logreg", "mlp500"):
    if model not in keras:
        continue
    a = summary(keras[model])
    print(f"{model:8} {'keras':18} {a['untrained'][0]:>11.3f} / {a['untrained'][1]:.3f} {a['first_epoch_s']:>10.3f} "
          f"{a['later_epoch_s']:>15.4f} {a['trained'][0]:>9.3f} / {a['trained'][1]:.3f}")
    for filt, seeds in runs.items():
        if not seeds or not all(model in s for s in seeds):
            continue
        b = over_seeds([summary(s[model]) for s in seeds])
        name = f"snackml {filt}"
        print(f"{model:8} {name:18} {b['untrained'][0]:>11.3f} / {b['untrained'][1]:.3f} {b['first_epoch_s']:>10.3f} "
              f"{b['later_epoch_s']:>15.4f} {b['trained'][0]:>9.3f} / {b['trained'][1]:.3f}")
        print(f"{model:8} {'  ratio':18} {'':>20} {a['first_epoch_s'] / b['first_epoch_s']:>9.1f}x "
              f"{a['later_epoch_s'] / b['later_epoch_s']:>14.1f}x   (epoch 1 against Keras's median generator "
              f"epoch: {a['later_epoch_s'] / b['first_epoch_s']:.1f}x)")
        print(f"{model:8}   loader: {b['images_per_s']:.0f} images/s (reading, decoding and resizing every image once, "
              f"all cores)")
        if model in inmem:
            k = inmem[model]
            ka, sa = k["test_acc"], b["accs"]
            print(f"{model:8}   Keras fit on in-memory arrays: {k['median_epoch_s']:.4f} s/epoch; snackml (cached) "
                  f"{b['later_epoch_s']:.4f} s/epoch: {k['median_epoch_s'] / b['later_epoch_s']:.1f}x")
            print(f"{model:8}   test accuracy over seeds: Keras median {med(ka):.3f} ({min(ka):.3f}-{max(ka):.3f}, "
                  f"{len(ka)} seeds), snackml median {med(sa):.3f} ({min(sa):.3f}-{max(sa):.3f}, {len(sa)} seeds): "
                  f"diff {med(sa) - med(ka):+.3f}")
