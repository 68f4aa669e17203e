# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which guest MACs are attached to an EoIB parent now, with the evidence, from every source.

PRIVATE to the collection. A guest NIC is attached to parent P when it sits anywhere in P's
L2 domain (topology.py: the bridges P, its bond or team, or their VLANs are in, bridges
patched to those by veth pairs, macvtaps on any of them). Sources:

- libvirt: active domains' NICs whose source bridge is a domain bridge, whose target is a
  domain link, or which are direct on one;
- xenstore: the backend MAC of each vif port of a domain bridge;
- bridge: what the domain bridges learned on their ports (a silent guest ages out of it,
  so alone it is trusted only when asked for by name);
- macvtap: the MAC of each macvtap/macvlan in the domain.

The union is taken: a MAC any source places on P is kept. Every source in use must answer,
and every domain port where something the host does not own sends must be named by one
(libvirt by target or by its tap MAC, xenstore by vif); otherwise the answer is an error
naming the port, and the caller removes nothing under P. Other parents are unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import libvirt_domains as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import topology as topo
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import xenstore as gxen
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import normal_mac
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import GuestSourceError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import exists

SOURCES = ('auto', 'libvirt', 'xenstore', 'bridge', 'macvtap')


@dataclass
class GuestView:
    """What the sources say about one parent."""

    parent: str
    own_mac: str = ''                             # the parent netdev's current MAC: never a child
    macs: dict = field(default_factory=dict)      # mac -> [evidence]
    checked: list = field(default_factory=list)   # what was looked at, for a stale MAC's evidence
    accounted: dict = field(default_factory=dict)  # guest port -> the source that names it
    local: dict = field(default_factory=dict)     # mac -> the local link that has it: never collected
    error: str = ''

    def add(self, mac: str, evidence: str) -> None:
        self.macs.setdefault(mac, []).append(evidence)


class GuestInventory:
    """Reads each source at most once per pass and answers per parent."""

    def __init__(self, sysroot, runner, topology, sources: list, libvirt_uri: str | None):
        self.sysroot, self.runner, self.topology = sysroot, runner, topology
        self.requested = list(sources)
        self.explicit_uri = libvirt_uri
        self._nics: tuple | GuestSourceError | None = None
        self._xen_probe: GuestSourceError | bool | None = None
        self._sources: list | None = None   # (nics, how) or GuestSourceError
        self.warnings: list = []             # what a source's libraries printed, structured
        self._local: dict | None = None
        self.libvirt_uri = libvirt_uri or glibvirt.configured_uri(sysroot) or glibvirt.DEFAULT_URI

    # -- which sources ---------------------------------------------------------------------
    def libvirt_available(self) -> bool:
        if self.explicit_uri or glibvirt.configured_uri(self.sysroot):
            return True
        return any(exists(self.sysroot.path(path)) for path in glibvirt.SOCKETS)

    def sources(self) -> list:
        if self._sources is None:
            if 'auto' not in self.requested:
                self._sources = list(self.requested)
            else:
                chosen = ['libvirt'] if self.libvirt_available() else []
                if gxen.is_dom0(self.sysroot) and gxen.available(self.sysroot):
                    chosen.append('xenstore')
                self._sources = chosen + ['bridge', 'macvtap']
        return self._sources

    # -- per parent ------------------------------------------------------------------------
    def view(self, parent_name: str) -> GuestView:
        view = GuestView(parent_name)
        parent = self.topology.by_name(parent_name)
        if parent is None:
            view.error = 'no link named %s (rtnetlink)' % parent_name
            return view
        view.own_mac = normal_mac(parent.address or '') or ''
        if self._local is None:
            self._local = self.topology.local_macs()
        view.local = self._local
        domain = self.topology.domain(parent)
        try:
            for source in self.sources():
                getattr(self, '_from_' + source)(view, domain)
            self._account(view, domain)
        except GuestSourceError as exc:
            view.error = str(exc)
        return view

    def _account(self, view: GuestView, domain) -> None:
        """Absence is proven, not assumed: every port of the parent's L2 domain where something
        the host does not own sends must be named by a guest source that answered."""
        for member in domain.of_role(topo.NEEDS_SOURCE):
            if member.link.name in view.accounted:
                continue
            where = ' of %s' % member.bridge if member.bridge else ''
            raise GuestSourceError(
                'port %s%s (%s) is accounted for by no guest source in use (%s): a port must be named by libvirt '
                'or xenstore, or set source to bridge to trust the bridge forwarding table'
                % (member.link.name, where, member.why, ', '.join(self.sources())))

    @staticmethod
    def _guest_ports(domain) -> list:
        return [m for m in domain.of_role(topo.NEEDS_SOURCE) if m.bridge]

    def _from_libvirt(self, view, domain) -> None:
        if self._nics is None:
            try:
                self._nics = glibvirt.active_nics(self.libvirt_uri, self.runner)
            except GuestSourceError as exc:
                self._nics = exc  # cached: one failed connection per pass, not one per parent
                self.warnings.extend('libvirt (%s): %s' % (self.libvirt_uri, note) for note in exc.notes)
        if isinstance(self._nics, GuestSourceError):
            raise self._nics
        nics, how = self._nics
        bridge_names = {bridge.name for bridge in domain.bridges}
        names = domain.names
        attached = [nic for nic in nics if nic.bridge in bridge_names or nic.target in names or nic.device in names]
        for nic in attached:
            view.add(nic.mac, 'libvirt domain %s: NIC %s, %s' % (nic.domain, nic.mac, nic.attachment()))
        for member in domain.of_role(topo.NEEDS_SOURCE):
            for nic in nics:
                # libvirt names the host side <target dev>, and gives a bridged tap the guest's MAC
                # with the first octet 0xfe (virNetDevTapCreateInBridgePort).
                if nic.target in member.link.names or (nic.bridge and nic.bridge == member.bridge
                                                       and glibvirt.tap_mac(nic.mac) == (member.link.address or '')):
                    view.accounted[member.link.name] = 'libvirt domain %s' % nic.domain
        view.checked.append('libvirt %s (%s): %d active NIC(s) on %s' % (
            self.libvirt_uri, how, len(attached), ', '.join(sorted(bridge_names)) or 'no bridge'))

    def _from_xenstore(self, view, domain) -> None:
        if not gxen.available(self.sysroot):
            raise GuestSourceError('xenstore: neither xenstore-read nor xenstore is installed under %s'
                                   % self.sysroot.root)
        if self._xen_probe is None:
            try:
                gxen.probe(self.runner, self.sysroot)
                self._xen_probe = True
            except GuestSourceError as exc:
                self._xen_probe = exc
        if isinstance(self._xen_probe, GuestSourceError):
            raise self._xen_probe
        read = []
        for member in self._guest_ports(domain):
            key = gxen.backend_key(member.link.name)
            if key is None:
                continue
            mac = normal_mac(gxen.read_key(self.runner, self.sysroot, key))
            if mac is None:
                raise GuestSourceError('xenstore: %s does not hold a MAC' % key)
            view.add(mac, 'xenstore %s: vif %s in bridge %s' % (key, member.link.name, member.bridge))
            view.accounted[member.link.name] = 'xenstore %s' % key
            read.append(member.link.name)
        view.checked.append('xenstore: vif ports %s' % (', '.join(read) or 'none'))

    def _from_bridge(self, view, domain) -> None:
        for bridge in domain.bridges:
            ports = [m.link for m in domain.members.values() if m.bridge == bridge.name and m.role != topo.UPLINK]
            for mac, port in self.topology.learned(bridge, ports):
                view.add(mac, 'bridge %s learned %s on port %s' % (bridge.name, mac, port))
            names = ', '.join(sorted(port.name for port in ports)) or 'none besides %s' % view.parent
            view.checked.append('bridge %s: ports %s' % (bridge.name, names))
        if 'bridge' in self.requested:  # named: the forwarding table speaks for its ports, risk accepted
            for member in self._guest_ports(domain):
                view.accounted.setdefault(member.link.name, 'bridge %s forwarding table' % member.bridge)

    def _from_macvtap(self, view, domain) -> None:
        taps = [m.link for m in domain.members.values() if m.link.kind in ('macvtap', 'macvlan')]
        for tap in sorted(taps, key=lambda link: link.name):
            mac = normal_mac(tap.address or '')
            lower = self.topology.links.get(tap.lower)
            if mac:
                view.add(mac, '%s %s on %s has this MAC' % (tap.kind, tap.name, lower.name if lower else '?'))
        view.checked.append('macvtaps on %s: %s' % (view.parent, ', '.join(sorted(t.name for t in taps)) or 'none'))


def describe_stale(view: GuestView) -> str:
    return 'no guest NIC attached to %s has this MAC (%s)' % (view.parent, '; '.join(view.checked))
