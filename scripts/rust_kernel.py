#!/usr/bin/env python3
"""Starts the evcxr Rust kernel in a build folder of its own, seeded from a warm one.

`scripts/setup.sh` copies this file into the registered kernel spec (…/jupyter/kernels/rust/) and
makes kernel.json run it, so every way of starting a Rust kernel (start.sh, a JupyterLab started by
hand, nbclient, jupyter_client) goes through it:

    python3 rust_kernel.py [--evcxr PATH/evcxr_jupyter] --control_file CONNECTION_FILE

Why: evcxr builds every cell as a crate named `ctx` in EVCXR_TMPDIR and loads it as
target/<host>/debug/libcode_N.so; two kernels in one folder overwrite each other's `ctx` and
`libcode_N.so` (wrong results, "dlsym failed", a kernel killed). Without EVCXR_TMPDIR, evcxr uses a
fresh temporary folder per kernel and compiles everything again (70 s here). So:

- A pool of folders, $SNACKML_KERNEL_DIRS (default ~/.cache/snackml/kernels)/0, /1, …: the kernel
  takes the first whose lock file (N.lock) it can lock, and holds that lock for its whole life (the
  open file is inherited by evcxr_jupyter, which this process becomes, and by the cargo and rustc it
  runs). A restarted kernel gets its folder back, warm.
- A folder used for the first time is seeded with a copy of the most recently built one (cargo's
  own lock on it held shared meanwhile, so no build is half-way through): cargo's target folder can
  be moved (its fingerprints are relative to the target folder and keyed on the crates' own absolute
  paths), so the copy is as warm as the original. `cp --reflink=auto` shares the blocks on
  filesystems that can (btrfs, XFS); on ext4 it is a plain copy.
- It sets what the cells need: the toolchain's library folder on LD_LIBRARY_PATH (evcxr links each
  cell against libstd dynamically), the cargo bin folder on PATH, and debug assertions and overflow
  checks off in evcxr's dev profile (training is about 3x slower with them on), unless already set.

- It writes $SNACKML_KERNEL_DIRS/.cargo/config.toml, which cargo reads for every folder below it:
  crates the notebooks never run hot are built with less optimisation than evcxr's opt-level 2
  (PROFILE below), which shortens the first, cold `:dep snackml`; snackml itself with more (3).

It never stops a kernel from starting: if anything here fails, it says so on stderr (the Jupyter
server's log) and starts evcxr with an empty folder of its own, or evcxr's default temporary one.
"""
import fcntl
import glob
import os
import shutil
import subprocess
import sys
import time

MAX_SLOTS = 64
# How long to wait for a running build in the folder being copied to finish (Jupyter gives a kernel
# about a minute to answer); after that, the next most recent folder, or an empty one.
SEED_LOCK_WAIT = 15.0


# Per-crate optimisation for the kernels' cold build, measured with `cargo build --timings` on 2
# cores (environment.md, bench/issue11-core.md): moxcms and pxfm (colour-profile conversion, which
# decoding the photos never calls) take 21 s of CPU at evcxr's opt-level 2 and 6 s at 0; image's own
# code 22 s at 1 and 5 s at 0, and it sits on the critical path just before snackml. JPEGs and
# resizing go through zune-jpeg, jpeg-decoder and snackml (still at 2); what image's own code still
# does, the PNG, BMP and PNM glue, is ~12% slower at 0 (a first decode of 600 PNGs 0.92 -> 1.01 s).
# Generic code of these crates that snackml calls is compiled in snackml. snackml itself at 3, not
# evcxr's 2: its Winograd transforms keep their values in registers only when the compiler unrolls
# them, which it does at 3 (measured, a 32-px step of the book's convnet with evcxr's settings: 0.137 s
# at 2, 0.087 s at 3; 0.102 s at 2 before those transforms).
PROFILE = """# Written by snackml's kernel launcher (scripts/rust_kernel.py) for the build folders below.
[profile.dev.package.snackml]
opt-level = 3

[profile.dev.package.moxcms]
opt-level = 0

[profile.dev.package.pxfm]
opt-level = 0

[profile.dev.package.image]
opt-level = 0
"""


def write_cargo_profile(root):
    """Writes PROFILE to root/.cargo/config.toml when it differs (atomically: kernels start at once)."""
    path = os.path.join(root, ".cargo", "config.toml")
    try:
        with open(path) as f:
            if f.read() == PROFILE:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(PROFILE)
    os.replace(tmp, path)


def log(message):
    print(f"snackml kernel: {message}", file=sys.stderr, flush=True)


def pool_root():
    root = os.environ.get("SNACKML_KERNEL_DIRS")
    if not root:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(cache, "snackml", "kernels")
    return os.path.abspath(root)


def acquire_slot(root):
    """Locks the first free folder of the pool: (folder, number, open lock fd)."""
    os.makedirs(root, exist_ok=True)
    readme = os.path.join(root, "README.txt")
    if not os.path.exists(readme):
        with open(readme, "w") as f:
            f.write(
                "Build folders of snackml's Rust (evcxr) kernels, one per kernel running at once, each\n"
                "locked (N.lock) while its kernel runs. Written by the kernel launcher that\n"
                "scripts/setup.sh registers. Safe to delete when no Rust kernel is running.\n"
            )
    for n in range(MAX_SLOTS):
        fd = os.open(os.path.join(root, f"{n}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        os.set_inheritable(fd, True)  # held by evcxr_jupyter and its children until the last exits
        return os.path.join(root, str(n)), n, fd
    raise RuntimeError(f"all {MAX_SLOTS} build folders in {root} are in use")


def last_build(folder):
    """When a build folder last changed: its newest deps folder (every build writes there)."""
    times = [os.stat(p).st_mtime for p in glob.glob(os.path.join(folder, "target", "*", "debug", "deps"))]
    return max(times) if times else None


def cargo_locks(folder):
    return glob.glob(os.path.join(folder, "target", "*", ".cargo-lock")) + glob.glob(
        os.path.join(folder, "target", "*", "debug", ".cargo-lock")
    )


def lock_shared(paths, deadline):
    """Shared locks on cargo's build locks (cargo holds them exclusively while it builds)."""
    fds = []
    try:
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            fds.append(fd)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(path)
                    time.sleep(0.2)
        return fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def copy_tree(src, dst):
    if shutil.which("cp") and sys.platform.startswith("linux"):
        subprocess.run(["cp", "-a", "--reflink=auto", src, dst], check=True)
    else:
        shutil.copytree(src, dst, symlinks=True)  # copy2: keeps the mtimes cargo compares


def remove_cell_libraries(folder):
    """evcxr keeps every cell's libcode_N.so and never deletes them; a new kernel needs none."""
    for path in glob.glob(os.path.join(folder, "target", "*", "debug", "libcode_*.so")):
        try:
            os.unlink(path)
        except OSError:
            pass


def seed(root, slot, n):
    """Fills a new build folder with a copy of the most recently built one, if there is one."""
    for stale in glob.glob(os.path.join(root, f".{n}.seeding-*")):
        shutil.rmtree(stale, ignore_errors=True)  # left by a launcher that died (we hold slot n)
    candidates = [os.path.join(root, d) for d in os.listdir(root) if d.isdigit() and d != str(n)]
    # The single shared folder of earlier set-ups (EVCXR_TMPDIR=~/.cache/snackml/evcxr).
    candidates.append(os.path.join(os.path.dirname(root), "evcxr"))
    built = sorted(((last_build(c), c) for c in candidates if last_build(c)), reverse=True)
    if not built:
        return None
    deadline = time.monotonic() + SEED_LOCK_WAIT
    for _, source in built:
        start = time.monotonic()
        try:
            fds = lock_shared(cargo_locks(source), deadline)
        except TimeoutError:
            log(f"{source} is busy building; trying another")
            continue
        tmp = os.path.join(root, f".{n}.seeding-{os.getpid()}")
        try:
            copy_tree(source, tmp)
        except Exception as e:  # noqa: BLE001 (a full disk, say: start with an empty folder)
            shutil.rmtree(tmp, ignore_errors=True)
            log(f"could not copy {source}: {e}")
            return None
        finally:
            for fd in fds:
                os.close(fd)
        remove_cell_libraries(tmp)
        os.rename(tmp, slot)
        return source, time.monotonic() - start
    return None


def toolchain_libdir():
    try:
        out = subprocess.run(["rustc", "--print", "target-libdir"], capture_output=True, text=True, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def base_python():
    """The interpreter outside any virtual environment: the launcher needs only the standard library, and
    the registration is shared by every checkout, so it must not name one checkout's `.venv` (deleting that
    checkout, or a CI clone of it, would break the Rust kernel everywhere)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return base if os.path.exists(base) else sys.executable


def register(kernel_dir, evcxr):
    """`--register KERNEL_DIR EVCXR`, run by setup.sh: this file as KERNEL_DIR/snackml-kernel.py, run by
    this Python, in KERNEL_DIR/kernel.json. Writes only what differs; prints `changed` if it wrote."""
    import json

    changed = False
    launcher = os.path.join(kernel_dir, "snackml-kernel.py")
    with open(os.path.abspath(__file__), "rb") as f:
        code = f.read()
    try:
        with open(launcher, "rb") as f:
            same = f.read() == code
    except OSError:
        same = False
    if not same:
        with open(launcher + ".tmp", "wb") as f:
            f.write(code)
        os.replace(launcher + ".tmp", launcher)
        changed = True
    want = {
        "argv": [base_python(), launcher, "--evcxr", evcxr, "--control_file", "{connection_file}"],
        "display_name": "Rust",
        "language": "rust",
        "interrupt_mode": "message",
        "metadata": {"snackml": "one build folder per kernel: scripts/rust_kernel.py of the snackml repository"},
    }
    spec = os.path.join(kernel_dir, "kernel.json")
    try:
        with open(spec) as f:
            same = json.load(f) == want
    except (OSError, ValueError):
        same = False
    if not same:
        with open(spec + ".tmp", "w") as f:
            json.dump(want, f, indent=2)
        os.replace(spec + ".tmp", spec)
        changed = True
    print("changed" if changed else "unchanged")


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--register":
        return register(args[1], args[2])
    evcxr = os.path.join(os.path.expanduser("~"), ".cargo", "bin", "evcxr_jupyter")
    if len(args) >= 2 and args[0] == "--evcxr":
        evcxr, args = args[1], args[2:]
    env = dict(os.environ)
    # cargo and rustc: where evcxr_jupyter was installed, when JupyterLab was started without it on PATH.
    paths = env.get("PATH", "").split(os.pathsep)
    for extra in (os.path.dirname(evcxr), os.path.join(os.path.expanduser("~"), ".cargo", "bin")):
        if extra not in paths and os.path.isdir(extra):
            paths.append(extra)
    env["PATH"] = os.pathsep.join(p for p in paths if p)
    os.environ["PATH"] = env["PATH"]
    libdir = toolchain_libdir()
    if libdir and libdir not in env.get("LD_LIBRARY_PATH", "").split(os.pathsep):
        env["LD_LIBRARY_PATH"] = libdir + (os.pathsep + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env.setdefault("CARGO_PROFILE_DEV_DEBUG_ASSERTIONS", "false")
    env.setdefault("CARGO_PROFILE_DEV_OVERFLOW_CHECKS", "false")
    if "EVCXR_TMPDIR" in env:
        log(f"ignoring EVCXR_TMPDIR={env.pop('EVCXR_TMPDIR')} (one folder for every kernel breaks them); "
            "set SNACKML_KERNEL_DIRS to move the pool of build folders")
    try:
        root = pool_root()
        slot, n, _fd = acquire_slot(root)
        write_cargo_profile(root)
        if os.path.isdir(os.path.join(slot, "target")):
            log(f"build folder {slot}")
        else:
            shutil.rmtree(slot, ignore_errors=True)  # a kernel that never built anything here
            seeded = seed(root, slot, n)
            if seeded:
                log(f"build folder {slot}, a copy of {seeded[0]} ({seeded[1]:.1f}s)")
            else:
                log(f"build folder {slot} (new: the first build compiles every crate)")
            os.makedirs(slot, exist_ok=True)
        remove_cell_libraries(slot)
        env["EVCXR_TMPDIR"] = slot
    except Exception as e:  # noqa: BLE001 (never keep the kernel from starting)
        log(f"no build folder of its own ({e}): evcxr's temporary folder, compiled from scratch")
    os.execve(evcxr, [evcxr] + args, env)


if __name__ == "__main__":
    main()
