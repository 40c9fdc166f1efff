#!/usr/bin/env bash
# The reader's experience, end to end: the chapter notebooks run in a real JupyterLab (from .venv, with
# the evcxr Rust kernel) driven through its UI by headless Chromium (Debian's /usr/bin/chromium, through
# playwright-core from e2e/). See e2e/notebooks.e2e.mjs for what is asserted, environment.md for setup.
#
# usage: scripts/e2e.sh [NOTEBOOK-NAME-PREFIX ...]      e.g. scripts/e2e.sh 04
# Screenshots go to artifacts/screenshots/. Ends with `e2e: N passed, M failed`; exits non-zero on failure.
# Skips (exit 0, with a message) when Chromium is missing and cannot be installed, or Node.js is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/setup.sh"
cd "$ROOT"

CHROMIUM=/usr/bin/chromium
skip() { say "e2e skipped: $*"; echo "e2e: skipped ($*)"; exit 0; }

# 1. Debian's Chromium (a test tool's own browser download cannot be fetched on these machines).
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing Debian's chromium (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
      skip "could not install Debian's chromium with apt-get"
  else
    skip "$CHROMIUM is missing and cannot be installed here (needs root and apt-get: apt-get install chromium)"
  fi
fi
command -v node >/dev/null && command -v npm >/dev/null || skip "Node.js and npm are needed (apt-get install nodejs npm)"

# 2. playwright-core, exactly as locked (npm ci), reinstalled only when the lock file changes.
E2E="$ROOT/e2e"
LOCK_SUM="$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$E2E/node_modules/.lock.sha256" 2>/dev/null)" != "$LOCK_SUM" ]; then
  say "Installing the e2e test's npm packages (npm ci in e2e/)"
  (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$LOCK_SUM" > "$E2E/node_modules/.lock.sha256"
fi

# The notebooks read the real snacks photos when they are beside the repository (as the headless run
# does), unless SNACKML_DATA already names a dataset; JupyterLab passes the variable to every kernel.
if [ -z "${SNACKML_DATA:-}" ] && [ -d "$ROOT/../shared/datasets/snacks" ]; then
  export SNACKML_DATA="$(cd "$ROOT/../shared/datasets/snacks" && pwd)"
  say "The notebooks read the real snacks photos (../shared/datasets/snacks)"
fi

# 3. JupyterLab from .venv on a free loopback port with a random token, its own settings and runtime
#    folders: announcements and update checks off, autosave off, and any save refused and logged (the
#    test edits a cell: the notebooks on disk are never written).
WORK="$(mktemp -d "${TMPDIR:-/tmp}/snackml-e2e.XXXXXX")"
PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TOKEN="$(python -c 'import secrets; print(secrets.token_hex(24))')"
SERVER_PID=""
NODE_PID=""
# Stops everything this script started: the test (and with it the browser), JupyterLab (SIGTERM first,
# so it shuts its kernels down), then whatever is left of the kernels (each is a session of its own,
# found by the connection file in our private runtime folder: evcxr and the rustc it runs are in its
# group), then the server's process group.
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$NODE_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  for pid in $(pgrep -f -- "$WORK/runtime/kernel-" || true); do kill -KILL -- "-$pid" "$pid" 2>/dev/null || true; done
  if [ -n "$SERVER_PID" ]; then kill -KILL -- "-$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK/settings/@jupyterlab/apputils-extension" "$WORK/settings/@jupyterlab/docmanager-extension" \
  "$WORK/settings/@jupyterlab/notebook-extension" "$WORK/workspaces" "$WORK/runtime"
echo '{ "fetchNews": "false", "checkForUpdates": false }' \
  > "$WORK/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
echo '{ "autosave": false }' > "$WORK/settings/@jupyterlab/docmanager-extension/plugin.jupyterlab-settings"
#  every cell in the page (no windowing), so every output can be looked at
echo '{ "windowingMode": "none" }' > "$WORK/settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
cat > "$WORK/jupyter_lab_config.py" <<'EOF'
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"


def refuse_to_save(model, path, contents_manager, **kwargs):
    """The test edits a cell in the browser: the notebooks on disk must never be written by it."""
    from tornado.web import HTTPError

    contents_manager.log.warning("e2e: refused to save %s", path)
    raise HTTPError(403, "the e2e test never saves notebooks")


c.FileContentsManager.pre_save_hook = refuse_to_save
EOF

mkdir -p "$ROOT/artifacts"
say "Starting JupyterLab on 127.0.0.1:$PORT (log: artifacts/e2e-jupyter.log)"
JUPYTER_RUNTIME_DIR="$WORK/runtime" setsid "$ROOT/.venv/bin/jupyter" lab --no-browser \
  --config="$WORK/jupyter_lab_config.py" \
  --IdentityProvider.token="$TOKEN" --ServerApp.ip=127.0.0.1 --port="$PORT" --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$ROOT/notebooks" \
  --LabApp.user_settings_dir="$WORK/settings" --LabApp.workspaces_dir="$WORK/workspaces" \
  $( [ "$(id -u)" = 0 ] && echo --allow-root ) > "$ROOT/artifacts/e2e-jupyter.log" 2>&1 < /dev/null &
SERVER_PID=$!
for _ in $(seq 1 50); do [ "$(ps -o pgid= -p "$SERVER_PID" | tr -d ' ')" = "$SERVER_PID" ] && break; sleep 0.1; done

up() { python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
  "http://127.0.0.1:$PORT/api/status?token=$TOKEN" 2>/dev/null; }
for _ in $(seq 1 120); do up && break; kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
if ! up; then
  tail -20 "$ROOT/artifacts/e2e-jupyter.log"
  echo "JupyterLab did not start (see artifacts/e2e-jupyter.log)"
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi

# 4. The test itself, in the background so that a signal to this script is handled at once (the trap
#    stops it: playwright-core closes the browser on SIGTERM), with the browser profile in $WORK.
say "Running the notebooks in JupyterLab in headless Chromium"
JUPYTER_URL="http://127.0.0.1:$PORT" JUPYTER_TOKEN="$TOKEN" CHROMIUM="$CHROMIUM" E2E_TMP="$WORK" \
  SCREENSHOTS="$ROOT/artifacts/screenshots" NOTEBOOKS_DIR="$ROOT/notebooks" JUPYTER_LOG="$ROOT/artifacts/e2e-jupyter.log" \
  node "$E2E/notebooks.e2e.mjs" "$@" < /dev/null &
NODE_PID=$!
status=0
wait "$NODE_PID" || status=$?
NODE_PID=""
exit "$status"
