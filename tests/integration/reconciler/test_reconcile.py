"""iofabric-reconcile against fabricsim: declarations recorded by the modules, then the
fabric changes between runs, and passes (the engine's run_pass and the real command) finish
the work. The exit status bits are asserted for every situation."""

import json
import os
import subprocess

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import BUSY, CHANGED, DRIFT, ERROR, PENDING, run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.sdi_device import run_sdi
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RECONCILE = os.path.join(REPO, '.venv', 'bin', 'iofabric-reconcile')
IOC1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'


def declare_vnics(sim, extra=()):
    config = [{'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': IOC1, 'port': 1}},
              {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'port': 1}}] + list(extra)
    return run_vnic({'state': 'merged', 'config': config, 'sysroot': sim.root, 'netns': sim.netns}, False)


def reconcile(sim, *args):
    return subprocess.run([RECONCILE, '--sysroot', sim.root, '--netns', sim.netns] + list(args), capture_output=True,
                          text=True, check=False)


def path_state(sim, name):
    base = '/sys/class/infiniband_qlgc_vnic/interfaces/%s/primary_path/' % name
    return sim.read(base + 'viport_state').strip(), sim.read(base + 'ioc_guid').strip()


def lines(report, kind):
    return [text for _priority, text in report.lines() if text.startswith(kind + ' ')]


def test_a_late_ioc_and_a_hot_swap_are_repaired(sim):
    declare_vnics(sim)
    waiting = run_pass(sim.root, sim.netns)
    assert waiting.exit_code == PENDING
    assert lines(waiting, 'qlgc') == ['qlgc veth2 pending: primary path: IOC "%s" is not visible on mlx4_0:1 yet' % LATE]
    sim.event('ioc-add', ioc='late')
    sim.event('hot-swap', ioc='ioc1')
    sim.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    repaired = run_pass(sim.root, sim.netns)
    assert repaired.exit_code == CHANGED
    assert [a['object'] for a in repaired.kinds['qlgc']['actions']] == ['veth1', 'veth2']
    assert path_state(sim, 'veth1') == ('VIPORT_CONNECTED', '66a01df000070')
    assert path_state(sim, 'veth2')[0] == 'VIPORT_CONNECTED'
    assert run_pass(sim.root, sim.netns).exit_code == 0


def test_check_mode_reports_the_drift_as_json_and_changes_nothing(sim):
    declare_vnics(sim)
    sim.event('ioc-add', ioc='late')
    writes = sim.write_count()
    proc = reconcile(sim, '--check', '--json')
    report = json.loads(proc.stdout)
    assert proc.returncode == DRIFT == report['exit_code'] and report['exit'] == 'drift'
    assert [(a['object'], a['status']) for a in report['kinds']['qlgc']['actions']] == [('veth2', 'planned')]
    assert 'qlgc veth2 update-primary planned' in proc.stderr and sim.write_count() == writes


def test_every_kind_in_one_pass_with_the_sdi_policy(sim):
    declare_vnics(sim, [{'type': 'macvlan', 'lower': 'eth1', 'name': 'vnic7'}])
    run_fcoe({'state': 'merged', 'config': [{'interface': 'eth2'}], 'sysroot': sim.root, 'netns': sim.netns,
              'dcb_timeout': 0.5}, False)
    run_sdi({'state': 'merged', 'config': [{'address': '1:0:3:0'}, {'address': '1:0:3:1', 'readd': True}],
             'sysroot': sim.root}, False)
    run_eoib({'sysroot': sim.root, 'netns': sim.netns, 'grace': {'seconds': 0, 'observations': 1}}, False)
    sim.event('link-delete', name='vnic7')
    sim.event('dcb-set', iface='eth2', dcb='off')
    sim.event('guest-stop', name='vm3')
    for address in ('1:0:3:0', '1:0:3:1'):
        with open(sim.path('/sys/class/scsi_device/%s/device/delete' % address), 'w', encoding='ascii') as handle:
            handle.write('1')
    report = run_pass(sim.root, sim.netns)
    assert report.exit_code == CHANGED | PENDING
    done = {(kind, a['object'], a['action']) for kind, r in report.kinds.items() for a in r['actions']}
    assert done == {('macvlan', 'vnic7', 'create'), ('fcoe', 'eth2', 'destroy'), ('sdi', '1:0:3:1', 'add'),
                    ('eoib', 'eth4', 'remove_child')}
    assert lines(report, 'sdi') == ['sdi 1:0:3:1 add done: declared present, not attached',
                                    'sdi 1:0:3:0 pending: declared present, missing; readd is false, so it is '
                                    'reported and not scanned for']
    assert os.path.exists(sim.path('/sys/class/scsi_device/1:0:3:1'))
    assert not os.path.exists(sim.path('/sys/class/scsi_device/1:0:3:0'))


def test_fcoe_retries_are_counted_across_passes_then_the_instance_is_destroyed(sim):
    run_fcoe({'state': 'merged', 'config': [{'interface': 'eth1'}], 'sysroot': sim.root, 'netns': sim.netns,
              'dcb_timeout': 0.5}, False)
    sim.event('dcb-set', iface='eth1', **{'app.oper': 'false'})  # unmet, but not by itself a destroy condition
    destroyed = []
    for _pass in range(10):
        report = run_pass(sim.root, sim.netns, kinds=('fcoe',))
        destroyed += [a for a in report.kinds['fcoe']['actions'] if a['action'] == 'destroy']
        if destroyed:
            break
        assert report.exit_code == PENDING
    assert destroyed[0]['reason'] == 'App:FCoE is not operational on eth1, still after 10 retries'
    assert os.listdir(sim.path('/sys/class/fc_host')) == []


def test_lock_contention_is_reported_not_fatal(sim):
    declare_vnics(sim)
    lock = HostLock(sim.path('/var/lib/iofabric'), 'a playbook run', 5)
    lock.acquire(True)
    try:
        proc = reconcile(sim, '--lock-timeout', '0.2')
    finally:
        lock.release()
    assert proc.returncode == BUSY
    assert proc.stdout.startswith('busy: ') and 'a playbook run' in proc.stdout and 'pass skipped' in proc.stdout
    assert reconcile(sim).returncode == PENDING


def test_a_broken_declaration_is_reported_and_the_others_still_run(sim):
    declare_vnics(sim)
    store = sim.path('/var/lib/iofabric/qlgc.json')
    with open(store, encoding='utf-8') as handle:
        document = json.load(handle)
    document['objects']['veth1']['spec']['name'] = 'veth1,ioc_guid=0'  # not a name the kind accepts
    with open(store, 'w', encoding='utf-8') as handle:
        json.dump(document, handle)
    run_sdi({'state': 'merged', 'config': [{'address': '1:0:4:0', 'readd': True}], 'sysroot': sim.root}, False)
    with open(sim.path('/sys/class/scsi_device/1:0:4:0/device/delete'), 'w', encoding='ascii') as handle:
        handle.write('1')
    writes = sim.write_count()
    report = run_pass(sim.root, sim.netns)
    assert report.exit_code & ERROR and report.exit_code & CHANGED
    # Per-object isolation: veth1's recorded declaration is refused, veth2 is still handled (pending its IOC).
    failures = report.kinds['qlgc']['failures']
    assert [f['object'] for f in failures] == ['veth1'] and 'store veth1' in failures[0]['error']
    assert {row['object']: row['status'] for row in report.kinds['qlgc']['objects']} == {'veth1': 'failed',
                                                                                         'veth2': 'pending'}
    assert [a['object'] for a in report.kinds['sdi']['actions']] == ['1:0:4:0']
    assert not any('ioc_guid=0' in w['data'] for w in sim.writes(writes))


@pytest.mark.parametrize('bad, message', [(['--kinds', 'qlgc,vlan'], 'unknown kind vlan'),
                                          (['--sysroot', 'relative'], 'sysroot must be an absolute path')])
def test_bad_arguments(sim, bad, message):
    proc = subprocess.run([RECONCILE] + bad, capture_output=True, text=True, check=False)
    assert proc.returncode in (2, ERROR) and message in proc.stdout + proc.stderr


def test_log_lines_name_an_unnamed_macvlan_by_its_label_not_its_internal_id(sim):
    declare_vnics(sim, [{'type': 'macvlan', 'lower': 'eth99'}])
    report = run_pass(sim.root, sim.netns)
    texts = [text for _priority, text in report.lines()]
    assert any('unnamed macvlan #1 on eth99' in text for text in texts), texts
    assert not any('auto:' in text for text in texts), texts
