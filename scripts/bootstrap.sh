#!/usr/bin/env bash
# Set up everything `make test` and `make demo` need, idempotently:
#   1. Debian packages (apt-get when root, otherwise a message naming them),
#   2. .venv with the pinned Python requirements,
#   3. the stand-in pip bootstrap script ansible-test needs offline,
#   4. a collections path that holds this checkout as iofabric.core.
# A second run only checks stamps and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

missing=()
while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done < scripts/debian-packages.txt
if (( ${#missing[@]} )); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "bootstrap: installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "bootstrap: these Debian packages are missing; install them as root:" >&2
        echo "  apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

python=${PYTHON:-python3}
stamp=.venv/.requirements.sha256
want=$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)
if [[ ! -x .venv/bin/python || ! -f $stamp || "$(cat $stamp)" != "$want" ]]; then
    echo "bootstrap: creating .venv from requirements/"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "bootstrap: Python 3.11 or newer is needed (PYTHON=...)" >&2; exit 1; }
    [[ -x .venv/bin/python ]] || "$python" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check \
        -r requirements/dev.txt -c requirements/constraints.txt 2> >(grep -v '^WARNING: Location' >&2)
    echo "$want" > "$stamp"
fi

# ansible-test fetches a pip bootstrap script from a host this network cannot reach;
# the stand-in seeds pip with ensurepip instead (see DEVELOPERS.md).
pip_version=$(.venv/bin/python - <<'PY'
from ansible_test._internal.python_requirements import get_venv_packages
class P: version = '3.11'
print(get_venv_packages(P())['pip'])
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if ! cmp -s scripts/get_pip_standin.py "$cache"; then
    mkdir -p "$(dirname "$cache")"
    cp scripts/get_pip_standin.py "$cache"
fi

# fabricsim and the test helpers import from the checkout; `fabricsim` is on the venv's PATH.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[[ "$(cat "$site/iofabric-dev.pth" 2>/dev/null)" == "$repo" ]] || echo "$repo" > "$site/iofabric-dev.pth"
if [[ ! -x .venv/bin/fabricsim ]]; then
    printf '#!%s\nimport sys\nfrom fabricsim.cli import main\nsys.exit(main())\n' "$repo/.venv/bin/python" > .venv/bin/fabricsim
    chmod +x .venv/bin/fabricsim
fi
# The reconciler from the checkout, as the role's launcher runs it from its install directory.
# Rewritten whenever it differs (the engine's layout changed once: a stale one imported a module that had moved).
launcher=$(printf '#!%s\nimport sys\nsys.path.insert(0, %s)\nfrom ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.cli import main\nsys.exit(main())\n' \
    "$repo/.venv/bin/python" "'$repo/.venv/collections'")
if [[ "$(cat .venv/bin/iofabric-reconcile 2>/dev/null)" != "$launcher" ]]; then
    printf '%s\n' "$launcher" > .venv/bin/iofabric-reconcile
    chmod +x .venv/bin/iofabric-reconcile
fi

link=.venv/collections/ansible_collections/iofabric/core
if [[ "$(readlink "$link" 2>/dev/null)" != "$repo" ]]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$repo" "$link"
fi
