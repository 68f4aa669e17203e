# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FCoE instances as the kernel shows them: fc_hosts, their controllers, their interface.

PRIVATE to the collection. An fc_host belongs to an interface when the last word of its
symbolic_name ("fcoe v0.1 over eth2.101") is that interface exactly; fcoe-utils compares
a prefix, so that eth2.101's host would also pass for eth2, which we do not repeat.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._procs import pids_of
from ansible_collections.iofabric.core.plugins.module_utils._sysfs import exists, list_dir, read_attr_or

BUS = '/sys/bus/fcoe'
LEGACY = '/sys/module/libfcoe/parameters'
FC_HOST = '/sys/class/fc_host'
_CTLR = re.compile(r'/(ctlr_\d+)/')


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
    """Every FCoE instance by interface; with ``known``, instances of fc_hosts already read are taken
    from it, and only new fc_hosts are read (after a create, among hundreds)."""
    base = sysroot.path(FC_HOST)
    found = {}
    by_host = {instance.host: instance for instance in (known or {}).values()}
    for host in list_dir(base):
        if host in by_host:
            found[by_host[host].interface] = by_host[host]
            continue
        interface = interface_of(read_attr_or('%s/%s/symbolic_name' % (base, host)))
        if interface is None:
            continue
        instance = LiveFcoe(interface, host, port_state=read_attr_or('%s/%s/port_state' % (base, host)) or '')
        try:
            match = _CTLR.search(os.readlink('%s/%s' % (base, host)))
        except OSError:
            match = None
        if match:
            ctlr = sysroot.path(BUS + '/devices', match.group(1))
            instance.ctlr = match.group(1)
            enabled = read_attr_or(ctlr + '/enabled')
            instance.enabled = None if enabled is None else enabled == '1'
            mode = read_attr_or(ctlr + '/mode')
            instance.mode = mode.lower() if mode else None
            responder = read_attr_or(ctlr + '/fip_vlan_responder')
            instance.fip_resp = None if responder is None else responder == '1'
        found[interface] = instance
    return found


def fcoemon_pids(sysroot) -> list:
    """Pids of running fcoemon processes, from <sysroot>/proc."""
    return pids_of(sysroot, 'fcoemon')
