"""A missing FCoE netdev: a VLAN that FIP VLAN discovery can create waits; anything else is a typo."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.netif import missing, vlan_parent


@pytest.mark.parametrize('name, parent', [('eth2.101', 'eth2'), ('eth2.101-fcoe', 'eth2'), ('bond0.7x', 'bond0'),
                                          ('eth2', None), ('eth2.0', None), ('eth2.4095', None), ('eth2.', None)])
def test_vlan_parent(name, parent):
    assert vlan_parent(name) == parent


def test_missing():
    assert missing('eth2.101-fcoe', {'eth2'}) == (True, 'eth2.101-fcoe does not exist yet: it waits for the VLAN on '
                                                        'eth2 that FIP VLAN discovery (fipvlan -c, fcoemon) creates')
    assert missing('eth9.101', {'eth2'})[0] is False and 'neither does eth9' in missing('eth9.101', {'eth2'})[1]
    assert missing('eth9', {'eth2'})[0] is False and missing('eth9', {'eth2'})[1].startswith('eth9 does not exist')
