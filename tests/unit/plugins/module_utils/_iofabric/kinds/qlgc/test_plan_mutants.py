"""The qlgc plan's reasons, exactly (mutation testing, docs/mutation.md)."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import LivePath, LiveVnic
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.plan import QlgcPlanner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import QueryPort, VisibleIoc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.resolve import PortIndex, resolve
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.spec import defaults, normalize
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import fill

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
OLD = ('00066a01de000070', 'fe8000000000000000066a11de000070')
NEW = ('00066a01df000070', 'fe8000000000000000066a11de000170')
OTHER = ('00066a01e0000070', 'fe8000000000000000066a11de000270')
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'


def spec(**extra):
    item = dict({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}, **extra)
    raw = normalize(item, 'config[0]')[1]
    return fill(raw, defaults(raw))


def fabric(ioc):
    iocs = [] if ioc is None else [VisibleIoc(ioc[0], ioc[1], 0xffff, S1)]
    return PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs)], [('mlx4_0', 1)])


def live_vnic(identity, connected):
    path = LivePath(viport_state='VIPORT_CONNECTED' if connected else 'VIPORT_DISCONNECTED',
                    link_state='LINK_IDLING' if connected else 'LINK_RETRYWAIT', heartbeat=100,
                    ioc_guid=identity[0], dgid=identity[1], pkey=0xffff, ibdev='mlx4_0', port=1, ioc_string=S1)
    return LiveVnic('veth1', 'VNIC_REGISTERED', True, True, 'primary_path', {'primary': path})


def plan_for(want_spec, live, ioc, recorded=None):
    targets = {('veth1', 'primary'): resolve(want_spec['primary'], fabric(ioc))}
    return QlgcPlanner({'veth1': want_spec}, {'veth1': live}, [], targets, recorded or {}).build()


def test_a_declared_guid_and_dgid_that_differ_from_the_live_path_name_both_changes():
    want = spec(primary={'ioc_guid': NEW[0], 'dgid': NEW[1], 'port': 1})
    plan = plan_for(want, live_vnic(OLD, False), NEW)
    assert [a.op for a in plan.actions] == ['update-primary']
    assert plan.actions[0].reason == 'primary path: declared IOC differs: GUID %s -> %s, DGID %s -> %s' % (
        OLD[0], NEW[0], OLD[1], NEW[1])


def test_a_checksum_change_recreates_and_says_which():
    plan = plan_for(spec(rx_csum=False), live_vnic(OLD, True), OLD)
    assert [a.op for a in plan.actions] == ['delete', 'create-primary']
    assert plan.actions[0].reason == 'recreate: rx_csum True -> False'


def test_an_ib_multicast_change_either_way_recreates():
    for recorded, declared in ((True, False), (False, True)):
        plan = plan_for(spec(ib_multicast=declared), live_vnic(OLD, True), OLD, {'veth1': {'ib_multicast': recorded}})
        assert plan.actions[0].reason == 'recreate: ib_multicast %s -> %s' % (recorded, declared)


def test_a_declared_secondary_path_missing_from_the_live_vnic_is_created():
    want = spec(secondary={'ioc_string': S1, 'port': 1})
    targets = {('veth1', which): resolve(want[which], fabric(OLD)) for which in ('primary', 'secondary')}
    plan = QlgcPlanner({'veth1': want}, {'veth1': live_vnic(OLD, True)}, [], targets, {}).build()
    assert [(a.op, a.reason) for a in plan.actions] == [('create-secondary', 'declared secondary path is missing')]


ZERO = ('0' * 16, '0' * 32)


def path_on(identity, connected, ibdev='mlx4_0', port=1, pkey=0xffff, ioc_string=S1):
    return LivePath(viport_state='VIPORT_CONNECTED' if connected else 'VIPORT_DISCONNECTED',
                    link_state='LINK_IDLING' if connected else 'LINK_RETRYWAIT', heartbeat=100,
                    ioc_guid=identity[0], dgid=identity[1], pkey=pkey, ibdev=ibdev, port=port, ioc_string=ioc_string)


def test_a_late_ioc_that_appears_names_what_was_declared_and_where_it_is():
    plan = plan_for(spec(), live_vnic(ZERO, False), NEW)
    assert [a.op for a in plan.actions] == ['update-primary']
    assert plan.actions[0].reason == 'primary path: late IOC appeared ("%s" at GUID %s DGID %s), connecting' % (S1, *NEW)
    by_guid = spec(primary={'ioc_guid': NEW[0], 'port': 1})
    plan = plan_for(by_guid, live_vnic(ZERO, False), NEW)
    assert plan.actions[0].reason == 'primary path: late IOC appeared (GUID %s at GUID %s DGID %s), connecting' % (
        NEW[0], *NEW)


def test_an_update_records_the_old_and_new_identity_with_its_p_key():
    plan = plan_for(spec(), live_vnic(OLD, False), NEW)
    assert plan.actions[0].detail['old'] == {'ioc_guid': OLD[0], 'dgid': OLD[1], 'pkey': 'ffff'}
    assert plan.actions[0].detail['new'] == {'ioc_guid': NEW[0], 'dgid': NEW[1], 'pkey': 'ffff'}
    live = live_vnic(ZERO, False)
    live.paths['primary'].pkey = None   # an idle path the driver shows without a P_Key
    plan = plan_for(spec(), live, NEW)
    assert plan.actions[0].detail['old'] == {'ioc_guid': ZERO[0], 'dgid': ZERO[1], 'pkey': '0000'}


def test_a_p_key_change_alone_is_named():
    live = live_vnic(NEW, False)
    live.paths['primary'].pkey = 0x8001
    plan = plan_for(spec(), live, NEW)
    assert [a.op for a in plan.actions] == ['update-primary']
    assert plan.actions[0].reason == 'primary path: hot swap of IOC "%s": P_Key 8001 -> ffff' % S1
    live.paths['primary'].pkey = 0xffff
    assert plan_for(spec(), live, NEW).actions == []


def test_a_connected_path_whose_only_known_part_is_the_declared_guid_is_left_alone():
    # A declared GUID whose IOC is not visible resolves to that GUID and a zero DGID: never a path to write.
    want = spec(primary={'ioc_guid': NEW[0], 'port': 1})
    for connected in (True, False):
        plan = plan_for(want, live_vnic(OLD, connected), None)
        assert plan.actions == [] and [p.waiting_for for p in plan.pending] == ['ioc']


def test_a_declared_guid_and_dgid_not_visible_yet_are_written_to_a_disconnected_path():
    want = spec(primary={'ioc_guid': NEW[0], 'dgid': NEW[1], 'port': 1})
    plan = plan_for(want, live_vnic(OLD, False), None)
    assert [a.op for a in plan.actions] == ['update-primary'] and [p.waiting_for for p in plan.pending] == ['ioc']


def two_port_fabric(ioc):
    iocs = [VisibleIoc(ioc[0], ioc[1], 0xffff, S1)]
    return PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs),
                      QueryPort(0, 'mlx4_0', 2, '0002c903000010f6', 'Active', iocs)], [('mlx4_0', 1), ('mlx4_0', 2)])


def test_a_path_moved_to_another_local_port_is_recreated_and_says_which():
    want = spec(primary={'ioc_string': S1, 'port': 2})
    targets = {('veth1', 'primary'): resolve(want['primary'], two_port_fabric(OLD))}
    plan = QlgcPlanner({'veth1': want}, {'veth1': live_vnic(OLD, False)}, [], targets, {}).build()
    assert [a.op for a in plan.actions] == ['delete', 'create-primary']
    assert plan.actions[0].reason == 'recreate: primary local port mlx4_0:1 -> mlx4_0:2'


def test_a_recorded_instance_that_changed_recreates_and_one_that_did_not_changes_nothing():
    want = spec(primary={'ioc_string': S1, 'port': 1, 'instance': 2})
    plan = plan_for(want, live_vnic(OLD, False), OLD, {'veth1': {'instance': {'primary': 1}}})
    assert [a.op for a in plan.actions] == ['delete', 'create-primary']
    assert plan.actions[0].reason == 'recreate: primary instance 1 -> 2'
    assert plan_for(want, live_vnic(OLD, False), OLD, {'veth1': {'instance': {'primary': 2}}}).actions == []
    assert plan_for(want, live_vnic(OLD, False), OLD, {'veth1': {}}).actions == []


def test_a_live_vnic_without_a_primary_path_is_recreated():
    live = LiveVnic('veth1', 'VNIC_REGISTERED', True, True, 'secondary_path', {'secondary': path_on(OLD, False)})
    plan = plan_for(spec(), live, OLD)
    assert [(a.op, a.reason) for a in plan.actions] == [
        ('delete', 'recreate: the live VNIC has no primary path'),
        ('create-primary', 'recreate: the live VNIC has no primary path')]


def test_a_secondary_path_no_longer_declared_recreates_without_it():
    live = live_vnic(OLD, False)
    live.paths['secondary'] = path_on(OLD, False)
    plan = plan_for(spec(), live, OLD)
    assert [(a.op, a.reason) for a in plan.actions] == [
        ('delete', 'recreate: the secondary path is no longer declared'),
        ('create-primary', 'recreate: the secondary path is no longer declared')]


def test_a_local_port_that_is_down_waits_for_the_port():
    want = spec()
    index = PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Down', [])], [('mlx4_0', 1)])
    target = resolve(want['primary'], index)
    plan = QlgcPlanner({'veth1': want}, {'veth1': live_vnic(OLD, False)}, [], {('veth1', 'primary'): target}, {}).build()
    assert plan.actions == [] and [(p.waiting_for, p.reason) for p in plan.pending] == [
        ('port', 'primary path: local port mlx4_0:1 is Down')]


def test_a_create_names_the_file_it_writes_and_what_it_writes():
    plan = plan_for(spec(heartbeat=300), None, OLD)
    action = plan.actions[0]
    assert (action.op, action.reason) == ('create-primary', 'declared, not present')
    assert {key: action.detail[key] for key in ('path', 'file', 'ibdev', 'port', 'op_kind')} == {
        'path': 'primary', 'file': 'vnic-mlx4_0-1/create_primary', 'ibdev': 'mlx4_0', 'port': 1, 'op_kind': 'create'}
    for part in ('name=veth1', 'ioc_guid=%s' % OLD[0], 'dgid=%s' % OLD[1], 'heartbeat=300'):
        assert part in action.detail['string']


def test_a_create_for_a_late_ioc_says_it_is_created_idle_and_why():
    plan = plan_for(spec(), None, None)
    assert plan.actions[0].reason == ('declared, not present; IOC "%s" is not visible on mlx4_0:1 yet, created idle '
                                      'until it appears' % S1)
    assert [(p.waiting_for, p.reason) for p in plan.pending] == [
        ('ioc', 'primary path: IOC "%s" is not visible on mlx4_0:1 yet' % S1)]


def test_a_refused_disruptive_recreate_says_what_and_why():
    plan = QlgcPlanner({'veth1': spec(rx_csum=False)}, {'veth1': live_vnic(OLD, True)}, [],
                       {('veth1', 'primary'): resolve(spec()['primary'], fabric(OLD))}, {},
                       disruption_allowed=lambda name: False).build()
    assert plan.actions == [] and [(p.waiting_for, p.reason) for p in plan.pending] == [
        ('disruption', 'veth1 needs a recreate (rx_csum True -> False), which drops its traffic (primary connected); '
                       'allow_disruption is false')]


def test_a_disruptive_recreate_shows_before_and_after():
    plan = plan_for(spec(rx_csum=False), live_vnic(OLD, True), OLD)
    assert plan.warnings == ['veth1 is deleted and created again, dropping its traffic until it reconnects '
                             '(primary connected): rx_csum True -> False']
    assert plan.diffs == [{'before_header': 'veth1 (live)', 'after_header': 'veth1 (recreated: traffic drops)',
                           'before': 'primary path: VIPORT_CONNECTED, GUID %s DGID %s\n' % OLD,
                           'after': 'deleted and created again; its traffic drops until it reconnects\n'
                                    '- rx_csum True -> False\n'}]
    assert plan.actions[0].detail['disruptive'] is True


def test_a_stale_explicit_identity_asks_for_a_configuration_refresh_naming_the_new_one():
    want = spec(primary={'ioc_string': S1, 'ioc_guid': OLD[0], 'dgid': OLD[1], 'port': 1})
    planner = QlgcPlanner({'veth1': want}, {'veth1': live_vnic(OLD, False)}, [],
                          {('veth1', 'primary'): resolve(want['primary'], fabric(NEW))}, {})
    plan = planner.build()
    assert plan.actions[0].reason == 'primary path: hot swap (explicit GUID/DGID stale): GUID %s -> %s, DGID %s -> %s' % (
        OLD[0], NEW[0], OLD[1], NEW[1])
    assert planner.notes == ['veth1: configured IOC GUID/DGID for the primary path no longer answer; IOC string "%s" now '
                             'has GUID %s DGID %s: refresh the configuration' % (S1, NEW[0], NEW[1])]


def test_a_vnic_whose_local_port_is_unknown_fails_with_the_reason():
    want = spec(primary={'ioc_string': S1, 'port': 7})
    plan = plan_for(want, live_vnic(OLD, False), OLD)
    assert plan.actions == [] and [(f.object, f.error) for f in plan.failures] == [('veth1', 'no local port HCA 0 port 7')]


def test_a_declared_identity_with_guid_1_is_complete_and_written():
    want = spec(primary={'ioc_guid': '0000000000000001', 'dgid': NEW[1], 'port': 1})
    plan = plan_for(want, live_vnic(OLD, False), None)
    assert [a.op for a in plan.actions] == ['update-primary']
    assert plan.actions[0].detail['new'] == {'ioc_guid': '0000000000000001', 'dgid': NEW[1], 'pkey': 'ffff'}


def test_a_path_moved_to_a_lower_local_port_is_recreated_too():
    live = live_vnic(OLD, False)
    live.paths['primary'].port = 2
    plan = plan_for(spec(), live, OLD)
    assert plan.actions[0].reason == 'recreate: primary local port mlx4_0:2 -> mlx4_0:1'


def test_with_both_ports_unknown_the_failure_names_the_primarys():
    want = spec(primary={'ioc_string': S1, 'port': 7}, secondary={'ioc_string': S1, 'port': 8})
    targets = {('veth1', which): resolve(want[which], fabric(OLD)) for which in ('primary', 'secondary')}
    plan = QlgcPlanner({'veth1': want}, {}, [], targets, {}).build()
    assert [(f.object, f.error) for f in plan.failures] == [('veth1', 'no local port HCA 0 port 7')]


def two_path_live(secondary_identity, primary_connected=True, secondary_connected=True):
    live = live_vnic(OLD, primary_connected)
    live.paths['secondary'] = path_on(secondary_identity, secondary_connected)
    return live


def test_a_secondary_repair_never_takes_down_the_connected_primary():
    want = spec(secondary={'ioc_string': S1, 'port': 1})
    targets = {('veth1', which): resolve(want[which], fabric(OLD)) for which in ('primary', 'secondary')}
    plan = QlgcPlanner({'veth1': want}, {'veth1': two_path_live(NEW)}, [], targets, {}).build()
    assert plan.actions == [] and [p.waiting_for for p in plan.pending] == ['disconnect']
    assert 'a recreate would take down the primary path, which is connected' in plan.pending[0].reason


def test_each_ambiguous_path_is_settled_on_its_own():
    # Both paths on an ambiguous string: the primary on neither candidate (pending), the secondary on one (kept).
    want = spec(secondary={'ioc_string': S1, 'port': 1})
    iocs = [VisibleIoc(*OLD, 0xffff, S1), VisibleIoc(*NEW, 0xffff, S1)]
    index = PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs)], [('mlx4_0', 1)])
    targets = {('veth1', which): resolve(want[which], index) for which in ('primary', 'secondary')}
    live = two_path_live(NEW)
    live.paths['primary'].ioc_guid = '00066a09de000070'
    plan = QlgcPlanner({'veth1': want}, {'veth1': live}, [], targets, {}).build()
    assert [p.waiting_for for p in plan.pending] == ['ambiguous']
    assert [w for w in plan.warnings if w.startswith('veth1 secondary path:') and 'stays on GUID %s' % NEW[0] in w] != []


def test_identities_are_compared_by_value_as_read_from_sysfs():
    # A GUID read from sysfs is another string object than the one the query gave: a DGID-only swap stays one.
    live = live_vnic(('%016x' % int(OLD[0], 16), OLD[1]), False)
    plan = plan_for(spec(), live, (OLD[0], NEW[1]))
    assert plan.actions[0].reason == 'primary path: hot swap of IOC "%s": DGID %s -> %s' % (S1, OLD[1], NEW[1])


def test_a_recorded_instance_that_went_down_recreates_too():
    want = spec(primary={'ioc_string': S1, 'port': 1, 'instance': 1})
    plan = plan_for(want, live_vnic(OLD, False), OLD, {'veth1': {'instance': {'primary': 2}}})
    assert plan.actions[0].reason == 'recreate: primary instance 2 -> 1'


def test_a_hot_swap_to_a_lower_guid_and_dgid_is_seen():
    plan = plan_for(spec(), live_vnic(NEW, False), OLD)
    assert plan.actions[0].reason == 'primary path: hot swap of IOC "%s": GUID %s -> %s, DGID %s -> %s' % (
        S1, NEW[0], OLD[0], NEW[1], OLD[1])


def test_a_dgid_read_from_sysfs_is_compared_by_value():
    live = live_vnic((OLD[0], '%032x' % int(OLD[1], 16)), False)
    plan = plan_for(spec(), live, (NEW[0], OLD[1]))
    assert plan.actions[0].reason == 'primary path: hot swap of IOC "%s": GUID %s -> %s' % (S1, OLD[0], NEW[0])


def test_a_declared_p_key_0001_is_written():
    want = spec(primary={'ioc_guid': NEW[0], 'dgid': NEW[1], 'port': 1, 'pkey': '0001'})
    plan = plan_for(want, live_vnic(OLD, False), None)
    assert [a.op for a in plan.actions] == ['update-primary'] and plan.actions[0].detail['new']['pkey'] == '0001'


def test_a_secondary_alone_on_an_ambiguous_string_is_settled():
    want = spec(secondary={'ioc_string': S2, 'port': 1})
    iocs = [VisibleIoc(*OLD, 0xffff, S1), VisibleIoc(*NEW, 0xffff, S2), VisibleIoc(*OTHER, 0xffff, S2)]
    index = PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', iocs)], [('mlx4_0', 1)])
    targets = {('veth1', which): resolve(want[which], index) for which in ('primary', 'secondary')}
    plan = QlgcPlanner({'veth1': want}, {'veth1': two_path_live(NEW)}, [], targets, {}).build()
    assert plan.actions == [] and plan.pending == []
    assert [w for w in plan.warnings if w.startswith('veth1 secondary path:') and 'stays on GUID %s' % NEW[0] in w] != []


def test_an_identity_declared_by_guid_alone_that_differs_says_declared():
    want = spec(primary={'ioc_guid': OLD[0], 'port': 1})
    plan = plan_for(want, live_vnic((OLD[0], NEW[1]), False), OLD)
    assert plan.actions[0].reason == 'primary path: declared IOC differs: DGID %s -> %s' % (NEW[1], OLD[1])
