# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where guests meet an EoIB parent: the bridges it is a port of, their other ports, and
the macvtaps on it, from one rtnetlink dump.

PRIVATE to the collection. A parent reaches a bridge directly (it is a port) or through a
bond that is a port (mlx4_vnicd expands bonds the same way). The bridge's other ports are
where guests plug in; the parent's own path to the bridge is not a guest port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._netlink import Netlink

UPPER_KINDS = ('macvtap', 'macvlan')


@dataclass
class Topology:
    links: dict = field(default_factory=dict)   # index -> Link
    fdb: list = field(default_factory=list)     # (mac, port index, bridge index, permanent)

    @classmethod
    def read(cls, netns: str | None, with_fdb: bool) -> Topology:
        with Netlink(netns) as netlink:
            links = {link.index: link for link in netlink.links()}
            fdb = netlink.bridge_fdb() if with_fdb else []
        return cls(links, fdb)

    def by_name(self, name: str):
        for link in self.links.values():
            if name in link.names:
                return link
        return None

    def uplink_path(self, parent) -> list:
        """The parent and, when it is a bond slave, its bond: the links between it and a bridge."""
        path = [parent]
        master = self.links.get(parent.master) if parent.master else None
        if master is not None and master.kind == 'bond':
            path.append(master)
        return path

    def bridges_of(self, parent) -> list:
        top = self.uplink_path(parent)[-1]
        master = self.links.get(top.master) if top.master else None
        return [master] if master is not None and master.kind == 'bridge' else []

    def guest_ports(self, parent, bridge) -> list:
        """The bridge's ports other than the parent's own path to it."""
        own = {link.index for link in self.uplink_path(parent)}
        return sorted((link for link in self.links.values() if link.master == bridge.index and link.index not in own),
                      key=lambda link: link.name)

    def macvtaps_on(self, parent) -> list:
        return sorted((link for link in self.links.values() if link.lower == parent.index and link.kind in UPPER_KINDS),
                      key=lambda link: link.name)

    def learned(self, bridge, ports: list) -> list:
        """(mac, port) the bridge learned (or was told, static) on the given ports."""
        names = {link.index: link.name for link in ports}
        return sorted((mac, names[port]) for mac, port, master, permanent in self.fdb
                      if master == bridge.index and port in names and not permanent)
