"""Keras's augmentation, for snackml's tests and benchmark (bench/beyond.md).

usage:
  KERAS_BACKEND=numpy python keras_augment.py fixtures OUT.json
      Keras's apply_affine_transform / apply_channel_shift / apply_brightness_shift on small
      images with given parameters (crate/tests/fixtures/keras/augment.json).
  KERAS_BACKEND=numpy python keras_augment.py epoch DATA_DIR SIZE [RUNS]
      One augmented epoch of ImageDataGenerator.flow_from_directory (rotation 40, shifts 0.2,
      shear 0.2, zoom 0.2, horizontal flip, fill nearest) over DATA_DIR/train at SIZE x SIZE,
      batch 32, RUNS times; prints one JSON line per run (seconds, images/s). Keras decodes every
      file every epoch; the line also gives the time of the same epoch without augmentation.

Needs a python with keras (3.x: its legacy ImageDataGenerator is Keras 2's code), scipy and
pillow; the numpy backend needs jax. No TensorFlow is needed for these functions.
"""
import json
import sys
import time

import numpy as np
from keras.src.legacy.preprocessing.image import (
    ImageDataGenerator,
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
)


def fixtures(out):
    rng = np.random.RandomState(6)
    image = rng.randint(0, 256, size=(9, 9, 3)).astype("float32")
    geometry = {
        "rotate": dict(theta=30.0),
        "shift": dict(tx=1.5, ty=-2.25),
        "shear": dict(shear=20.0),
        "zoom": dict(zx=1.3, zy=0.8),
        "all": dict(theta=-17.0, tx=-2.0, ty=0.7, shear=11.0, zx=0.85, zy=1.15),
    }
    cases = []
    for name, g in geometry.items():
        for mode in ["nearest", "reflect", "wrap", "constant"]:
            for order in [1, 0] if name == "all" else [1]:
                y = apply_affine_transform(image, **g, row_axis=0, col_axis=1, channel_axis=2,
                                           fill_mode=mode, cval=17.0, order=order)
                cases.append({"name": name, "params": g, "fill_mode": mode, "cval": 17.0,
                              "order": order, "output": y.astype("float32").tolist()})
    channel = [{"intensity": d, "output": apply_channel_shift(image, d, channel_axis=2).tolist()}
               for d in [25.0, -40.0]]
    signed = image / 127.5 - 1.0
    brightness = [{"brightness": b, "input": name,
                   "output": apply_brightness_shift(x, b, scale=False).tolist()}
                  for b in [0.6, 1.4] for name, x in [("image", image), ("signed", signed)]]
    about = ("Keras " + __import__("keras").__version__ + " legacy ImageDataGenerator functions "
             "(Keras 2's code; scipy " + __import__("scipy").__version__ + ", pillow "
             + __import__("PIL").__version__ + "): apply_affine_transform of a 9x9x3 image of "
             "random bytes (as float32) with row_axis=0, col_axis=1, channel_axis=2 for each "
             "fill mode (cval 17) and spline order; apply_channel_shift; apply_brightness_shift "
             "with scale=False (as ImageDataGenerator calls it) on the image and on image/127.5-1.")
    with open(out, "w") as f:
        json.dump({"about": about, "image": image.tolist(), "affine": cases,
                   "channel_shift": channel, "brightness": brightness}, f)


def epoch(data_dir, size, runs):
    size = int(size)
    augmented = ImageDataGenerator(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
                                   shear_range=0.2, zoom_range=0.2, horizontal_flip=True,
                                   fill_mode="nearest")
    plain = ImageDataGenerator()
    for run in range(int(runs)):
        line = {"run": run + 1, "size": size}
        for name, gen in [("augmented", augmented), ("plain", plain)]:
            flow = gen.flow_from_directory(data_dir, target_size=(size, size), batch_size=32,
                                           seed=run, shuffle=True)
            start = time.perf_counter()
            for i in range(len(flow)):
                flow[i]
            seconds = time.perf_counter() - start
            line[name + "_seconds"] = round(seconds, 3)
            line[name + "_images_per_s"] = round(flow.samples / seconds, 1)
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif sys.argv[1] == "epoch":
        epoch(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else 3)
    else:
        sys.exit(__doc__)
