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
committed notebooks have outputs and no error in them, without running anything.
Ends with the line `N passed, N failed`.
"""
import argparse, glob, json, os, re, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# What the crate itself prints on stderr, as plain expected output and not errors: a line each.
# crate/src/data/generator.rs `report_skipped`: `Skipping <path>: <reason>` for an image it cannot use
# (a corrupt photo in a real folder) or a folder it cannot read. Add a pattern here when the crate
# gets a new report; anything else on stderr fails the notebook.
REPORTS = [re.compile(r"^Skipping .+: .+$")]


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
            found = problems(nb)
            seconds = 0.0
        else:
            import nbformat

            print(f"running {name} ...", flush=True)
            nb, seconds = run(path, a.timeout)
            found = problems(nb)
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
