#!/usr/bin/env bash
# The data step of scripts/start.sh: the real snacks photos in data/snacks/, downloaded from the
# Hugging Face hub (Matthijs/snacks, about 110 MB: progress bar, resumable, verified) when the hub
# answers; otherwise the synthetic stand-in in data/synth/, with one line that says why (no route,
# no answer within 5 s, an HTTP status, a stalled transfer). It never fails for want of a network.
#   SNACKML_DATA=DIR       the notebooks read DIR: nothing is downloaded
#   SNACKML_NO_DOWNLOAD=1  (or --no-download) the stand-in, without trying the hub
#   SNACKML_HUB_URL=URL    the folder URL holding images.zip, instead of the hub's
#   --data DIR             the data folder instead of the repository's data/
# It runs `snackml get-snacks` in the build that scripts/setup.sh makes (test profile, all features),
# so nothing is compiled twice.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec cargo run --quiet --profile test --all-features --manifest-path "$ROOT/Cargo.toml" -p snackml --bin snackml -- get-snacks "$@"
