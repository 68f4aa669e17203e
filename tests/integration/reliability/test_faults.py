"""Faults, injected on purpose with fabricsim, per kind: errno on sysfs writes, tools that hang, fail or
print garbage, lldpad's socket hung, failing or answering garbage, lldpad down, libvirt and xenstore unreachable, completions that never arrive, a port or
DCB going down in the middle of an apply, a name the kernel already has.

For every case: the failure (or the wait) is reported against the object it hit, with the cause;
the other objects proceed; the store still declares every object; and once the fault clears, the
reconciler (or, for a removal, the next run of the same task) converges, and a check pass is in sync.

The engine is driven in process, exactly as the modules call it (the bad-input suite covers the
Ansible layer), so that each case costs a couple of seconds.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from dataclasses import dataclass, field

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import ERROR, PENDING, run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.sdi_device import run_sdi
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic
from tests.lib.ansible_run import REPO

RESULTS = os.path.join(REPO, 'build', 'reliability')
RUN = {'vnic_interface': run_vnic, 'fcoe_interface': run_fcoe, 'sdi_device': run_sdi, 'eoib_gc': run_eoib}
KIND_OF = {'vnic_interface': ('qlgc', 'macvlan'), 'fcoe_interface': ('fcoe',), 'sdi_device': ('sdi',),
           'eoib_gc': ('eoib',)}
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'
QLGC = '/sys/class/infiniband_qlgc_vnic'
VNICS = [{'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'hca': 'mlx4_0', 'port': 1}},
         {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': S2, 'hca': 'mlx4_0', 'port': 2}},
         {'type': 'macvlan', 'name': 'vnic5', 'lower': 'eth1'}]
FCOE = [{'interface': 'eth1'}, {'interface': 'eth2'}]
LUNS = [{'address': '1:0:3:1', 'readd': True}, {'address': '1:0:4:0', 'readd': True}]
# The kernel resolves sysfs symlinks (/sys/class/scsi_host/host1 -> ../../devices/...) before the
# filesystem sees the path, so path faults name the real directories.
HOST1_SCAN = '/sys/devices/*/host1/scsi_host/host1/scan'
LUN_DELETE = '/sys/devices/*/1:0:3:1/delete'
GC = {'parents': ['eth4', 'eth6'], 'grace': {'seconds': 0, 'observations': 1}, 'confirm_timeout': 1.0}


@dataclass
class Case:
    id: str
    module: str
    params: dict
    fault: dict | None = None
    setup: list = field(default_factory=list)      # ('event', kind, args) | ('apply', module, params) | ...
    failed: tuple = ()                               # objects that must be failures
    pending: tuple = ()                              # objects that must be pending
    proceeds: tuple = ()                             # objects that must be changed or in sync
    cause: str = ''                                  # what the failure or pending reason must say
    after: list = field(default_factory=list)        # what clears the fault besides clearing it
    rerun: bool = False                              # recovery by the next run (removals), not a pass
    recovers: bool = True                            # False: the fault is lost for good, only reported
    settled: tuple = ()                              # pending on the hardware once the fault is gone, until `after`


def write_fault(target, err, count=None):
    return {'kind': 'path', 'op': 'write', 'target': target, 'errno': err, 'count': count}


def tool_fault(tool, mode, value=0.0):
    return {'kind': 'tool', 'target': tool, 'mode': mode, 'value': value}


def async_fault(name, count=1):
    return {'kind': 'async', 'target': name, 'mode': 'never', 'value': 0, 'count': count}


ERRNOS = ('EINVAL', 'EBUSY', 'EIO', 'ENODEV')
CASES = []
for err in ERRNOS:
    CASES.append(Case('qlgc-create-%s' % err, 'vnic_interface', {'config': VNICS},
                      write_fault(QLGC + '/vnic-mlx4_0-1/create_primary', err),
                      failed=('veth1',), proceeds=('veth3', 'vnic5'), cause='(%s)' % err))
for mode, value, cause in (('timeout', 5.0, 'no answer within'), ('rc', 1, 'exit status 1'),
                           ('garbage', 0, 'unexpected line')):
    CASES.append(Case('qlgc-query-%s' % mode, 'vnic_interface', {'config': VNICS},
                      tool_fault('ib_qlgc_vnic_query', mode, value),
                      pending=('veth1', 'veth3'), proceeds=('vnic5',), cause=cause))
CASES += [
    Case('qlgc-connect-never', 'vnic_interface', {'config': VNICS, 'connect_timeout': 1.0}, async_fault('qlgc-connect'),
         pending=('veth1',), proceeds=('veth3', 'vnic5'), cause='not connected after'),
    Case('qlgc-port-down-mid-apply', 'vnic_interface', {'config': VNICS, 'connect_timeout': 1.0},
         {'kind': 'trigger', 'target': QLGC + '/vnic-mlx4_0-1/create_primary', 'mode': 'port-down',
          'args': {'port': 'mlx4_0:1'}, 'count': 1},
         pending=('veth1',), proceeds=('veth3', 'vnic5'), cause='not connected after',
         after=[('port-up', {'port': 'mlx4_0:1'})]),
    Case('qlgc-delete-EBUSY', 'vnic_interface',
         {'config': [{'type': 'qlgc', 'name': 'veth1'}, {'type': 'qlgc', 'name': 'veth3'}], 'state': 'deleted'},
         write_fault(QLGC + '/interfaces/delete_vnic', 'EBUSY', count=1),
         setup=[('apply', 'vnic_interface', {'config': VNICS})], failed=('veth1',), proceeds=('veth3',),
         cause='(EBUSY)', rerun=True),
    Case('macvlan-name-taken-EEXIST', 'vnic_interface',
         {'config': [{'type': 'macvlan', 'name': 'vnic5', 'lower': 'eth1'},
                     {'type': 'macvlan', 'name': 'vnic6', 'lower': 'eth1'}]},
         setup=[('link', 'link-add', {'name': 'vnic5', 'kind': 'veth', 'peer': 'vnic5p'})],
         failed=('vnic5',), proceeds=('vnic6',), cause='File exists', after=[('link-delete', {'name': 'vnic5'})]),
]
for err in ERRNOS:
    CASES.append(Case('fcoe-create-%s' % err, 'fcoe_interface', {'config': FCOE},
                      write_fault('/sys/bus/fcoe/ctlr_create', err, count=1),
                      failed=('eth1',), proceeds=('eth2',), cause='(%s)' % err))
# lldpad's client socket (what the FCoE kind asks, no dcbtool process): hung (no reply), an error status, garbage.
for mode, value, cause in (('timeout', 0, 'DCB query failed: lldpad did not answer'), ('rc', 1, 'lldpad: Failed'),
                           ('garbage', 0, 'DCB query failed: lldpad reply')):
    CASES.append(Case('fcoe-lldpad-%s' % mode, 'fcoe_interface', {'config': FCOE}, tool_fault('lldpad', mode, value),
                      pending=('eth1', 'eth2'), cause=cause))
CASES += [
    Case('fcoe-lldpad-down', 'fcoe_interface', {'config': FCOE}, setup=[('event', 'lldpad-stop', {})],
         pending=('eth1', 'eth2'), cause='DCB', after=[('lldpad-start', {})]),
    Case('fcoe-destroy-slow', 'fcoe_interface', {'config': FCOE, 'destroy_timeout': 1.0},
         {'kind': 'async', 'target': 'fcoe-destroy', 'mode': 'delay', 'value': 3.0, 'count': 1},
         setup=[('apply', 'fcoe_interface', {'config': FCOE}), ('event', 'dcb-set', {'iface': 'eth2', 'dcb': 'off'})],
         pending=('eth2',), proceeds=('eth1',), cause='still there',
         settled=('eth2',), after=[('dcb-set', {'iface': 'eth2', 'dcb': 'on'})]),
    # A destroy whose work never runs is a stuck kernel workqueue: nothing recovers that, but every pass
    # says so (pending since the destroy was written), none fails, and none writes another destroy.
    Case('fcoe-destroy-lost', 'fcoe_interface', {'config': FCOE, 'destroy_timeout': 1.0},
         async_fault('fcoe-destroy', count=None),
         setup=[('apply', 'fcoe_interface', {'config': FCOE}), ('event', 'dcb-set', {'iface': 'eth2', 'dcb': 'off'})],
         pending=('eth2',), proceeds=('eth1',), cause='still there', recovers=False),
    # A destroy already under way that no run recorded (the run that wrote it was killed, or fcoeadm
    # wrote it): the kernel answers a second destroy with ENODEV. That is a wait, not a failure.
    Case('fcoe-destroy-unrecorded', 'fcoe_interface', {'config': FCOE, 'destroy_timeout': 1.0},
         setup=[('apply', 'fcoe_interface', {'config': FCOE}), ('event', 'dcb-set', {'iface': 'eth2', 'dcb': 'off'}),
                ('fault', {'kind': 'async', 'target': 'fcoe-destroy', 'mode': 'delay', 'value': 3.0, 'count': 1}),
                ('write', '/sys/bus/fcoe/ctlr_destroy', 'eth2')],
         pending=('eth2',), proceeds=('eth1',), cause='still there',
         settled=('eth2',), after=[('dcb-set', {'iface': 'eth2', 'dcb': 'on'})]),
    # eth2 is created on the plan's word, though DCB went off meanwhile: the next pass destroys it.
    Case('fcoe-dcb-off-mid-apply', 'fcoe_interface', {'config': FCOE},
         {'kind': 'trigger', 'target': '/sys/bus/fcoe/ctlr_create', 'mode': 'dcb-set',
          'args': {'iface': 'eth2', 'dcb': 'off'}, 'count': 1},
         proceeds=('eth1',), settled=('eth2',), after=[('dcb-set', {'iface': 'eth2', 'dcb': 'on'})]),
]
REMOVED = [('apply', 'sdi_device', {'config': [{'address': '1:0:3:1'}], 'state': 'deleted'})]
for err in ERRNOS:
    CASES.append(Case('sdi-scan-%s' % err, 'sdi_device', {'config': LUNS},
                      write_fault(HOST1_SCAN, err, count=1), setup=list(REMOVED),
                      failed=('1:0:3:1',), proceeds=('1:0:4:0',), cause='(%s)' % err))
CASES += [
    Case('sdi-disk-probe-slow', 'sdi_device', {'config': LUNS, 'attach_timeout': 1.0},
         {'kind': 'async', 'target': 'scsi-attach', 'mode': 'delay', 'value': 3.0, 'count': 1},
         setup=list(REMOVED), pending=('1:0:3:1',), proceeds=('1:0:4:0',), cause='has not probed its disk'),
    Case('sdi-delete-EBUSY', 'sdi_device', {'config': [{'address': '1:0:3:1'}, {'address': '1:0:4:0'}],
                                            'state': 'deleted'},
         write_fault(LUN_DELETE, 'EBUSY'),
         setup=[('apply', 'sdi_device', {'config': LUNS})], failed=('1:0:3:1',), proceeds=('1:0:4:0',),
         cause='(EBUSY)', rerun=True),
]
GONE = [('event', 'guest-stop', {'name': 'vm2'}), ('event', 'guest-stop', {'name': 'xg7'})]
CASES += [
    # Fail closed: with source auto every parent is checked against every source, so one source that
    # cannot be read stops removals on all parents (the others kinds carry on).
    Case('eoib-libvirt-down', 'eoib_gc', GC, setup=GONE + [('event', 'libvirt-down', {})], pending=('eth4', 'eth6'),
         cause='is unreachable', after=[('libvirt-up', {})]),
    Case('eoib-xenstore-down', 'eoib_gc', GC, setup=GONE + [('event', 'xenstore-down', {})],
         pending=('eth4', 'eth6'), cause='xenstore', after=[('xenstore-up', {})]),
    Case('eoib-child-never', 'eoib_gc', GC, async_fault('mlx4-child'), setup=list(GONE), pending=('eth4',),
         cause='not confirmed'),
    Case('eoib-child-EIO', 'eoib_gc', GC, write_fault('/sys/module/mlx4_vnic/vnic1-child', 'EIO'), setup=list(GONE),
         failed=('eth4',), proceeds=('eth6',), cause='(EIO)'),
]


def defaults(module: str) -> dict:
    spec = importlib.import_module('ansible_collections.iofabric.core.plugins.modules.' + module).ARGUMENT_SPEC
    return {name: option.get('default') for name, option in spec.items()}


def apply(sim, module: str, params: dict) -> dict:
    return RUN[module](dict(defaults(module), sysroot=sim.root, netns=sim.netns, **params), False)


def declared(sim, module: str) -> dict:
    found = {}
    for kind in KIND_OF[module]:
        path = sim.path('/var/lib/iofabric/%s.json' % kind)
        if os.path.exists(path):
            found.update(sim.store(kind)['objects'])
    return found


def converge(sim, kinds: tuple, attempts: int = 8) -> list:
    """Reconciler passes until one leaves nothing pending or failed, half a second apart while
    something asynchronous is still pending (bounded); then a check pass."""
    codes = []
    for _attempt in range(attempts):
        codes.append(run_pass(sim.root, sim.netns, kinds=kinds).exit_code)
        if not codes[-1] & (ERROR | PENDING):
            break
        if codes[-1] & PENDING:
            time.sleep(0.5)
    codes.append(run_pass(sim.root, sim.netns, check=True, kinds=kinds).exit_code)
    return codes


@pytest.fixture
def quick_tools(monkeypatch):
    monkeypatch.setenv('IOFABRIC_TOOL_TIMEOUT', '1')


@pytest.mark.parametrize('case', CASES, ids=[case.id for case in CASES])
def test_a_fault_hits_its_object_only_and_the_next_pass_recovers(sim, quick_tools, case):
    for step in case.setup:
        if step[0] == 'apply':
            assert not apply(sim, step[1], step[2]).get('failures')
        elif step[0] == 'fault':
            sim.fault(**step[1])
        elif step[0] == 'write':   # what another writer did behind iofabric's back
            with open(sim.path(step[1]), 'wb', buffering=0) as handle:
                handle.write(step[2].encode('ascii'))
        else:
            sim.event(step[1], **step[2])
    if case.fault:
        sim.fault(**case.fault)
    result = apply(sim, case.module, case.params)
    failures = {item['object']: item['error'] for item in result['failures']}
    pending = {item['object']: item['reason'] for item in result['pending']}
    rows = {row['object']: row['status'] for row in result['objects']}
    assert set(failures) == set(case.failed), result['failures']
    assert set(case.pending) <= set(pending), result['pending']
    for name in case.failed + case.pending:
        assert case.cause in failures.get(name, pending.get(name, '')), (name, failures, pending)
    for name in case.proceeds:
        assert rows.get(name) in ('changed', 'in_sync'), (name, rows)
    # The desired state is intact: every object the task declared is in the store (a removal forgets).
    names = {item.get('name') or item.get('interface') or item.get('address') or item.get('parent')
             for item in case.params.get('config', [{'parent': parent} for parent in case.params.get('parents', [])])}
    if case.params.get('state') != 'deleted':
        assert names <= set(declared(sim, case.module)), declared(sim, case.module)
    sim.clear_faults()
    if case.settled:
        # First the fault's aftermath settles (a destroy completes, DCB is still off): only waits remain.
        codes = converge(sim, KIND_OF[case.module])
        report = run_pass(sim.root, sim.netns, check=True, kinds=KIND_OF[case.module])
        waiting = {item['object'] for result in report.kinds.values() for item in result.get('pending', [])}
        assert codes[-1] == PENDING and waiting == set(case.settled), (codes, waiting)
    for kind, args in case.after:
        sim.event(kind, **args)
    if case.rerun:
        again = apply(sim, case.module, case.params)
        assert again['failures'] == [], again['failures']
        codes = []
    elif not case.recovers:
        writes = sim.write_count()
        codes = converge(sim, KIND_OF[case.module], attempts=2)
        assert all(code & PENDING and not code & ERROR for code in codes), codes
        assert sim.write_count() == writes   # no destroy written again into a destroy in progress
    else:
        codes = converge(sim, KIND_OF[case.module])
        assert codes[-1] == 0, codes
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'fault-%s.json' % case.id), 'w', encoding='utf-8') as handle:
        json.dump({'case': case.id, 'kind': case.module, 'faults_injected': 1 + len(case.after),
                   'reported': sorted(set(failures) | set(pending)), 'recovered': case.recovers,
                   'pass_exit_codes': codes},
                  handle)
