# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FCoE instances as the kernel shows them: fc_hosts, their controllers, their interface.

PRIVATE to the collection. An fc_host belongs to an interface when the last word of its
symbolic_name ("fcoe v0.1 over eth2.101") is that interface exactly; fcoe-utils compares
a prefix, so that eth2.101's host would also pass for eth2, which we do not repeat.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import Netlink
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.procs import pids_of
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysfsError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import exists, list_dir, read_attr_or

BUS = '/sys/bus/fcoe'
LEGACY = '/sys/module/libfcoe/parameters'
FC_HOST = '/sys/class/fc_host'
_CTLR = re.compile(r'/(ctlr_[0-9]+)/')


@dataclass
class LiveFcoe:
    interface: str
    host: str
    ctlr: str | None = None
    enabled: bool | None = None
    mode: str | None = None
    fip_resp: bool | None = None
    port_state: str = ''


def interface_of(symbolic_name: str | None) -> str | None:
    """The interface an fc_host runs over, from its symbolic name; NPIV vports are not instances."""
    if not symbolic_name or ' over ' not in symbolic_name or ' : ' in symbolic_name:
        return None
    return symbolic_name.split()[-1]


def bus_available(sysroot) -> bool:
    return exists(sysroot.path(BUS, 'ctlr_create'))


def read_instances(sysroot, known: dict | None = None) -> dict:
    """Every FCoE instance by the netdev it runs over (never by its SCSI host: the kernel gives a new
    instance the lowest free host number, so a destroy on eth1 and a create on eth2 in one run can leave
    host1 over eth2). With ``known``, an instance already read is reused only when the same host still
    runs over the same netdev under the same controller; only the others are read in full (after a
    create, among hundreds)."""
    base = sysroot.path(FC_HOST)
    found = {}
    known = known or {}
    for host in list_dir(base):
        try:
            interface = interface_of(read_attr_or('%s/%s/symbolic_name' % (base, host)))
            port_state = read_attr_or('%s/%s/port_state' % (base, host)) or ''
        except SysfsError as exc:
            # ENODEV: the kernel is tearing this fc_host down (a destroy's work runs after the write returned;
            # seen on Linux 6.1 in the VM lane): it is going, not an instance to manage.
            if exc.errno == errno.ENODEV:
                continue
            raise
        if interface is None:
            continue
        try:
            match = _CTLR.search(os.readlink('%s/%s' % (base, host)))
        except OSError:
            match = None
        ctlr = match.group(1) if match else None
        cached = known.get(interface)
        if cached is not None and cached.host == host and cached.ctlr == ctlr:
            found[interface] = cached
            continue
        instance = LiveFcoe(interface, host, port_state=port_state)
        if ctlr:
            path = sysroot.path(BUS + '/devices', ctlr)
            instance.ctlr = ctlr
            enabled = read_attr_or(path + '/enabled')
            instance.enabled = None if enabled is None else enabled == '1'
            mode = read_attr_or(path + '/mode')
            instance.mode = mode.lower() if mode else None
            responder = read_attr_or(path + '/fip_vlan_responder')
            instance.fip_resp = None if responder is None else responder == '1'
        found[interface] = instance
    return found


def read_links(netns: str | None) -> dict:
    """Every link by name, with the real device under it: a VLAN's or macvlan's lower device by its
    IFLA_LINK (never by its name: a VLAN may be named anything), any other link itself."""
    with Netlink(netns) as netlink:
        links = netlink.links()
    by_index = {link.index: link for link in links}
    return {link.name: (link, by_index.get(link.lower) if link.kind in ('vlan', 'macvlan') else link)
            for link in links}


def real_device(links: dict, interface: str) -> str | None:
    """The netdev whose DCB an interface runs on (its real device), or None when the interface is absent."""
    link, real = links.get(interface, (None, None))
    real = real or link
    return real.name if real is not None else None


def fcoemon_pids(sysroot) -> list:
    """Pids of running fcoemon processes, from <sysroot>/proc."""
    return pids_of(sysroot, 'fcoemon')
