"""Reading mlx4_vnic's flat files: parents by NETDEV_NAME, children by parent= in cmd files."""

import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import children_of, normal_mac, read_parents
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

INFO = 'NETDEV_NAME   eth3\nNETDEV_LINK   up\nIOA_PORT      mlx4_0:1\nMAC           00:25:8B:27:14:78\n'
PARENT_CMD = ('name=eth3 mac=00:25:8B:27:14:78 vnic_id=5 vid=3 bxname=N/A bxguid=00:00:00:00:00:00:04:B2 eport=A10 '
              'ipv4=N/A ipv6=N/A emac=N/A pkey=N/A parent=N/A ib_port=mlx4_0:1\n')
CHILD_CMD = ('name=eth7.c16385 mac=52:54:00:A1:0:1 vnic_id=16385 vid=3 bxname=N/A bxguid=00:00:00:00:00:00:04:B2 '
             'eport=A10 ipv4=N/A ipv6=N/A emac=N/A pkey=N/A parent=eth3 ib_port=mlx4_0:1\n')


def write(root, name, text):
    path = os.path.join(root, 'sys/module/mlx4_vnic', name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='ascii') as handle:
        handle.write(text)


def test_parents_and_children(tmp_path):
    root = str(tmp_path)
    write(root, 'vnic7-info', INFO)
    write(root, 'vnic-eth3-cmd', PARENT_CMD)
    write(root, 'vnic-eth7.c16385-cmd', CHILD_CMD)
    write(root, 'vnic-eth7.c16386-cmd', CHILD_CMD.replace('parent=eth3', 'parent=eth9').replace('A1:0:1', 'A1:0:2'))
    parents = read_parents(Sysroot(root))
    assert list(parents) == ['eth3']
    parent = parents['eth3']
    assert (parent.number, parent.mac, parent.child_file) == (7, '00:25:8b:27:14:78', 'vnic7-child')
    assert parent.children == {'52:54:00:a1:00:01': 'eth7.c16385'}
    assert children_of(Sysroot(root), 'eth3') == {'52:54:00:a1:00:01'}


def test_mac_normalisation():
    assert normal_mac('0:25:8B:27:14:78') == '00:25:8b:27:14:78'
    for bad in ('N/A', '', '00:25:8b:27:14', '00:25:8b:27:14:7g', '000:25:8b:27:14:78'):
        assert normal_mac(bad) is None, bad
