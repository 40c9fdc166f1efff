"""Keras's `fit` on arrays already in memory: the fair baseline for epochs that need no decoding,
and Keras's test accuracy over several seeds (one run's accuracy swings by ±0.02 with the seed).

usage: python keras_inmemory.py DATA_DIR [--epochs-lr 5] [--epochs-mlp 3] [--size 32] [--seeds 5]
Loads train/val/test once through ImageDataGenerator (normalize_pixels, nearest resize, as
keras_ch6.py), then for each model and seed 1..N: fixes the seed, times
model.fit(x, y, batch_size=64, validation_data=(xv, yv)) per epoch and evaluates on the test set.
Prints one JSON line per model: {"model", "median_epoch_s", "epochs", "seeds", "test_acc": [...]}.
"""
import argparse, json, os, time, warnings
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
warnings.filterwarnings("ignore")
import numpy as np
import tf_keras as keras
from tf_keras.models import Sequential
from tf_keras.layers import Flatten, Dense, Activation
from tf_keras import optimizers
from tf_keras.preprocessing.image import ImageDataGenerator

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("--epochs-lr", type=int, default=5)
ap.add_argument("--epochs-mlp", type=int, default=3)
ap.add_argument("--size", type=int, default=32)
ap.add_argument("--seeds", type=int, default=5)
a = ap.parse_args()
S = a.size
gen = ImageDataGenerator(preprocessing_function=lambda x: x / 127.5 - 1)


def arrays(split):
    it = gen.flow_from_directory(os.path.join(a.data, split), target_size=(S, S), batch_size=256,
                                 class_mode="categorical", shuffle=False)
    xs, ys = zip(*(it[i] for i in range(len(it))))
    return np.concatenate(xs), np.concatenate(ys)


x, y = arrays("train")
xv, yv = arrays("val")
xt, yt = arrays("test")
K = y.shape[1]
for name, hidden, epochs in (("logreg", 0, a.epochs_lr), ("mlp500", 500, a.epochs_mlp)):
    times, accs = [], []
    for seed in range(1, a.seeds + 1):
        keras.utils.set_random_seed(seed)
        layers = [Flatten(input_shape=(S, S, 3))] + ([Dense(hidden, activation="relu")] if hidden else []) + [Dense(K), Activation("softmax")]
        m = Sequential(layers)
        m.compile(loss="categorical_crossentropy", optimizer=optimizers.Adam(learning_rate=1e-3), metrics=["accuracy"])

        class T(keras.callbacks.Callback):
            def on_epoch_begin(self, e, logs=None): self.t = time.time()
            def on_epoch_end(self, e, logs=None): times.append(time.time() - self.t)

        m.fit(x, y, batch_size=64, epochs=epochs, validation_data=(xv, yv), verbose=0, callbacks=[T()])
        accs.append(float(m.evaluate(xt, yt, batch_size=64, verbose=0)[1]))
    print(json.dumps({"model": name, "median_epoch_s": float(np.median(times)), "epochs": epochs,
                      "seeds": a.seeds, "test_acc": accs}), flush=True)
