"""The L2 domain of an EoIB parent from netlink-shaped link data (the fields _rtnl.parse_link
gives, plus IFLA_LINK_NETNSID), for the topologies this host's kernel cannot build (no 8021q,
no bonding): VLANs of the parent and of its bond or team, macvtaps on a bond, bridges behind
VLANs. The real-kernel cases (bridges, veth patch links, taps, macvtaps, a veth into another
namespace) are in tests/integration/modules/test_eoib_gc_l2.py; the VM lane runs VLAN/bond real.
Guest sources are real: libvirt's test driver through libvirt-python."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import topology as topo
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import tap_mac
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.sources import GuestInventory
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

GUEST = '52:54:00:c0:00:01'


def link(index, name, kind=None, lower=None, master=None, address=None, netnsid=None):
    return {'index': index, 'name': name, 'kind': kind, 'lower': lower, 'master': master,
            'address': address or '02:00:00:00:00:%02x' % index, 'perm_address': None, 'altnames': [],
            'mtu': 1500, 'mode': None, 'up': True, 'operstate': 'UP', 'netnsid': netnsid}


def roles(topology, parent='eth4'):
    domain = topology.domain(topology.by_name(parent))
    return {m.link.name: (m.role, m.why) for m in domain.members.values()}


# eth4 and eth7 in bond0; bond0.100 (VLAN of the bond) in br100; a guest tap in br100; a macvtap
# on bond0; eth4.200 (VLAN of the parent) in br200 with a Xen vif; team0 elsewhere, untouched.
BONDED = [
    link(1, 'lo'),
    link(2, 'eth4', master=3), link(3, 'bond0', 'bond'), link(9, 'eth7', master=3),
    link(4, 'bond0.100', 'vlan', lower=3, master=5), link(5, 'br100', 'bridge', address='ae:00:00:00:01:00'),
    link(6, 'vnet0', 'tun', master=5, address=tap_mac(GUEST)),
    link(7, 'macvtap3', 'macvtap', lower=3, address='52:54:00:c0:00:03'),
    link(8, 'eth4.200', 'vlan', lower=2, master=10), link(10, 'br200', 'bridge'),
    link(11, 'vif5.0', None, master=10, address='fe:ff:ff:ff:ff:ff'),
    link(12, 'team0', 'team'), link(13, 'eth8', master=12),
]


def test_vlans_of_the_parent_and_of_its_bond_and_a_macvtap_on_the_bond_are_its_domain():
    found = roles(topo.Topology.from_dump(BONDED))
    assert found == {
        'eth4': ('uplink', 'the EoIB parent'),
        'bond0': ('uplink', 'bond of eth4'),
        'bond0.100': ('host', 'vlan on bond0'),
        'br100': ('bridge', 'bridge of bond0.100'),
        'vnet0': ('needs-source', 'a tap: only the process holding it knows what sends through it'),
        'macvtap3': ('macvtap', 'macvtap on bond0'),
        'eth4.200': ('host', 'vlan on eth4'),
        'br200': ('bridge', 'bridge of eth4.200'),
        'vif5.0': ('needs-source', 'a physical (or Xen netback) link: frames from outside the host'),
    }


def test_a_team_is_an_uplink_like_a_bond():
    team = [link(1, 'eth4', master=2), link(2, 'team0', 'team', master=3), link(3, 'br0', 'bridge'),
            link(4, 'team0.7', 'vlan', lower=2)]
    assert roles(topo.Topology.from_dump(team)) == {
        'eth4': ('uplink', 'the EoIB parent'), 'team0': ('uplink', 'team of eth4'),
        'br0': ('bridge', 'bridge of team0'), 'team0.7': ('host', 'vlan on team0')}


def test_a_master_loop_in_a_dump_ends_the_walk_with_every_link_of_it_in_the_domain():
    """The kernel refuses a master loop; a dump that showed one (a race, a broken reply) must not hang a run."""
    looped = [link(1, 'eth4', master=2), link(2, 'bond0', 'bond', master=3), link(3, 'bond1', 'bond', master=2),
              link(4, 'macvtap0', 'macvtap', lower=3, address='52:54:00:c0:00:04')]
    found = roles(topo.Topology.from_dump(looped))
    assert found['eth4'] == ('uplink', 'the EoIB parent') and found['bond0'] == ('uplink', 'bond of eth4')
    assert found['bond1'] == ('uplink', 'bond of bond0') and found['macvtap0'] == ('macvtap', 'macvtap on bond1')


def test_patch_links_are_followed_through_bridges_and_vlans():
    chain = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'),
             link(3, 'p0', 'veth', lower=4, master=2), link(4, 'p1', 'veth', lower=3, master=5),
             link(5, 'br1', 'bridge'), link(6, 'br1.30', 'vlan', lower=5, master=7), link(7, 'br30', 'bridge'),
             link(8, 'mv0', 'macvlan', lower=7), link(9, 'ipv0', 'ipvlan', lower=5),
             link(10, 'c0', 'veth', lower=2, master=7, netnsid=3)]
    found = roles(topo.Topology.from_dump(chain))
    assert found['p0'] == ('host', 'a patch link: veth to p1 in bridge br1')
    assert found['p1'] == ('host', 'veth peer of p0')
    assert found['br1'] == ('bridge', 'bridge of p1')
    assert found['br1.30'] == ('host', 'vlan on br1') and found['br30'] == ('bridge', 'bridge of br1.30')
    assert found['mv0'] == ('host', 'macvlan on br30') and found['ipv0'] == ('host', 'ipvlan on br1')
    assert found['c0'] == ('needs-source', 'a veth whose far end is in another network namespace (netnsid 3)')


@pytest.mark.parametrize('port, why', [
    (link(3, 'eth9', None, master=2), 'a physical (or Xen netback) link: frames from outside the host'),
    (link(3, 'bond9', 'bond', master=2), 'a bond of other links: frames from outside the host'),
    (link(3, 'vx0', 'vxlan', master=2), 'a vxlan link: frames from outside the host'),
    (link(3, 'eth9.5', 'vlan', lower=9, master=2), 'a vlan on eth9, a link outside this domain'),
])
def test_ports_leading_outside_the_host_need_a_source(port, why):
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), port, link(9, 'eth9')]
    assert roles(topo.Topology.from_dump(data))[port['name']] == ('needs-source', why)


def test_a_vlan_of_another_bridge_as_a_port_brings_that_bridge_in():
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), link(3, 'br9.5', 'vlan', lower=4, master=2),
            link(4, 'br9', 'bridge'), link(5, 'tap3', 'tun', master=4)]
    found = roles(topo.Topology.from_dump(data))
    assert found['br9.5'] == ('host', 'vlan on br9') and found['br9'] == ('bridge', 'bridge under vlan br9.5')
    assert found['tap3'] == ('needs-source', 'a tap: only the process holding it knows what sends through it')


def test_a_master_that_is_not_a_bridge_or_bond_is_not_resolved():
    data = [link(1, 'eth4', master=2), link(2, 'ovs-system', 'openvswitch')]
    assert roles(topo.Topology.from_dump(data))['ovs-system'] == (
        'needs-source', 'a openvswitch that eth4 is enslaved to: its other ports are not resolved')


def test_local_macs_are_every_links_current_and_permanent_address():
    data = [link(1, 'eth4', address='00:25:8b:00:00:01'), link(2, 'br0', 'bridge', address='ae:00:00:00:00:02')]
    data[0]['perm_address'] = '00:25:8b:00:00:99'
    assert topo.Topology.from_dump(data).local_macs() == {
        '00:25:8b:00:00:01': 'eth4', '00:25:8b:00:00:99': 'eth4', 'ae:00:00:00:00:02': 'br0 (bridge)'}


NODE = '''<node><domain type='test'><name>web server</name><memory>1048576</memory><os><type>hvm</type></os>
<devices><interface type='bridge'><mac address='%s'/><source bridge='br100'/></interface></devices></domain></node>
''' % GUEST


@pytest.fixture
def inventory(tmp_path):
    def make(links, sources=('libvirt', 'macvtap')):
        (tmp_path / 'node.xml').write_text(NODE)
        return GuestInventory(Sysroot(str(tmp_path)), None, topo.Topology.from_dump(links), list(sources),
                              'test://%s' % (tmp_path / 'node.xml'))
    return make


def test_a_guest_behind_a_vlan_of_the_bond_is_attached_and_its_port_accounted(inventory):
    view = inventory([d for d in BONDED if d['name'] not in ('vif5.0',)]).view('eth4')
    assert view.error == ''
    assert view.macs[GUEST] == ['libvirt domain web server: NIC %s, bridge br100' % GUEST]
    assert view.accounted == {'vnet0': 'libvirt domain web server'}
    assert view.macs['52:54:00:c0:00:03'] == ['macvtap macvtap3 on bond0 has this MAC']


def test_a_port_no_source_names_makes_the_parent_fail_closed_naming_it(inventory):
    view = inventory(BONDED).view('eth4')
    assert view.error == ('port vif5.0 of br200 (a physical (or Xen netback) link: frames from outside the host) is '
                          'accounted for by no guest source in use (libvirt, macvtap): a port must be named by libvirt '
                          'or xenstore, or set source to bridge to trust the bridge forwarding table')
    other = inventory(BONDED).view('eth8')  # team0's slave: not in that domain, unaffected
    assert other.error == ''


def test_naming_the_bridge_source_accepts_its_ports(inventory):
    view = inventory(BONDED, sources=('bridge',)).view('eth4')
    assert view.error == '' and view.accounted == {'vnet0': 'bridge br100 forwarding table',
                                                   'vif5.0': 'bridge br200 forwarding table'}
