#!/usr/bin/env bash
# Command 1: set up what is missing, get the snacks photos (scripts/get_snacks.sh: downloaded when the
# Hugging Face hub answers, else the synthetic stand-in, saying why), then open the chapter in JupyterLab.
#   --no-download   use the stand-in without trying the hub (as SNACKML_NO_DOWNLOAD=1 does)
#   --data-only     only the data step: no Python environment, no kernel, no JupyterLab
# Every other argument goes to `jupyter lab` (with --data-only, to scripts/get_snacks.sh).
# As root, JupyterLab refuses to start without --allow-root: it is added (and said so) unless given.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_only=0
data_args=()
rest=()
allow_root=0
for arg in "$@"; do
  case "$arg" in
    --no-download) data_args+=(--no-download) ;;
    --data-only) data_only=1 ;;
    --allow-root | --ServerApp.allow_root=* | --NotebookApp.allow_root=*)
      allow_root=1; rest+=("$arg") ;;
    *) rest+=("$arg") ;;
  esac
done
if [ "$data_only" = 1 ]; then
  exec bash "$ROOT/scripts/get_snacks.sh" ${data_args[@]+"${data_args[@]}"} ${rest[@]+"${rest[@]}"}
fi
. "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/get_snacks.sh" ${data_args[@]+"${data_args[@]}"}
cd "$ROOT/notebooks"
if [ "$(id -u)" = 0 ] && [ "$allow_root" = 0 ]; then
  echo "Running as root: starting JupyterLab with --allow-root"
  rest+=(--allow-root)
fi
exec jupyter lab ${rest[@]+"${rest[@]}"}
