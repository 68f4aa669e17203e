# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A link dump over rtnetlink (RTM_GETLINK) that reads only what the engine uses.

PRIVATE to the collection. Every kind reads the links on every run, and pyroute2 decodes
every attribute of every link (statistics included), which took about 45 ms per dump of a
few dozen links. This asks the kernel to skip the statistics (IFLA_EXT_MASK) and parses
the dozen attributes a Link holds, in well under a millisecond; pyroute2 still makes every
change. Layouts: linux/netlink.h, linux/rtnetlink.h, linux/if_link.h.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
import socket
import struct
import threading

NETLINK_ROUTE = 0
RTM_NEWLINK, RTM_GETLINK = 16, 18
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_MASTER = 1, 3, 4, 5, 10
IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_EXT_MASK, IFLA_PROP_LIST, IFLA_ALT_IFNAME, IFLA_PERM_ADDRESS = 16, 18, 29, 52, 53, 54
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_MACVLAN_MODE = 1
RTEXT_FILTER_SKIP_STATS = 1 << 3
NLA_TYPE_MASK = 0x3fff   # without the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits
CLONE_NEWNET = 0x40000000
IFF_UP = 0x1
OPERSTATES = ('UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP')
MACVLAN_MODES = {1: 'private', 2: 'vepa', 4: 'bridge', 8: 'passthru', 16: 'source'}
NETNS_DIRS = ('/run/netns', '/var/run/netns')

_HEADER = struct.Struct('=IHHII')      # nlmsghdr: length, type, flags, sequence, port id
_IFINFO = struct.Struct('=BxHiII')     # ifinfomsg: family, type, index, flags, change
_ATTR = struct.Struct('=HH')           # rtattr: length, type
_U32 = struct.Struct('=I')


class RtnlError(OSError):
    """The dump failed with an errno (or the namespace could not be entered)."""


def attrs(data: bytes, offset: int = 0, end: int | None = None) -> dict:
    """{type: payload} of a run of rtattrs (the last one wins; IFLA_PROP_LIST is read with all_attrs)."""
    return dict(all_attrs(data, offset, end))


def all_attrs(data: bytes, offset: int = 0, end: int | None = None):
    end = len(data) if end is None else end
    while offset + _ATTR.size <= end:
        length, kind = _ATTR.unpack_from(data, offset)
        if length < _ATTR.size or offset + length > end:
            return  # malformed: stop rather than read past the message
        yield kind & NLA_TYPE_MASK, data[offset + _ATTR.size:offset + length]
        offset += (length + 3) & ~3


def _text(payload: bytes) -> str:
    return payload.split(b'\0', 1)[0].decode('utf-8', 'replace')


def _mac(payload: bytes | None) -> str | None:
    return ':'.join('%02x' % byte for byte in payload) if payload else None


def _u32(payload: bytes | None) -> int | None:
    return _U32.unpack(payload[:4])[0] if payload and len(payload) >= 4 else None


def parse_link(data: bytes, offset: int, end: int) -> dict:
    """One RTM_NEWLINK body (ifinfomsg and attributes) as the fields of a Link."""
    _family, _type, index, flags, _change = _IFINFO.unpack_from(data, offset)
    found = attrs(data, offset + _IFINFO.size, end)
    kind = mode = None
    if IFLA_LINKINFO in found:
        info = attrs(found[IFLA_LINKINFO])
        kind = _text(info[IFLA_INFO_KIND]) if IFLA_INFO_KIND in info else None
        if kind in ('macvlan', 'macvtap') and IFLA_INFO_DATA in info:
            mode = MACVLAN_MODES.get(_u32(attrs(info[IFLA_INFO_DATA]).get(IFLA_MACVLAN_MODE)))
    altnames = [_text(payload) for number, payload in all_attrs(found.get(IFLA_PROP_LIST, b''))
                if number == IFLA_ALT_IFNAME]
    operstate = found.get(IFLA_OPERSTATE)
    return {'index': index, 'name': _text(found.get(IFLA_IFNAME, b'')), 'kind': kind,
            'lower': _u32(found.get(IFLA_LINK)), 'address': _mac(found.get(IFLA_ADDRESS)),
            'perm_address': _mac(found.get(IFLA_PERM_ADDRESS)), 'altnames': altnames,
            'mtu': _u32(found.get(IFLA_MTU)), 'mode': mode, 'up': bool(flags & IFF_UP),
            'operstate': OPERSTATES[operstate[0]] if operstate and operstate[0] < len(OPERSTATES) else '',
            'master': _u32(found.get(IFLA_MASTER))}


def _netns_path(netns: str) -> str:
    for directory in NETNS_DIRS:
        path = os.path.join(directory, netns)
        if os.path.exists(path):
            return path
    raise RtnlError(_errno.ENOENT, 'no network namespace named %s' % netns)


def open_socket(netns: str | None = None, family: int = socket.AF_NETLINK, kind: int = socket.SOCK_RAW,
                proto: int = NETLINK_ROUTE) -> socket.socket:
    """A socket (route netlink unless told), created inside ``netns`` when one is named."""
    if not netns:
        return socket.socket(family, kind | socket.SOCK_CLOEXEC, proto)
    return open_socket_at(_netns_path(netns), netns, family, kind, proto)


def open_socket_at(path: str, label: str, family: int = socket.AF_NETLINK, kind: int = socket.SOCK_RAW,
                   proto: int = NETLINK_ROUTE) -> socket.socket:
    """A socket (route netlink unless told) created inside the namespace bound at ``path`` (never through
    a symlink).

    setns() moves only the calling thread, so a short-lived thread enters the namespace and
    creates the socket there; the socket stays bound to that namespace for its whole life, and so
    do its abstract UNIX socket names (lldpad's client socket).
    """
    made: dict = {}

    def enter_and_open() -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise RtnlError(err, 'cannot enter network namespace %s: %s' % (label, os.strerror(err)))
            finally:
                os.close(fd)
            made['socket'] = socket.socket(family, kind | socket.SOCK_CLOEXEC, proto)
        except OSError as exc:
            made['error'] = exc
    thread = threading.Thread(target=enter_and_open, name='iofabric-netns')
    thread.start()
    thread.join()
    if 'error' in made:
        raise made['error']
    return made['socket']


IFLA_LINK_NETNSID = 37
# The fixed part a message of each type carries after its header: an errno, an ifinfomsg.
_BODY_SIZE = {NLMSG_ERROR: 4, RTM_NEWLINK: _IFINFO.size}


def dump_links(sock: socket.socket, sequence: int = 1, netnsid: bool = False) -> list:
    """Every link in the socket's namespace, as Link fields; with ``netnsid``, each also has ``netnsid``
    (IFLA_LINK_NETNSID: the lower or veth peer IFLA_LINK names is in another namespace, or None)."""
    body = _IFINFO.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
    body += _ATTR.pack(_ATTR.size + 4, IFLA_EXT_MASK) + _U32.pack(RTEXT_FILTER_SKIP_STATS)
    sock.sendto(_HEADER.pack(_HEADER.size + len(body), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sequence, 0) + body,
                (0, 0))
    links = []
    while True:
        data = sock.recv(1 << 20)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _flags, seq, _port = _HEADER.unpack_from(data, offset)
            if length < _HEADER.size + _BODY_SIZE.get(kind, 0) or offset + length > len(data):
                raise RtnlError(_errno.EPROTO, 'malformed netlink message (type %d, %d bytes)' % (kind, length))
            if seq == sequence:
                if kind == NLMSG_DONE:
                    return links
                if kind == NLMSG_ERROR:
                    code = -struct.unpack_from('=i', data, offset + _HEADER.size)[0]
                    raise RtnlError(code, 'link dump failed: %s' % os.strerror(code))
                if kind == RTM_NEWLINK:
                    fields = parse_link(data, offset + _HEADER.size, offset + length)
                    if netnsid:
                        found = attrs(data, offset + _HEADER.size + _IFINFO.size, offset + length).get(IFLA_LINK_NETNSID)
                        fields['netnsid'] = struct.unpack('=i', found[:4])[0] if found and len(found) >= 4 else None
                    links.append(fields)
            offset += (length + 3) & ~3
