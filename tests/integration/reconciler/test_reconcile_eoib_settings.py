"""A reconciler pass collects each EoIB parent declared in the store with its own declaration's settings
(issue 18.6 follow-up: the first stored parent's settings were applied to every parent), against fabricsim's
mlx4_vnic driver and libvirt's test driver."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import run_pass

VM2, VM4 = '52:54:00:a1:00:02', '52:54:00:a1:00:04'


def declare(sim, parent, observations):
    result = run_eoib({'sysroot': sim.root, 'netns': sim.netns, 'lock_timeout': 5, 'confirm_timeout': 3,
                       'parents': [parent], 'grace': {'seconds': 0, 'observations': observations}}, False)
    assert result['actions'] == [] and result['failures'] == [], result


def children(sim, parent):
    return sorted(sim.state()['drivers']['mlx4_vnic'][parent]['children'])


def test_each_stored_parent_is_collected_with_its_own_grace(sim):
    declare(sim, 'eth4', 1)   # stored first: its settings were the ones every parent got
    declare(sim, 'eth5', 3)
    sim.event('guest-stop', name='vm2')   # on eth4 (bridge br0)
    sim.event('guest-stop', name='vm4')   # on eth5 (macvtap)
    report = run_pass(sim.root, sim.netns, kinds=('eoib',))
    result = report.kinds['eoib']
    assert [(a['object'], a['action'], a['status']) for a in result['actions']] == [('eth4', 'remove_child', 'done')], result
    assert VM2 not in children(sim, 'eth4')
    assert VM4 in children(sim, 'eth5')                     # eth5's grace: 3 observations, this was the first
    assert [(p['object'], p['waiting_for']) for p in result['pending']] == [('eth5', 'grace')], result['pending']
    assert [s['grace'] for s in result['stale'] if s['mac'] == VM4] == ['stale for 1 of 3 observation(s) and 0 of 0 s']
    assert not any('collects every declared parent' in text for text in result.get('warnings', []))
    for _second_and_third in range(2):
        run_pass(sim.root, sim.netns, kinds=('eoib',))
    assert VM4 not in children(sim, 'eth5')
