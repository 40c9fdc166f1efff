#!/usr/bin/env python3
"""The notebook harness (run_notebooks.py) fails on errors, not on the crate's own reports.

usage: test_harness.py

1. `problems()` on made-up outputs: a `Skipping <path>: <reason>` report on stderr passes; a `?` error
   (evcxr prints its Display text alone on stderr), a panic, an error output, and a report followed
   by an error fail.
2. With the real Rust kernel, three small notebooks written into a temporary folder (not the
   chapter's), run through run_notebooks.py itself:
   - one reading a copy of a few photos with one corrupt (truncated) JPEG among them, two epochs,
     the iterator streaming from disk: must pass, with the skip reported exactly once;
   - one whose cell fails with `?` (a folder that is not there): must fail;
   - one whose cell panics: must fail.
   The photos are a few files copied from /work/shared/datasets/snacks, or from data/snacks/ or
   data/synth/ when that folder is absent (skipped, with a message, when there is none).
3. The claims (scripts/claims.py) hold on the committed notebooks 3-5, at least 15 of them; a
   committed output changed so that one stops holding (a comparison's "inside the noise" turned to
   "outside", a gap that "widened" said to have "closed", EarlyStopping's restored epoch moved by
   one) fails its claim, and
   `run_notebooks.py --check-committed` on that copy exits non-zero.
Ends with `harness: N passed, N failed`; exits non-zero on failure.
"""
import glob, json, os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run_notebooks  # noqa: E402

results = []


def record(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{' — ' + detail if detail else ''}", flush=True)


def nb_with(*outputs):
    return {"cells": [{"cell_type": "code", "source": "", "outputs": list(outputs)}]}


def stderr(text):
    return {"output_type": "stream", "name": "stderr", "text": text}


def unit_checks():
    skip = "Skipping /data/train/cake/0001.jpg: cannot decode image: unexpected end of file\n"
    cases = [
        ("a skip report passes", nb_with(stderr(skip)), False),
        ("a `?` error fails", nb_with(stderr("/data/nowhere: directory not found\n")), True),
        ("a panic fails", nb_with(stderr("thread '<unnamed>' panicked at src/lib.rs:3:1:\nindex out of bounds\n")), True),
        ("an error output fails", nb_with({"output_type": "error", "ename": "Error", "evalue": "mismatched types"}), True),
        ("a report then an error fails", nb_with(stderr(skip + "/data/x: directory not found\n")), True),
        ("stdout alone passes", nb_with({"output_type": "stream", "name": "stdout", "text": "Skipping nothing\n"}), False),
    ]
    for name, nb, should_fail in cases:
        found = run_notebooks.problems(nb)
        record(f"problems(): {name}", bool(found) == should_fail, "; ".join(found))
    record("reports(): the skip is listed", run_notebooks.reports(nb_with(stderr(skip))) == ["cell 0: " + skip.strip()])


def photo_source():
    for d in ["/work/shared/datasets/snacks", os.path.join(ROOT, "data", "snacks"), os.path.join(ROOT, "data", "synth")]:
        if os.path.isdir(os.path.join(d, "train")):
            return d
    return None


def notebook(path, cells):
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                   "source": src} for i, src in enumerate(cells)],
        "metadata": {"kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    with open(path, "w") as f:
        json.dump(nb, f)


def kernel_checks():
    source = photo_source()
    if not source:
        print("skipped the kernel checks: no photos (neither /work/shared/datasets/snacks nor data/snacks or data/synth)")
        return
    work = tempfile.mkdtemp(prefix="snackml-harness-")
    try:
        photos = os.path.join(work, "photos")
        classes = sorted(d for d in os.listdir(os.path.join(source, "train")) if not d.startswith("."))[:2]
        for c in classes:
            os.makedirs(os.path.join(photos, c))
            for f in sorted(glob.glob(os.path.join(source, "train", c, "*.jpg")))[:3]:
                shutil.copy(f, os.path.join(photos, c))
        # A photo cut off half-way, as a failed copy leaves it: its header reads, its data does not.
        first = sorted(glob.glob(os.path.join(photos, classes[0], "*.jpg")))[0]
        with open(first, "rb") as f:
            data = f.read()
        corrupt = os.path.join(photos, classes[0], "zz-corrupt.jpg")
        with open(corrupt, "wb") as f:
            f.write(data[: len(data) // 2])
        print(f"photos: 6 from {source}/train ({', '.join(classes)}) and {os.path.basename(corrupt)}, truncated")

        dep = f':dep snackml = {{ path = "{os.path.join(ROOT, "crate")}" }}'
        use = "use snackml::prelude::*;\nuse snackml::data::generator::{ImageDataGenerator, FlowOptions};"
        good = os.path.join(work, "corrupt-photo.ipynb")
        notebook(good, [dep, use,
            # Streaming from disk (no cache), so each epoch decodes the photos again.
            "let mut it = ImageDataGenerator::new().rescale(1.0 / 255.0).flow_from_directory(\n"
            f"    {json.dumps(photos)}, FlowOptions::new().target_size(32, 32).batch_size(4).seed(1).cache_budget(0))?;\n"
            'println!("{} files", it.samples());',
            "let mut seen = 0;\nfor _epoch in 0..2 {\n    for i in 0..it.len() { seen += it.get(i)?.x.shape()[0]; }\n"
            "    it.on_epoch_end();\n}\nprintln!(\"{seen} images in two epochs\");"])
        question = os.path.join(work, "question-mark-error.ipynb")
        notebook(question, [dep, use,
            f"let it = ImageDataGenerator::new().flow_from_directory({json.dumps(os.path.join(work, 'missing'))}, FlowOptions::new())?;\n"
            'println!("{}", it.samples());'])
        panic = os.path.join(work, "panic.ipynb")
        notebook(panic, [dep, 'let v: Vec<i32> = Vec::new();\nprintln!("{}", v[3]);'])

        out = os.path.join(work, "out")
        proc = subprocess.run([sys.executable, os.path.join(HERE, "run_notebooks.py"), good, question, panic, "--out", out],
                              capture_output=True, text=True, timeout=1800)
        log = proc.stdout + proc.stderr
        print("  " + "\n  ".join(log.strip().splitlines()))
        lines = log.splitlines()

        def verdict(path):
            name = os.path.relpath(path, ROOT)
            for line in lines:
                if line.startswith(("ok   ", "FAIL ")) and line[5:].startswith(name + " "):
                    return line[:4].strip()
            return None

        record("a notebook on a folder with a corrupt photo passes", verdict(good) == "ok")
        skips = [l for l in lines if l.strip().startswith("report: ") and "Skipping" in l and "zz-corrupt.jpg" in l]
        record("the corrupt photo is reported once (two epochs)", len(skips) == 1, f"{len(skips)} reports")
        with open(os.path.join(out, os.path.basename(good))) as f:
            text = "".join("".join(o.get("text", "")) for c in json.load(f)["cells"] for o in c.get("outputs", []))
        record("the six good photos are read in each epoch", "12 images in two epochs" in text,
               text.strip().replace("\n", " | ")[-300:])
        record("a `?` error still fails its notebook", verdict(question) == "FAIL")
        record("a panic still fails its notebook", verdict(panic) == "FAIL")
        record("run_notebooks.py exits non-zero on those failures", proc.returncode != 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def edited(nb, old, new):
    """A copy of `nb` with the first output text holding `old` changed to hold `new` instead."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for key, value in [("text", out.get("text"))] + list(out.get("data", {}).items()):
                text = "".join(value) if isinstance(value, list) else value
                if isinstance(text, str) and re.search(old, text):
                    changed = re.sub(old, new, text, count=1)
                    if key == "text":
                        out["text"] = changed
                    else:
                        out["data"][key] = changed
                    return nb
    raise AssertionError(f"no output holds {old!r}")


def claim_checks():
    import claims

    names = [claims.NB3, claims.NB4, claims.NB5, claims.NB6]
    committed = {n: json.load(open(os.path.join(ROOT, "notebooks", n))) for n in names}
    held = sum(1 for n in names for c in claims.CLAIMS if c[0] == n)
    record("claims: at least 15 over notebooks 3-6", held >= 15, f"{held} claims")
    for n in names:
        failed = claims.claim_problems(n, committed[n], True, verbose=False)
        record(f"claims: the committed {n} holds every claim", not failed, "; ".join(failed))
    breaks = [
        (claims.NB4, r"(a difference of [+-]\d+\.\d+), inside the noise", r"\1, outside the noise",
         "every accuracy comparison"),
        (claims.NB4, r"the gap (closed|widened)", lambda m: "the gap " + {"closed": "widened", "widened": "closed"}[m[1]],
         "every gap verdict"),
        (claims.NB5, r"best epoch: (\d+)\.", lambda m: f"best epoch: {int(m[1]) + 1}.", "EarlyStopping restored"),
    ]
    # A number the text states: notebook 6's Keras median, moved by 0.05 away from the bench's.
    broken = json.loads(json.dumps(committed[claims.NB6]))
    for cell in broken["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = re.sub(r"(Keras, median of \d+ runs \| )(\d\.\d+)",
                                    lambda m: f"{m[1]}{float(m[2]) + 0.05:.3f}", "".join(cell["source"]))
    failed = claims.claim_problems(claims.NB6, broken, True, verbose=False)
    record("claims: notebook 6 with its Keras median changed fails 'the bench's medians'",
           any("the bench's medians" in f for f in failed), "; ".join(failed)[:300])
    work = tempfile.mkdtemp(prefix="claims-")
    try:
        for n, old, new, claim in breaks:
            broken = edited(committed[n], old, new)
            failed = claims.claim_problems(n, broken, True, verbose=False)
            record(f"claims: {n} with {old!r} changed fails {claim!r}", any(claim in f for f in failed),
                   "; ".join(failed)[:300])
            path = os.path.join(work, n)
            with open(path, "w") as f:
                json.dump(broken, f)
            proc = subprocess.run([sys.executable, os.path.join(HERE, "run_notebooks.py"), "--check-committed", path],
                                  capture_output=True, text=True)
            record(f"claims: run_notebooks.py --check-committed fails on that {n}",
                   proc.returncode != 0 and "claim failed" in proc.stdout, proc.stdout[-300:])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    unit_checks()
    claim_checks()
    kernel_checks()
    passed = sum(results)
    failed = len(results) - passed
    print(f"harness: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
