#!/usr/bin/env python3
"""Execute the chapter notebooks headless with the real evcxr kernel, and check them.

usage: run_notebooks.py [NOTEBOOK ...] [--update] [--out DIR] [--timeout S] [--check-committed]

Each notebook runs top to bottom in a fresh Rust kernel (nbclient, as `jupyter nbconvert --execute`
does). A notebook fails when any cell gives an `error` output (a compile error, a kernel that died)
or writes anything to stderr other than the crate's own reports (see REPORTS). evcxr prints a `?`
error on stderr as the error's Display text alone, with no prefix, and a panic as Rust does
("thread '…' panicked at …"), and carries on, so nbconvert alone would pass them; since a `?` error
can be any text, every stderr line is an error unless it is one of the crate's reports, which are
printed under the notebook's result. With --update the executed notebooks replace the committed ones
(outputs included); otherwise they are written to --out. --check-committed only checks that the
committed notebooks have outputs and no error in them, and that their claims hold, without running
anything.
Both modes also check the notebooks' shape (see STYLE): no code cell over 10 lines, no line over
100 characters, none of the loops and plumbing that belong in the crate, and no path of the machine
that ran them in any output.

The notebooks read the real snacks photos when `../shared/datasets/snacks` (beside the repository)
is there and SNACKML_DATA is not set: the harness points them at it through SNACKML_DATA. On the
real photos it also checks the chapter's numbers in the outputs (see CHAPTER_CHECKS). Every run and
check also holds the notebooks' claims against their outputs (scripts/claims.py: the sentences
that state a result, and every verdict recomputed from the numbers beside it).
Ends with the line `N passed, N failed`.
"""
import argparse, glob, json, os, re, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from claims import claim_problems  # noqa: E402


# What the crate itself prints on stderr, as plain expected output and not errors: a line each.
# crate/src/data/generator.rs `report_skipped`: `Skipping <path>: <reason>` for an image it cannot use
# (a corrupt photo in a real folder) or a folder it cannot read. Add a pattern here when the crate
# gets a new report; anything else on stderr fails the notebook.
REPORTS = [re.compile(r"^Skipping .+: .+$")]


# The shape of a notebook cell, as short as the chapter's (issue #10).
MAX_CELL_LINES = 10
MAX_LINE_CHARS = 100
# What a cell would need a loop or plumbing for belongs in the crate.
FORBIDDEN = {"read_dir": r"\bread_dir\b", "fold": r"\.fold\(", "concatenate": r"\bconcatenate\b",
             "into_dimensionality": r"\binto_dimensionality\b", "expect": r"\.expect\("}
# Paths of a machine: the repository's own, the home folder, the usual roots, and the shared data
# beside the repository (outputs speak of the repository only: "the snacks photos, from SNACKML_DATA").
MACHINE_PATHS = [re.escape(ROOT), re.escape(os.path.expanduser("~")),
                 r"(?<![\w.])/(?:work|home|root|tmp|Users|var/folders)/", r"\.\./shared/"]

SHARED_SNACKS = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "snacks")


def style_problems(path, nb):
    """Cells longer than the limits, plumbing, and machine paths in outputs: for the chapter's
    notebooks (those in notebooks/), not for notebooks the tests write elsewhere."""
    found = []
    if os.path.dirname(os.path.abspath(path)) != os.path.join(ROOT, "notebooks"):
        return found
    for i, cell in enumerate(nb.get("cells", [])):
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code":
            lines = src.splitlines()
            if len(lines) > MAX_CELL_LINES:
                found.append(f"cell {i}: {len(lines)} lines (at most {MAX_CELL_LINES})")
            for n, line in enumerate(lines, 1):
                if len(line) > MAX_LINE_CHARS:
                    found.append(f"cell {i}, line {n}: {len(line)} characters (at most {MAX_LINE_CHARS})")
            for word, pattern in FORBIDDEN.items():
                if re.search(pattern, src):
                    found.append(f"cell {i}: uses {word} (what a cell needs it for belongs in the crate)")
        for out in cell.get("outputs", []):
            texts = [out.get("text", "")] + list(out.get("data", {}).values())
            text = "".join("".join(t) if isinstance(t, list) else str(t) for t in texts)
            for pattern in MACHINE_PATHS:
                m = re.search(pattern, text)
                if m:
                    found.append(f"cell {i}: output shows a machine path: …{text[max(0, m.start() - 30):m.end() + 30]}…")
                    break
    return found


def outputs_text(nb):
    """Every text output of the notebook, in order, as one string."""
    parts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")) if "text" in out else "".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


LN20 = 2.995732
# On the real photos, seeded: the chapter's numbers, read from the outputs (issue #10). Each check is
# (regular expression with one number group, what the number must satisfy, the description).
CHAPTER_CHECKS = {
    "04-training-logistic-regression.ipynb": [
        (r"untrained: test loss (\d+\.\d+)", lambda v: abs(v - LN20) <= 0.35, "untrained loss within 0.35 of ln 20"),
        (r"untrained: test loss \d+\.\d+, accuracy (\d+\.\d+)", lambda v: abs(v - 0.05) <= 0.03,
         "untrained accuracy within 0.03 of 0.05"),
        (r"after 5 epochs: test loss \d+\.\d+, test accuracy (\d+\.\d+)", lambda v: 0.09 <= v <= 0.16,
         "logistic regression's test accuracy after 5 epochs in [0.09, 0.16]"),
    ],
    "05-your-first-neural-network.ipynb": [
        (r"untrained: test loss (\d+\.\d+)", lambda v: abs(v - LN20) <= 0.35, "untrained loss within 0.35 of ln 20"),
        (r"after 3 epochs: test loss \d+\.\d+, test accuracy (\d+\.\d+)", lambda v: 0.10 <= v <= 0.19,
         "the 500-unit network's test accuracy after 3 epochs in [0.10, 0.19]"),
    ],
}


def chapter_problems(name, nb):
    """The chapter's numbers on the real photos, or what is missing or out of range."""
    found = []
    text = outputs_text(nb)
    for pattern, ok, what in CHAPTER_CHECKS.get(os.path.basename(name), []):
        m = re.search(pattern, text)
        if not m:
            found.append(f"chapter check: no output matches {pattern!r} ({what})")
        elif not ok(float(m.group(1))):
            found.append(f"chapter check failed: {what}: got {m.group(1)}")
        else:
            print(f"    chapter check: {what}: {m.group(1)}")
    return found


def data_line_problems(nb, real):
    """A notebook that reads the photos says first which data it runs on: on anything but the real photos,
    that its numbers are not the chapter's (the crate's SnacksLocation line, snacks_dir())."""
    texts = [t for t in outputs_text(nb).splitlines() if t.strip()]
    if not texts or not texts[0].startswith("Using "):
        return []
    line = texts[0]
    if real and not line.startswith("Using the snacks photos"):
        return [f"data line: on the real photos the first output says {line!r}"]
    if not real and "its numbers are not the chapter's" not in line:
        return [f"data line: not on the real photos, yet the first output does not say so: {line!r}"]
    print(f"    data line: {line}")
    return []


def on_real_photos(nb):
    """Whether a committed notebook ran on the real photos, by its data line."""
    texts = [t for t in outputs_text(nb).splitlines() if t.strip()]
    return bool(texts) and texts[0].startswith("Using the snacks photos")


def is_report(line):
    return any(p.match(line) for p in REPORTS)


def stderr_lines(nb):
    """(cell index, line) of every non-empty stderr line of an executed or committed notebook."""
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                for line in "".join(out.get("text", "")).splitlines():
                    if line.strip():
                        yield i, line


def reports(nb):
    """The crate's own reports on stderr, as `cell N: <line>`."""
    return [f"cell {i}: {line}" for i, line in stderr_lines(nb) if is_report(line)]


def problems(nb):
    """Error outputs, and stderr text that is not one of the crate's reports (a `?` error, a panic)."""
    found = []
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if code and not any(c.get("outputs") for c in code):
        found.append("no cell has any output")
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: error output: {out.get('ename')}: {out.get('evalue')}"[:2000])
    errors = {}
    for i, line in stderr_lines(nb):
        if not is_report(line):
            errors.setdefault(i, []).append(line)
    for i, lines in errors.items():
        found.append(f"cell {i}: stderr: " + "\n".join(lines)[:2000])
    return found


def run(path, timeout):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="rust",
        timeout=timeout,
        allow_errors=True,
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    start = time.time()
    client.execute()
    return nb, time.time() - start


def cell_seconds(cell):
    t = cell.get("metadata", {}).get("execution", {})
    try:
        from datetime import datetime

        a = datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
        b = datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
        return (b - a).total_seconds()
    except (KeyError, ValueError):
        return None


def strip_timing(nb):
    """Execution timestamps change every run: keep the committed notebooks' diffs to real changes."""
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--update", action="store_true", help="write outputs back into the notebooks")
    ap.add_argument("--out", default=os.path.join(ROOT, "artifacts", "notebooks"))
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    ap.add_argument("--check-committed", action="store_true")
    ap.add_argument("--timings", action="store_true", help="print every cell's time and the running total")
    a = ap.parse_args()
    paths = a.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    real = False
    if not a.check_committed:
        if not os.environ.get("SNACKML_DATA") and os.path.isdir(SHARED_SNACKS):
            os.environ["SNACKML_DATA"] = SHARED_SNACKS
        data = os.environ.get("SNACKML_DATA", "")
        real = bool(data) and os.path.realpath(data) == os.path.realpath(SHARED_SNACKS)
        print("data: " + ("the real snacks photos (../shared/datasets/snacks)" if real else
                          f"SNACKML_DATA={data}" if data else "the repository's data/ (the stand-in unless downloaded)"))
    if not paths:
        print("no notebooks found")
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    for path in paths:
        name = os.path.relpath(path, ROOT)
        if a.check_committed:
            with open(path) as f:
                nb = json.load(f)
            found = problems(nb) + style_problems(path, nb)
            found += claim_problems(os.path.basename(path), nb, on_real_photos(nb), verbose=False)
            seconds = 0.0
        else:
            import nbformat

            print(f"running {name} ...", flush=True)
            nb, seconds = run(path, a.timeout)
            found = problems(nb) + style_problems(path, nb) + data_line_problems(nb, real)
            found += chapter_problems(name, nb) if real else []
            found += claim_problems(os.path.basename(path), nb, real)
            slow = sorted(((cell_seconds(c) or 0.0, i) for i, c in enumerate(nb.cells)), reverse=True)[:3]
            print("  slowest cells: " + ", ".join(f"#{i} {s:.1f}s" for s, i in slow), flush=True)
            if a.timings:
                total = 0.0
                for i, c in enumerate(nb.cells):
                    if c.get("cell_type") == "code":
                        total += cell_seconds(c) or 0.0
                        first = "".join(c.get("source", "")).splitlines()[0][:60] if c.get("source") else ""
                        print(f"  #{i:<3} {cell_seconds(c) or 0.0:6.1f}s  total {total:6.1f}s  {first}")
            strip_timing(nb)
            if a.update:
                if not found:
                    nbformat.write(nb, path)
            else:
                os.makedirs(a.out, exist_ok=True)
                nbformat.write(nb, os.path.join(a.out, os.path.basename(path)))
        if found:
            failed += 1
            print(f"FAIL {name} ({seconds:.0f}s)")
            for p in found:
                print("   ", p.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok   {name} ({seconds:.0f}s)", flush=True)
        for r in reports(nb):
            print(f"    report: {r}")
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
