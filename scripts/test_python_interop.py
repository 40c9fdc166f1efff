#!/usr/bin/env python3
"""Our saved models, read outside Rust: the ONNX export in onnxruntime, the safetensors file in numpy.

Runs the crate's example `export_for_python` (the chapter's logistic regression and 500-unit
network, and two small convnets covering Conv2D, the poolings and BatchNormalization, trained a few
steps on snacks photos when ../shared/datasets/snacks is there, else on a seeded random batch),
then checks for each model:

  - onnx.checker.check_model (with full_check, so shape inference too) accepts the .onnx file;
  - its input is `input` (N, H, W, 3) and its output `output` (N, K), float32, N dynamic, and the
    class names are in its metadata (`class_names`, a JSON list);
  - onnxruntime's probabilities equal `predict`'s within 1e-5, for the whole batch at once, for a
    batch of 1 and for a batch of 3, and their logarithms within 1e-4 (probabilities near 1/K can
    agree while the logits do not);
  - for the Dense models, the crate's own file (.snackml) is read by safetensors.numpy.load_file, with the weights named
    `dense/kernel`, `dense/bias`, …; its metadata key `snackml` is JSON with the layer config; and a
    numpy forward pass built from that config (for the 500-unit network
    softmax(relu(x·W1 + b1)·W2 + b2)) equals `predict` within 1e-5.

Exits non-zero on any mismatch; the last line is "N passed, M failed".

    python scripts/test_python_interop.py              # export into a temporary folder, then check
    python scripts/test_python_interop.py --dir DIR    # check what the example wrote into DIR
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from safetensors import safe_open
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-5
# The layers each model must have (class, units, activation): what the formulas above assume.
ARCHITECTURES = {
    "logreg": [("Flatten", None, None), ("Dense", 20, "linear"), ("Activation", None, "softmax")],
    "net500": [("Flatten", None, None), ("Dense", 500, "relu"), ("Dense", 20, "linear"), ("Activation", None, "softmax")],
    # Convnets: onnxruntime checks their export; the numpy forward pass covers Dense models only.
    "convnet": None,
    "convnet_max": None,
}

passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok    {what}")
    else:
        failed += 1
        print(f"  FAIL  {what}")
    return ok


def export(out):
    """Runs the example into `out` (the test profile and all features, as `cargo test --all-features` builds)."""
    cmd = ["cargo", "run", "--quiet", "--profile", "test", "--all-features", "-p", "snackml",
           "--example", "export_for_python", "--", str(out)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def activate(z, name):
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def numpy_forward(layers, weights, x):
    """The model's forward pass in float64 numpy, layer by layer from the saved config."""
    h = x.astype(np.float64)
    for layer in layers:
        kind, name, config = layer["class_name"], layer["name"], layer["config"]
        if kind == "Flatten":
            h = h.reshape(h.shape[0], -1)  # row-major: NHWC order, as the crate's Flatten
        elif kind == "Dense":
            h = activate(h @ weights[f"{name}/kernel"] + weights[f"{name}/bias"], config["activation"])
        elif kind == "Activation":
            h = activate(h, config["activation"])
        elif kind == "Dropout":
            pass  # the identity at inference
        else:
            raise ValueError(f"unknown layer class {kind!r}")
    return h


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in shape.dim]


def check_onnx(path, x, want, class_names):
    model = onnx.load(str(path))
    try:
        onnx.checker.check_model(model, full_check=True)
        check(True, "onnx.checker.check_model(full_check=True) accepts it")
    except onnx.checker.ValidationError as e:
        check(False, f"onnx.checker.check_model: {e}")
    graph = model.graph
    n, k = x.shape[0], want.shape[1]
    check([i.name for i in graph.input] == ["input"] and dims(graph.input[0]) == ["N", *x.shape[1:]],
          f"input 'input' of shape {dims(graph.input[0])}")
    check([o.name for o in graph.output] == ["output"] and dims(graph.output[0]) == ["N", k],
          f"output 'output' of shape {dims(graph.output[0])}")
    check(all(v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT for v in [*graph.input, *graph.output]),
          "float32 input and output")
    meta = {p.key: p.value for p in model.metadata_props}
    check(json.loads(meta.get("class_names", "null")) == class_names, f"class names in the metadata ({len(class_names)})")
    print(f"    opset {model.opset_import[0].version}, IR {model.ir_version}, nodes "
          f"{[node.op_type for node in graph.node]}")

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    check(json.loads(meta["class_names"]) == class_names, "onnxruntime reads the class names")
    (got,) = session.run(["output"], {"input": x})
    diff = float(np.abs(got - want).max())
    check(got.shape == want.shape and diff <= TOLERANCE,
          f"onnxruntime, batch of {n}: max |onnxruntime - predict| = {diff:.2e}")
    # Probabilities near 1/K differ little even when the logits do: compare their logarithms too.
    log_diff = float(np.abs(np.log(np.maximum(got, 1e-30)) - np.log(np.maximum(want, 1e-30))).max())
    spread = float((want.max(axis=1) - want.min(axis=1)).mean())
    check(log_diff <= 1e-4, f"max |log onnxruntime - log predict| = {log_diff:.2e} "
          f"(predict's rows spread {spread:.3f} from lowest to highest)")
    for rows in (slice(0, 1), slice(n - 3, n)):
        (part,) = session.run(["output"], {"input": x[rows]})
        d = float(np.abs(part - want[rows]).max())
        check(part.shape == want[rows].shape and d <= TOLERANCE,
              f"onnxruntime, batch of {part.shape[0]}: max |onnxruntime - predict| = {d:.2e}")
    return diff


def check_safetensors(path, name, x, want):
    weights = load_file(str(path))
    with safe_open(str(path), "np") as f:
        metadata = f.metadata()
    header = json.loads(metadata["snackml"])
    layers = header["config"]["layers"]
    architecture = [(l["class_name"], l["config"].get("units"), l["config"].get("activation")) for l in layers]
    check(architecture == ARCHITECTURES[name], f"metadata 'snackml' holds the layer config: {architecture}")
    names = [f"{l['name']}/{p}" for l in layers if l["class_name"] == "Dense" for p in ("kernel", "bias")]
    check(sorted(weights) == sorted(names) and header["weights"] == names,
          f"weights {', '.join(f'{k} {weights[k].shape}' for k in names if k in weights)}")
    check(all(w.dtype == np.float32 for w in weights.values()), "float32 weights")
    got = numpy_forward(layers, weights, x)
    diff = float(np.abs(got - want).max())
    check(got.shape == want.shape and diff <= TOLERANCE, f"numpy forward pass: max |numpy - predict| = {diff:.2e}")
    return diff


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="check what export_for_python wrote here (default: run it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="snackml-interop-") as tmp:
        out = args.dir or Path(tmp)
        if args.dir is None:
            export(out)
        report = json.loads((out / "predictions.json").read_text())
        x = np.asarray(report["x"], dtype=np.float32).reshape(report["x_shape"])
        class_names = report["class_names"]
        print(f"inputs: {report['source']}; batch {list(x.shape)}, x in [{x.min():.3f}, {x.max():.3f}]")
        for name, entry in report["models"].items():
            want = np.asarray(entry["probabilities"], dtype=np.float64)
            print(f"{name}: {entry['count_params']} weights, ONNX file {entry['onnx_bytes']} bytes "
                  f"written in {entry['export_seconds'] * 1e3:.1f} ms")
            check(np.allclose(want.sum(axis=1), 1.0, atol=1e-5), "predict's rows sum to 1")
            check_onnx(out / entry["onnx"], x, want, class_names)
            if ARCHITECTURES.get(name) is not None:
                check_safetensors(out / entry["safetensors"], name, x, want)
        check(set(report["models"]) == set(ARCHITECTURES), f"every model exported: {sorted(report['models'])}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
