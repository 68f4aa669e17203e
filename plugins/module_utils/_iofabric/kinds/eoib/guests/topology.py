# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole L2 domain of an EoIB parent, from one rtnetlink dump, and what each of its
ports is.

PRIVATE to the collection. Frames a guest sends reach the parent through any of: a bridge
the parent (or its bond or team) is a port of; another bridge patched to that one by a veth
pair; a VLAN sub-interface of the parent or of its bond/team (and the bridges that one is
in); a macvtap, macvlan or ipvlan on any of these. The domain is the closure of those
relations. Each port is then either the host's own (the parent's path, bridges, sub-
interfaces, patch links, macvlans) or a port where something the host does not own sends
(a tap, a veth whose far end is in no bridge or in another namespace, a physical link, a
tunnel): that one must be named by a guest source, or nothing is removed under the parent.
"""

from __future__ import annotations

import errno as _errno
import os
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host import rtnl
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import NetlinkUnavailable
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import Link, LinkError, Netlink

AGGREGATES = ('bond', 'team')
UPPERS = ('vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap')
HOST_UPPERS = ('vlan', 'macvlan', 'ipvlan', 'ipvtap')   # the host's own: their MACs are local or the lower's
NETNS_DIR = '/run/netns'

# Roles. HOST: the host's own link. GUEST_TAP: a macvtap, whose MAC is its guest's (kept as a
# local link's). NEEDS_SOURCE: something the host does not own sends through it.
UPLINK, BRIDGE, HOST, GUEST_TAP, NEEDS_SOURCE = 'uplink', 'bridge', 'host', 'macvtap', 'needs-source'


@dataclass
class Member:
    link: Link
    role: str
    why: str                  # how it joined the domain, or what leads outside through it
    bridge: str = ''          # the bridge it is a port of, if any


@dataclass
class Domain:
    parent: Link
    members: dict = field(default_factory=dict)   # index -> Member

    def of_role(self, *roles) -> list:
        return sorted((m for m in self.members.values() if m.role in roles), key=lambda m: m.link.name)

    @property
    def bridges(self) -> list:
        return [m.link for m in self.of_role(BRIDGE)]

    @property
    def names(self) -> set:
        return {name for m in self.members.values() for name in m.link.names}


@dataclass
class Topology:
    links: dict = field(default_factory=dict)     # index -> Link
    fdb: list = field(default_factory=list)       # (mac, port index, bridge index, permanent)
    netnsids: dict = field(default_factory=dict)  # index -> IFLA_LINK_NETNSID: its lower/peer is in another netns
    elsewhere: dict = field(default_factory=dict)  # mac -> a link of another visible namespace that has it

    @classmethod
    def read(cls, netns: str | None, with_fdb: bool, sysroot=None) -> Topology:
        dumped = dump(netns)
        fdb = []
        if with_fdb:
            with Netlink(netns) as netlink:
                fdb = netlink.bridge_fdb()
        topology = cls.from_dump(dumped, fdb)
        if sysroot is not None:
            topology.elsewhere = macs_elsewhere(sysroot, netns)
        return topology

    @classmethod
    def from_dump(cls, dumped: list, fdb: list | None = None) -> Topology:
        """From link fields as _rtnl.parse_link gives them, plus ``netnsid`` (netlink-shaped data)."""
        links, netnsids = {}, {}
        for fields in dumped:
            fields = dict(fields)
            netnsid = fields.pop('netnsid', None)
            link = Link(**fields)
            links[link.index] = link
            if netnsid is not None:
                netnsids[link.index] = netnsid
        return cls(links, list(fdb or []), netnsids)

    def by_name(self, name: str):
        for link in self.links.values():
            if name in link.names:
                return link
        return None

    def local_macs(self) -> dict:
        """mac -> the local link that has it (current or permanent address): never a child to remove."""
        macs = {}
        for link in sorted(self.links.values(), key=lambda item: item.index):
            for mac in (link.address, link.perm_address):
                if mac and mac != '00:00:00:00:00:00':
                    macs.setdefault(mac.lower(), '%s%s' % (link.name, ' (%s)' % link.kind if link.kind else ''))
        for mac, where in self.elsewhere.items():
            macs.setdefault(mac, where)
        return macs

    # -- the domain ------------------------------------------------------------------------
    def _local(self, index) -> Link | None:
        """The link by index when it is in this namespace (IFLA_LINK may point into another)."""
        return self.links.get(index) if index else None

    def _peer(self, link) -> Link | None:
        if link.kind != 'veth' or link.index in self.netnsids:
            return None
        return self._local(link.lower)

    def domain(self, parent) -> Domain:
        found = Domain(parent)
        queue = []

        def join(link, role: str, why: str, bridge: str = '') -> None:
            if link.index not in found.members:
                found.members[link.index] = Member(link, role, why, bridge)
                queue.append(link)

        join(parent, UPLINK, 'the EoIB parent')
        top = parent
        # The kernel refuses a master loop; a dump that showed one anyway would make this walk endless:
        # it stops at a link already joined (its members are walked from the queue all the same).
        while self._local(top.master) is not None and self._local(top.master).kind in AGGREGATES \
                and top.master not in found.members:
            master = self._local(top.master)
            join(master, UPLINK, '%s of %s' % (master.kind, top.name))
            top = master
        while queue:
            link = queue.pop(0)
            master = self._local(link.master)
            if master is not None and master.kind == 'bridge':
                join(master, BRIDGE, 'bridge of %s' % link.name)
            elif master is not None and master.kind not in AGGREGATES:
                join(master, NEEDS_SOURCE, 'a %s that %s is enslaved to: its other ports are not resolved'
                     % (master.kind or 'device', link.name))
            if link.kind == 'bridge':
                for port in self._ports(link):
                    role, why = self._port_role(port, found)
                    join(port, role, why, link.name)
            lower = self._local(link.lower)
            if link.kind in HOST_UPPERS and lower is not None and lower.kind == 'bridge':
                join(lower, BRIDGE, 'bridge under %s %s' % (link.kind, link.name))  # its ports share this domain
            for upper in self._uppers(link):
                role = GUEST_TAP if upper.kind == 'macvtap' else HOST
                join(upper, role, '%s on %s' % (upper.kind, link.name))
            # A patch link leads on to its peer's bridge; the parent's path leads to the fabric
            # (in fabricsim the parent is a veth whose peer stands for the IB side).
            peer = self._peer(link)
            if peer is not None and found.members[link.index].role not in (NEEDS_SOURCE, UPLINK):
                join(peer, HOST if self._local(peer.master) is not None else NEEDS_SOURCE,
                     'veth peer of %s' % link.name if self._local(peer.master) is not None
                     else 'veth peer of %s, in no bridge' % link.name)
        return found

    def _ports(self, bridge) -> list:
        return sorted((link for link in self.links.values() if link.master == bridge.index), key=lambda link: link.name)

    def _uppers(self, link) -> list:
        return sorted((up for up in self.links.values() if up.lower == link.index and up.kind in UPPERS
                       and up.index not in self.netnsids), key=lambda up: up.name)

    def _port_role(self, port, found: Domain) -> tuple:
        """(role, why) of a bridge port that is not on the parent's path."""
        kind = port.kind
        if kind == 'veth':
            if port.index in self.netnsids:
                return NEEDS_SOURCE, 'a veth whose far end is in another network namespace (netnsid %d)' % (
                    self.netnsids[port.index])
            peer = self._local(port.lower)
            if peer is None:
                return NEEDS_SOURCE, 'a veth whose far end is not visible'
            if self._local(peer.master) is not None and self._local(peer.master).kind == 'bridge':
                return HOST, 'a patch link: veth to %s in bridge %s' % (peer.name, self._local(peer.master).name)
            return NEEDS_SOURCE, 'a veth whose far end %s is in no bridge' % peer.name
        if kind in HOST_UPPERS:
            lower = self._local(port.lower)
            if lower is not None and (lower.index in found.members or lower.kind in ('dummy', 'bridge')):
                return HOST, '%s on %s' % (kind, lower.name)
            outside = lower.name if lower is not None else 'a link in another namespace'
            return NEEDS_SOURCE, 'a %s on %s, a link outside this domain' % (kind, outside)
        if kind == 'dummy':
            return HOST, 'a dummy link (the host\'s own)'
        if kind == 'tun':
            return NEEDS_SOURCE, 'a tap: only the process holding it knows what sends through it'
        if kind in AGGREGATES:
            return NEEDS_SOURCE, 'a %s of other links: frames from outside the host' % kind
        return NEEDS_SOURCE, ('a %s link' % kind if kind else 'a physical (or Xen netback) link') + \
            ': frames from outside the host'

    def learned(self, bridge, ports: list) -> list:
        """(mac, port) the bridge learned (or was told, static) on the given ports."""
        names = {link.index: link.name for link in ports}
        return sorted((mac, names[port]) for mac, port, master, permanent in self.fdb
                      if master == bridge.index and port in names and not permanent)


def macs_elsewhere(sysroot, netns: str | None) -> dict:
    """mac -> 'link (kind) in network namespace N' for the other namespaces named under
    <sysroot>/run/netns: a macvlan moved into a container is invisible from the parent's
    namespace, but its MAC is still a local link's. A namespace that cannot be entered (gone
    since the listing) is skipped: this only ever adds MACs that are kept."""
    directory = sysroot.path(NETNS_DIR)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return {}
    macs: dict = {}
    for name in names:
        if name == netns:
            continue
        try:
            sock = rtnl.open_socket_at(os.path.join(directory, name), name)
        except OSError:
            continue
        try:
            links = rtnl.dump_links(sock, netnsid=True)
        except OSError:
            continue
        finally:
            sock.close()
        for fields in links:
            for mac in (fields.get('address'), fields.get('perm_address')):
                if mac and mac != '00:00:00:00:00:00':
                    kind = ' (%s)' % fields['kind'] if fields.get('kind') else ''
                    macs.setdefault(mac.lower(), '%s%s in network namespace %s' % (fields['name'], kind, name))
    return macs


def dump(netns: str | None) -> list:
    """Every link in the namespace as _rtnl.parse_link fields, plus ``netnsid``
    (IFLA_LINK_NETNSID: the lower or veth peer IFLA_LINK names is in another namespace)."""
    try:
        sock = rtnl.open_socket(netns)
    except OSError as exc:
        raise NetlinkUnavailable('cannot open rtnetlink%s: %s' % (' in network namespace %s' % netns if netns else '',
                                                                  exc.strerror or exc)) from None
    try:
        return rtnl.dump_links(sock, netnsid=True)
    except OSError as exc:
        raise LinkError('dump', '*', exc.errno or _errno.EIO) from None
    finally:
        sock.close()
