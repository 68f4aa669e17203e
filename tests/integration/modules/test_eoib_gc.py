"""eoib_gc against fabricsim: the mlx4_vnic driver, libvirt's real test driver, xenstore
stand-ins, real bridges, veth guest ports and macvtaps in the simulator's namespace.

The small scenario: eth4 in br0 with vm1..vm3 (libvirt), eth5 with vm4's macvtap, eth6 in
xenbr0 with Xen domain 7; every running guest's MAC is a child of its parent.
"""

import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib

VM = {name: '52:54:00:a1:00:0%d' % number for number, name in enumerate(('vm1', 'vm2', 'vm3', 'vm4'), 1)}
XEN_MAC = '00:16:3e:00:00:07'
QUICK = {'seconds': 0, 'observations': 2}


def gc(sim, check=False, **params):
    params.setdefault('grace', QUICK)
    params.setdefault('confirm_timeout', 3)
    return run_eoib(dict(params, sysroot=sim.root, netns=sim.netns, lock_timeout=5), check)


def children(sim, parent='eth4'):
    return sorted(sim.state()['drivers']['mlx4_vnic'][parent]['children'])


def child_writes(sim, since=0):
    return [(w['path'].rsplit('/', 1)[1], w['data']) for w in sim.writes(since) if w['path'].endswith('-child')]


@pytest.mark.parametrize('source', [['auto'], ['libvirt'], ['bridge']])
def test_one_of_three_guests_on_a_bridge_stops_only_its_mac_goes_after_the_grace(sim, source):
    sim.event('guest-stop', name='vm2')
    first = gc(sim, parents=['eth4'], source=source)
    assert first['changed'] is False and first['actions'] == []
    assert [(s['mac'], s['would_remove']) for s in first['stale']] == [(VM['vm2'], False)]
    assert first['pending'][0]['waiting_for'] == 'grace'
    assert children(sim) == [VM['vm1'], VM['vm2'], VM['vm3']]
    second = gc(sim, parents=['eth4'], source=source)
    assert second['changed'] is True
    assert [(r['parent'], r['mac']) for r in second['removed']] == [('eth4', VM['vm2'])]
    assert children(sim) == [VM['vm1'], VM['vm3']]
    assert child_writes(sim) == [('vnic1-child', '-' + VM['vm2'])]
    kept = {k['mac']: k for k in second['kept']}
    assert kept[VM['vm1']]['reason'] == 'attached'
    assert ('bridge br0 learned' if source == ['bridge'] else 'libvirt domain vm1') in kept[VM['vm1']]['evidence'][0]
    third = gc(sim, parents=['eth4'], source=source)
    assert third['changed'] is False and third['actions'] == [] and third['pending'] == []


@pytest.mark.parametrize('source', [['auto'], ['libvirt'], ['bridge']])
def test_live_guests_on_one_bridge_are_never_collected(sim, source):
    """mlx4_vnicd 1.2.2310 returned after the first guest on a bridge and destroyed the others'."""
    for _attempt in range(3):
        result = gc(sim, parents=['eth4'], source=source, grace={'seconds': 0, 'observations': 1})
        assert result['actions'] == [] and 'stale' not in result
    assert children(sim) == [VM['vm1'], VM['vm2'], VM['vm3']] and child_writes(sim) == []


@pytest.mark.parametrize('outage, restore', [('libvirt-down', 'libvirt-up'), ('xenstore-down', 'xenstore-up')])
def test_an_unreadable_guest_source_removes_nothing(sim, outage, restore):
    sim.event(outage)
    sim.event('guest-stop', name='vm2')
    sim.event('guest-stop', name='xg7')
    for _attempt in range(3):
        result = gc(sim, grace={'seconds': 0, 'observations': 1})
        assert result['actions'] == [] and result['changed'] is False
        assert {p['object'] for p in result['pending'] if p['waiting_for'] == 'guest source'} == {'eth4', 'eth5', 'eth6'}
        assert any(k['mac'] == VM['vm2'] and k['reason'].startswith('guest source unreadable') for k in result['kept'])
    assert child_writes(sim) == []
    sim.event(restore)
    result = gc(sim, grace={'seconds': 0, 'observations': 1})
    assert sorted(r['mac'] for r in result['removed']) == sorted([VM['vm2'], XEN_MAC])


def test_a_migration_inside_the_grace_removes_nothing(sim):
    grace = {'seconds': 0, 'observations': 3}
    sim.event('guest-migrate', name='vm1', direction='out')
    assert [s['grace'] for s in gc(sim, grace=grace)['stale']] == ['stale for 1 of 3 observation(s) and 0 of 0 s']
    assert [s['grace'] for s in gc(sim, grace=grace)['stale']] == ['stale for 2 of 3 observation(s) and 0 of 0 s']
    sim.event('guest-migrate', name='vm1', direction='in')
    assert gc(sim, grace=grace)['actions'] == []
    assert 'stale' not in sim.store('eoib')['observations'].get('eth4', {})
    sim.event('guest-migrate', name='vm1', direction='out')  # counting starts again
    assert [s['grace'] for s in gc(sim, grace=grace)['stale']] == ['stale for 1 of 3 observation(s) and 0 of 0 s']
    assert VM['vm1'] in children(sim) and child_writes(sim) == []


def test_a_removal_never_confirmed_is_reported_and_retried(sim):
    sim.fault(kind='async', target='mlx4-child', mode='never')
    sim.event('guest-stop', name='vm3')
    grace = {'seconds': 0, 'observations': 1}
    first = gc(sim, grace=grace, confirm_timeout=0.5)
    assert first['removed'] == [] and [(u['mac'], u['attempts']) for u in first['unconfirmed']] == [(VM['vm3'], 1)]
    assert first['pending'][-1]['waiting_for'] == 'mlx4_vnic'
    second = gc(sim, grace=grace, confirm_timeout=0.5)
    assert [(u['mac'], u['attempts']) for u in second['unconfirmed']] == [(VM['vm3'], 2)]
    assert child_writes(sim) == [('vnic1-child', '-' + VM['vm3'])] * 2
    sim.clear_faults()
    third = gc(sim, grace=grace)
    assert [r['mac'] for r in third['removed']] == [VM['vm3']] and third['unconfirmed'] == []
    assert 'unconfirmed' not in sim.store('eoib')['observations'].get('eth4', {})


def test_macvtap_guests(sim):
    kept = gc(sim, parents=['eth5'], source=['macvtap'])['kept']
    assert kept[0]['evidence'] == ['macvtap macvtap0 on eth5 has this MAC']
    sim.event('guest-stop', name='vm4')
    gc(sim, parents=['eth5'], source=['macvtap'])
    result = gc(sim, parents=['eth5'], source=['macvtap'])
    assert [r['mac'] for r in result['removed']] == [VM['vm4']] and children(sim, 'eth5') == []


def test_xen_guests_through_xenstore(sim):
    kept = gc(sim, parents=['eth6'], source=['xenstore'])['kept']
    assert kept[0]['evidence'] == ['xenstore /local/domain/0/backend/vif/7/0/mac: vif vif7.0 in bridge xenbr0']
    sim.event('guest-stop', name='xg7')
    gc(sim, parents=['eth6'], source=['xenstore'])
    assert [r['mac'] for r in gc(sim, parents=['eth6'], source=['xenstore'])['removed']] == [XEN_MAC]


def test_the_bridge_table_alone_only_when_named(sim):
    os.unlink(sim.path('/etc/libvirt/libvirt.conf'))  # no libvirt: auto cannot name the KVM guests
    auto = gc(sim, parents=['eth4'])
    assert auto['pending'][0]['reason'] == (
        'nothing removed under eth4: port vnet0 of br0 (a veth whose far end vnet0g is in no bridge) is accounted for '
        'by no guest source in use (xenstore, bridge, macvtap): a port must be named by libvirt or xenstore, or set '
        'source to bridge to trust the bridge forwarding table')
    assert auto['actions'] == [] and child_writes(sim) == []
    named = gc(sim, parents=['eth4'], source=['bridge'])
    assert named['kept'][0]['evidence'] == ['bridge br0 learned %s on port vnet0' % VM['vm1']]


def test_a_running_vendor_collector_blocks_removal(sim):
    sim.event('guest-stop', name='vm2')
    sim.event('process-start', name='mlx4_vnicd', argv='/usr/bin/python /sbin/mlx4_vnicd interval=5')
    grace = {'seconds': 0, 'observations': 1}
    blocked = gc(sim, grace=grace)
    assert blocked['failures'][0]['object'] == 'mlx4_vnicd' and 'is running with its garbage collector on' in \
        blocked['failures'][0]['error']
    assert blocked['actions'] == [] and VM['vm2'] in children(sim)
    off = gc(sim, grace=grace, vendor_daemon={'state': 'collector_off', 'interval': 10})
    assert [a['action'] for a in off['actions']] == ['configure']  # written, but the old daemon still collects
    assert 'restart it' in off['failures'][0]['error']
    assert sim.read('/etc/infiniband/mlx4_vnic.conf') == 'mlx4_vnicd=yes gc_enable=no interval=10\n'
    sim.event('process-stop', name='mlx4_vnicd')
    assert [r['mac'] for r in gc(sim, grace=grace)['removed']] == [VM['vm2']]


def test_a_configured_vendor_collector_blocks_and_collector_on_only_reports(sim):
    os.makedirs(sim.path('/etc/infiniband'), exist_ok=True)
    with open(sim.path('/etc/infiniband/mlx4_vnic.conf'), 'w', encoding='utf-8') as handle:
        handle.write('name=eth44 mac=00:25:8B:27:14:78 ib_port=mlx4_0:1 vnic_id=5 bx=BX001 eport=A10\n'
                     'mlx4_vnicd=yes ioa=mlx4_0:1\n')
    sim.event('guest-stop', name='vm2')
    grace = {'seconds': 0, 'observations': 1}
    assert 'starts mlx4_vnicd with its garbage collector on' in gc(sim, grace=grace)['failures'][0]['error']
    report = gc(sim, grace=grace, vendor_daemon={'state': 'collector_on'})
    assert report['failures'] == [] and [a['action'] for a in report['actions']] == ['configure']
    assert any(k['mac'] == VM['vm2'] and 'only reports' in k['reason'] for k in report['kept'])
    assert sim.read('/etc/infiniband/mlx4_vnic.conf').splitlines() == [
        'name=eth44 mac=00:25:8B:27:14:78 ib_port=mlx4_0:1 vnic_id=5 bx=BX001 eport=A10',
        'mlx4_vnicd=yes ioa=mlx4_0:1 gc_enable=yes']
    assert VM['vm2'] in children(sim) and child_writes(sim) == []


def test_a_named_parent_that_does_not_exist_fails(sim):
    result = gc(sim, parents=['eth9'])
    assert result['failures'] == [{'object': 'eth9', 'error': 'no EoIB vNic named eth9 (no vnic<N>-info with '
                                                              'NETDEV_NAME eth9 in /sys/module/mlx4_vnic)'}]


def test_playbook_check_mode_then_run_then_rerun(sim, playbook):
    sim.event('guest-stop', name='vm2')
    task = {'name': 'gc', 'iofabric.core.eoib_gc': {'grace': {'seconds': 0, 'observations': 1}}, 'register': 'out'}
    writes = sim.write_count()
    check = playbook.run([task], sim=sim, check=True, diff=True)
    result = check.task('gc')
    assert check.rc == 0 and result['changed'] is True and sim.write_count() == writes
    assert [(s['mac'], s['would_remove']) for s in result['stale']] == [(VM['vm2'], True)]
    assert 'no guest NIC attached to eth4 has this MAC' in result['stale'][0]['evidence']
    assert not os.path.exists(sim.path('/var/lib/iofabric/eoib.json'))  # check mode records nothing
    run = playbook.run([task], sim=sim)
    assert run.rc == 0 and [r['mac'] for r in run.task('gc')['removed']] == [VM['vm2']], run.stdout
    assert playbook.run([task], sim=sim).recap['changed'] == 0
    assert children(sim) == [VM['vm1'], VM['vm3']]


def test_playbook_bad_input_names_the_field_and_changes_nothing(sim, playbook):
    sim.event('guest-stop', name='vm2')
    writes = sim.write_count()
    for options, field in (({'parents': ['eth4,parent=eth5']}, 'parents[0]:'),
                           ({'libvirt_uri': 'qemu:///system\ngc'}, 'libvirt_uri:'),
                           ({'libvirt_uri': 'qemu+ext:///system?command=/tmp/x'}, 'libvirt_uri:'),
                           ({'grace': {'observations': 0}}, 'grace.observations:'),
                           ({'vendor_daemon': {'state': 'collector_off', 'log_file': '/tmp/a b'}},
                            'vendor_daemon.log_file:')):
        run = playbook.run([{'name': 'gc', 'iofabric.core.eoib_gc': options}], sim=sim)
        assert run.rc == 2 and run.task('gc')['msg'].startswith(field), run.task('gc')['msg']
    assert sim.write_count() == writes and not os.path.exists(sim.path('/etc/infiniband/mlx4_vnic.conf'))
