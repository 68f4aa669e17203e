# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Links over rtnetlink with pyroute2, optionally inside a named network namespace.

PRIVATE to the collection. Nothing parses ``ip`` output; every error becomes a LinkError
that names the link, the operation and the errno.
"""

from __future__ import annotations

import errno as _errno
import importlib.util
import os
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, NetlinkUnavailable
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.rtnl import dump_links, open_socket

# Importing pyroute2 costs about 0.2 s (its package loads ndb, ipdb and conntrack), which a task
# that never touches a link (qlgc VNICs, SCSI devices) should not pay: it is imported on first use.
HAS_PYROUTE2 = importlib.util.find_spec('pyroute2') is not None
IPRoute = NetlinkError = None


def _load_pyroute2() -> None:
    global IPRoute, NetlinkError  # pylint: disable=global-statement
    if IPRoute is None:
        from pyroute2 import IPRoute as ip_route, NetlinkError as netlink_error  # pylint: disable=import-outside-toplevel
        IPRoute, NetlinkError = ip_route, netlink_error


MACVLAN_MODES = ('private', 'vepa', 'bridge', 'passthru', 'source')
NUD_PERMANENT = 0x80  # a port's own address in the bridge FDB, not one it learned


class LinkError(IofabricError):
    def __init__(self, operation: str, name: str, err: int, message: str = ''):
        text = '%s of link %s failed: %s' % (operation, name, message or os.strerror(err))
        super().__init__(text)
        self.errno = err

    def details(self) -> dict:
        return {'errno': _errno.errorcode.get(self.errno, self.errno)}


@dataclass
class Link:
    index: int
    name: str
    kind: str | None = None
    lower: int | None = None
    address: str | None = None
    perm_address: str | None = None
    altnames: list = field(default_factory=list)
    mtu: int | None = None
    mode: str | None = None
    up: bool = False
    operstate: str = ''
    master: int | None = None   # IFLA_MASTER: the bridge or bond this link is a port of

    @property
    def running(self) -> bool:
        """Administratively up and operationally up (UNKNOWN: a device that does not report carrier)."""
        return self.up and self.operstate in ('UP', 'UNKNOWN')

    @property
    def names(self) -> list:
        return [self.name] + list(self.altnames)


class Netlink:
    """rtnetlink in ``netns`` when one is named: link dumps with the lean reader (_rtnl), changes
    and bridge tables with pyroute2, which is only opened when one is needed."""

    def __init__(self, netns: str | None = None):
        if not HAS_PYROUTE2:
            raise NetlinkUnavailable('the Python library pyroute2 is required (rtnetlink: links, bridges, macvlans)')
        self.netns = netns or None
        self._pyroute2 = None
        self._socket = None

    def _where(self) -> str:
        return ' in network namespace %s' % self.netns if self.netns else ''

    def __enter__(self):
        try:
            self._socket = open_socket(self.netns)
        except OSError as exc:
            raise NetlinkUnavailable('cannot open rtnetlink%s: %s' % (self._where(), exc.strerror or exc)) from None
        return self

    def __exit__(self, *exc):
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._pyroute2 is not None:
            self._pyroute2.close()
            self._pyroute2 = None

    @property
    def _ipr(self):
        if self._pyroute2 is None:
            _load_pyroute2()
            try:
                self._pyroute2 = IPRoute(netns=self.netns) if self.netns else IPRoute()
            except (OSError, NetlinkError) as exc:
                raise NetlinkUnavailable('cannot open rtnetlink%s: %s' % (self._where(), exc)) from None
        return self._pyroute2

    def _call(self, operation: str, name: str, *args, **kwargs):
        ipr = self._ipr
        try:
            return ipr.link(*args, **kwargs)
        except NetlinkError as exc:
            raise LinkError(operation, name, exc.code) from None

    def links(self) -> list:
        try:
            return [Link(**fields) for fields in dump_links(self._socket)]
        except OSError as exc:
            raise LinkError('dump', '*', exc.errno or _errno.EIO) from None

    def bridge_fdb(self) -> list:
        """The bridges' forwarding entries: [(mac, port index, bridge index, permanent)]."""
        entries = []
        ipr = self._ipr
        try:
            for msg in ipr.fdb('dump'):
                bridge = msg.get('NDA_MASTER')
                if bridge is None or not msg.get('NDA_LLADDR'):
                    continue  # entries of the device itself (NTF_SELF), not learned by a bridge
                entries.append((msg.get('NDA_LLADDR').lower(), msg['ifindex'], bridge, bool(msg['state'] & NUD_PERMANENT)))
        except NetlinkError as exc:
            raise LinkError('fdb dump', '*', exc.code) from None
        return entries

    def add_macvlan(self, name: str, lower: int, mode: str, mac: str, mtu: int | None) -> int:
        spec = {'ifname': name, 'kind': 'macvlan', 'link': lower, 'macvlan_mode': mode, 'address': mac}
        if mtu:
            spec['mtu'] = mtu
        self._call('create', name, 'add', **spec)
        return self.index_of(name)

    def index_of(self, name: str) -> int:
        found = [link.index for link in self.links() if link.name == name]
        if not found:
            raise LinkError('lookup', name, _errno.ENODEV)
        return found[0]

    def set(self, index: int, name: str, **attrs) -> None:
        self._call('set', name, 'set', index=index, **attrs)

    def set_mode(self, index: int, name: str, mode: str) -> None:
        self._call('set mode', name, 'set', index=index, kind='macvlan', macvlan_mode=mode)

    def add_altname(self, index: int, name: str, altname: str) -> None:
        self._call('add altname', name, 'property_add', index=index, altname=altname)

    def delete(self, index: int, name: str) -> None:
        self._call('delete', name, 'del', index=index)
