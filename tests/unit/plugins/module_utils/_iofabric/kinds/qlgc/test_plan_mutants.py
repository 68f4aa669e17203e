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


def spec(**extra):
    item = dict({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 1}}, **extra)
    raw = normalize(item, 'config[0]')[1]
    return fill(raw, defaults(raw))


def fabric(ioc):
    return PortIndex([QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', 'Active', [VisibleIoc(ioc[0], ioc[1], 0xffff, S1)])],
                     [('mlx4_0', 1)])


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
