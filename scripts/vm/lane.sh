#!/usr/bin/env bash
# The VM lane (make vm, and a step of make test): build or reuse the cached image, then one booted guest for all
# of tests/vm. Figures of the run (image, boot to SSH, session) land in build/vm-figures.json.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build
start=$SECONDS
python scripts/vm/build_image.py >/dev/null || exit 1
echo "vm: image ready in $((SECONDS - start)) s ($(python scripts/vm/build_image.py --print-dir))"
rm -f build/vm-task-times.jsonl
IOFABRIC_VM_FIGURES="$PWD/build/vm-figures.json" IOFABRIC_VM_TASK_TIMES="$PWD/build/vm-task-times.jsonl" \
    python -m pytest tests/vm -q --durations=0 "$@"
rc=$?
echo "vm: lane took $((SECONDS - start)) s; figures: $(tr -d '\n ' < build/vm-figures.json 2>/dev/null)"
exit "$rc"
