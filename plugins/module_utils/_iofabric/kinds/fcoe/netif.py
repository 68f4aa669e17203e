# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A declared FCoE interface that has no netdev: one that can still appear, or a typo.

PRIVATE to the collection. Pure. A VLAN netdev named <parent>.<vid> or <parent>.<vid><suffix>
(fipvlan -c names them <dev>.<vid><suffix>, fcoemon <dev>.<vid>-fcoe) appears by itself once
FIP VLAN discovery runs on an existing parent: it may be declared first and wait. Any other name
(eth9 on a host without eth9) will not appear by itself: declaring it is an error.
"""

from __future__ import annotations

import re

_VLAN = re.compile(r'^(?P<parent>.+)\.(?P<vid>[0-9]{1,4})(?P<suffix>[-_A-Za-z0-9]*)$')


def vlan_parent(interface: str) -> str | None:
    """The parent a VLAN netdev of this name would be created on, or None when the name is no VLAN's."""
    match = _VLAN.match(interface)
    if match is None or not 1 <= int(match.group('vid')) <= 4094:
        return None
    return match.group('parent')


def missing(interface: str, netdevs) -> tuple:
    """(can_appear, message) for a declared interface that is not among ``netdevs``."""
    parent = vlan_parent(interface)
    if parent is not None and parent in netdevs:
        return True, ('%s does not exist yet: it waits for the VLAN on %s that FIP VLAN discovery (fipvlan -c, '
                      'fcoemon) creates' % (interface, parent))
    if parent is not None:
        return False, ('%s does not exist, and neither does %s, the interface a VLAN of that name would be created '
                       'on' % (interface, parent))
    return False, ('%s does not exist (no network interface of that name; only a VLAN of an existing interface, '
                   '<interface>.<vlan>, may be declared before it appears)' % interface)
