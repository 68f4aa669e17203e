"""kinds/macvlan/spec.py: the ids of unnamed VNICs, and how messages name them instead."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan import spec as mspec

MAC = '02:aa:bb:cc:dd:ee'


def declared(lower, name=None, mac=None):
    return {'lower': lower, 'name': name, 'mac': mac}


def test_unnamed_vnics_get_ids_from_their_lower_link_and_mac_or_place():
    ids = [object_id for object_id, _spec in mspec.assign_ids([
        declared('eth1'), declared('eth1', name='vnic7'), declared('eth1'), declared('eth2', mac=MAC), declared('eth2')])]
    assert ids == ['auto:eth1#0', 'vnic7', 'auto:eth1#1', 'auto:eth2:' + MAC, 'auto:eth2#0']


def test_messages_name_an_unnamed_vnic_as_it_was_declared_never_by_its_made_up_id():
    labels = {object_id: mspec.label(object_id) for object_id, _spec in mspec.assign_ids([
        declared('eth1'), declared('eth1'), declared('eth2', mac=MAC), declared('eth3', name='vnic7')])}
    assert labels == {'auto:eth1#0': 'unnamed macvlan #1 on eth1', 'auto:eth1#1': 'unnamed macvlan #2 on eth1',
                      'auto:eth2:' + MAC: 'unnamed macvlan %s on eth2' % MAC, 'vnic7': 'vnic7'}
