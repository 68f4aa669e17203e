"""vnic_interface type=qlgc against fabricsim, where repairs meet real-life trouble: twin IOC strings during a
swap in a chassis, a hot swap of only the DGID or only the GUID, disruptive recreates, a verify that waits on
what apply wrote, and what goes into the vendor's boot config."""

import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'
CLASS = '/sys/class/infiniband_qlgc_vnic'
CFG = '/etc/infiniband/qlgc_vnic.cfg'
VETH1 = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1},
         'secondary': {'ioc_string': S2, 'port': 2}}


def vnic(sim, config, check=False, **options):
    params = dict({'state': 'merged', 'config': config, 'sysroot': sim.root, 'netns': sim.netns,
                   'connect_timeout': 10.0}, **options)
    return run_vnic(params, check)


def attr(sim, name, which, key):
    value = sim.read('%s/interfaces/%s/%s_path/%s' % (CLASS, name, which, key)).strip()
    return value.zfill(16) if key == 'ioc_guid' else value   # the driver prints it with %llx


def ops(result, name=None):
    return [(a['object'], a['action']) for a in result['actions'] if name is None or a['object'] == name]


@pytest.mark.parametrize('twin', ['twin-first', 'twin-last'])
def test_twin_ioc_strings_are_ambiguous_in_either_list_order(sim_pool, twin):
    sim = sim_pool.get('twin_ioc')
    assert vnic(sim, [VETH1])['failures'] == []
    assert attr(sim, 'veth1', 'primary', 'viport_state') == 'VIPORT_CONNECTED'
    old_guid = attr(sim, 'veth1', 'primary', 'ioc_guid')
    added = sim.event('ioc-add', ioc=twin)
    # The connected path's IOC still carries the declared string: in sync, and a warning names the twin.
    result = vnic(sim, [VETH1])
    assert result['actions'] == [] and result['pending'] == [] and result['failures'] == [], result
    assert any(added['guid'] in warning and 'stays on GUID %s' % old_guid in warning for warning in result['warnings'])
    assert attr(sim, 'veth1', 'primary', 'viport_state') == 'VIPORT_CONNECTED'
    assert attr(sim, 'veth1', 'primary', 'ioc_guid') == old_guid
    # A new VNIC on that string: ambiguous, both candidates and the port named; nothing is created or written.
    writes = sim.write_count()
    veth3 = {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': S1, 'port': 1, 'instance': 1}}
    result = vnic(sim, [VETH1, veth3])
    assert result['actions'] == [] and result['failures'] == [], result
    assert [(p['object'], p['waiting_for']) for p in result['pending']] == [('veth3', 'ambiguous')]
    reason = result['pending'][0]['reason']
    assert 'mlx4_0:1' in reason and old_guid in reason and added['guid'] in reason, reason
    assert not os.path.exists(sim.path(CLASS + '/interfaces/veth3')) and 'veth3' not in sim.read(CFG)
    assert sim.write_count() == writes
    # The swap completes (the old IOC goes): no longer ambiguous. veth1's primary moves to the new IOC in place,
    # its secondary untouched; veth3 is created.
    sim.event('ioc-remove', ioc='ioc1')
    result = vnic(sim, [VETH1, veth3])
    assert result['failures'] == [] and result['pending'] == [], result
    assert ops(result, 'veth1') == [('veth1', 'update-primary')] and ('veth3', 'create-primary') in ops(result)
    assert attr(sim, 'veth1', 'primary', 'ioc_guid') == added['guid']
    assert attr(sim, 'veth1', 'secondary', 'viport_state') == 'VIPORT_CONNECTED'
    assert 'NAME="veth3"' in sim.read(CFG)


def test_a_path_repair_never_takes_down_the_other_path(sim):
    """The primary's IOC is hot-swapped while the secondary carries traffic. Whether the primary's stale
    connection has dropped yet (the kernel keeps it up to a heartbeat) or not, veth1 is never deleted."""
    assert vnic(sim, [VETH1])['failures'] == []
    swap = sim.event('hot-swap', ioc='ioc1')
    result = vnic(sim, [VETH1])
    assert ('veth1', 'delete') not in ops(result) and result['failures'] == [], result
    assert attr(sim, 'veth1', 'secondary', 'viport_state') == 'VIPORT_CONNECTED'
    if ops(result) == [('veth1', 'update-primary')]:
        assert attr(sim, 'veth1', 'primary', 'dgid') == swap['new']['dgid']
    else:
        assert [(p['object'], p['waiting_for']) for p in result['pending']] == [('veth1', 'disconnect')], result


def test_a_single_path_hot_swapped_inside_the_heartbeat_window_is_recreated_onto_the_new_ioc(sim):
    """The driver has not noticed the swap yet (its heartbeats have not timed out): the path still reads
    connected, to an IOC that is gone. With no other path to keep up, the run recreates the VNIC on the IOC
    that now carries the string (its traffic is already lost) rather than wait up to 64 heartbeats."""
    single = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}
    assert vnic(sim, [single])['failures'] == []
    swap = sim.event('hot-swap', ioc='ioc1')
    assert attr(sim, 'veth1', 'primary', 'viport_state') == 'VIPORT_CONNECTED'   # inside the window
    result = vnic(sim, [single])
    assert result['failures'] == [] and result['pending'] == [], result
    assert ops(result, 'veth1') == [('veth1', 'delete'), ('veth1', 'create-primary')], result
    reason = result['actions'][0]['reason']
    assert 'primary is connected, but its IOC changed' in reason and swap['new']['guid'] in reason, reason
    assert any('veth1 is deleted and created again' in warning for warning in result['warnings']), result
    assert attr(sim, 'veth1', 'primary', 'viport_state') == 'VIPORT_CONNECTED'
    assert attr(sim, 'veth1', 'primary', 'ioc_guid') == swap['new']['guid']
    assert attr(sim, 'veth1', 'primary', 'dgid') == swap['new']['dgid']
    assert vnic(sim, [single])['actions'] == []


@pytest.mark.parametrize('what', ['dgid', 'guid'])
def test_a_hot_swap_of_only_the_dgid_or_only_the_guid_is_repaired(sim, what):
    assert vnic(sim, [VETH1])['failures'] == []
    old = {'guid': attr(sim, 'veth1', 'primary', 'ioc_guid'), 'dgid': attr(sim, 'veth1', 'primary', 'dgid')}
    keep = {'dgid': {'guid': old['guid']}, 'guid': {'dgid': old['dgid']}}[what]   # what the swap keeps
    swap = sim.event('hot-swap', ioc='ioc1', **keep)
    sim.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    assert swap['new'][what] != old[what] and all(swap['new'][key] == value for key, value in keep.items())
    result = vnic(sim, [VETH1])
    assert result['failures'] == [] and result['pending'] == [], result
    assert ops(result) == [('veth1', 'update-primary')]
    reason = result['actions'][0]['reason']
    label = {'dgid': 'DGID', 'guid': 'GUID'}
    assert '%s %s -> %s' % (label[what], old[what], swap['new'][what]) in reason, reason
    assert label['guid' if what == 'dgid' else 'dgid'] not in reason.split(':', 1)[1].replace(S1, ''), reason
    assert attr(sim, 'veth1', 'primary', 'viport_state') == 'VIPORT_CONNECTED'
    assert attr(sim, 'veth1', 'primary', 'ioc_guid' if what == 'guid' else 'dgid') == swap['new'][what]
    assert vnic(sim, [VETH1])['actions'] == []


def test_a_disruptive_recreate_can_be_refused_and_a_pass_keeps_that(sim):
    assert vnic(sim, [VETH1])['failures'] == []
    slower = dict(VETH1, heartbeat=200)
    writes = sim.write_count()
    result = vnic(sim, [slower], allow_disruption=False)
    # Only the boot config changes (the next boot creates veth1 with the new heartbeat, disrupting nothing).
    assert ops(result) == [(CFG, 'write-config')] and result['failures'] == [], result
    assert [(p['object'], p['waiting_for']) for p in result['pending']] == [('veth1', 'disruption')]
    assert 'heartbeat 100 -> 200' in result['pending'][0]['reason'] and 'drops its traffic' in result['pending'][0]['reason']
    assert attr(sim, 'veth1', 'primary', 'heartbeat') == '100' and 'HEARTBEAT=200' in sim.read(CFG)
    assert sim.write_count() == writes   # nothing written to sysfs
    assert sim.store('qlgc')['observations']['veth1']['allow_disruption'] is False
    report = run_pass(sim.root, sim.netns, kinds=('qlgc',))
    assert report.kinds['qlgc']['actions'] == [] and report.kinds['qlgc']['pending'][0]['waiting_for'] == 'disruption'
    assert attr(sim, 'veth1', 'primary', 'heartbeat') == '100'


def test_verify_waits_on_what_apply_did(sim):
    """A recreated path was connected before apply; verify waits for the new one to connect (1 s here)."""
    assert vnic(sim, [VETH1])['failures'] == []
    sim.fault(kind='async', target='qlgc-connect', mode='delay', value=1.0)
    result = vnic(sim, [dict(VETH1, heartbeat=200)])
    assert ops(result, 'veth1') == [('veth1', 'delete'), ('veth1', 'create-primary'), ('veth1', 'create-secondary')]
    assert result['pending'] == [] and result['failures'] == [], result
    assert attr(sim, 'veth1', 'primary', 'viport_state') == 'VIPORT_CONNECTED'
    assert attr(sim, 'veth1', 'primary', 'heartbeat') == '200'


def test_the_boot_config_holds_only_what_was_created(sim):
    with open(sim.path(CLASS + '/vnic-mlx4_0-1/create_primary'), 'wb', buffering=0) as handle:
        handle.write(b'ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff,name=squat0')
    config = [{'type': 'qlgc', 'name': 'clash', 'primary': {'ioc_string': S1, 'port': 1}},
              {'type': 'qlgc', 'name': 'fine', 'primary': {'ioc_string': S2, 'port': 1}}]
    result = vnic(sim, config)
    assert [f['object'] for f in result['failures']] == ['clash']
    text = sim.read(CFG)
    assert 'NAME="fine"' in text and 'clash' not in text, text
    assert 'clash' in sim.store('qlgc')['objects']   # still declared: a later run or the reconciler retries


@pytest.mark.parametrize('state', ['merged', 'overridden'])
def test_a_macvlan_only_run_never_creates_the_qlgc_file(sim, state):
    result = vnic(sim, [{'type': 'macvlan', 'name': 'vnic7', 'lower': 'eth1'}], state=state)
    assert result['failures'] == [] and ('vnic7', 'create') in ops(result), result
    assert not os.path.exists(sim.path(CFG)) and not os.path.exists(sim.path('/etc/infiniband'))


def test_rendered_keeps_an_explicit_ioc_guid_and_dgid(sim):
    explicit = {'type': 'qlgc', 'name': 'veth5', 'primary': {
        'ioc_guid': '00066a01de000070', 'dgid': 'fe8000000000000000066a11de000070', 'port': 1}}
    result = run_vnic({'state': 'rendered', 'config': [explicit]}, False)
    string = result['rendered']['create_strings'][0]['string']
    assert 'ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,' in string, string


def test_a_disruptive_recreate_shows_in_the_default_output_and_the_diff(sim, playbook):
    assert vnic(sim, [VETH1])['failures'] == []
    task = {'name': 'vnics', 'register': 'out', 'iofabric.core.vnic_interface': {
        'state': 'merged', 'config': [dict(VETH1, heartbeat=200)]}}
    run = playbook.run([task], sim=sim, check=True, diff=True)
    assert run.rc == 0, run.stdout
    shown = ' '.join((run.stdout + run.stderr).split())
    assert 'veth1 is deleted and created again, dropping its traffic until it reconnects' in shown, shown
    assert 'veth1 (recreated: traffic drops)' in shown and '- heartbeat 100 -> 200' in shown, shown
    assert attr(sim, 'veth1', 'primary', 'heartbeat') == '100'
    run = playbook.run([task], sim=sim)
    shown = ' '.join((run.stdout + run.stderr).split())
    assert run.rc == 0 and '[WARNING]: veth1 is deleted and created again' in shown, shown
    assert attr(sim, 'veth1', 'primary', 'heartbeat') == '200'
