"""The lean RTM_GETLINK reader against pyroute2's full decoding, on the real links of a network namespace."""

import subprocess

from pyroute2 import IPRoute

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.rtnl import dump_links, open_socket


def pyroute2_view(msg) -> dict:
    """What the engine takes from each link, decoded by pyroute2 (the reader it replaced for dumps)."""
    props = msg.get_attr('IFLA_PROP_LIST')
    info = msg.get_attr('IFLA_LINKINFO')
    mode = None
    if info is not None and info.get_attr('IFLA_INFO_KIND') in ('macvlan', 'macvtap'):
        data = info.get_attr('IFLA_INFO_DATA')
        mode = data.get_attr('IFLA_MACVLAN_MODE') if data is not None else None
    return {'index': msg['index'], 'name': msg.get('ifname'), 'kind': msg.get(('linkinfo', 'kind')),
            'lower': msg.get('link'), 'address': msg.get('address'), 'perm_address': msg.get('perm_address'),
            'altnames': list(props.altnames()) if props is not None else [], 'mtu': msg.get('mtu'), 'mode': mode,
            'up': bool(msg['flags'] & 1), 'operstate': msg.get('operstate') or '', 'master': msg.get('master')}


def test_every_field_of_every_link_matches_pyroute2(sim):
    ns = ['ip', '-n', sim.netns]
    subprocess.run(ns + ['link', 'add', 'mv7', 'link', 'eth1', 'type', 'macvlan', 'mode', 'private'], check=True)
    subprocess.run(ns + ['link', 'set', 'mv7', 'mtu', '1400', 'address', '02:00:00:00:07:07', 'up'], check=True)
    subprocess.run(ns + ['link', 'property', 'add', 'dev', 'mv7', 'altname', 'iofabric-test7'], check=True)
    with IPRoute(netns=sim.netns) as ipr:
        expected = {msg['index']: pyroute2_view(msg) for msg in ipr.get_links()}
    sock = open_socket(sim.netns)
    try:
        found = {link['index']: link for link in dump_links(sock)}
        again = dump_links(sock, sequence=2)   # a socket serves several dumps
    finally:
        sock.close()
    # pyroute2 does not decode a macvtap's IFLA_INFO_DATA, which the kernel fills with the same
    # IFLA_MACVLAN_* attributes as a macvlan's: there the lean reader knows more.
    taps = [index for index, link in found.items() if link['kind'] == 'macvtap']
    assert taps and all(expected[index]['mode'] is None and found[index]['mode'] == 'bridge' for index in taps)
    for index in taps:
        expected[index]['mode'] = found[index]['mode']
    assert found == expected
    assert len(again) == len(found) >= 10
    mv7 = next(link for link in found.values() if link['name'] == 'mv7')
    assert (mv7['kind'], mv7['mode'], mv7['mtu'], mv7['altnames']) == ('macvlan', 'private', 1400, ['iofabric-test7'])
    kinds = {link['kind'] for link in found.values()}
    assert {'veth', 'bridge', 'macvlan'} <= kinds


def test_without_a_namespace_it_reads_this_one():
    sock = open_socket(None)
    try:
        names = {link['name'] for link in dump_links(sock)}
    finally:
        sock.close()
    assert 'lo' in names
