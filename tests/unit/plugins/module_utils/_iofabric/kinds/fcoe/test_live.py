"""FCoE instances read from a sysfs tree: identified by the netdev they run over, never by a SCSI host name
the kernel hands out again (the lowest free host number)."""

import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.live import read_instances
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from tests.lib.sysfs_tree import fcoe_host


def remove_host(root, host: str) -> None:
    os.unlink(root / 'sys/class/fc_host' / host)


def test_a_reused_host_number_belongs_to_the_new_netdev(tmp_path):
    fcoe_host(tmp_path, 'host1', 'ctlr_0', 'eth1')
    sysroot = Sysroot(str(tmp_path))
    before = read_instances(sysroot)
    assert {name: (i.host, i.ctlr) for name, i in before.items()} == {'eth1': ('host1', 'ctlr_0')}
    # eth1 destroyed, FCoE created on eth2: the kernel gives it host1 again (ctlr numbers are not reused).
    remove_host(tmp_path, 'host1')
    fcoe_host(tmp_path, 'host1', 'ctlr_1', 'eth2', enabled='0')
    after = read_instances(sysroot, before)
    assert {name: (i.host, i.ctlr, i.enabled) for name, i in after.items()} == {'eth2': ('host1', 'ctlr_1', False)}


def test_a_known_instance_is_reused_only_while_it_is_the_same(tmp_path):
    fcoe_host(tmp_path, 'host1', 'ctlr_0', 'eth1')
    sysroot = Sysroot(str(tmp_path))
    before = read_instances(sysroot)
    fcoe_host(tmp_path, 'host2', 'ctlr_1', 'eth2')
    after = read_instances(sysroot, before)
    assert after['eth1'] is before['eth1'] and after['eth2'].ctlr == 'ctlr_1'
    # eth1 destroyed and created again on the same host number: a new controller, read afresh.
    remove_host(tmp_path, 'host1')
    fcoe_host(tmp_path, 'host1', 'ctlr_2', 'eth1', enabled='0')
    again = read_instances(sysroot, after)
    assert again['eth1'] is not before['eth1'] and (again['eth1'].ctlr, again['eth1'].enabled) == ('ctlr_2', False)
