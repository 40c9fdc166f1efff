#!/usr/bin/env bash
# Command 1: set up what is missing, then open the chapter in JupyterLab.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/setup.sh"
cd "$ROOT/notebooks"
exec jupyter lab "$@"
