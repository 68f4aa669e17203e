"""eoib_gc proves absence over the parent's whole L2 domain, on the host's real kernel.

The 'small' scenario's namespace is extended here with real links (a second bridge patched to
br0 by a veth pair, guest ports, taps, veths into another namespace, a systemd-style bridge
MAC) and a libvirt test-driver node with domains named 'web server', '42' and '3'. The host
kernel has no 8021q or bonding: VLAN and bond/team domains are covered with netlink-shaped
data in tests/unit/plugins/module_utils/test_guest_topology.py (the VM lane runs them real).
Every refusal is asserted with its evidence text and with zero removals written.
"""

import os
import re
import subprocess
import uuid

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import libvirt_domains as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError

VM2, VM4 = '52:54:00:a1:00:02', '52:54:00:a1:00:04'
WEB, FORTY_TWO, THREE = '52:54:00:b0:00:01', '52:54:00:b0:00:02', '52:54:00:b0:00:03'
ONE = {'seconds': 0, 'observations': 1}
MODULE = '/sys/module/mlx4_vnic'


def gc(sim, check=False, **params):
    params.setdefault('grace', ONE)
    params.setdefault('confirm_timeout', 3)
    return run_eoib(dict(params, sysroot=sim.root, netns=sim.netns, lock_timeout=5), check)


def ip(sim, *args):
    subprocess.run(['ip', '-n', sim.netns] + list(args), check=True, capture_output=True, timeout=30)


def children(sim, parent):
    return sorted(sim.state()['drivers']['mlx4_vnic'][parent]['children'])


def removals(sim, since):
    """The child removals written since ``since`` (the setup's own '+' writes left out)."""
    return [(w['path'].rsplit('/', 1)[1], w['data']) for w in sim.writes(since)
            if w['path'].endswith('-child') and w['data'].startswith('-')]


def child_file(sim, parent):
    for entry in os.listdir(sim.path(MODULE)):
        if entry.endswith('-info'):
            with open(sim.path('%s/%s' % (MODULE, entry)), encoding='utf-8') as handle:
                if re.search(r'^NETDEV_NAME\s+%s$' % parent, handle.read(), re.MULTILINE):
                    return sim.path('%s/%s' % (MODULE, entry.replace('-info', '-child')))
    raise AssertionError('no vNic %s' % parent)


def add_child(sim, parent, mac):
    """What the kernel does when a guest sends through the parent (vif_detect's '+mac' write)."""
    with open(child_file(sim, parent), 'w', encoding='ascii') as handle:
        handle.write('+' + mac)
    for _poll in range(200):
        if mac in children(sim, parent):
            return
        subprocess.run(['sleep', '0.05'], check=True)
    raise AssertionError('child %s never appeared under %s' % (mac, parent))


def patched_bridge(sim):
    """br1, joined to br0 (eth4's bridge) by the veth pair pb0 (in br0) / pb1 (in br1)."""
    ip(sim, 'link', 'add', 'br1', 'type', 'bridge')
    ip(sim, 'link', 'add', 'pb0', 'type', 'veth', 'peer', 'name', 'pb1')
    ip(sim, 'link', 'set', 'pb0', 'master', 'br0')
    ip(sim, 'link', 'set', 'pb1', 'master', 'br1')
    for link in ('br1', 'pb0', 'pb1'):
        ip(sim, 'link', 'set', link, 'up')


def guest_port(sim, port, bridge, mac):
    """A libvirt guest's host side as fabricsim models it: a veth in the bridge carrying the MAC
    libvirt gives a tap (the guest's, first octet 0xfe), its peer up as the guest's end."""
    ip(sim, 'link', 'add', port, 'address', glibvirt.tap_mac(mac), 'type', 'veth', 'peer', 'name', port + 'g')
    ip(sim, 'link', 'set', port, 'master', bridge)
    ip(sim, 'link', 'set', port + 'g', 'up')
    ip(sim, 'link', 'set', port, 'up')


def node(sim, tmp_path, domains):
    """The simulator's node XML (vm1..vm4) plus ``domains`` [(name, mac, bridge)], for test:///."""
    with open(sim.path('/var/lib/fabricsim/libvirt/node.xml'), encoding='utf-8') as handle:
        text = handle.read()
    extra = ''.join(
        "  <domain type='test'><name>%s</name><uuid>%s</uuid><memory>1048576</memory><os><type>hvm</type></os>"
        "<devices><interface type='bridge'><mac address='%s'/><source bridge='%s'/></interface></devices></domain>\n"
        % (name, uuid.uuid5(uuid.NAMESPACE_URL, name), mac, bridge) for name, mac, bridge in domains)
    path = tmp_path / 'node.xml'
    path.write_text(text.replace('</node>', extra + '</node>'))
    return 'test://%s' % path


def test_a_guest_behind_a_bridge_patched_to_the_parents_is_attached(sim, tmp_path):
    """mlx4_vnicd and the old eoib_gc looked only at the parent's own bridge: web server's MAC
    on br1 (patched to br0 by a veth pair) looked stale and was removed."""
    patched_bridge(sim)
    guest_port(sim, 'vnet9', 'br1', WEB)
    uri = node(sim, tmp_path, [('web server', WEB, 'br1')])
    add_child(sim, 'eth4', WEB)
    since = sim.write_count()
    for _run in range(2):
        result = gc(sim, parents=['eth4'], libvirt_uri=uri)
        assert result['actions'] == [] and 'stale' not in result and result['pending'] == []
    kept = {k['mac']: k for k in result['kept']}
    assert kept[WEB]['reason'] == 'attached'
    assert kept[WEB]['evidence'] == ['libvirt domain web server: NIC %s, bridge br1' % WEB]
    assert WEB in children(sim, 'eth4') and removals(sim, since) == []


def _tap(sim):
    ip(sim, 'tuntap', 'add', 'mode', 'tap', 'name', 'tap9')
    ip(sim, 'link', 'set', 'tap9', 'master', 'br1')
    return 'port tap9 of br1 (a tap: only the process holding it knows what sends through it)'


def _veth_unbridged(sim):
    ip(sim, 'link', 'add', 'vx0', 'type', 'veth', 'peer', 'name', 'vx0g')
    ip(sim, 'link', 'set', 'vx0', 'master', 'br1')
    return 'port vx0 of br1 (a veth whose far end vx0g is in no bridge)'


@pytest.mark.parametrize('unnamed', [_tap, _veth_unbridged])
def test_a_port_nothing_accounts_for_fails_that_parent_closed_and_only_it(sim, unnamed):
    """A port in br1 (patched to eth4's br0) that no guest source names: nothing is removed under
    eth4, the port is named; eth5 in the same run is collected as usual."""
    patched_bridge(sim)
    evidence = unnamed(sim)
    sim.event('guest-stop', name='vm2')
    sim.event('guest-stop', name='vm4')
    since = sim.write_count()
    for _run in range(2):
        result = gc(sim, parents=['eth4', 'eth5'])
        why = [p['reason'] for p in result['pending'] if p['object'] == 'eth4']
        assert why == ['nothing removed under eth4: %s is accounted for by no guest source in use (libvirt, xenstore, '
                       'bridge, macvtap): a port must be named by libvirt or xenstore, or set source to bridge to trust the '
                       'bridge forwarding table' % evidence]
        assert all(k['reason'] == 'guest source unreadable: ' + why[0][len('nothing removed under eth4: '):]
                   for k in result['kept'] if k['parent'] == 'eth4')
    assert VM2 in children(sim, 'eth4')
    assert removals(sim, since) == [('vnic2-child', '-' + VM4)]  # eth5's stale MAC, once, in the first run


def test_a_veth_into_another_namespace_is_not_the_hosts(sim):
    other = 'eoibct%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', other], check=True, capture_output=True)
    try:
        ip(sim, 'link', 'add', 'vc0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', other)
        ip(sim, 'link', 'set', 'vc0', 'master', 'br0')
        sim.event('guest-stop', name='vm2')
        since = sim.write_count()
        result = gc(sim, parents=['eth4'])
        assert re.fullmatch(r'nothing removed under eth4: port vc0 of br0 \(a veth whose far end is in another network '
                            r'namespace \(netnsid \d+\)\) is accounted for by no guest source in use .*',
                            result['pending'][0]['reason']), result['pending']
        assert result['actions'] == [] and removals(sim, since) == []
    finally:
        subprocess.run(['ip', 'netns', 'del', other], check=True, capture_output=True)


def test_the_macs_of_local_links_are_never_collected(sim):
    """A bridge's own MAC (systemd gives bridges a persistent MAC of their own), a patch link's,
    and any other host link's: the host's own traffic goes out with them."""
    patched_bridge(sim)
    ip(sim, 'link', 'set', 'br0', 'address', 'ae:12:34:56:78:9a')
    ip(sim, 'link', 'set', 'br1', 'address', 'ae:12:34:56:78:9b')
    host = subprocess.run(['ip', '-n', sim.netns, '-br', 'link', 'show', 'eth1'], check=True, capture_output=True,
                          text=True).stdout.split()[2]
    local = {'ae:12:34:56:78:9a': 'br0 (bridge)', 'ae:12:34:56:78:9b': 'br1 (bridge)', host: 'eth1 (veth)'}
    for mac in local:
        add_child(sim, 'eth4', mac)
    since = sim.write_count()
    for _run in range(2):
        result = gc(sim, parents=['eth4'], source=['bridge'])
        assert result['actions'] == [] and 'stale' not in result
    kept = {k['mac']: k['reason'] for k in result['kept']}
    assert {mac: kept[mac] for mac in local} == {mac: 'the MAC of local link %s: never collected' % link
                                                 for mac, link in local.items()}
    assert removals(sim, since) == []


def test_virsh_reads_every_legal_domain_name(sim, tmp_path, monkeypatch):
    """Without libvirt-python: 'web server' (a space) and '42', '3' (digits: virsh takes them for
    ids, and id 3 is vm3) are read by UUID and their MACs kept; a whitespace split or a lookup
    by name removed them."""
    monkeypatch.setattr(glibvirt, 'HAS_LIBVIRT', False)  # the host has no libvirt-python; virsh is real
    for port, mac in (('vnet7', WEB), ('vnet8', FORTY_TWO), ('vnet9', THREE)):
        guest_port(sim, port, 'br0', mac)
        add_child(sim, 'eth4', mac)
    sim.event('guest-stop', name='vm2')
    uri = node(sim, tmp_path, [('web server', WEB, 'br0'), ('42', FORTY_TWO, 'br0'), ('3', THREE, 'br0')])
    since = sim.write_count()
    result = gc(sim, parents=['eth4'], source=['libvirt'], libvirt_uri=uri)
    kept = {k['mac']: k.get('evidence') for k in result['kept']}
    assert kept[WEB] == ['libvirt domain web server: NIC %s, bridge br0' % WEB]
    assert kept[FORTY_TWO] == ['libvirt domain 42: NIC %s, bridge br0' % FORTY_TWO]
    assert kept[THREE] == ['libvirt domain 3: NIC %s, bridge br0' % THREE]
    assert '(virsh)' in result['stale'][0]['evidence']
    assert removals(sim, since) == [('vnic1-child', '-' + VM2)]


@pytest.mark.parametrize('outage', ['libvirt-down', 'unnamed port'])
def test_grace_records_are_unchanged_across_an_outage(sim, outage):
    """Issue 21: a pass that cannot see every guest is not an observation, however many there are."""
    grace = {'seconds': 0, 'observations': 3}
    sim.event('guest-stop', name='vm2')
    gc(sim, grace=grace)
    gc(sim, grace=grace)
    record = sim.store('eoib')['observations']['eth4']['stale']
    assert record[VM2]['seen'] == 2
    since = sim.write_count()
    if outage == 'libvirt-down':
        sim.event('libvirt-down')
    else:
        ip(sim, 'tuntap', 'add', 'mode', 'tap', 'name', 'tap9')
        ip(sim, 'link', 'set', 'tap9', 'master', 'br0')
    for _run in range(3):
        result = gc(sim, grace=grace)
        assert result['actions'] == [] and [p['waiting_for'] for p in result['pending'] if p['object'] == 'eth4'] == [
            'guest source']
        assert sim.store('eoib')['observations']['eth4']['stale'] == record
    assert removals(sim, since) == []
    if outage == 'libvirt-down':
        sim.event('libvirt-up')
    else:
        ip(sim, 'link', 'del', 'tap9')
    result = gc(sim, grace=grace)
    assert [(r['mac'], r['reason'].startswith('no guest NIC attached to eth4')) for r in result['removed']] == [
        (VM2, True)]


def test_an_ad_hoc_run_changes_the_declaration_only_of_the_parents_it_names(sim):
    """Issue 18.6: parents [eth5] dropped eth4 and eth6 from the reconciler's declaration."""
    gc(sim, parents=['eth4', 'eth5', 'eth6'])
    declared = sim.store('eoib')['objects']
    assert sorted(declared) == ['eth4', 'eth5', 'eth6']
    result = gc(sim, parents=['eth5'], grace={'seconds': 60, 'observations': 2})
    after = sim.store('eoib')['objects']
    assert sorted(after) == ['eth4', 'eth5', 'eth6']
    assert after['eth4'] == declared['eth4'] and after['eth6'] == declared['eth6']
    assert after['eth5']['spec']['grace'] == {'seconds': 60, 'observations': 2}
    # Each parent keeps its own settings in the reconciler (one collection per set of settings), so no warning.
    assert not any('EoIB declaration' in w for w in result.get('warnings', [])), result.get('warnings')
    gc(sim, parents=['all'])
    assert sorted(sim.store('eoib')['objects']) == ['*']  # all is every parent: it replaces the declaration


@pytest.mark.parametrize('uri, why', [
    ('qemu+ext:///system?command=%(trap)s', 'uses transport ext'),
    ('qemu+ssh://root@elsewhere/system', 'uses transport ssh'),
    ('qemu://elsewhere/system', 'names a host (elsewhere)'),
    ('test:///tmp/node.xml?socket=/tmp/x', 'has the parameter socket=/tmp/x'),
])
def test_only_local_read_only_libvirt_uris_are_used(sim, tmp_path, uri, why):
    """Refused before anything runs, from the option and from libvirt.conf alike: an ext URI's
    command (a trap that would leave a marker) never runs, nothing is written."""
    marker, trap = tmp_path / 'ran', tmp_path / 'trap'
    trap.write_text('#!/bin/sh\ntouch %s\n' % marker)
    trap.chmod(0o755)
    uri = uri % {'trap': trap}
    why = why % {'trap': trap}
    since = sim.write_count()
    with pytest.raises(ValidationError) as info:
        gc(sim, libvirt_uri=uri)
    assert info.value.field == 'libvirt_uri' and why in str(info.value)
    os.makedirs(sim.path('/etc/libvirt'), exist_ok=True)
    with open(sim.path('/etc/libvirt/libvirt.conf'), 'w', encoding='utf-8') as handle:
        handle.write('uri_default = "%s"\n' % uri)
    with pytest.raises(ValidationError) as info:
        gc(sim)
    assert info.value.field == 'uri_default in /etc/libvirt/libvirt.conf' and why in str(info.value)
    assert sim.write_count() == since and not os.path.exists(marker)
    assert not os.path.exists(sim.path('/var/lib/iofabric/eoib.json'))


def test_libxml_noise_of_an_unreachable_libvirt_is_a_structured_warning(sim, tmp_path, capfd):
    result = gc(sim, parents=['eth4'], libvirt_uri='test://%s' % (tmp_path / 'missing.xml'))
    assert result['warnings'] == ['libvirt (test://%s): libxml I/O warning: failed to load external entity "%s"'
                                  % (tmp_path / 'missing.xml', tmp_path / 'missing.xml')]
    assert result['pending'][0]['reason'].startswith('nothing removed under eth4: libvirt (test://%s) is unreachable'
                                                     % (tmp_path / 'missing.xml'))
    assert 'I/O warning' not in capfd.readouterr().err


def test_a_macvlan_moved_into_another_namespace_keeps_its_mac(sim):
    """A container's macvlan on eth5 is invisible from eth5's namespace once moved; its MAC is
    still a local link's, found in the namespaces named under <sysroot>/run/netns."""
    other = 'eoibmv%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', other], check=True, capture_output=True)
    bound = sim.path('/run/netns/' + other)
    try:
        os.makedirs(os.path.dirname(bound), exist_ok=True)
        open(bound, 'w', encoding='ascii').close()
        subprocess.run(['mount', '--bind', '/run/netns/' + other, bound], check=True, capture_output=True)
        ip(sim, 'link', 'add', 'link', 'eth5', 'name', 'mvc', 'address', '52:54:00:cc:00:01', 'type', 'macvlan')
        ip(sim, 'link', 'set', 'mvc', 'netns', other)
        add_child(sim, 'eth5', '52:54:00:cc:00:01')
        since = sim.write_count()
        for _run in range(2):
            result = gc(sim, parents=['eth5'])
            assert result['actions'] == [] and 'stale' not in result
        assert {k['mac']: k['reason'] for k in result['kept']}['52:54:00:cc:00:01'] == (
            'the MAC of local link mvc (macvlan) in network namespace %s: never collected' % other)
        assert removals(sim, since) == []
    finally:
        subprocess.run(['umount', bound], check=False, capture_output=True)
        subprocess.run(['ip', 'netns', 'del', other], check=True, capture_output=True)
        if os.path.exists(bound):
            os.unlink(bound)
