# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which guest MACs are attached to an EoIB parent now, with the evidence, from every source.

PRIVATE to the collection. A guest NIC is attached to parent P when it sits in a bridge P
is a port of (directly or through a bond), or is a macvtap on P. Sources:

- libvirt: active domains' NICs whose source bridge is such a bridge, whose target is one
  of its ports or a macvtap on P, or which are direct on P;
- xenstore: the backend MAC of each vif port of such a bridge;
- bridge: what such a bridge learned on its guest ports (a silent guest ages out of it,
  so alone it is trusted only when asked for by name);
- macvtap: the MAC of each macvtap on P (libvirt gives a direct NIC's macvtap the guest's MAC).

The union is taken: a MAC any source places on P is kept. Every source in use must answer;
one that cannot be read makes the whole answer an error, so the caller removes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils import _guest_libvirt as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils import _guest_xen as gxen
from ansible_collections.iofabric.core.plugins.module_utils._eoib_live import normal_mac
from ansible_collections.iofabric.core.plugins.module_utils._guest_libvirt import GuestSourceError
from ansible_collections.iofabric.core.plugins.module_utils._sysfs import exists

SOURCES = ('auto', 'libvirt', 'xenstore', 'bridge', 'macvtap')


@dataclass
class GuestView:
    """What the sources say about one parent."""

    parent: str
    own_mac: str = ''                             # the parent netdev's current MAC: never a child
    macs: dict = field(default_factory=dict)      # mac -> [evidence]
    checked: list = field(default_factory=list)   # what was looked at, for a stale MAC's evidence
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
        bridges = self.topology.bridges_of(parent)
        ports = {bridge.name: self.topology.guest_ports(parent, bridge) for bridge in bridges}
        taps = self.topology.macvtaps_on(parent)
        sources = self.sources()
        try:
            if 'auto' in self.requested:
                self._check_coverage(ports, sources)
            for source in sources:
                getattr(self, '_from_' + source)(view, parent, bridges, ports, taps)
        except GuestSourceError as exc:
            view.error = str(exc)
        return view

    @staticmethod
    def _check_coverage(ports: dict, sources: list) -> None:
        """auto never trusts a forwarding table alone: every guest port must belong to an
        inventory that can name its guest (Xen ports to xenstore, any port to libvirt)."""
        for bridge, group in sorted(ports.items()):
            for port in group:
                if 'libvirt' in sources or ('xenstore' in sources and gxen.backend_key(port.name)):
                    continue
                raise GuestSourceError(
                    'no guest inventory (libvirt or xenstore) can name the guest on port %s of %s; set source to '
                    'bridge to trust the bridge forwarding table alone' % (port.name, bridge))

    def _from_libvirt(self, view, parent, bridges, ports, taps) -> None:
        if self._nics is None:
            try:
                self._nics = glibvirt.active_nics(self.libvirt_uri, self.runner)
            except GuestSourceError as exc:
                self._nics = exc  # cached: one failed connection per pass, not one per parent
        if isinstance(self._nics, GuestSourceError):
            raise self._nics
        nics, how = self._nics
        bridge_names = {bridge.name for bridge in bridges}
        port_names = {port.name for group in ports.values() for port in group} | {tap.name for tap in taps}
        for nic in nics:
            if nic.bridge in bridge_names or nic.target in port_names or nic.device in parent.names:
                view.add(nic.mac, 'libvirt domain %s: NIC %s, %s' % (nic.domain, nic.mac, nic.attachment()))
        view.checked.append('libvirt %s (%s): %d active NIC(s) on %s' % (
            self.libvirt_uri, how, sum(1 for nic in nics if nic.bridge in bridge_names or nic.target in port_names
                                       or nic.device in parent.names),
            ', '.join(sorted(bridge_names)) or 'no bridge'))

    def _from_xenstore(self, view, parent, bridges, ports, taps) -> None:
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
        for bridge_name, group in ports.items():
            for port in group:
                key = gxen.backend_key(port.name)
                if key is None:
                    continue
                mac = normal_mac(gxen.read_key(self.runner, self.sysroot, key))
                if mac is None:
                    raise GuestSourceError('xenstore: %s does not hold a MAC' % key)
                view.add(mac, 'xenstore %s: vif %s in bridge %s' % (key, port.name, bridge_name))
                read.append(port.name)
        view.checked.append('xenstore: vif ports %s' % (', '.join(read) or 'none'))

    def _from_bridge(self, view, parent, bridges, ports, taps) -> None:
        for bridge in bridges:
            learned = self.topology.learned(bridge, ports[bridge.name])
            for mac, port in learned:
                view.add(mac, 'bridge %s learned %s on port %s' % (bridge.name, mac, port))
            names = ', '.join(port.name for port in ports[bridge.name]) or 'none besides %s' % parent.name
            view.checked.append('bridge %s: ports %s' % (bridge.name, names))

    def _from_macvtap(self, view, parent, bridges, ports, taps) -> None:
        for tap in taps:
            mac = normal_mac(tap.address or '')
            if mac:
                view.add(mac, '%s %s on %s has this MAC' % (tap.kind, tap.name, parent.name))
        view.checked.append('macvtaps on %s: %s' % (parent.name, ', '.join(t.name for t in taps) or 'none'))


def describe_stale(view: GuestView) -> str:
    return 'no guest NIC attached to %s has this MAC (%s)' % (view.parent, '; '.join(view.checked))
