# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel's DCB state over rtnetlink (dcbnl), for hosts where lldpad is not running.

PRIVATE to the collection. One RTM_GETDCB with DCB_CMD_GSTATE tells whether the device
has DCB ops at all (EOPNOTSUPP: not DCB-capable, as veth and most virtual devices) and
whether DCB is on; DCB_CMD_IEEE_GET then gives the IEEE 802.1Qaz PFC enable bitmap and the
APP table, from which the FCoE priorities (ethertype 0x8906, selector 1) are taken.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.rtnl import open_socket

RTM_GETDCB = 78
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
DCB_CMD_GSTATE, DCB_CMD_IEEE_GET = 1, 21
DCB_ATTR_IFNAME, DCB_ATTR_STATE, DCB_ATTR_IEEE = 1, 2, 13
DCB_ATTR_IEEE_PFC, DCB_ATTR_IEEE_APP_TABLE, DCB_ATTR_IEEE_APP = 2, 3, 1
FCOE_ETHERTYPE, SEL_ETHERTYPE = 0x8906, 1


class DcbnlError(IofabricError):
    def __init__(self, ifname: str, err: int):
        super().__init__('dcbnl query of %s failed: %s' % (ifname, os.strerror(err)))
        self.errno = err


@dataclass
class KernelDcb:
    capable: bool
    dcb_on: bool = False
    pfc_enabled: int = 0    # bitmap of priorities with PFC enabled
    fcoe_priorities: int = 0  # bitmap of priorities the APP table gives FCoE


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack('HH', length, kind) + payload + b'\0' * ((4 - length % 4) % 4)


def _attr_list(data: bytes) -> list:
    found, offset = [], 0
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from('HH', data, offset)
        if length < 4:
            break
        found.append((kind & 0x7fff, data[offset + 4:offset + length]))
        offset += (length + 3) & ~3
    return found


def _attrs(data: bytes) -> dict:
    found: dict = {}
    for kind, payload in _attr_list(data):
        found.setdefault(kind, payload)
    return found


def _request(sock: socket.socket, ifname: str, command: int, seq: int) -> dict:
    body = struct.pack('BBH', socket.AF_UNSPEC, command, 0) + _attr(DCB_ATTR_IFNAME, ifname.encode() + b'\0')
    sock.send(struct.pack('IHHII', 16 + len(body), RTM_GETDCB, NLM_F_REQUEST, seq, 0) + body)
    data = sock.recv(65536)
    length, kind, _flags, _seq, _pid = struct.unpack_from('IHHII', data)
    if kind == NLMSG_ERROR:
        code = struct.unpack_from('i', data, 16)[0]
        raise DcbnlError(ifname, -code if code else errno.EIO)
    return _attrs(data[20:length])


def query(ifname: str, netns: str | None = None) -> KernelDcb:
    sock = open_socket(netns)
    try:
        try:
            state = _request(sock, ifname, DCB_CMD_GSTATE, 1)
        except DcbnlError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENODEV):
                return KernelDcb(capable=False)
            raise
        result = KernelDcb(capable=True, dcb_on=state.get(DCB_ATTR_STATE, b'\0')[:1] not in (b'', b'\0'))
        ieee = _attrs(_request(sock, ifname, DCB_CMD_IEEE_GET, 2).get(DCB_ATTR_IEEE, b''))
        pfc = ieee.get(DCB_ATTR_IEEE_PFC, b'')
        if len(pfc) >= 2:
            result.pfc_enabled = pfc[1]  # struct ieee_pfc { u8 pfc_cap; u8 pfc_en; ... }
        for kind, entry in _attr_list(ieee.get(DCB_ATTR_IEEE_APP_TABLE, b'')):
            if kind == DCB_ATTR_IEEE_APP and len(entry) >= 4:
                selector, priority, protocol = struct.unpack_from('BBH', entry)
                if selector == SEL_ETHERTYPE and protocol == FCOE_ETHERTYPE:
                    result.fcoe_priorities |= 1 << priority
        return result
    finally:
        sock.close()
