#!/usr/bin/env python3
"""The data step of scripts/start.sh, both ways, without JupyterLab (`scripts/start.sh --data-only`), and
start.sh as root, with JupyterLab.

usage: test_start.py

Every data case runs `scripts/start.sh --data-only [--sha256 HEX] --data DIR` (DIR a fresh temporary data
folder holding a small synthetic stand-in, so the repository's data/ is never touched) with SNACKML_HUB_URL
pointing at loopback, never at the hub:

(a) no hub: it falls back to the stand-in, exits 0 and prints exactly one line that says why,
    within seconds:
    - a closed port: `no route to 127.0.0.1:PORT: connection refused`, at once;
    - a port that never answers (a listener whose accept queue is full: the kernel drops the SYNs,
      as a blackholed address would; only loopback addresses are used here): `no answer from
      127.0.0.1:PORT within 5 s`, after the 5 s connect timeout and not much more;
    - a server that answers HTTP 404.
(b) a fake of the real hub, two servers: the "hub" on 127.0.0.1 serves the dataset repository
    Matthijs/snacks at the pinned revision (REV): `resolve/REV/images.zip` answers 302 with an absolute
    signed URL on the "CDN", another host (127.0.0.2, another port), and the hub's X-Linked-Size,
    X-Linked-Etag (the archive's SHA-256, in double quotes) and X-Repo-Commit headers;
    `resolve/REV/credits.csv` answers 200 with the credits (they are not in the archive). The CDN serves
    the archive with Range support (206, 416) to URLs the hub signed, 403 to others, 404 elsewhere. The
    archive is in the real one's layout: data/{train,val,test}/<class>/*.jpg, deflated, with directory
    entries and a 297-byte macOS AppleDouble stub `__MACOSX/data/<split>/<class>/._<name>.jpg` for each
    photo, the real dataset's 4,838 / 955 / 952 images in 20 classes (small drawn JPEGs), no credits or
    README inside. The test passes `--sha256` of its archive (the default is the real archive's).
    The first transfer is cut at 40%: the downloader resumes it with a Range request, asking the hub
    again and then the CDN. Then DIR/snacks holds every image byte for byte (the data/ prefix gone),
    credits.csv as the hub served it, the marker, and nothing else (no macOS stub); no partial file or
    working folder is left. A second run downloads nothing.
    Refused, each leaving nothing but the stand-in, with the one fallback line saying why: the hub's
    X-Linked-Etag is not the expected SHA-256 (before the CDN is asked); the CDN serves other bytes
    than the hub's SHA-256 names; the CDN serves fewer bytes than X-Linked-Size; credits.csv is 404.
(c) no try at all: `--no-download`, SNACKML_NO_DOWNLOAD=1 and SNACKML_DATA each keep the server
    from being asked.
(d) as root only (else it says it skipped it, not counted as passed): `scripts/start.sh --no-browser
    --port=P ...` with SNACKML_DATA set (nothing downloaded) prints one line saying it adds
    --allow-root, and JupyterLab answers /api/contents with the notebooks; with --allow-root given it
    adds nothing. Its process group is then stopped and no process of it is left. start.sh sources
    scripts/setup.sh first: a no-op when all is set up (its first run may compile the crate for the
    kernel: then up to 600 s are allowed for the first answer instead of 120, and the check says so).
Ends with `start: N passed, N failed`; exits non-zero on failure. Needs cargo (builds the snackml
binary first, untimed) and python3.
"""
import hashlib
import http.server
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
START = os.path.join(HERE, "start.sh")
NOTEBOOKS = os.path.join(ROOT, "notebooks")
REV = "575dff82356cede71dcf044da908aa7eab528c04"  # the pinned revision of the hub's Matthijs/snacks
HUB_PATH = "/datasets/Matthijs/snacks/resolve/" + REV
HUB_HOST, CDN_HOST = "127.0.0.1", "127.0.0.2"  # two hosts on loopback: the redirect goes elsewhere
# The hub's credits.csv: its real header, two rows as the real ones are (quoted titles, UTF-8 names).
CREDITS = (",class_name,ImageID,type,Subset,OriginalURL,OriginalLandingURL,License,AuthorProfileURL,Author,"
           "Title,OriginalSize,OriginalMD5,Thumbnail300KURL\n"
           "0,apple,0a1b6c2f8e4d3a97,train,train,https://farm3.staticflickr.com/2461/3819542018_5f1e3b9a2c_o.jpg,"
           "https://www.flickr.com/photos/cdw9/3819542018,https://creativecommons.org/licenses/by/2.0/,"
           "https://www.flickr.com/people/cdw9/,Chris Wright,\"Apples, red and green\",2304811,"
           "kT1mB9l2dC7sY4eQx0aZ3w==,https://c7.staticflickr.com/3/2461/3819542018_0c9d1e7f4b_z.jpg\n"
           "1,hot dog,1f9e2d3c4b5a6978,train,validation,https://c2.staticflickr.com/8/7241/13948210312_a4f0c5d2e1_o.jpg,"
           "https://www.flickr.com/photos/jose_gonzalez/13948210312,https://creativecommons.org/licenses/by/2.0/,"
           "https://www.flickr.com/people/jose_gonzalez/,José González,Perrito caliente,1874220,"
           "Zq8Xw1vN4pR6tY2uI9oE5a==,https://c2.staticflickr.com/8/7241/13948210312_9b8a7c6d5e_z.jpg\n"
           ).encode("utf-8")
COUNTS = [4838, 955, 952]
SPLITS = ["train", "val", "test"]
CLASSES = ["apple", "banana", "cake", "candy", "carrot", "cookie", "doughnut", "grape", "hot dog", "ice cream",
           "juice", "muffin", "orange", "pineapple", "popcorn", "pretzel", "salad", "strawberry", "waffle",
           "watermelon"]
CONNECT_TIMEOUT = 5.0  # DownloadOptions::default().connect_timeout

results = []
skipped = []


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
    """A fake of the Hugging Face hub: two local HTTP servers, the hub on HUB_HOST and its CDN on CDN_HOST.

    The hub answers HUB_PATH/images.zip with a 302 to a freshly signed absolute URL on the CDN, carrying
    X-Linked-Size (`linked_size`, default the archive's length), X-Linked-Etag (`"etag"`, default the
    archive's SHA-256), X-Repo-Commit and Content-Length 0; HUB_PATH/credits.csv with 200 and `credits`
    (404 when None); anything else with 404. The CDN serves `cdn_body` (default `body`) at the LFS object's
    path to URLs the hub signed (403 otherwise, 404 at any other path), with Range support; its first full
    transfer is cut after `cut` bytes. Every request to either is recorded in `seen` as
    (host, path without the query, Range header)."""

    def __init__(self, body=b"", cut=None, etag=None, linked_size=None, cdn_body=None, credits=CREDITS):
        self.body, self.cut, self.credits = body, cut, credits
        self.cdn_body = body if cdn_body is None else cdn_body
        self.sha = hashlib.sha256(body).hexdigest()
        self.etag = self.sha if etag is None else etag
        self.linked_size = len(body) if linked_size is None else linked_size
        self.object = f"/repos/7c/1e/7c1e2f0d8b4a96e35c7d1f20a8b9e64d3c5f7a1b2e8d9c0f4a6b3e5d7c9f1a2b/{self.etag}"
        self.seen, self.signatures = [], set()
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                host = self.server.server_address[0]
                url = urllib.parse.urlsplit(self.path)
                rng = self.headers.get("Range")
                with fake.lock:
                    fake.seen.append((host, url.path, rng))
                self.close_connection = True
                if host == HUB_HOST:
                    return self.hub(url)
                return self.cdn(url, rng)

            def hub(self, url):
                if url.path == f"{HUB_PATH}/images.zip":
                    return self.head(302, [("Location", fake.signed_url()), ("X-Linked-Size", str(fake.linked_size)),
                                           ("X-Linked-Etag", f'"{fake.etag}"'), ("X-Repo-Commit", REV),
                                           ("Accept-Ranges", "bytes"), ("Content-Length", "0")])
                if url.path == f"{HUB_PATH}/credits.csv" and fake.credits is not None:
                    return self.serve(fake.credits, [("Content-Type", "text/csv; charset=utf-8"),
                                                     ("X-Repo-Commit", REV)])
                self.not_there(404, b"Entry not found", [("X-Error-Code", "EntryNotFound")])

            def cdn(self, url, rng):
                if url.path != fake.object:
                    return self.not_there(404, b"<Error><Code>NoSuchKey</Code></Error>")
                signature = urllib.parse.parse_qs(url.query).get("X-Amz-Signature", [""])[0]
                if signature not in fake.signatures:
                    return self.not_there(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
                self.serve(fake.cdn_body, [("Content-Type", "application/zip")], cut=True)

            def serve(self, body, headers, cut=False):
                """`body` with Range support: 206 from byte N on, 416 past the end, else 200."""
                size, start = len(body), 0
                rng = self.headers.get("Range")
                headers = headers + [("Accept-Ranges", "bytes")]
                if rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                    if start >= size:
                        return self.head(416, headers + [("Content-Range", f"bytes */{size}"),
                                                         ("Content-Length", "0")])
                    self.head(206, headers + [("Content-Range", f"bytes {start}-{size - 1}/{size}"),
                                              ("Content-Length", str(size - start))])
                else:
                    self.head(200, headers + [("Content-Length", str(size))])
                part = body[start:]
                if cut and start == 0 and fake.cut is not None:
                    part, fake.cut = part[:fake.cut], None
                self.wfile.write(part)
                self.wfile.flush()

            def not_there(self, status, body, headers=()):
                self.head(status, list(headers) + [("Content-Length", str(len(body)))])
                self.wfile.write(body)

            def head(self, status, headers):
                self.send_response(status)
                for name, value in headers + [("Connection", "close")]:
                    self.send_header(name, value)
                self.end_headers()

        self.servers = []
        for host in (HUB_HOST, CDN_HOST):
            server = http.server.ThreadingHTTPServer((host, 0), Handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
            self.servers.append(server)
        self.port, self.cdn_port = (server.server_address[1] for server in self.servers)
        self.url = f"http://{HUB_HOST}:{self.port}{HUB_PATH}"

    def signed_url(self):
        """A fresh signed URL of the archive on the CDN, as S3 presigns them (an hour's validity)."""
        signature = secrets.token_hex(32)
        with self.lock:
            self.signatures.add(signature)
        query = urllib.parse.urlencode([
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
            ("X-Amz-Credential", "AKIA2JU7EXAMPLEKEY/20250601/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", "20250601T120000Z"), ("X-Amz-Expires", "3600"), ("X-Amz-Signature", signature),
            ("X-Amz-SignedHeaders", "host"),
            ("response-content-disposition", 'attachment; filename*=UTF-8\'\'images.zip; filename="images.zip";'),
            ("x-id", "GetObject")], safe="", quote_via=urllib.parse.quote)
        return f"http://{CDN_HOST}:{self.cdn_port}{self.object}?{query}"

    def asked(self, host):
        """The paths (and Range headers) asked of one of the two servers."""
        return [(path, rng) for h, path, rng in self.seen if h == host]

    def close(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()


def archive(drawn):
    """An images.zip in the real one's layout, deflated: (bytes, {relative path in the dataset: bytes}).
    data/SPLIT/CLASS/NAME.jpg with directory entries, each photo followed by its macOS AppleDouble stub
    (297 bytes) under __MACOSX/, as Finder's "Compress" writes them; no credits.csv, no README."""
    jpegs = {c: open(os.path.join(drawn, "train", c, sorted(os.listdir(os.path.join(drawn, "train", c)))[0]),
                     "rb").read() for c in CLASSES}
    files = {}
    apple_double = bytes([0, 5, 22, 7, 0, 2, 0, 0]) + bytes(289)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        folders = set()

        def folder(name):
            if name not in folders:
                folders.add(name)
                info = zipfile.ZipInfo(name, (2019, 3, 1, 12, 0, 0))
                info.external_attr = (0o40755 << 16) | 0x10  # a directory, as macOS marks them
                z.writestr(info, b"")

        folder("data/")
        for split, total in zip(SPLITS, COUNTS):
            folder(f"data/{split}/")
            for c, cls in enumerate(CLASSES):
                n = total // len(CLASSES) + (1 if c < total % len(CLASSES) else 0)
                folder(f"data/{split}/{cls}/")
                for i in range(n):
                    name = f"{c:02d}{i:04d}.jpg"
                    rel = f"{split}/{cls}/{name}"
                    # A few bytes after the JPEG's end make every file its own.
                    files[rel] = jpegs[cls] + i.to_bytes(2, "big")
                    z.writestr(f"data/{rel}", files[rel])
                    for stub_folder in ("__MACOSX/", "__MACOSX/data/", f"__MACOSX/data/{split}/",
                                        f"__MACOSX/data/{split}/{cls}/"):
                        folder(stub_folder)
                    z.writestr(f"__MACOSX/data/{split}/{cls}/._{name}", apple_double)
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
        record("HTTP 404: asked once", hub.seen == [(HUB_HOST, "/elsewhere/images.zip", None)], str(hub.seen))
    finally:
        hub.close()


FALLBACK = re.compile(r"^The snacks photos were not downloaded \((.*)\): using the synthetic stand-in at (.+)$")


def download_checks(tmp, template, body, files):
    cut = int(len(body) * 0.4)
    hub = Hub(body, cut=cut)
    try:
        data = os.path.join(tmp, "download")
        shutil.copytree(template, os.path.join(data, "synth"))
        env = base_env(SNACKML_HUB_URL=hub.url)
        rc, lines, seconds = start(data, env, "--sha256", hub.sha)
        text = "\n".join(lines)
        record("download: exit 0", rc == 0, text[-2000:])
        record("download: it says so", "Downloaded the snacks dataset to" in text
               and "4838 train, 955 val, 952 test images in 20 classes" in text, lines[-2] if len(lines) > 1 else "")
        record("download: the licence line", "CC BY 2.0" in text and "credits.csv" in text and "Google Open Images"
               in text, lines[-1] if lines else "")
        record("download: the cut transfer was resumed", "resuming (try 1 of 3)" in text, text[-600:])
        archive_at = f"{HUB_PATH}/images.zip"
        expected = [(HUB_HOST, archive_at, None), (CDN_HOST, hub.object, None),
                    (HUB_HOST, archive_at, f"bytes={cut}-"), (CDN_HOST, hub.object, f"bytes={cut}-"),
                    (HUB_HOST, f"{HUB_PATH}/credits.csv", None)]
        record("download: the hub, its redirect to the CDN, resumed with a Range on both, then credits.csv",
               hub.seen == expected, str(hub.seen))
        snacks = os.path.join(data, "snacks")
        got = tree(snacks) if os.path.isdir(snacks) else {}
        marker = got.pop(".complete", b"{}")
        want = dict(files, **{"credits.csv": CREDITS})
        record("download: every image and credits.csv, byte for byte, and nothing else",
               got == want, f"{len(got)} files, {len(want)} expected; extra {sorted(set(got) - set(want))[:3]}, "
               f"missing {sorted(set(want) - set(got))[:3]}, "
               f"differing {sorted(k for k in set(got) & set(want) if got[k] != want[k])[:3]}")
        record("download: credits.csv as the hub served it", got.get("credits.csv") == CREDITS,
               f"{len(got.get('credits.csv', b''))} bytes, {len(CREDITS)} served")
        stubs = sorted(k for k in got if "__MACOSX" in k or any(part.startswith("._") for part in k.split("/")))
        record("download: no macOS stub landed", not stubs, str(stubs[:3]))
        try:
            m = json.loads(marker)
        except ValueError:
            m = {"unreadable": marker[:100].decode("utf-8", "replace")}
        record("download: the marker", m.get("kind") == "real" and m.get("counts") == COUNTS
               and m.get("classes") == CLASSES and m.get("source") == f"{hub.url}/images.zip", str(m)[:300])
        record("download: no archive or working folder left", sorted(os.listdir(data)) == ["snacks", "synth"],
               str(sorted(os.listdir(data))))
        record("download: within 60 s", seconds < 60, f"{seconds:.2f} s for {len(body) / 1e6:.1f} MB")

        asked = len(hub.seen)
        rc, lines, seconds = start(data, env, "--sha256", hub.sha)
        record("again: one line, the photos", rc == 0 and len(lines) == 1 and lines[0].startswith(
            "Using the snacks photos (6,745: 4838 train, 955 val, 952 test)"), " | ".join(lines))
        record("again: nothing fetched", len(hub.seen) == asked, str(hub.seen[asked:]))
    finally:
        hub.close()


def refusal_checks(tmp, template, body):
    """Archives and credits the downloader must refuse: nothing but the stand-in is left, one line says why."""
    sha = hashlib.sha256(body).hexdigest()
    middle = len(body) // 2
    flipped = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1:]
    other = hashlib.sha256(b"another images.zip").hexdigest()
    cases = [
        # (name, how the fake hub differs, what the reason must name, the CDN may be asked, credits.csv may be asked)
        ("SHA-256 not the hub's", dict(etag=other), ["SHA-256", sha, other], False, False),
        ("SHA-256 of the bytes served", dict(cdn_body=flipped), ["SHA-256", sha], True, False),
        ("fewer bytes than X-Linked-Size", dict(linked_size=len(body) + 1), ["X-Linked-Size"], True, False),
        ("credits.csv 404", dict(credits=None), ["credits.csv"], True, True),
    ]
    for name, fake, reasons, cdn_asked, credits_asked in cases:
        hub = Hub(body, **fake)
        try:
            data = os.path.join(tmp, "refused" + str(len(results)))
            shutil.copytree(template, os.path.join(data, "synth"))
            rc, lines, seconds = start(data, base_env(SNACKML_HUB_URL=hub.url), "--sha256", sha)
            said = [line for line in lines if line.startswith("The snacks photos were not downloaded")]
            found = FALLBACK.match(said[-1]) if said else None
            why = found.group(1) if found else ""
            record(f"{name}: exit 0, one line says it fell back", rc == 0 and len(said) == 1 and found is not None
                   and lines[-1] == said[0], " | ".join(lines)[-1500:])
            missing = [r for r in reasons if r not in why]
            record(f"{name}: the reason names {', '.join(r if len(r) < 20 else r[:12] + '…' for r in reasons)}",
                   found is not None and not missing, why if not missing else f"{why!r} lacks {missing}")
            left = sorted(os.listdir(data))
            record(f"{name}: nothing but the stand-in in the data folder", left == ["synth"], str(left))
            record(f"{name}: within 60 s", seconds < 60, f"{seconds:.2f} s")
            if not cdn_asked:
                record(f"{name}: refused before the CDN was asked", not hub.asked(CDN_HOST), str(hub.seen))
            if not credits_asked:
                record(f"{name}: credits.csv not asked for a refused archive",
                       all(path != f"{HUB_PATH}/credits.csv" for path, _ in hub.asked(HUB_HOST)), str(hub.seen))
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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def group_processes(pgid, marker):
    """(pid, command line) of every process left in process group `pgid` or whose command line holds `marker`."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        if fields[0] != "Z" and (int(fields[2]) == pgid or marker in cmdline):
            left.append((int(pid), cmdline[:120]))
    return left


def root_checks(tmp, template):
    """start.sh as root: JupyterLab started with --allow-root added (said in one line), or as given."""
    if os.geteuid() != 0:
        skipped.append("start.sh as root")
        print(f"skip start.sh as root — this test runs as uid {os.geteuid()}, not root: not checked", flush=True)
        return
    notebooks = sorted(n for n in os.listdir(NOTEBOOKS) if n.endswith(".ipynb"))
    for name, given in [("as root", []), ("as root, --allow-root given", ["--allow-root"])]:
        port, token = free_port(), secrets.token_hex(16)
        runtime = os.path.join(tmp, "runtime" + str(len(results)))
        env = base_env(SNACKML_DATA=template, JUPYTER_RUNTIME_DIR=runtime)
        log_path = os.path.join(tmp, f"jupyter-{port}.log")
        cmd = ["bash", START, "--no-browser", f"--port={port}", f"--ServerApp.token={token}",
               "--ServerApp.port_retries=0", *given]
        t = time.monotonic()
        with open(log_path, "w") as log:
            p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        status, listing, answered = None, None, None
        try:
            # setup.sh runs first: a no-op when all is set up, but its first run may compile the crate for
            # the kernel (scripts/warm_kernel.py), so up to 600 s are allowed for the first answer.
            while time.monotonic() - t < 600 and p.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}",
                                                timeout=5) as r:
                        status, listing = r.status, json.loads(r.read())
                    answered = time.monotonic() - t
                    break
                except urllib.error.HTTPError as e:
                    status, answered = e.code, time.monotonic() - t
                    break
                except (OSError, ValueError):
                    time.sleep(0.5)
        finally:
            stopped = p.poll() is not None
            if not stopped:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(timeout=20)
            deadline = time.monotonic() + 10
            while group_processes(p.pid, f"--port={port}") and time.monotonic() < deadline:
                time.sleep(0.2)
            left = group_processes(p.pid, f"--port={port}")
            for pid, _ in left:  # ours only: the group started here, or the server on our port
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        with open(log_path, errors="replace") as f:
            lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip() for line in f if line.strip()]
        # What setup.sh did (its `==> ` lines) besides its closing "Set up: ..." line.
        setup_work = [line[4:] for line in lines if line.startswith("==> ") and not line.startswith("==> Set up:")]
        tail = " | ".join(lines[-8:])[-1500:]
        if answered is None:
            record(f"{name}: JupyterLab answered", False, ("start.sh exited with " + str(p.returncode)
                   if stopped else "no answer in 600 s") + ": " + tail)
        else:
            most = 600 if setup_work else 120
            why = f" (setup.sh did work first, so up to 600 s allowed: {' / '.join(setup_work)[:300]})" \
                if setup_work else ""
            record(f"{name}: JupyterLab answered /api/contents within {most} s",
                   status == 200 and answered < most, f"HTTP {status} after {answered:.1f} s{why}")
            names = sorted(item.get("name") for item in (listing or {}).get("content", []))
            record(f"{name}: it lists the notebooks", "03-loading-the-data.ipynb" in names
                   and all(n in names for n in notebooks), str(names))
        said = [line for line in lines if "--allow-root" in line or "Running as root" in line]
        if given:
            record(f"{name}: nothing added, nothing said", said == [], str(said))
        else:
            record(f"{name}: one line says --allow-root is added",
                   said == ["Running as root: starting JupyterLab with --allow-root"], str(said))
        record(f"{name}: stopped, no process of it left", not left, str(left))


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
        t = time.monotonic()
        body, files = archive(template)
        print(f"(an images.zip of {len(body) / 1e6:.1f} MB, {len(files)} photos, made in {time.monotonic() - t:.1f} s)",
              flush=True)
        download_checks(tmp, template, body, files)
        refusal_checks(tmp, template, body)
        skip_checks(tmp, template)
        root_checks(tmp, template)


if __name__ == "__main__":
    main()
    passed, failed = results.count(True), results.count(False)
    if skipped:
        print(f"start: skipped, not counted: {', '.join(skipped)}")
    print(f"start: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)
