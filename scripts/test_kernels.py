#!/usr/bin/env python3
"""Several Rust kernels at once must not disturb each other (issue 12).

usage: test_kernels.py [--kernels N] [--rounds R] [--shared-folder DIR | --pool DIR] [--keep-pool]

Starts the registered Rust kernel ("rust", through the launcher scripts/setup.sh installs) as a reader
does who opens a first notebook and then two more: kernel 0 alone, then kernels 1..N-1 together, each
given `:dep snackml = { path = "<repo>/crate" }`. Then every kernel runs R cells side by side with the
others (each kernel in a thread of its own, so compiles and loads interleave), every cell defining
`fn who() -> i32` with a body of its own, binding its result to a new variable, printing it and the
previous cell's binding, then one cell printing all its bindings. Every output must be exactly the
kernel's own values, with nothing on stderr and no error.

The kernels use a temporary pool of build folders (SNACKML_KERNEL_DIRS), whose folder 0 is a copy of
the most recently built folder of the real pool (~/.cache/snackml/kernels), so kernel 0 starts warm
when the notebooks have run before, and kernels 1.. are seeded by the launcher the way a second and
third notebook are. Prints the `:dep` times, the disk each extra kernel's folder takes, and ends with
`N passed, N failed` (one check per cell); exits non-zero on failure.

--shared-folder DIR runs the same cells the way set-ups before issue 12 did (evcxr_jupyter started
directly, one EVCXR_TMPDIR for every kernel), to show what goes wrong there. --pool DIR uses that
pool of build folders as it is (the real one: ~/.cache/snackml/kernels).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import rust_kernel  # noqa: E402 (the launcher: its pool location and copy)

CELL_TIMEOUT = 900


class Kernel:
    def __init__(self, index, km):
        self.index, self.km, self.kc = index, km, None
        self.results = []  # (label, ok, detail, seconds)

    def connect(self):
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=300)

    def execute(self, code):
        """Runs one cell: (stdout, stderr, error values, seconds)."""
        start = time.monotonic()
        msg_id = self.kc.execute(code)
        out, err, errors = [], [], []
        while True:
            msg = self.kc.get_iopub_msg(timeout=CELL_TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                (out if content["name"] == "stdout" else err).append(content["text"])
            elif kind == "error":
                errors.append(f"{content.get('ename')}: {content.get('evalue')}")
            elif kind == "status" and content["execution_state"] == "idle":
                break
        return "".join(out), "".join(err), errors, time.monotonic() - start

    def check(self, label, code, want_stdout):
        out, err, errors, seconds = self.execute(code)
        problems = []
        if errors:
            problems.append("error: " + " | ".join(errors))
        if err.strip():
            problems.append("stderr: " + err.strip())
        if out != want_stdout:
            problems.append(f"stdout {out!r}, want {want_stdout!r}")
        self.results.append((label, not problems, "; ".join(problems)[:600], seconds))
        return seconds


def value(k, r):
    return 1000 * k + 10 * r + 5


def round_cell(k, r):
    code = f"fn who() -> i32 {{ {value(k, r)} }}\nlet v{r} = who();\nprintln!(\"kernel {k} cell {r}: {{}}\", v{r});"
    want = f"kernel {k} cell {r}: {value(k, r)}\n"
    if r == 0:  # the crate itself, linked into a cell
        code += '\nprintln!("sum {}", snackml::ndarray::arr1(&[1.5f32, 2.0]).sum());'
        want += "sum 3.5\n"
    else:
        code += f'\nprintln!("kept {{}}", v{r - 1});'
        want += f"kept {value(k, r - 1)}\n"
    return code, want


def final_cell(k, rounds):
    names = ", ".join(f"v{r}" for r in range(rounds))
    code = f'println!("kernel {k}: {{:?}}", [{names}]);'
    want = f"kernel {k}: [{', '.join(str(value(k, r)) for r in range(rounds))}]\n"
    return code, want


def du(path):
    try:
        return int(subprocess.run(["du", "-sk", path], capture_output=True, text=True).stdout.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return 0


def mib(n):
    return f"{n / 2**20:.0f} MiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernels", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--shared-folder", help="the old set-up: evcxr_jupyter directly, this one EVCXR_TMPDIR for all")
    ap.add_argument("--keep-pool", action="store_true", help="keep the temporary pool (to look at it)")
    ap.add_argument("--pool", help="use this pool of build folders as it is, not a temporary copy")
    a = ap.parse_args()

    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    work = tempfile.mkdtemp(prefix="snackml-kernels-")
    env = dict(os.environ)
    env.pop("EVCXR_TMPDIR", None)
    ksm = None
    pool = os.path.join(work, "pool")
    if a.shared_folder:
        # A kernel spec as `evcxr_jupyter --install` writes it, with the environment the old scripts set.
        spec = os.path.join(work, "kernels", "rust-shared")
        os.makedirs(spec)
        evcxr = shutil.which("evcxr_jupyter") or os.path.expanduser("~/.cargo/bin/evcxr_jupyter")
        with open(os.path.join(spec, "kernel.json"), "w") as f:
            json.dump({"argv": [evcxr, "--control_file", "{connection_file}"], "display_name": "Rust (shared folder)",
                       "language": "rust", "interrupt_mode": "message"}, f)
        ksm = KernelSpecManager(kernel_dirs=[os.path.join(work, "kernels")])
        kernel_name = "rust-shared"
        os.makedirs(a.shared_folder, exist_ok=True)
        env["EVCXR_TMPDIR"] = os.path.abspath(a.shared_folder)
        env["LD_LIBRARY_PATH"] = rust_kernel.toolchain_libdir() or ""
        env["CARGO_PROFILE_DEV_DEBUG_ASSERTIONS"] = env["CARGO_PROFILE_DEV_OVERFLOW_CHECKS"] = "false"
        print(f"old set-up: every kernel in {a.shared_folder}")
    elif a.pool:
        kernel_name = "rust"
        pool = env["SNACKML_KERNEL_DIRS"] = os.path.abspath(a.pool)
        print(f"pool of build folders: {pool}")
    else:
        kernel_name = "rust"
        env["SNACKML_KERNEL_DIRS"] = pool
        os.makedirs(pool)
        real = rust_kernel.pool_root()
        built = sorted(
            (t, d) for d in glob_slots(real) + [os.path.join(os.path.dirname(real), "evcxr")]
            if (t := rust_kernel.last_build(d))
        )
        if built:
            source = built[-1][1]
            start = time.monotonic()
            fds = rust_kernel.lock_shared(rust_kernel.cargo_locks(source), time.monotonic() + 300)
            try:
                rust_kernel.copy_tree(source, os.path.join(pool, "0"))
            finally:
                for fd in fds:
                    os.close(fd)
            rust_kernel.remove_cell_libraries(os.path.join(pool, "0"))
            print(f"kernel 0's folder: a copy of {source} ({time.monotonic() - start:.1f}s)")
        else:
            print(f"no built folder in {real}: kernel 0 compiles everything first")

    crate = os.path.join(ROOT, "crate")
    dep = f':dep snackml = {{ path = "{crate}" }}'
    kernels = []
    notes = []

    def start(k):
        km = KernelManager(kernel_name=kernel_name, **({"kernel_spec_manager": ksm} if ksm else {}))
        km.start_kernel(env=env, cwd=work)
        kernel = Kernel(k, km)
        kernels.append(kernel)
        return kernel

    def start_and_dep(k, out):
        t = time.monotonic()
        kernel = None
        try:
            kernel = start(k)
            kernel.connect()
        except Exception as e:  # noqa: BLE001 (counted as a failed check)
            if kernel is None:
                kernel = Kernel(k, None)
                kernels.append(kernel)
            kernel.kc = None
            kernel.results.append(("start", False, f"{type(e).__name__}: {e}", time.monotonic() - t))
            return
        ready = time.monotonic() - t
        dep_s = kernel.check(":dep snackml", dep, "")
        out[k] = (ready, dep_s, time.monotonic() - t)

    try:
        times = {}
        start_and_dep(0, times)  # the first notebook
        threads = [threading.Thread(target=start_and_dep, args=(k, times)) for k in range(1, a.kernels)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for k in range(a.kernels):
            if k in times:
                ready, dep_s, total = times[k]
                notes.append(f"kernel {k}: started in {ready:.1f}s, :dep snackml {dep_s:.1f}s, ready for cells {total:.1f}s"
                             + (" (the first)" if k == 0 else " (while kernel 0 is running, warm)"))

        def cells(kernel):
            k = kernel.index
            for r in range(a.rounds):
                kernel.check(f"cell {r}", *round_cell(k, r))
            kernel.check("final cell", *final_cell(k, a.rounds))

        threads = [threading.Thread(target=cells, args=(kn,)) for kn in kernels if kn.kc]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        notes.append(f"{a.kernels} kernels x {a.rounds + 1} cells side by side: {time.monotonic() - t0:.1f}s")
        if not a.shared_folder:
            sizes = [du(os.path.join(pool, str(k))) for k in range(a.kernels)]
            notes.append("build folders: " + ", ".join(mib(s) for s in sizes) + f" (each extra kernel: {mib(sizes[-1])})")
            # The launcher's per-crate optimisation, where cargo finds it for every folder of the pool.
            try:
                with open(os.path.join(pool, ".cargo", "config.toml")) as f:
                    written = f.read()
            except OSError as e:
                written = f"unreadable: {e}"
            if kernels:
                kernels[0].results.append(("the pool's .cargo/config.toml", written == rust_kernel.PROFILE,
                                           written[:200], 0.0))
                # The registration is shared by every checkout: its Python must not be one checkout's
                # .venv (removing that checkout, or a CI clone, would break the Rust kernel for all).
                python = KernelSpecManager().get_kernel_spec("rust").argv[0]
                in_venv = os.path.exists(os.path.join(os.path.dirname(os.path.dirname(python)), "pyvenv.cfg"))
                kernels[0].results.append(("the registered kernel's Python is outside any venv",
                                           os.path.exists(python) and not in_venv, python, 0.0))
    finally:
        for kernel in kernels:
            try:
                if kernel.kc:
                    kernel.kc.stop_channels()
                if kernel.km:
                    kernel.km.shutdown_kernel(now=True)
            except Exception as e:  # noqa: BLE001
                print(f"  (stopping kernel {kernel.index}: {e})")
        if a.keep_pool:
            print(f"pool kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    passed = failed = 0
    for kernel in sorted(kernels, key=lambda kn: kn.index):
        for label, ok, detail, seconds in kernel.results:
            print(f"{'ok  ' if ok else 'FAIL'} kernel {kernel.index} {label} ({seconds:.1f}s){'' if ok else ': ' + detail}")
            passed += ok
            failed += not ok
    for n in notes:
        print(n)
    print(f"kernels: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def glob_slots(root):
    try:
        return [os.path.join(root, d) for d in os.listdir(root) if d.isdigit()]
    except OSError:
        return []


if __name__ == "__main__":
    sys.exit(main())
