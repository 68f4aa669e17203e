#!/usr/bin/env bash
# make demo: the collection end to end on the embedded simulated fabric (see scripts/demo.py).
#   scripts/demo.sh [--fleet N]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$PWD/.venv/collections"
exec .venv/bin/python scripts/demo.py "$@"
