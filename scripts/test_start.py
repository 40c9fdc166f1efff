#!/usr/bin/env python3
"""The data step of scripts/start.sh, both ways, without JupyterLab: `scripts/start.sh --data-only`.

usage: test_start.py

Every case runs `scripts/start.sh --data-only --data DIR` (DIR a fresh temporary data folder holding a
small synthetic stand-in, so the repository's data/ is never touched) with SNACKML_HUB_URL pointing
at 127.0.0.1, never at the hub:

(a) no hub: it falls back to the stand-in, exits 0 and prints exactly one line that says why,
    within seconds:
    - a closed port: `no route to 127.0.0.1:PORT: connection refused`, at once;
    - a port that never answers (a listener whose accept queue is full: the kernel drops the SYNs,
      as a blackholed address would; only loopback addresses are used here): `no answer from
      127.0.0.1:PORT within 5 s`, after the 5 s connect timeout and not much more;
    - a server that answers HTTP 404.
(b) a local server posing as the hub (a redirect to a signed "CDN" URL, as the hub does, and Range
    support), serving an images.zip in the hub's layout (images/train/<class>/*.jpg ...,
    credits.csv, README.txt, macOS `__MACOSX/._*` stubs and a .DS_Store) with the real dataset's
    4,838 / 955 / 952 images in 20 classes (small drawn JPEGs). The first transfer is cut at 40%:
    the downloader resumes it with a Range request. Then DIR/snacks holds every image of the
    archive byte for byte, the credits and README, the marker, and nothing else; no partial file
    or working folder is left. A second run downloads nothing.
(c) no try at all: `--no-download`, SNACKML_NO_DOWNLOAD=1 and SNACKML_DATA each keep the server
    from being asked.
Ends with `start: N passed, N failed`; exits non-zero on failure. Needs cargo (builds the snackml
binary first, untimed) and python3.
"""
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
START = os.path.join(HERE, "start.sh")
HUB_PATH = "/datasets/Matthijs/snacks/resolve/main"
CDN_PATH = "/cdn-lfs/snacks/images.zip"
SIGNED = "?X-Amz-Expires=3600&X-Amz-Signature=0123abcd"
COUNTS = [4838, 955, 952]
SPLITS = ["train", "val", "test"]
CLASSES = ["apple", "banana", "cake", "candy", "carrot", "cookie", "doughnut", "grape", "hot dog", "ice cream",
           "juice", "muffin", "orange", "pineapple", "popcorn", "pretzel", "salad", "strawberry", "waffle",
           "watermelon"]
CONNECT_TIMEOUT = 5.0  # DownloadOptions::default().connect_timeout

results = []


def record(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{' — ' + detail if detail else ''}", flush=True)


def cargo(*args):
    cmd = ["cargo", *args, "--quiet", "--profile", "test", "--all-features", "--manifest-path",
           os.path.join(ROOT, "Cargo.toml"), "-p", "snackml", "--bin", "snackml"]
    return cmd


def base_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SNACKML_DATA", "SNACKML_NO_DOWNLOAD", "SNACKML_HUB_URL")}
    env.update(extra)
    return env


def start(data, env, *args):
    """`scripts/start.sh --data-only --data DATA ARGS`: (exit code, stdout+stderr lines, seconds)."""
    t = time.monotonic()
    p = subprocess.run(["bash", START, "--data-only", *args, "--data", data], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    return p.returncode, lines, time.monotonic() - t


class Hub:
    """A local HTTP server posing as the hub: HUB_PATH/images.zip answers 302 to CDN_PATH+SIGNED, which
    serves the archive with Range support; the first full transfer is cut after `cut` bytes. Every
    request is recorded as (path, Range header)."""

    def __init__(self, body=b"", cut=None):
        self.body, self.cut, self.seen = body, cut, []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                hub.seen.append((self.path, self.headers.get("Range")))
                self.close_connection = True
                if self.path == f"{HUB_PATH}/images.zip":
                    return self.head(302, [("Location", f"http://127.0.0.1:{hub.port}{CDN_PATH}{SIGNED}"),
                                           ("Content-Length", "0")])
                if self.path != CDN_PATH + SIGNED:
                    return self.head(404, [("Content-Length", "0")])
                body, size, start = hub.body, len(hub.body), 0
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                    if start >= size:
                        return self.head(416, [("Content-Range", f"bytes */{size}"), ("Content-Length", "0")])
                    self.head(206, [("Content-Range", f"bytes {start}-{size - 1}/{size}"),
                                    ("Content-Length", str(size - start))])
                else:
                    self.head(200, [("Content-Length", str(size))])
                part = body[start:]
                if start == 0 and hub.cut is not None:
                    part, hub.cut = part[:hub.cut], None
                self.wfile.write(part)
                self.wfile.flush()

            def head(self, status, headers):
                self.send_response(status)
                for name, value in headers + [("Connection", "close")]:
                    self.send_header(name, value)
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{HUB_PATH}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def archive(drawn):
    """An images.zip in the hub's layout, stored: (bytes, {relative path in the dataset: bytes})."""
    jpegs = {c: open(os.path.join(drawn, "train", c, sorted(os.listdir(os.path.join(drawn, "train", c)))[0]),
                     "rb").read() for c in CLASSES}
    files = {"credits.csv": b",class_name,ImageID,License\n0,Apple,0000,https://creativecommons.org/licenses/by/2.0/\n",
             "README.txt": b"SNACKS DATASET\n"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name in ("README.txt", "credits.csv"):
            z.writestr(f"images/{name}", files[name])
        z.writestr("images/.DS_Store", b"\0\0\0\x01Bud1")
        apple_double = bytes([0, 5, 22, 7, 0, 2, 0, 0]) + bytes(289)
        for split, total in zip(SPLITS, COUNTS):
            for c, cls in enumerate(CLASSES):
                n = total // len(CLASSES) + (1 if c < total % len(CLASSES) else 0)
                z.writestr(zipfile.ZipInfo(f"images/{split}/{cls}/"), b"")
                for i in range(n):
                    rel = f"{split}/{cls}/{c:02d}{i:04d}.jpg"
                    # A few bytes after the JPEG's end make every file its own.
                    files[rel] = jpegs[cls] + i.to_bytes(2, "big")
                    z.writestr(f"images/{rel}", files[rel])
                    if i == 0:
                        z.writestr(f"__MACOSX/images/{split}/{cls}/._{c:02d}{i:04d}.jpg", apple_double)
    return out.getvalue(), files


def tree(folder):
    """{relative path: bytes} of every file under `folder`."""
    found = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder).replace(os.sep, "/")] = f.read()
    return found


def full_backlog_listener():
    """A listening socket on 127.0.0.1 whose accept queue is full: new connections get no answer."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(8):  # backlog 0 takes one; a few more in case the kernel rounds it up
        c = socket.socket()
        c.settimeout(0.5)
        try:
            c.connect(("127.0.0.1", port))
            fillers.append(c)
        except OSError:
            c.close()
            break
    return srv, fillers, port


def fallback_checks(tmp, template):
    def fresh(name):
        d = os.path.join(tmp, name)
        shutil.copytree(template, os.path.join(d, "synth"))
        return d

    def fell_back(name, data, rc, lines, seconds, reason, most):
        line = lines[0] if lines else ""
        record(f"{name}: exit 0, one line", rc == 0 and len(lines) == 1, " | ".join(lines))
        record(f"{name}: the line says why", reason in line and "using the synthetic stand-in at" in line, line)
        record(f"{name}: within {most:.0f} s", seconds < most, f"{seconds:.2f} s")
        left = sorted(os.listdir(data))
        record(f"{name}: nothing but the stand-in in the data folder", left == ["synth"], str(left))

    # A port nobody listens on.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    data = fresh("closed")
    env = base_env(SNACKML_HUB_URL=f"http://127.0.0.1:{port}{HUB_PATH}")
    rc, lines, seconds = start(data, env)
    fell_back("closed port", data, rc, lines, seconds, f"no route to 127.0.0.1:{port}: connection refused", 5)

    # A port that never answers.
    srv, fillers, port = full_backlog_listener()
    try:
        data = fresh("silent")
        env = base_env(SNACKML_HUB_URL=f"http://127.0.0.1:{port}{HUB_PATH}")
        rc, lines, seconds = start(data, env)
        fell_back("no answer", data, rc, lines, seconds, f"no answer from 127.0.0.1:{port} within 5 s",
                  CONNECT_TIMEOUT + 5)
        record("no answer: it waited for the connect timeout", seconds >= CONNECT_TIMEOUT - 0.1, f"{seconds:.2f} s")
    finally:
        for c in fillers:
            c.close()
        srv.close()

    # A server that has no such file.
    hub = Hub()
    try:
        data = fresh("http404")
        env = base_env(SNACKML_HUB_URL=f"http://127.0.0.1:{hub.port}/elsewhere")
        rc, lines, seconds = start(data, env)
        fell_back("HTTP 404", data, rc, lines, seconds, f"127.0.0.1:{hub.port} answered HTTP 404", 5)
        record("HTTP 404: asked once", [p for p, _ in hub.seen] == ["/elsewhere/images.zip"], str(hub.seen))
    finally:
        hub.close()


def download_checks(tmp, template):
    body, files = archive(template)
    cut = int(len(body) * 0.4)
    hub = Hub(body, cut=cut)
    try:
        data = os.path.join(tmp, "download")
        shutil.copytree(template, os.path.join(data, "synth"))
        env = base_env(SNACKML_HUB_URL=hub.url)
        rc, lines, seconds = start(data, env)
        text = "\n".join(lines)
        record("download: exit 0", rc == 0, text[-2000:])
        record("download: it says so", "Downloaded the snacks dataset to" in text
               and "4838 train, 955 val, 952 test images in 20 classes" in text, lines[-2] if len(lines) > 1 else "")
        record("download: the licence line", "CC BY 2.0" in text and "credits.csv" in text and "Google Open Images"
               in text, lines[-1] if lines else "")
        record("download: the cut transfer was resumed", "resuming (try 1 of 3)" in text, text[-600:])
        expected = [(f"{HUB_PATH}/images.zip", None), (CDN_PATH + SIGNED, None),
                    (f"{HUB_PATH}/images.zip", f"bytes={cut}-"), (CDN_PATH + SIGNED, f"bytes={cut}-")]
        record("download: redirect followed, resumed with a Range kept through the redirect", hub.seen == expected,
               str(hub.seen))
        snacks = os.path.join(data, "snacks")
        got = tree(snacks) if os.path.isdir(snacks) else {}
        marker = got.pop(".complete", b"{}")
        record("download: every image, the credits and README, byte for byte, and nothing else",
               got == files, f"{len(got)} files, {len(files)} expected; extra {sorted(set(got) - set(files))[:3]}, "
               f"missing {sorted(set(files) - set(got))[:3]}")
        m = json.loads(marker)
        record("download: the marker", m.get("kind") == "real" and m.get("counts") == COUNTS
               and m.get("classes") == CLASSES and m.get("source") == f"{hub.url}/images.zip", str(m)[:200])
        record("download: no archive or working folder left", sorted(os.listdir(data)) == ["snacks", "synth"],
               str(sorted(os.listdir(data))))
        record("download: within 60 s", seconds < 60, f"{seconds:.2f} s for {len(body) / 1e6:.1f} MB")

        asked = len(hub.seen)
        rc, lines, seconds = start(data, env)
        record("again: one line, the photos", rc == 0 and len(lines) == 1 and lines[0].startswith(
            "Using the snacks photos at") and "(4838 train, 955 val, 952 test images)" in lines[0], " | ".join(lines))
        record("again: nothing fetched", len(hub.seen) == asked, str(hub.seen[asked:]))
    finally:
        hub.close()


def skip_checks(tmp, template):
    hub = Hub(b"not asked")
    try:
        for name, extra, args, says in [
            ("--no-download", {}, ["--no-download"], "Not downloading the snacks photos (--no-download)"),
            ("SNACKML_NO_DOWNLOAD=1", {"SNACKML_NO_DOWNLOAD": "1"}, [],
             "Not downloading the snacks photos (SNACKML_NO_DOWNLOAD is set)"),
        ]:
            data = os.path.join(tmp, "skip" + str(len(results)))
            shutil.copytree(template, os.path.join(data, "synth"))
            rc, lines, _ = start(data, base_env(SNACKML_HUB_URL=hub.url, **extra), *args)
            line = lines[0] if lines else ""
            record(f"{name}: one line, the stand-in", rc == 0 and len(lines) == 1 and line.startswith(says)
                   and "using the synthetic stand-in at" in line, " | ".join(lines))
        data = os.path.join(tmp, "from-env")
        os.makedirs(data)
        rc, lines, _ = start(data, base_env(SNACKML_HUB_URL=hub.url, SNACKML_DATA=template))
        record("SNACKML_DATA: one line, that folder, nothing downloaded", rc == 0 and len(lines) == 1
               and "from SNACKML_DATA" in lines[0] and "Nothing is downloaded" in lines[0], " | ".join(lines))
        record("SNACKML_DATA: no snacks folder written", os.listdir(data) == [], str(os.listdir(data)))
        record("none of them asked the server", hub.seen == [], str(hub.seen))
    finally:
        hub.close()


def main():
    build = subprocess.run(cargo("build"), stdin=subprocess.DEVNULL)
    if build.returncode != 0:
        record("cargo build of snackml", False)
        return
    with tempfile.TemporaryDirectory(prefix="snackml-start-") as tmp:
        template = os.path.join(tmp, "template")
        drawn = subprocess.run(cargo("run") + ["--", "synth", "--out", template, "--size", "24", "--train", "1",
                                               "--val", "1", "--test", "1"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if drawn.returncode != 0:
            record("drawing a small stand-in", False, drawn.stderr[-500:])
            return
        fallback_checks(tmp, template)
        download_checks(tmp, template)
        skip_checks(tmp, template)


if __name__ == "__main__":
    main()
    passed, failed = results.count(True), results.count(False)
    print(f"start: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)
