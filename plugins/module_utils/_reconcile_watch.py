# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconciler's watch mode: a pass when something changes, and on a timer as a backstop.

PRIVATE to the collection. Link changes arrive as rtnetlink events (link up/down, created,
deleted, renamed: a flapping link, a guest port going away). IOC visibility has no event,
so the IOC listing is polled (one ib_qlgc_vnic_query run) and compared. FCoE retries are
due at the time the FCoE kind recorded. Everything else (a missing SCSI device, say) is
caught by the interval pass.
"""

from __future__ import annotations

import hashlib
import select
import threading
import time

from ansible_collections.iofabric.core.plugins.module_utils._errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._sysroot import Sysroot

try:
    from pyroute2 import IPRoute
    from pyroute2.netlink.rtnl import RTMGRP_LINK
    HAS_PYROUTE2 = True
except ImportError:  # pragma: no cover - without pyroute2 watch mode polls and times only
    HAS_PYROUTE2 = False

DEBOUNCE = 0.3  # seconds: a flap or a batch of changes makes one pass


class LinkEvents:
    """An rtnetlink socket subscribed to link changes, in ``netns`` when one is named."""

    def __init__(self, netns: str | None):
        self.ipr = IPRoute(netns=netns) if netns else IPRoute()
        self.ipr.bind(groups=RTMGRP_LINK)

    def fileno(self) -> int:
        return self.ipr.fileno()

    def drain(self) -> int:
        count = 0
        while select.select([self.ipr.fileno()], [], [], 0)[0]:
            count += len(self.ipr.get())
        return count

    def close(self) -> None:
        self.ipr.close()


class Watcher:
    def __init__(self, sysroot: str, netns: str | None, run_pass, log, interval: float = 300.0,
                 poll: float = 5.0):
        self.root = Sysroot(sysroot)
        self.netns = netns
        self.run_pass = run_pass   # callable(reason) -> PassReport
        self.log = log             # callable(priority, text)
        self.interval = interval
        self.poll = poll
        self.stop = threading.Event()

    def ioc_fingerprint(self) -> str | None:
        """A digest of the visible IOCs, when VNICs are declared; None when there is nothing to watch."""
        try:
            if not StateStore(self.root).load('qlgc').objects:
                return None
            output = Runner(self.root, timeout=10).run('ib_qlgc_vnic_query', ['-es'], check=False).stdout
        except IofabricError as exc:
            return 'error: %s' % exc
        return hashlib.sha256(output.encode('utf-8')).hexdigest()

    def fcoe_retry_due(self) -> float | None:
        """Seconds until the earliest FCoE retry the FCoE kind recorded (wall clock), or None."""
        try:
            observations = StateStore(self.root).load('fcoe').observations
        except IofabricError:
            return None
        due = [obs['next_retry'] for obs in observations.values() if isinstance(obs.get('next_retry'), (int, float))]
        return max(0.0, min(due) - time.time()) if due else None

    def run(self) -> int:
        events = None
        if HAS_PYROUTE2:
            try:
                events = LinkEvents(self.netns)
            except (OSError, IofabricError) as exc:
                self.log(4, 'watch: no link events (%s); polling and the timer only' % exc)
        self.log(6, 'watch: started (interval %.0f s, IOC poll %.1f s, link events %s)' % (
            self.interval, self.poll, 'on' if events else 'off'))
        fingerprint = self.ioc_fingerprint()
        next_full = time.monotonic()
        next_poll = time.monotonic() + self.poll
        reasons = ['start']
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                if now >= next_poll:
                    current = self.ioc_fingerprint()
                    if current != fingerprint:
                        reasons.append('IOC visibility changed')
                        fingerprint = current
                    next_poll = now + self.poll
                retry = self.fcoe_retry_due()
                if retry is not None and retry <= 0:
                    reasons.append('FCoE retry due')
                if now >= next_full:
                    reasons.append('interval')
                if reasons:
                    self.run_pass(', '.join(dict.fromkeys(reasons)))
                    reasons = []
                    next_full = time.monotonic() + self.interval
                    retry = self.fcoe_retry_due()
                wait = min(next_full, next_poll) - time.monotonic()
                if retry is not None:
                    wait = min(wait, retry)
                wait = max(wait, 0.05)
                if events is not None:
                    ready = select.select([events.fileno()], [], [], wait)[0]
                    if ready and not self.stop.is_set():
                        time.sleep(DEBOUNCE)
                        if events.drain():
                            reasons.append('link event')
                else:
                    self.stop.wait(wait)
        finally:
            if events is not None:
                events.close()
        self.log(6, 'watch: stopped')
        return 0
