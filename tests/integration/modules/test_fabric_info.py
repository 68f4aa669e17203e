"""fabric_info with ansible-playbook against fabricsim: facts, per-object status, drift, since, read-only."""

import hashlib
import os
import subprocess

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'

DECLARE = [
    {'name': 'vnics', 'iofabric.core.vnic_interface': {'config': [
        {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}},
        {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'hca': 'mlx4_0', 'port': 1}},
        {'type': 'macvlan', 'name': 'vnic7', 'lower': 'eth3'},
    ]}},
    {'name': 'fcoe', 'iofabric.core.fcoe_interface': {'config': [{'interface': 'eth1'}, {'interface': 'eth2'}]}},
    {'name': 'luns', 'iofabric.core.sdi_device': {'config': [{'address': '1:0:3:0'}]}},
]
INFO = {'name': 'info', 'iofabric.core.fabric_info': {}, 'register': 'out'}


def store_digest(sim) -> dict:
    directory = sim.path('/var/lib/iofabric')
    digests = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith('.json'):
            with open(os.path.join(directory, name), 'rb') as handle:
                digests[name] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def by_object(result) -> dict:
    return {(row['kind'], row['object']): row for row in result['objects']}


def test_after_a_converge_everything_is_in_sync_but_the_late_ioc(sim, playbook):
    assert playbook.run(DECLARE, sim=sim).rc == 0
    run = playbook.run([INFO], sim=sim)
    assert run.rc == 0, run.stdout
    info = run.task('info')
    assert info['changed'] is False
    assert info['summary'] == {'in_sync': 5, 'drift': 0, 'pending': 1, 'failed': 0}
    assert info['in_sync'] is False and info['drift'] == [] and info['failures'] == []
    [pending] = info['pending']
    assert (pending['kind'], pending['object']) == ('qlgc', 'veth2') and LATE in pending['reason']
    # since: recorded by the run that applied, and kept by this read
    assert pending['since'] == sim.store('qlgc')['observations']['veth2']['status_since']
    rows = by_object(info)
    assert rows[('qlgc', 'veth1')]['status'] == 'in_sync' and rows[('qlgc', 'veth1')]['in_sync_since']
    assert rows[('macvlan', 'vnic7')]['status'] == rows[('fcoe', 'eth2')]['status'] == 'in_sync'
    # One query for the whole fabric, not one per VNIC.
    assert info['tool_runs']['ib_qlgc_vnic_query'] == 1


def test_facts_of_every_kind(sim, playbook):
    assert playbook.run(DECLARE, sim=sim).rc == 0
    fabric = playbook.run([INFO], sim=sim).task('info')['fabric']
    ports = {'%s:%s' % (port['hca'], port['port']): port for port in fabric['qlgc']['ports']}
    assert [ioc['ioc_string'] for ioc in ports['mlx4_0:1']['iocs']][:1] == [S1]
    assert ports['mlx4_0:1']['state'] == 'Active'
    assert fabric['qlgc']['declared'] == 2 and {vnic['name'] for vnic in fabric['qlgc']['live']} == {'veth1', 'veth2'}
    assert fabric['macvlan']['live'][0]['name'] == 'vnic7'
    assert set(fabric['fcoe']['instances']) == {'eth1', 'eth2'}
    assert fabric['fcoe']['dcb']['eth1']['dcb'] is True
    hosts = {host['host']: host for host in fabric['sdi']['hosts']}
    assert hosts[1]['hotplug'] is True and hosts[2]['hotplug'] is False
    assert '1:0:3:1' in fabric['sdi']['unmanaged'] and '1:0:3:0' not in fabric['sdi']['unmanaged']
    # Nothing declared for EoIB: gathered only, every parent with the guest MACs attached to it.
    assert fabric['eoib']['declared'] == 0
    eth4 = fabric['eoib']['parents']['eth4']
    assert '52:54:00:a1:00:02' in eth4['children'] and '52:54:00:a1:00:02' in eth4['guest_macs']


def test_drift_names_the_field_with_desired_and_live(sim, playbook):
    assert playbook.run(DECLARE, sim=sim).rc == 0
    sim.event('hot-swap', ioc='ioc1')
    sim.event('clock-advance', seconds=64)  # the driver notices a swap after 64 heartbeats (100 = 1 s)
    sim.event('dcb-set', iface='eth2', dcb='off')
    subprocess.run(['ip', '-n', sim.netns, 'link', 'del', 'vnic7'], check=True)
    info = playbook.run([INFO], sim=sim).task('info')
    drift = {(entry['kind'], entry['object'], entry['field']): entry for entry in info['drift']}
    guid = drift[('qlgc', 'veth1', 'primary.ioc_guid')]
    assert (guid['desired'], guid['live']) == ('00066a01df000070', '00066a01de000070')
    assert 'hot swap' in guid['reason'] and guid['since'] is None and guid['in_sync_since']
    assert drift[('macvlan', 'vnic7', '(object)')]['live'] == 'absent'
    assert drift[('fcoe', 'eth2', '(action)')]['desired'] == 'destroy'
    assert info['summary']['drift'] == 3 and info['in_sync'] is False


def test_it_writes_nothing_and_takes_the_lock_shared(sim, playbook):
    assert playbook.run(DECLARE, sim=sim).rc == 0
    sim.event('hot-swap', ioc='ioc1')
    writes, digests = sim.write_count(), store_digest(sim)
    run = playbook.run([INFO], sim=sim)
    assert run.rc == 0 and run.recap['changed'] == 0
    assert sim.write_count() == writes
    assert store_digest(sim) == digests
    assert not os.path.exists(sim.path('/var/lib/iofabric/lock.holder')) or \
        'fabric_info' not in sim.read('/var/lib/iofabric/lock.holder')


def test_on_a_fresh_host_it_gathers_and_reports_no_objects(sim, playbook):
    info = playbook.run([INFO], sim=sim).task('info')
    assert info['objects'] == [] and info['in_sync'] is True
    assert info['status'] == 'nothing_declared'   # not "in sync": there is nothing to be in sync with
    assert info['summary'] == {'in_sync': 0, 'drift': 0, 'pending': 0, 'failed': 0}
    assert {kind: facts['declared'] for kind, facts in info['fabric'].items()} == \
        {'qlgc': 0, 'macvlan': 0, 'fcoe': 0, 'sdi': 0, 'eoib': 0}


def test_a_kind_that_cannot_be_read_is_reported_and_the_others_are_not_lost(sim, playbook):
    assert playbook.run(DECLARE, sim=sim).rc == 0
    with open(sim.path('/var/lib/iofabric/fcoe.json'), 'w', encoding='utf-8') as handle:
        handle.write('{"format": "iofabric.core/state", "version": 99}')   # from a newer iofabric
    run = playbook.run([{'name': 'info', 'iofabric.core.fabric_info': {'kinds': ['qlgc', 'fcoe']},
                         'register': 'out'}], sim=sim)
    assert run.rc == 0, run.stdout
    info = run.task('info')
    assert set(info['fabric']) == {'qlgc', 'fcoe'}
    [failure] = info['failures']
    assert failure['kind'] == 'fcoe' and 'newer iofabric' in failure['error']
    assert info['fabric']['qlgc']['declared'] == 2 and info['summary']['failed'] == 1


def test_facts_go_to_hostvars_under_iofabric_and_into_the_fact_cache(sim, playbook, tmp_path, monkeypatch):
    cache = os.path.join(str(tmp_path), 'facts')
    monkeypatch.setenv('ANSIBLE_CACHE_PLUGIN', 'ansible.builtin.jsonfile')
    monkeypatch.setenv('ANSIBLE_CACHE_PLUGIN_CONNECTION', cache)
    assert playbook.run(DECLARE, sim=sim).rc == 0
    run = playbook.run([
        {'name': 'info', 'iofabric.core.fabric_info': {'facts': True}, 'register': 'out'},
        {'name': 'from hostvars', 'ansible.builtin.assert': {'that': [
            "hostvars['localhost'].iofabric.status == 'pending'",
            "hostvars['localhost'].iofabric.summary.pending == 1",
            "iofabric.pending[0].object == 'veth2'",
            "iofabric.fabric.qlgc.declared == 2"]}},
    ], sim=sim)
    assert run.rc == 0, run.stdout[-3000:]
    assert set(run.task('info')['ansible_facts']) == {'iofabric'}
    # A later run, which gathers nothing, finds them in the cache.
    later = playbook.run([{'name': 'cached', 'ansible.builtin.assert': {'that': [
        "hostvars['localhost'].iofabric.status == 'pending'"]}}])
    assert later.rc == 0, later.stdout[-3000:]
    without = playbook.run([INFO], sim=sim).task('info')
    assert 'ansible_facts' not in without and without['status'] == 'pending'
