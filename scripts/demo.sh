#!/usr/bin/env bash
# make demo: the largest end-to-end path that exists so far, on the embedded simulated fabric.
# (The reconciler and the full story arrive with their issues; until then the repair of a
# late IOC and of a hot swap is shown with a second playbook run.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$PWD/.venv/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
root="$PWD/build/demo/host1"
mkdir -p "$root"
if [[ $(id -u) -ne 0 ]]; then
    echo "make demo needs root: it mounts the simulated /sys over FUSE and creates a network namespace." >&2
    exit 1
fi
cleanup() { fabricsim down "$root" >/dev/null; }
trap cleanup EXIT
playbook() { ansible-playbook -i playbooks/demo/inventory.yml playbooks/demo/vnic_report.yml "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting the simulated fabric (scenario demo): 2 HCAs, EVIC IOCs, real links in a netns"
fabricsim up "$root" --scenario demo

say "1. Drift report before anything is applied (check mode changes nothing)"
playbook --check

say "2. Apply: VNICs are created; veth2's IOC is not visible yet, so it waits (pending)"
playbook

say "3. The late IOC appears and the EVIC behind veth1 is hot-swapped (new GUID and DGID, same IOC string)"
fabricsim event "$root" ioc-add ioc=late
fabricsim event "$root" hot-swap ioc=ioc1

say "4. Converge again: veth2 connects, veth1's primary path follows its IOC string"
playbook

say "5. Drift report again: clean (changed=0)"
playbook --check

say "Done; the fabric is unmounted on exit"
