#!/usr/bin/env bash
# Every molecule scenario under extensions/molecule, on localhost against fabricsim.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$PWD/.venv/collections"
export ANSIBLE_FORCE_COLOR=0 NO_COLOR=1 PY_COLORS=0
mkdir -p build
failed=0
for scenario in extensions/molecule/*/molecule.yml; do
    name=$(basename "$(dirname "$scenario")")
    echo "--- molecule scenario $name"
    if ! molecule test -s "$name" > "build/molecule-$name.log" 2>&1; then
        echo "molecule scenario $name FAILED; last lines of build/molecule-$name.log:"
        tail -40 "build/molecule-$name.log"
        failed=1
    fi
done
exit $failed
