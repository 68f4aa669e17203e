"""Declaration rules that live in the kinds' specs: ports, VLAN IDs, WWIDs, one path per IOC and instance."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import spec as fspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import spec as qspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi import spec as sspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.kind import QlgcKind

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'


def field_of(call, *args):
    with pytest.raises(ValidationError) as info:
        call(*args)
    return info.value.field


def test_hca_ports_are_numbered_from_one():
    item = {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'port': 0}}
    assert field_of(qspec.normalize, item, 'config[0]') == 'config[0].primary.port'
    item['primary']['port'] = 1
    assert qspec.normalize(item, 'config[0]')[0] == 'veth1'


@pytest.mark.parametrize('name, ok', [('eth2.101', True), ('eth2.4094', True), ('eth2.1', True), ('eth2.0', False),
                                      ('eth2.4095', False), ('eth2.backup', True), ('eth2', True)])
def test_fcoe_vlan_ids_are_the_ones_8021q_allows(name, ok):
    if ok:
        assert fspec.normalize({'interface': name}, 'config[0]')[0] == name
    else:
        assert field_of(fspec.normalize, {'interface': name}, 'config[0]') == 'config[0].interface'


@pytest.mark.parametrize('wwid, ok', [
    ('naa.600a098038304437522b4d6c70583130', True), ('eui.0025388b91c1e3a6', True),
    ('t10.ATA     ST31000528AS                                    9VP4AXZ1', True),
    ('iqn.2003-01.org.linux-iscsi.host:sn.1234', True), ('naa 6001', False), ('naa.xyz', False), ('6001405a', False),
    ('NAA.6001405a5e7c2d00', False), ('eui.12', False)])
def test_wwids_take_the_forms_the_kernel_prints(wwid, ok):
    item = {'address': '1:0:3:0', 'wwid': wwid}
    if ok:
        assert sspec.normalize(item, 'config[0]')[1]['wwid'] == wwid
    else:
        assert field_of(sspec.normalize, item, 'config[0]') == 'config[0].wwid'


def qlgc(name, **primary):
    return {'type': 'qlgc', 'name': name, 'primary': dict({'port': 1}, **primary)}


def test_two_paths_to_one_ioc_and_instance_are_refused_before_anything_runs():
    kind = QlgcKind(None, None)
    config = [qlgc('veth1', ioc_string=S1), qlgc('veth2', ioc_string=S1)]
    with pytest.raises(ValidationError) as info:
        kind.validate(config, 'merged', ['config[0]', 'config[1]'])
    assert info.value.field == 'config[1].primary' and 'already used by config[0].primary' in str(info.value)
    # Another instance is fine, and so is the same GUID once the string wins over it (vendor rule).
    kind.validate([qlgc('veth1', ioc_string=S1), qlgc('veth2', ioc_string=S1, instance=1)], 'merged', ['a', 'b'])
    guid = '00066a01de000070'
    kind.validate([qlgc('veth1', ioc_guid=guid), qlgc('veth2', ioc_guid=guid, ioc_string=S1)], 'merged', ['a', 'b'])
    with pytest.raises(ValidationError):
        kind.validate([qlgc('veth1', ioc_guid=guid), qlgc('veth2', ioc_guid=guid.upper())], 'merged', ['a', 'b'])
    # Deleting only names VNICs: nothing to check.
    kind.validate([{'type': 'qlgc', 'name': 'veth1'}, {'type': 'qlgc', 'name': 'veth2'}], 'deleted', ['a', 'b'])
