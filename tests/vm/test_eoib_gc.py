"""eoib_gc's proof of absence on the real 6.1 kernel's 8021q and bonding (the host kernel has neither).

The parents' L2 domains are real links of the guest, read by the module over real rtnetlink: a guest (a network
namespace whose veth is in a bridge) behind a VLAN sub-interface of parent ens4; a macvtap on a bond whose slaves
are parent ens5 and ens6; a macvtap on a VLAN of that bond. No mlx4_vnic driver exists for an emulated NIC: its
/sys/module/mlx4_vnic files (one vNic per parent, the child MACs in their cmd files) are plain files under a sysroot
given to the module, so the run is in check mode: it decides and reports, the driver's child file is not written
(the removal itself is tested on fabricsim, tests/integration/modules/test_eoib_gc*.py).
"""

from __future__ import annotations

from tests.lib.vm import run_play

SYSROOT = '/srv/iofeoib'
BEHIND_VLAN = '52:54:00:e0:00:01'       # a guest behind ens4.7 (iofv7), in bridge iofbr7
ON_BOND = '52:54:00:e0:00:02'           # macvtap iofmt0 on iofbond0 (slaves ens5, ens6)
ON_BOND_VLAN = '52:54:00:e0:00:03'      # macvtap iofmt1 on iofbond0.9 (iofb9)
GONE_4, GONE_5 = '52:54:00:e0:00:0f', '52:54:00:e0:00:0e'   # guests that are really gone
CHILDREN = {'ens4': {'iofc1': BEHIND_VLAN, 'iofc4': GONE_4},
            'ens5': {'iofc2': ON_BOND, 'iofc3': ON_BOND_VLAN, 'iofc5': GONE_5}}

TOPOLOGY = r'''
modprobe 8021q
modprobe bonding max_bonds=0
# ens4 -> VLAN 7 -> bridge iofbr7 <- veth iofg1 <- the guest's eth0 (network namespace iofguest1)
ip link add link ens4 name iofv7 type vlan id 7
ip link add iofbr7 type bridge
ip link set iofv7 master iofbr7
ip netns add iofguest1
ip link add iofg1 type veth peer name eth0 netns iofguest1
ip -n iofguest1 link set eth0 address {vlan_guest} up
ip link set iofg1 master iofbr7
for link in iofv7 iofg1 iofbr7; do ip link set "$link" up; done
ip addr add 10.77.7.1/24 dev iofbr7
ip -n iofguest1 addr add 10.77.7.2/24 dev eth0
# The guest speaks (an ARP request for the bridge's address): the bridge learns its MAC on iofg1.
for attempt in $(seq 1 50); do
    ip netns exec iofguest1 python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("10.77.7.1", 9))'
    bridge fdb show br iofbr7 | grep -q "^{vlan_guest} dev iofg1 master iofbr7" && break
    sleep 0.2
done
bridge fdb show br iofbr7 | grep "^{vlan_guest} dev iofg1 master iofbr7"
# ens5 (and ens6) -> bond iofbond0 -> macvtap iofmt0; iofbond0 -> VLAN 9 -> macvtap iofmt1
ip link add iofbond0 type bond mode active-backup
ip link set ens5 down
ip link set ens6 down
ip link set ens5 master iofbond0
ip link set ens6 master iofbond0
ip link set iofbond0 up
ip link add link iofbond0 name iofmt0 address {bond_tap} type macvtap mode bridge
ip link add link iofbond0 name iofb9 type vlan id 9
ip link add link iofb9 name iofmt1 address {bond_vlan_tap} type macvtap mode bridge
for link in iofmt0 iofb9 iofmt1; do ip link set "$link" up; done
'''


def driver_files(vm) -> None:
    """The mlx4_vnic files the module reads: vnic<N>-info per parent, vnic-<child>-cmd per child MAC."""
    script = ['rm -rf %s' % SYSROOT, 'install -d -m 0755 %s/sys/module/mlx4_vnic' % SYSROOT,
              'cd %s/sys/module/mlx4_vnic' % SYSROOT]
    for number, parent in enumerate(sorted(CHILDREN), start=1):
        mac = vm.read('/sys/class/net/%s/address' % parent).strip()
        script.append('printf "NETDEV_NAME   %s\\nMAC           %s\\nIOA_PORT      mlx4_0:1\\n" > vnic%d-info'
                      % (parent, mac, number))
        script.append(': > vnic%d-child' % number)
        for child, child_mac in sorted(CHILDREN[parent].items()):
            script.append('echo "name=%s parent=%s mac=%s" > vnic-%s-cmd' % (child, parent, child_mac, child))
    vm.sh('\n'.join(script) + '\n')


def test_guests_behind_a_vlan_and_a_bond_are_attached_and_only_the_gone_ones_collected(clean_vm, tmp_path):
    vm = clean_vm
    try:
        vm.sh(TOPOLOGY.format(vlan_guest=BEHIND_VLAN, bond_tap=ON_BOND, bond_vlan_tap=ON_BOND_VLAN), timeout=180)
        driver_files(vm)
        run = run_play(vm, tmp_path, [{'name': 'gc', 'iofabric.core.eoib_gc': {
            'parents': ['ens4', 'ens5'], 'source': ['bridge', 'macvtap'], 'sysroot': SYSROOT,
            'grace': {'seconds': 0, 'observations': 1}}}], check=True)
        result = run.task('gc')
        assert run.rc == 0 and not result.get('failed'), '%s\n%s' % (result, run.stdout[-3000:])
        assert result['pending'] == [], result['pending']
        kept = {entry['mac']: entry for entry in result['kept']}
        assert kept[BEHIND_VLAN]['reason'] == 'attached', kept
        assert kept[BEHIND_VLAN]['evidence'] == ['bridge iofbr7 learned %s on port iofg1' % BEHIND_VLAN], kept
        for mac, tap, lower in ((ON_BOND, 'iofmt0', 'iofbond0'), (ON_BOND_VLAN, 'iofmt1', 'iofb9')):
            assert kept[mac]['reason'] == 'attached', kept
            assert kept[mac]['evidence'] == ['macvtap %s on %s has this MAC' % (tap, lower)], kept
        removed = sorted((action['object'], action['detail']['mac']) for action in result['actions']
                         if action['action'] == 'remove_child')
        assert removed == [('ens4', GONE_4), ('ens5', GONE_5)], result['actions']
        assert {action['status'] for action in result['actions']} == {'planned'}, result['actions']
        assert result['changed'] is True
        # Check mode: the driver's child files are untouched.
        assert vm.sh('cat %s/sys/module/mlx4_vnic/vnic*-child' % SYSROOT).stdout == ''
    finally:
        vm.sh('ip netns del iofguest1 2>/dev/null || true\nrm -rf %s\n' % SYSROOT)
