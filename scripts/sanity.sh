#!/usr/bin/env bash
# ansible-test sanity on a copy of the checkout laid out as ansible_collections/iofabric/core
# (ansible-test needs that path). --venv: each test gets ansible-test's own pinned tools,
# installed from PyPI through the stand-in pip bootstrap (see DEVELOPERS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/sanity/ansible_collections/iofabric/core
mkdir -p "$dest"
rsync -a --delete --exclude .venv --exclude build --exclude tests/output --exclude .git \
    --exclude '__pycache__' --exclude .pytest_cache --exclude .hypothesis ./ "$dest/"
cd "$dest"
git init -q . 2>/dev/null || true
git add -A >/dev/null 2>&1 || true
exec ../../../../../.venv/bin/ansible-test sanity --venv --python 3.11 --color no "$@"
