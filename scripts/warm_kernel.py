#!/usr/bin/env python3
"""Compiles the crate for the Rust kernel once, when no build folder of the kernel pool has been built.

usage: warm_kernel.py CRATE_DIR

Run by scripts/setup.sh. Starts the registered Rust kernel, gives it `:dep snackml = { path = CRATE_DIR }`
and stops it, so that its build folder (~/.cache/snackml/kernels/0) is warm and every later kernel,
even several notebooks opened at once the first time, starts from a copy of it instead of each
compiling every crate at the same time (two at once: 131 s each on 2 cores, against 70 s for one).
Does nothing when a folder is built already (then later kernels are copies of it, or it is their own).
"""
import os, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rust_kernel  # noqa: E402


def main():
    crate = os.path.abspath(sys.argv[1])
    root = rust_kernel.pool_root()
    folders = [os.path.join(root, d) for d in (os.listdir(root) if os.path.isdir(root) else []) if d.isdigit()]
    folders.append(os.path.join(os.path.dirname(root), "evcxr"))  # the shared folder of older set-ups
    if any(rust_kernel.last_build(f) for f in folders):
        return 0
    print("==> Compiling the crate for the Rust kernel, once (about 70 s on 2 cores)", flush=True)
    from jupyter_client import KernelManager

    start = time.monotonic()
    km = KernelManager(kernel_name="rust")
    log = tempfile.TemporaryFile(mode="w+")  # the kernel's own messages (cargo's "Compiling …" lines)
    km.start_kernel(cwd=crate, stdout=log, stderr=log)
    ok = False
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=300)
        reply = kc.execute_interactive(f':dep snackml = {{ path = "{crate}" }}', timeout=1800,
                                       output_hook=lambda msg: None)
        kc.stop_channels()
        ok = reply["content"]["status"] == "ok"
    finally:
        km.shutdown_kernel(now=False)
    print(f"    {'done' if ok else 'failed (the first notebook will compile it)'} in {time.monotonic() - start:.0f}s")
    if not ok:
        log.seek(0)
        print("    " + "\n    ".join(log.read().strip().splitlines()[-20:]))
    return 0  # never fails the set-up: the first notebook compiles it otherwise


if __name__ == "__main__":
    sys.exit(main())
