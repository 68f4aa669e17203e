from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import QueryPort, VisibleIoc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.resolve import (
    LATE,
    NO_PORT,
    PORT_DOWN,
    UNRESOLVED,
    VISIBLE,
    PortIndex,
    resolve,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.spec import normalize_path

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
G1, D1 = '00066a01de000070', 'fe8000000000000000066a11de000070'
G2, D2 = '00066a01df000070', 'fe8000000000000000066a11de000170'


def index(iocs, state='Active'):
    ports = [QueryPort(0, 'mlx4_0', 1, '0002c903000010f5', state, list(iocs)),
             QueryPort(1, 'mlx4_1', 2, '0002c90300000786', 'Active', [])]
    return PortIndex(ports, [('mlx4_0', 1), ('mlx4_1', 2)])


def path(**raw):
    return dict(normalize_path(raw, 'p'), pkey=raw.get('pkey', 'ffff'), instance=raw.get('instance', 0))


def test_string_resolves_to_the_visible_ioc():
    target = resolve(path(ioc_string=S1, port=1), index([VisibleIoc(G1, D1, 0xffff, S1)]))
    assert (target.status, target.ibdev, target.port, target.port_guid) == (VISIBLE, 'mlx4_0', 1, '0002c903000010f5')
    assert (target.ioc_guid, target.dgid, target.ioc_string) == (G1, D1, S1)


def test_the_string_wins_over_a_guid_without_dgid():
    target = resolve(path(ioc_string=S1, ioc_guid=G1, port=1), index([VisibleIoc(G2, D2, 0xffff, S1)]))
    assert (target.status, target.ioc_guid, target.dgid, target.stale_explicit) == (VISIBLE, G2, D2, False)


def test_explicit_guid_and_dgid_fall_back_to_the_string_after_a_hot_swap():
    target = resolve(path(ioc_string=S1, ioc_guid=G1, dgid=D1, port=1), index([VisibleIoc(G2, D2, 0xffff, S1)]))
    assert (target.status, target.ioc_guid, target.dgid, target.stale_explicit) == (VISIBLE, G2, D2, True)


def test_late_ioc_resolves_to_zeros_for_the_unknown():
    target = resolve(path(ioc_string=S1, port=1), index([]))
    assert target.status == LATE and 'not visible' in target.reason
    assert int(target.ioc_guid, 16) == 0 and int(target.dgid, 16) == 0
    late_guid = resolve(path(ioc_guid=G1, port=1), index([]))
    assert (late_guid.status, late_guid.ioc_guid, int(late_guid.dgid, 16)) == (LATE, G1, 0)


def test_pkey_must_match():
    target = resolve(path(ioc_guid=G1, port=1, pkey='8001'), index([VisibleIoc(G1, D1, 0xffff, S1)]))
    assert target.status == LATE and 'P_Key 0xffff' in target.reason


def test_ports_by_number_name_and_guid():
    visible = index([VisibleIoc(G1, D1, 0xffff, S1)])
    assert resolve(path(ioc_guid=G1, hca='mlx4_0', port=1), visible).status == VISIBLE
    assert resolve(path(ioc_guid=G1, port_guid='0x0002c903000010f5'), visible).status == VISIBLE
    assert resolve(path(ioc_guid=G1, hca=1, port=2), visible).port_key == 'mlx4_1:2'
    missing = resolve(path(ioc_guid=G1, hca=3, port=1), visible)
    assert (missing.status, missing.ibdev) == (NO_PORT, None)
    assert resolve(path(ioc_guid=G1, port_guid='0x1'), visible).status == NO_PORT


def test_port_down():
    target = resolve(path(ioc_string=S1, port=1), index([VisibleIoc(G1, D1, 0xffff, S1)], state='Down'))
    assert target.status == PORT_DOWN and 'Down' in target.reason


def test_query_failure_keeps_explicit_paths_usable_by_device_name():
    failed = PortIndex(None, [('mlx4_0', 1)], 'exit status 1')
    explicit = resolve(path(ioc_guid=G1, dgid=D1, hca='mlx4_0', port=1), failed)
    assert (explicit.status, explicit.ibdev, explicit.ioc_guid, explicit.dgid) == (UNRESOLVED, 'mlx4_0', G1, D1)
    by_number = resolve(path(ioc_string=S1, port=1), failed)
    assert by_number.ibdev is None and 'exit status 1' in by_number.reason


def test_a_string_that_no_visible_ioc_carries_keeps_the_near_ones_and_stays_late():
    typo = S1.replace('Chassis', 'chasis')
    target = resolve(path(ioc_string=typo, port=1), index([VisibleIoc(G1, D1, 0xffff, S1)]))
    assert target.status == LATE and [match.ioc_string for match in target.near] == [S1]
    assert (int(target.ioc_guid, 16), int(target.dgid, 16), target.ioc_string) == (0, 0, typo)   # never the near IOC's
    # Only the IOCs of the declared port count: S1 is visible through mlx4_0 port 1, not mlx4_1 port 2.
    assert resolve(path(ioc_string=typo, hca='mlx4_1', port=2), index([VisibleIoc(G1, D1, 0xffff, S1)])).near == ()
    assert resolve(path(ioc_string=S1, port=1), index([])).near == ()
