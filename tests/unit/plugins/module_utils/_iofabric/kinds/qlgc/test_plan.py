"""The plan for every combination of (IOC visible, absent, hot-swapped) x (path connected, disconnected)."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import LivePath, LiveVnic
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.plan import QlgcPlanner, late_warning
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import QueryPort, VisibleIoc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.resolve import PortIndex, resolve
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.spec import defaults, normalize
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import fill

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
OLD = ('00066a01de000070', 'fe8000000000000000066a11de000070')
NEW = ('00066a01df000070', 'fe8000000000000000066a11de000170')
ZERO = ('0' * 16, '0' * 32)


def spec(**extra):
    item = dict({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}, **extra)
    raw = normalize(item, 'config[0]')[1]
    return fill(raw, defaults(raw))


def fabric(ioc):
    iocs = [] if ioc is None else [VisibleIoc(ioc[0], ioc[1], 0xffff, S1)]
    return PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs)], [('mlx4_0', 1)])


def live_vnic(identity, connected, heartbeat=100):
    path = LivePath(viport_state='VIPORT_CONNECTED' if connected else 'VIPORT_DISCONNECTED',
                    link_state='LINK_IDLING' if connected else 'LINK_RETRYWAIT', heartbeat=heartbeat,
                    ioc_guid=identity[0], dgid=identity[1], pkey=0xffff, ibdev='mlx4_0', port=1, ioc_string=S1)
    return LiveVnic('veth1', 'VNIC_REGISTERED', True, True, 'primary_path', {'primary': path})


def plan_for(want_spec, live, ioc, deletes=()):
    targets = {('veth1', 'primary'): resolve(want_spec['primary'], fabric(ioc))}
    planner = QlgcPlanner({'veth1': want_spec}, {'veth1': live} if live else {}, list(deletes), targets, {})
    return planner, planner.build()


def ops(plan):
    return [action.op for action in plan.actions]


# (IOC now, live identity, connected) -> expected actions, expected pending kind
MATRIX = [
    ('visible', OLD, OLD, True, [], []),
    ('visible', OLD, OLD, False, [], []),               # the kernel reconnects on its own
    ('visible', OLD, ZERO, False, ['update-primary'], []),  # late IOC appeared
    ('absent', None, ZERO, False, [], ['ioc']),
    ('absent', None, OLD, True, [], ['ioc']),           # sysfs not caught up yet: nothing to write
    ('absent', None, OLD, False, [], ['ioc']),          # cannot update to zeros: wait
    ('hot-swapped', NEW, OLD, False, ['update-primary'], []),
    ('hot-swapped', NEW, OLD, True, ['delete', 'create-primary'], []),  # only a recreate can move it
]


@pytest.mark.parametrize('case, ioc, identity, connected, expected, waiting', MATRIX)
def test_matrix(case, ioc, identity, connected, expected, waiting):
    _planner, plan = plan_for(spec(), live_vnic(identity, connected), ioc)
    assert ops(plan) == expected, case
    assert [p.waiting_for for p in plan.pending] == waiting


def test_hot_swap_update_names_old_and_new():
    _planner, plan = plan_for(spec(), live_vnic(OLD, False), NEW)
    action = plan.actions[0]
    assert action.reason.startswith('primary path: hot swap of IOC "%s"' % S1)
    assert OLD[0] in action.reason and NEW[0] in action.reason
    assert action.detail['old']['ioc_guid'] == OLD[0] and action.detail['new']['ioc_guid'] == NEW[0]
    assert 'name=veth1' in action.detail['string'] and 'ioc_guid=%s' % NEW[0] in action.detail['string']


def test_explicit_configuration_is_repaired_and_flagged_for_refresh():
    want = spec(primary={'ioc_string': S1, 'ioc_guid': OLD[0], 'dgid': OLD[1], 'port': 1})
    planner, plan = plan_for(want, live_vnic(OLD, False), NEW)
    assert ops(plan) == ['update-primary'] and 'explicit GUID/DGID stale' in plan.actions[0].reason
    assert planner.notes and 'refresh the configuration' in planner.notes[0]


def test_absent_vnic_is_created_idle_when_its_ioc_is_late():
    _planner, plan = plan_for(spec(), None, None)
    assert ops(plan) == ['create-primary']
    assert 'created idle' in plan.actions[0].reason
    assert 'ioc_guid=0000000000000000' in plan.actions[0].detail['string']
    assert [p.waiting_for for p in plan.pending] == ['ioc']


def test_changes_the_kernel_cannot_make_in_place_recreate():
    _planner, plan = plan_for(spec(heartbeat=300), live_vnic(OLD, True), OLD)
    assert ops(plan) == ['delete', 'create-primary']
    assert 'heartbeat 100 -> 300' in plan.actions[0].reason


def test_deletes_come_first():
    targets = {('veth1', 'primary'): resolve(spec()['primary'], fabric(OLD))}
    plan = QlgcPlanner({'veth1': spec()}, {}, ['old0'], targets, {}, 'state=deleted').build()
    assert [(a.object, a.op) for a in plan.actions] == [('old0', 'delete'), ('veth1', 'create-primary')]
    assert plan.actions[0].reason == 'state=deleted'


def test_unknown_local_port_fails_only_that_vnic():
    want = spec(primary={'ioc_string': S1, 'port': 7})
    _planner, plan = plan_for(want, None, OLD)
    assert plan.actions == [] and plan.failures[0].object == 'veth1' and 'no local port' in plan.failures[0].error


S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'
SECOND = ('00066a02de000070', 'fe8000000000000000066a21de000070')


def two_paths(primary_connected=True, secondary_connected=True):
    live = live_vnic(OLD, primary_connected)
    live.paths['secondary'] = LivePath(
        viport_state='VIPORT_CONNECTED' if secondary_connected else 'VIPORT_DISCONNECTED', link_state='LINK_IDLING',
        heartbeat=100, ioc_guid=SECOND[0], dgid=SECOND[1], pkey=0xffff, ibdev='mlx4_0', port=1, ioc_string=S2)
    return live


def plan_two(live, primary_iocs, allowed=True, **extra):
    want = spec(secondary={'ioc_string': S2, 'port': 1}, **extra)
    iocs = [VisibleIoc(guid, dgid, 0xffff, S1) for guid, dgid in primary_iocs] + [VisibleIoc(*SECOND, 0xffff, S2)]
    index = PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs)], [('mlx4_0', 1)])
    targets = {('veth1', which): resolve(want[which], index) for which in ('primary', 'secondary')}
    planner = QlgcPlanner({'veth1': want}, {'veth1': live}, [], targets, {}, disruption_allowed=lambda name: allowed)
    return planner.build()


def test_a_path_repair_never_takes_down_the_connected_other_path():
    plan = plan_two(two_paths(), [NEW])
    assert ops(plan) == [] and [p.waiting_for for p in plan.pending] == ['disconnect']
    assert 'updated in place once it disconnects' in plan.pending[0].reason and 'secondary' in plan.pending[0].reason
    # The other path down: nothing to take down; the recreate goes ahead.
    assert ops(plan_two(two_paths(secondary_connected=False), [NEW])) == ['delete', 'create-primary', 'create-secondary']


@pytest.mark.parametrize('order', ['old-first', 'new-first'])
def test_an_ambiguous_string_keeps_a_path_on_one_of_its_iocs(order):
    iocs = [OLD, NEW] if order == 'old-first' else [NEW, OLD]
    plan = plan_two(two_paths(), iocs)
    assert ops(plan) == [] and plan.pending == []
    assert any('stays on GUID %s' % OLD[0] in warning and NEW[0] in warning for warning in plan.warnings)
    # A path on neither (it was on a third IOC): pending, both candidates named, nothing done.
    live = two_paths()
    live.paths['primary'].ioc_guid = '00066a09de000070'
    plan = plan_two(live, iocs)
    assert ops(plan) == [] and [p.waiting_for for p in plan.pending] == ['ambiguous']
    assert OLD[0] in plan.pending[0].reason and NEW[0] in plan.pending[0].reason and 'mlx4_0:1' in plan.pending[0].reason


def test_an_ambiguous_string_creates_nothing():
    want = spec()
    iocs = [VisibleIoc(*OLD, 0xffff, S1), VisibleIoc(*NEW, 0xffff, S1)]
    index = PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs)], [('mlx4_0', 1)])
    plan = QlgcPlanner({'veth1': want}, {}, [], {('veth1', 'primary'): resolve(want['primary'], index)}, {}).build()
    assert ops(plan) == [] and [p.waiting_for for p in plan.pending] == ['ambiguous']


def test_a_disruptive_recreate_is_warned_diffed_or_refused():
    plan = plan_two(two_paths(secondary_connected=False), [NEW])
    assert plan.actions[0].detail['disruptive'] is True
    assert plan.warnings and 'dropping its traffic' in plan.warnings[0] and 'DGID' in plan.warnings[0]
    assert plan.diffs[0]['after_header'] == 'veth1 (recreated: traffic drops)'
    refused = plan_two(two_paths(secondary_connected=False), [NEW], allowed=False)
    assert ops(refused) == [] and [p.waiting_for for p in refused.pending] == ['disruption']
    # Nothing connected, nothing to drop: recreated whatever allow_disruption says, without a warning.
    quiet = plan_two(two_paths(primary_connected=False, secondary_connected=False), [OLD], allowed=False,
                     heartbeat=200)
    assert ops(quiet) == ['delete', 'create-primary', 'create-secondary'] and quiet.warnings == []
    assert quiet.actions[0].reason == 'recreate: heartbeat 100 -> 200' and quiet.actions[0].detail['disruptive'] is False


@pytest.mark.parametrize('new, named, unnamed', [
    ((OLD[0], NEW[1]), 'DGID %s -> %s' % (OLD[1], NEW[1]), 'GUID'),
    ((NEW[0], OLD[1]), 'GUID %s -> %s' % (OLD[0], NEW[0]), 'DGID')])
def test_a_hot_swap_of_one_identity_part_names_that_part(new, named, unnamed):
    for connected, op in ((False, 'update-primary'), (True, 'delete')):
        _planner, plan = plan_for(spec(), live_vnic(OLD, connected), new)
        assert plan.actions[0].op == op
        reason = plan.actions[0].reason.replace(S1, '')
        assert named in reason and unnamed + ' ' not in reason.replace(named, ''), reason


def test_a_late_ioc_warns_naming_the_field_and_what_is_missing():
    target = resolve(spec()['primary'], fabric(None))
    warning = late_warning('config[0]', 'veth1', 'primary', target)
    assert warning.startswith('config[0].primary: veth1 primary path: IOC "%s" is not visible on mlx4_0:1 yet' % S1)
    assert 'stays pending' in warning and 'near' not in warning


def test_an_ioc_string_typo_warns_naming_the_field_and_the_near_match_and_connects_nothing():
    typo = S1.replace('Slot', 'slot ')
    _planner, plan = plan_for(spec(primary={'ioc_string': typo, 'port': 1}), None, OLD)
    assert ops(plan) == ['create-primary'] and 'ioc_guid=0000000000000000' in plan.actions[0].detail['string']
    assert [p.waiting_for for p in plan.pending] == ['ioc']
    target = resolve(spec(primary={'ioc_string': typo, 'port': 1})['primary'], fabric(OLD))
    warning = late_warning('config[0]', 'veth1', 'primary', target)
    assert warning.startswith('config[0].primary.ioc_string: veth1 primary path: IOC "%s" is not visible on mlx4_0:1, '
                              'but "%s" (differs in case or whitespace) is: a typo?' % (typo, S1))
    assert 'never connected to a near match' in warning


def test_two_near_matches_are_both_named_closest_first_and_the_verb_is_plural():
    """Two visible IOC strings that differ from the typo only in case or whitespace: both are named (equal
    edits: by string, 'IOC' before 'Ioc') with 'are', never 'is' (one near match gives 'is', above)."""
    typo = S1.replace('Slot', 'slot ')
    upper = S1.replace('Ioc', 'IOC')
    index = PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', [
        VisibleIoc(OLD[0], OLD[1], 0xffff, S1), VisibleIoc(NEW[0], NEW[1], 0xffff, upper)])], [('mlx4_0', 1)])
    target = resolve(spec(primary={'ioc_string': typo, 'port': 1})['primary'], index)
    assert len(target.near) == 2
    warning = late_warning('config[0]', 'veth1', 'primary', target)
    assert warning.startswith('config[0].primary.ioc_string: veth1 primary path: IOC "%s" is not visible on mlx4_0:1, '
                              'but "%s" (differs in case or whitespace), "%s" (differs in case or whitespace) are: '
                              'a typo?' % (typo, upper, S1))
