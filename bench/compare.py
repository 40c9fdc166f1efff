"""Reads the JSON lines of keras_ch6.py and of `snackml train --json` and prints them side by side.

usage: python compare.py KERAS.jsonl SNACKML.jsonl [KERAS_INMEMORY.jsonl]
"""
import json, statistics, sys


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
        "later_epoch_s": statistics.median(secs[1:]) if len(secs) > 1 else secs[0],
        "trained": (trained["loss"], trained.get("acc", trained.get("accuracy"))),
        "epochs": len(epochs),
    }


k, s = load(sys.argv[1]), load(sys.argv[2])
print("epoch 1 s: snackml's includes making the train and val generators (decoding every image of both once)")
print(f"{'model':8} {'':10} {'untrained loss/acc':>20} {'epoch 1 s':>10} {'later epochs s':>15} {'test loss/acc':>16}")
for model in ("logreg", "mlp500"):
    if model not in k or model not in s:
        continue
    a, b = summary(k[model]), summary(s[model])
    for name, r in (("keras", a), ("snackml", b)):
        print(f"{model:8} {name:10} {r['untrained'][0]:>11.3f} / {r['untrained'][1]:.3f} {r['first_epoch_s']:>10.3f} "
              f"{r['later_epoch_s']:>15.4f} {r['trained'][0]:>9.3f} / {r['trained'][1]:.3f}")
    print(f"{model:8} {'ratio':10} {'':>20} {a['first_epoch_s'] / b['first_epoch_s']:>9.1f}x "
          f"{a['later_epoch_s'] / b['later_epoch_s']:>14.1f}x {'acc diff':>9} {b['trained'][1] - a['trained'][1]:+.3f}")

if len(sys.argv) > 3:
    inmem = {json.loads(l)["model"]: json.loads(l) for l in open(sys.argv[3]) if l.startswith("{")}
    for model, r in inmem.items():
        if model in s:
            b = summary(s[model])
            print(f"{model:8} Keras fit on in-memory arrays: {r['median_epoch_s']:.4f} s/epoch; snackml (cached) "
                  f"{b['later_epoch_s']:.4f} s/epoch: {r['median_epoch_s'] / b['later_epoch_s']:.1f}x")
