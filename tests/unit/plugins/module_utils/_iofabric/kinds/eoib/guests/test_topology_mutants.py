"""Topology's reads on the real kernel (mutation testing, docs/mutation.md): the dump of a namespace, the
bridges' forwarding table, and the MACs of links in the other namespaces named under <sysroot>/run/netns,
in fresh network namespaces made here (veth pairs and a bridge: the kernel here has no dummy)."""

from __future__ import annotations

import itertools
import os
import subprocess

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import NetlinkUnavailable
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import topology as topo

pytestmark = pytest.mark.netns
_NUMBERS = itertools.count()


def ip(netns: str, *args: str) -> str:
    return subprocess.run(['ip', '-n', netns] + list(args), check=True, capture_output=True, text=True).stdout


@pytest.fixture
def namespaces():
    """Make named namespaces on demand, each deleted after the test."""
    made = []

    def make(prefix: str) -> str:
        name = '%s-iofu-topo-%d-%d' % (prefix, os.getpid(), next(_NUMBERS))
        subprocess.run(['ip', 'netns', 'add', name], check=True, capture_output=True)
        made.append(name)
        return name
    yield make
    for name in made:
        subprocess.run(['ip', 'netns', 'del', name], check=False, capture_output=True)


@pytest.fixture
def sysroot(tmp_path):
    """A sysroot whose /run/netns holds bind mounts of namespaces (bound by `bind`), unmounted after."""
    directory = tmp_path / 'run' / 'netns'
    directory.mkdir(parents=True)
    bound = []

    def bind(name: str, as_name: str | None = None) -> None:
        target = directory / (as_name or name)
        target.touch()
        subprocess.run(['mount', '--bind', '/run/netns/' + name, str(target)], check=True, capture_output=True)
        bound.append(target)
    yield Sysroot(str(tmp_path)), directory, bind
    for target in bound:
        subprocess.run(['umount', str(target)], check=False, capture_output=True)


def veth(netns: str, name: str, mac: str, peer: str, peer_mac: str) -> None:
    ip(netns, 'link', 'add', name, 'address', mac, 'type', 'veth', 'peer', 'name', peer, 'address', peer_mac)


def test_the_macs_of_every_other_namespace_are_named_with_their_link_and_namespace(namespaces, sysroot):
    root, directory, bind = sysroot
    skipped, other = namespaces('a'), namespaces('b')   # the one asked for sorts first: the others still follow
    veth(skipped, 'v0', '02:aa:00:00:00:01', 'v1', '02:aa:00:00:00:02')
    veth(other, 'c0', '02:BB:00:00:00:01', 'c1', '02:bb:00:00:00:02')
    bind(skipped)
    bind(other)
    assert topo.macs_elsewhere(root, skipped) == {
        '02:bb:00:00:00:01': 'c0 (veth) in network namespace %s' % other,
        '02:bb:00:00:00:02': 'c1 (veth) in network namespace %s' % other}   # lo's zero MAC is no MAC
    assert set(topo.macs_elsewhere(root, None)) == {'02:aa:00:00:00:01', '02:aa:00:00:00:02', '02:bb:00:00:00:01',
                                                    '02:bb:00:00:00:02'}


def test_a_name_under_run_netns_that_is_no_namespace_is_skipped_and_the_rest_read(namespaces, sysroot):
    root, directory, bind = sysroot
    (directory / 'a-not-a-namespace').write_text('')   # sorts first: setns() refuses a regular file
    other = namespaces('b')
    veth(other, 'c0', '02:bb:00:00:00:01', 'c1', '02:bb:00:00:00:02')
    bind(other)
    assert sorted(topo.macs_elsewhere(root, None)) == ['02:bb:00:00:00:01', '02:bb:00:00:00:02']


def test_without_run_netns_no_other_namespace_is_seen(tmp_path):
    assert topo.macs_elsewhere(Sysroot(str(tmp_path)), None) == {}


def test_a_namespace_that_does_not_exist_is_reported_by_name():
    with pytest.raises(NetlinkUnavailable) as caught:
        topo.dump('iofu-topo-no-such-netns')
    assert str(caught.value) == ('cannot open rtnetlink in network namespace iofu-topo-no-such-netns: '
                                 'no network namespace named iofu-topo-no-such-netns')


def test_a_read_gives_the_namespaces_links_its_forwarding_table_and_the_macs_elsewhere(namespaces, sysroot):
    root, directory, bind = sysroot
    here, elsewhere = namespaces('a'), namespaces('b')
    veth(here, 'eth4', '02:cc:00:00:00:01', 'p4', '02:cc:00:00:00:02')
    ip(here, 'link', 'add', 'br0', 'address', '02:cc:00:00:00:10', 'type', 'bridge')
    ip(here, 'link', 'set', 'eth4', 'master', 'br0')
    veth(elsewhere, 'c0', '02:dd:00:00:00:01', 'c1', '02:dd:00:00:00:02')
    bind(here)
    bind(elsewhere)
    read = topo.Topology.read(here, with_fdb=True, sysroot=root)
    names = {link.index: link.name for link in read.links.values()}
    assert sorted(names.values()) == ['br0', 'eth4', 'lo', 'p4']
    eth4 = read.by_name('eth4')
    assert eth4.kind == 'veth' and names[eth4.master] == 'br0' and names[eth4.lower] == 'p4'
    assert ('02:cc:00:00:00:01', eth4.index, read.by_name('br0').index, True) in read.fdb   # the port's own MAC: permanent
    assert read.elsewhere == {'02:dd:00:00:00:01': 'c0 (veth) in network namespace %s' % elsewhere,
                              '02:dd:00:00:00:02': 'c1 (veth) in network namespace %s' % elsewhere}
    plain = topo.Topology.read(here, with_fdb=False)
    assert plain.fdb == [] and plain.elsewhere == {} and sorted(link.name for link in plain.links.values()) == sorted(names.values())


def test_a_veth_whose_peer_is_in_another_namespace_is_read_with_its_netnsid(namespaces):
    here, there = namespaces('a'), namespaces('b')
    ip(here, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1', 'netns', there)
    read = topo.Topology.read(here, with_fdb=False)
    p0 = read.by_name('p0')
    assert p0.index in read.netnsids and isinstance(read.netnsids[p0.index], int) and read.netnsids[p0.index] >= 0


# -- from netlink-shaped data ------------------------------------------------------------------------
def link(index, name, kind=None, lower=None, master=None, address=None):
    return {'index': index, 'name': name, 'kind': kind, 'lower': lower, 'master': master,
            'address': address or '02:00:00:00:00:%02x' % index, 'perm_address': None, 'altnames': [],
            'mtu': 1500, 'mode': None, 'up': True, 'operstate': 'UP'}


def test_local_macs_take_in_the_other_namespaces_macs_after_this_ones():
    topology = topo.Topology.from_dump([link(1, 'eth4', address='02:00:00:00:00:01')])
    topology.elsewhere = {'02:00:00:00:00:01': 'x0 in network namespace n1', '02:00:00:00:00:99': 'mv0 (macvlan) in network namespace n1'}
    assert topology.local_macs() == {'02:00:00:00:00:01': 'eth4', '02:00:00:00:00:99': 'mv0 (macvlan) in network namespace n1'}


def built(text: str) -> str:
    """A string made at run time, as rtnl decodes the kernel's IFLA_INFO_KIND: never one of the code's interned literals."""
    return ''.join(list(text))


def test_kinds_read_from_the_kernel_are_compared_by_value():
    data = [link(1, 'eth4', master=2), link(2, 'br0', built('bridge')),
            link(3, 'p0', built('veth'), lower=4, master=2), link(4, 'p1', built('veth'), lower=3, master=5),
            link(5, 'br1', built('bridge')),
            link(6, 'mv0', built('macvlan'), lower=7, master=2), link(7, 'br9', built('bridge'))]
    domain = topo.Topology.from_dump(data).domain(topo.Topology.from_dump(data).by_name('eth4'))
    found = {m.link.name: (m.role, m.why) for m in domain.members.values()}
    assert found['p0'] == ('host', 'a patch link: veth to p1 in bridge br1') and found['p1'] == ('host', 'veth peer of p0')
    assert found['mv0'] == ('host', 'macvlan on br9') and found['br9'] == ('bridge', 'bridge under macvlan mv0')


def test_a_tap_read_from_the_kernel_is_a_tap():
    data = [link(1, 'eth4', master=2), link(2, 'br0', built('bridge')), link(3, 'vnet0', built('tun'), master=2)]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: (m.role, m.why) for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found['vnet0'] == ('needs-source', 'a tap: only the process holding it knows what sends through it')


def test_uppers_are_found_by_index_value_past_the_small_int_cache():
    """Interface indexes grow past 256 on a host that has made many links; the dump builds each int anew."""
    parent, tap = int('1000'), int('1001')
    data = [link(parent, 'eth4'), link(tap, 'macvtap0', 'macvtap', lower=int('1000'))]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: m.role for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found == {'eth4': 'uplink', 'macvtap0': 'macvtap'}


@pytest.mark.parametrize('kind', ['batadv', 'openvswitch'])   # sorting before and after 'bridge'
def test_a_master_that_is_no_bridge_nor_bond_is_not_resolved(kind):
    data = [link(1, 'eth4', master=2), link(2, 'm0', kind)]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: (m.role, m.why) for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found['m0'] == ('needs-source', 'a %s that eth4 is enslaved to: its other ports are not resolved' % kind)


def test_learned_gives_only_what_that_bridge_learned_on_the_ports_asked_about():
    data = [link(5, 'br0', 'bridge'), link(6, 'p0', master=5), link(7, 'p1', master=5), link(3, 'br1', 'bridge'),
            link(4, 'q0', master=3)]
    fdb = [('52:54:00:00:00:01', 6, 5, False), ('52:54:00:00:00:02', 7, 5, False), ('52:54:00:00:00:03', 4, 3, False),
           ('52:54:00:00:00:04', 6, 5, True), ('52:54:00:00:00:05', 6, 3, False), ('52:54:00:00:00:06', 6, 9, False)]
    topology = topo.Topology.from_dump(data, fdb)
    assert topology.learned(topology.by_name('br0'), [topology.by_name('p0')]) == [('52:54:00:00:00:01', 'p0')]


def test_a_zero_mac_read_from_the_kernel_is_no_mac():
    topology = topo.Topology.from_dump([link(1, 'lo', address=built('00:00:00:00:00:00')), link(2, 'eth4')])
    assert topology.local_macs() == {'02:00:00:00:00:02': 'eth4'}


def test_bridge_ports_are_found_by_index_value_past_the_small_int_cache():
    data = [link(int('1000'), 'eth4', master=int('1002')), link(int('1002'), 'br0', 'bridge'),
            link(int('1003'), 'vnet0', 'tun', master=int('1002'))]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: m.role for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found == {'eth4': 'uplink', 'br0': 'bridge', 'vnet0': 'needs-source'}


def test_a_dummy_read_from_the_kernel_is_the_hosts_own():
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), link(3, 'd0', built('dummy'), master=2)]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: (m.role, m.why) for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found['d0'] == ('host', "a dummy link (the host's own)")


def test_a_link_reached_two_ways_is_explained_by_the_nearer_one():
    """br1 is one step behind br0's port a0 (a VLAN of br1) and two behind its port p0 (a patch link to p1 in br1):
    the walk goes breadth first, so br1 is explained by a0."""
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), link(3, 'a0', 'vlan', lower=5, master=2),
            link(4, 'p0', 'veth', lower=6, master=2), link(6, 'p1', 'veth', lower=4, master=5), link(5, 'br1', 'bridge')]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: (m.role, m.why) for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found['br1'] == ('bridge', 'bridge under vlan a0')


def test_learned_compares_bridge_indexes_by_value():
    data = [link(int('1005'), 'br0', 'bridge'), link(int('1006'), 'p0', master=int('1005'))]
    topology = topo.Topology.from_dump(data, [('52:54:00:00:00:01', int('1006'), int('1005'), False)])
    assert topology.learned(topology.by_name('br0'), [topology.by_name('p0')]) == [('52:54:00:00:00:01', 'p0')]


@pytest.mark.parametrize('kind', ['bond', 'vrf'])   # sorting before and after 'bridge'
def test_a_veth_whose_far_end_is_enslaved_to_no_bridge_needs_a_source(kind):
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), link(3, 'p0', 'veth', lower=4, master=2),
            link(4, 'p1', 'veth', lower=3, master=5), link(5, 'm0', kind)]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: (m.role, m.why) for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found['p0'] == ('needs-source', 'a veth whose far end p1 is in no bridge')


def test_a_macvtap_port_brings_no_bridge_under_it_into_the_domain():
    """Only the host's own uppers (VLAN, macvlan, ipvlan) on a bridge share its domain; a macvtap is a guest's."""
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), link(3, 'mt0', 'macvtap', lower=4, master=2),
            link(4, 'br9', 'bridge')]
    topology = topo.Topology.from_dump(data)
    assert 'br9' not in {m.link.name for m in topology.domain(topology.by_name('eth4')).members.values()}


def test_a_macvtap_read_from_the_kernel_is_a_guests():
    data = [link(1, 'eth4'), link(2, 'macvtap0', built('macvtap'), lower=1)]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: m.role for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found == {'eth4': 'uplink', 'macvtap0': 'macvtap'}


def test_only_a_veth_has_a_peer():
    """A VLAN port of br0 on a dummy outside the domain: its lower is no peer, and stays outside."""
    data = [link(1, 'eth4', master=2), link(2, 'br0', 'bridge'), link(3, 'v9', 'vlan', lower=9, master=2), link(9, 'd9', 'dummy')]
    topology = topo.Topology.from_dump(data)
    found = {m.link.name: (m.role, m.why) for m in topology.domain(topology.by_name('eth4')).members.values()}
    assert found['v9'] == ('host', 'vlan on d9') and 'd9' not in found
