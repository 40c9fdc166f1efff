"""Keras's side of the step benchmark: median train_on_batch time of the chapter's two models.

usage: python keras_step.py   (with tensorflow-cpu and tf-keras installed; see ../shared/anchor/README.md)
Prints progress lines, then one JSON line {"logreg_ms": ..., "mlp500_ms": ...}.
"""
import json, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np
import tf_keras as keras
from tf_keras import layers, optimizers


def step_ms(hidden):
    m = keras.Sequential([layers.Flatten(input_shape=(32, 32, 3))])
    if hidden:
        m.add(layers.Dense(hidden, activation="relu"))
    m.add(layers.Dense(20))
    m.add(layers.Activation("softmax"))
    m.compile(loss="categorical_crossentropy", optimizer=optimizers.Adam(learning_rate=1e-3), metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(64, 32, 32, 3)).astype(np.float32)
    y = np.eye(20, dtype=np.float32)[np.arange(64) % 20]
    for _ in range(20):
        m.train_on_batch(x, y)
    times = []
    for _ in range(200):
        t = time.perf_counter()
        m.train_on_batch(x, y)
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


lr, mlp = step_ms(0), step_ms(500)
print(f"keras logreg {lr:.3f} ms, mlp500 {mlp:.3f} ms")
print(json.dumps({"logreg_ms": lr, "mlp500_ms": mlp}))
