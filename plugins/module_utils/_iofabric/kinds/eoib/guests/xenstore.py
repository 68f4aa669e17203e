# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Xen guests' MACs from xenstore: the backend entry of each vif in a bridge.

PRIVATE to the collection. A port ``vif<dom>.<dev>`` is domain <dom>'s NIC <dev>; its MAC
is ``/local/domain/0/backend/vif/<dom>/<dev>/mac`` (mlx4_vnicd reads the same key). The
emulated twin of an HVM NIC (``vif<dom>.<dev>-emu``, or ``tap<dom>.<dev>`` with older
tools) has the same backend entry.
"""

from __future__ import annotations

import re

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ToolError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import GuestSourceError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import read_attr_or

_PORT = re.compile(r'(vif|tap)([0-9]+)\.([0-9]+)(-emu)?')   # ASCII digits: the toolstack's domid and devid
TOOLS = ('xenstore-read', 'xenstore')


def backend_key(port: str) -> str | None:
    match = _PORT.fullmatch(port)
    if not match:
        return None
    return '/local/domain/0/backend/vif/%s/%s/mac' % (match.group(2), match.group(3))


def is_dom0(sysroot) -> bool:
    """xenfs says so: /proc/xen/capabilities holds control_d in dom0 only."""
    return 'control_d' in (read_attr_or(sysroot.path('/proc/xen/capabilities'), '') or '')


def available(sysroot) -> bool:
    return any(sysroot.tool(tool) for tool in TOOLS)


def probe(runner, sysroot) -> None:
    """xenstored answers (read dom0's name); once per pass, so a dead xenstored is never
    mistaken for a host without Xen guests."""
    read_key(runner, sysroot, '/local/domain/0/name')


def read_key(runner, sysroot, key: str) -> str:
    """One xenstore read; any failure (xenstored down, key missing) is an error."""
    argv = ('xenstore-read', [key]) if sysroot.tool('xenstore-read') else ('xenstore', ['read', key])
    try:
        return runner.run(argv[0], argv[1]).stdout.strip()
    except ToolError as exc:
        raise GuestSourceError('xenstore: %s' % exc) from None
