"""fabric_info and `iofabric-reconcile --check` run one code path (reconciler/kinds.reconcile), so they
report every recorded object with the same status (issue 18.7: a LUN with a wrong wwid was failed in one
and nothing in the other; a missing LUN without readd was drift in one and pending in the other)."""

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fabric_info import gather
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.sdi_device import run_sdi
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import run_pass

IOC1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
LATE = 'EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1'
WRONG_WWID = 'naa.600a0980383044375200000000000000'


def statuses_of_a_check_pass(sim) -> dict:
    report = run_pass(sim.root, sim.netns, check=True)
    return {(kind, row['object']): row['status'] for kind, result in report.kinds.items()
            for row in result.get('objects', [])}


def statuses_of_fabric_info(sim) -> dict:
    return {(row['kind'], row['object']): row['status'] for row in gather(sim.root, sim.netns)['objects']}


def test_every_object_has_one_status_in_both(sim):
    run_vnic({'state': 'merged', 'sysroot': sim.root, 'netns': sim.netns, 'config': [
        {'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': IOC1, 'port': 1}},
        {'type': 'qlgc', 'name': 'veth2', 'primary': {'ioc_string': LATE, 'port': 1}},
        {'type': 'macvlan', 'lower': 'eth1', 'name': 'vnic7'}]}, False)
    run_fcoe({'state': 'merged', 'config': [{'interface': 'eth2'}], 'sysroot': sim.root, 'netns': sim.netns,
              'dcb_timeout': 0.5}, False)
    run_sdi({'state': 'merged', 'sysroot': sim.root, 'config': [
        {'address': '1:0:3:0'}, {'address': '1:0:3:1', 'wwid': WRONG_WWID}, {'address': '1:0:3:2', 'readd': True},
        {'address': '1:0:9:0'}]}, False)
    run_eoib({'sysroot': sim.root, 'netns': sim.netns, 'grace': {'seconds': 0, 'observations': 1}}, False)
    sim.event('link-delete', name='vnic7')
    sim.event('dcb-set', iface='eth2', dcb='off')
    with open(sim.path('/sys/class/scsi_device/1:0:3:0/device/delete'), 'w', encoding='ascii') as handle:
        handle.write('1')

    check = statuses_of_a_check_pass(sim)
    info = statuses_of_fabric_info(sim)
    assert info == check
    # and what they agree on is what a pass would do
    assert check[('macvlan', 'vnic7')] == 'drift' and check[('fcoe', 'eth2')] == 'drift'
    assert check[('sdi', '1:0:3:1')] == 'failed'          # present, but not the declared device
    assert check[('sdi', '1:0:3:2')] == 'drift'           # missing, readd true: a pass would scan for it
    assert check[('sdi', '1:0:9:0')] == 'pending'         # missing, readd false: reported, never scanned for
    assert check[('sdi', '1:0:3:0')] == 'pending'
    assert check[('qlgc', 'veth2')] == 'pending'          # its IOC is late
