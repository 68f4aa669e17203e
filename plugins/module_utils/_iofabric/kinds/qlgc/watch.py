# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the watch service polls for QLogic VNICs: the IOCs a declared path can reach.

PRIVATE to the collection. IOC visibility has no event, so it is polled and compared. As QLogic's
dynamic update daemon does, the fabric is only queried while a declared path is disconnected (a
late IOC, a hot swap, a port down): in steady state a poll reads one viport_state per path and
sends nothing over the fabric. Built by kinds/registry.py; reconciler/watch.py only schedules.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import viport_states
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore

CHANGED = 'IOC visibility changed'


class QlgcWatch:
    """The VNIC side of the watch: start, poll, passed and due, as reconciler/watch.py asks."""

    due_reason = ''

    def __init__(self, sysroot, netns: str | None):
        self.root = sysroot
        self.baseline = None

    def start(self) -> None:
        self.baseline = self.ioc_fingerprint()

    def poll(self) -> list:
        current = self.ioc_fingerprint()
        if current == self.baseline:
            return []
        self.baseline = current
        return [CHANGED]

    def passed(self, result) -> None:
        """A pass changes nothing the next poll should not see as a change of the fabric."""

    def due(self) -> float | None:
        return None

    def ioc_fingerprint(self) -> str | None:
        """What the IOC poll compares; None when no VNIC is declared."""
        try:
            objects = StateStore(self.root).load('qlgc').objects
            if not objects:
                return None
            paths = [(name, which) for name, entry in sorted(objects.items()) for which in ('primary', 'secondary')
                     if entry['spec'].get(which)]
            down = sorted('%s/%s' % key for key, state in viport_states(self.root, paths).items()
                          if state != 'VIPORT_CONNECTED')
            if not down:
                return 'all connected'
            output = Runner(self.root, timeout=10).run('ib_qlgc_vnic_query', ['-es'], check=False).stdout
        except IofabricError as exc:
            return 'error: %s' % exc
        return hashlib.sha256(json.dumps([down, output]).encode('utf-8')).hexdigest()
