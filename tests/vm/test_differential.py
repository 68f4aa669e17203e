"""fabricsim measured against the real kernel: the same probe (tests/vm/probe.py) in the VM and against fabricsim,
compared observation by observation. A difference fails unless differential_allow.yml lists it with a reason; an
entry that no longer differs fails too, so that the list only ever shrinks with fabricsim's fixes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, 'probe.py')
ALLOW = os.path.join(HERE, 'differential_allow.yml')
# The sim's small scenario: an idle SAN LUN on a hot-pluggable HBA, and three links without FCoE.
SIM_ARGS = ['--scsi', '1:0:3:1', '--fcoe', 'eth1', 'eth2', 'eth3']


def allow_list(steady_only: bool = False) -> dict:
    """{key: reason}. An entry marked `racy: true` differs in some runs only (a race fabricsim cannot close; its
    reason says which): it is never reported as no longer differing. steady_only: the other entries."""
    with open(ALLOW, encoding='utf-8') as handle:
        entries = yaml.safe_load(handle) or []
    allowed = {}
    for entry in entries:
        assert set(entry) in ({'key', 'reason'}, {'key', 'reason', 'racy'}) and entry['reason'].strip(), entry
        assert entry.get('racy', True) is True, entry   # racy: true, or no racy key at all
        if not (steady_only and entry.get('racy')):
            allowed[entry['key']] = entry['reason']
    return allowed


@pytest.fixture(scope='module')
def kernel_observations(vm):
    """The probe in the guest: scsi_debug's first disk and fcoe on the two virtio NICs and the e1000."""
    vm.sh('modprobe -r scsi_debug 2>/dev/null || true\nmodprobe scsi_debug add_host=1 num_tgts=1 max_luns=1 dev_size_mb=16\n'
          'modprobe fcoe\nfor n in ens4 ens5 ens6; do ip link set $n up; done\nudevadm settle\n')
    address = vm.sh('basename /sys/bus/pseudo/drivers/scsi_debug/adapter0/host*/target*/*:*:*:*').stdout.strip()
    with open(PROBE, encoding='utf-8') as handle:
        vm.ssh(['tee', '/run/iofabric-probe.py'], stdin=handle.read())
    out = vm.ssh(['python3', '/run/iofabric-probe.py', '--scsi', address, '--fcoe', 'ens4', 'ens5', 'ens6'], timeout=300)
    vm.sh('modprobe -r scsi_debug || true')
    return json.loads(out.stdout)


@pytest.fixture(scope='module')
def sim_observations(sim_pool):
    sim = sim_pool.get('small')
    proc = subprocess.run([sys.executable, PROBE, '--root', sim.root] + SIM_ARGS, capture_output=True, text=True,
                          timeout=300, check=True)
    sim_pool.get('small')  # reset: the probe deleted and created things
    return json.loads(proc.stdout)


def save(kernel: dict, sim: dict) -> None:
    """Both sides, for whoever fixes fabricsim: build/differential-{kernel,fabricsim}.json."""
    out = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'build')
    os.makedirs(out, exist_ok=True)
    for name, observations in (('kernel', kernel), ('fabricsim', sim)):
        with open(os.path.join(out, 'differential-%s.json' % name), 'w', encoding='utf-8') as handle:
            json.dump(observations, handle, indent=1, sort_keys=True)


def differences(kernel: dict, sim: dict) -> dict:
    missing = object()
    found = {}
    for key in sorted(set(kernel) | set(sim)):
        real, simulated = kernel.get(key, missing), sim.get(key, missing)
        if real != simulated:
            found[key] = ('(not observed)' if real is missing else real, '(not observed)' if simulated is missing else simulated)
    return found


def test_fabricsim_matches_the_kernel_or_the_allow_list_says_why(kernel_observations, sim_observations, record_property):
    allowed = allow_list()
    found = differences(kernel_observations, sim_observations)
    record_property('differences', json.dumps(found, sort_keys=True))
    save(kernel_observations, sim_observations)
    unexplained = {key: pair for key, pair in found.items() if key not in allowed}
    assert not unexplained, 'fabricsim differs from the 6.1 kernel (kernel, fabricsim):\n' + '\n'.join(
        '  %s: %r vs %r' % (key, real, simulated) for key, (real, simulated) in unexplained.items())


def test_the_allow_list_has_no_entry_that_no_longer_differs(kernel_observations, sim_observations):
    found = differences(kernel_observations, sim_observations)
    stale = sorted(key for key in allow_list(steady_only=True) if key not in found)
    assert not stale, 'fabricsim now matches the kernel here: remove these from differential_allow.yml: %s' % stale


def test_the_probe_saw_both_drivers_on_the_kernel(kernel_observations):
    """A probe that saw nothing would compare nothing: the kernel side must have created an FCoE instance."""
    assert kernel_observations['fcoe.create'] == 'ok' and kernel_observations['fcoe.ctlr.has_fc_host'] is True
    assert kernel_observations['scsi.delete'] == 'ok' and kernel_observations['scsi.device.block_entries'] == 1
