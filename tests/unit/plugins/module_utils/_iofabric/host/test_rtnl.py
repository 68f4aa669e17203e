"""The RTM_GETLINK parser on hand-built messages: nested attributes, altnames, truncation."""

import struct

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host import rtnl


def attr(kind: int, payload: bytes) -> bytes:
    data = struct.pack('=HH', 4 + len(payload), kind) + payload
    return data + b'\0' * ((4 - len(data) % 4) % 4)


def link_body(index=7, flags=1, *items) -> bytes:
    return struct.pack('=BxHiII', 0, 1, index, flags, 0) + b''.join(items)


def test_a_macvlan_with_altnames_and_a_lower():
    data = attr(rtnl.IFLA_MACVLAN_MODE, struct.pack('=I', 4))
    info = attr(rtnl.IFLA_INFO_KIND, b'macvlan\0') + attr(rtnl.IFLA_INFO_DATA | 0x8000, data)
    props = attr(rtnl.IFLA_ALT_IFNAME, b'iofabric-aa\0') + attr(rtnl.IFLA_ALT_IFNAME, b'second\0')
    body = link_body(7, 1, attr(rtnl.IFLA_IFNAME, b'vnic0\0'), attr(rtnl.IFLA_MTU, struct.pack('=I', 1500)),
                     attr(rtnl.IFLA_LINK, struct.pack('=I', 3)), attr(rtnl.IFLA_ADDRESS, bytes.fromhex('020000000001')),
                     attr(rtnl.IFLA_OPERSTATE, b'\x06'), attr(rtnl.IFLA_LINKINFO | 0x8000, info),
                     attr(rtnl.IFLA_PROP_LIST | 0x8000, props))
    assert rtnl.parse_link(body, 0, len(body)) == {
        'index': 7, 'name': 'vnic0', 'kind': 'macvlan', 'lower': 3, 'address': '02:00:00:00:00:01',
        'perm_address': None, 'altnames': ['iofabric-aa', 'second'], 'mtu': 1500, 'mode': 'bridge', 'up': True,
        'operstate': 'UP', 'master': None}


@pytest.mark.parametrize('cut', [3, 9, 21])
def test_a_truncated_attribute_run_stops_instead_of_reading_past_the_end(cut):
    body = link_body(2, 0, attr(rtnl.IFLA_IFNAME, b'eth1\0'), attr(rtnl.IFLA_MTU, struct.pack('=I', 9000)))
    end = 16 + cut
    fields = rtnl.parse_link(body, 0, end)
    assert fields['index'] == 2 and fields['up'] is False
    assert fields['mtu'] in (None, 9000) and fields['name'] in ('', 'eth1')


def test_an_unknown_operstate_is_empty_not_an_error():
    body = link_body(1, 1, attr(rtnl.IFLA_OPERSTATE, b'\x2a'))
    assert rtnl.parse_link(body, 0, len(body))['operstate'] == ''
