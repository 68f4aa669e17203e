# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconciler's watch mode: a pass when something changes, and on a timer as a backstop.

PRIVATE to the collection. Link changes arrive as rtnetlink events (link up/down, created,
deleted, renamed: a flapping link, a guest port going away). What has no event, each kind
polls itself: the watch asks every kind that offers one (kinds/registry.py, KindEntry.watch;
kinds/<kind>/watch.py) and never names a kind. A kind's watch has four calls:

    start()          take its baseline, before the first pass
    poll()   -> [reason]         every --poll seconds: the reasons for a pass now (none: nothing changed)
    passed(result)               after each pass, with the kind's part of the pass's report (or None)
    due()    -> seconds or None  when the kind wants a pass by itself (FCoE's next retry); due_reason says why

Everything else (a missing SCSI device, say) is caught by the interval pass.
"""

from __future__ import annotations

import select
import socket
import threading
import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry

try:
    from pyroute2 import IPRoute
    from pyroute2.netlink.rtnl import RTMGRP_LINK
    HAS_PYROUTE2 = True
except ImportError:  # pragma: no cover - without pyroute2 watch mode polls and times only
    HAS_PYROUTE2 = False

DEBOUNCE = 0.3  # seconds: a flap or a batch of changes makes one pass

# RTMGRP_LINK also carries per-protocol link information that is no link change: a bridge port's STP
# state as it moves to forwarding (PF_BRIDGE, br_ifinfo_notify). Joining or leaving a bridge is also sent as
# a plain (AF_UNSPEC) one. IPv6 per-link news (AF_INET6, inet6_ifinfo_notify) goes to RTNLGRP_IPV6_IFINFO,
# which this socket does not join; it is filtered too, should the subscription ever widen.
PROTOCOL_FAMILIES = (socket.AF_BRIDGE, socket.AF_INET6)


def is_link_change(message) -> bool:
    return message.get('event') == 'RTM_DELLINK' or message.get('family') not in PROTOCOL_FAMILIES


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
            count += sum(1 for message in self.ipr.get() if is_link_change(message))
        return count

    def close(self) -> None:
        self.ipr.close()


class Watcher:
    """Runs a pass at start, when a kind's poll gives a reason, when a kind's due time comes, on a link
    event and every interval; the reasons of one pass are joined in its log line."""

    def __init__(self, sysroot: str, netns: str | None, run_pass, log, interval: float = 300.0,
                 poll: float = 5.0, kinds: tuple = registry.NAMES):
        self.root = Sysroot(sysroot)
        self.netns = netns
        self.run_pass = run_pass   # callable(reason) -> PassReport
        self.log = log             # callable(priority, text)
        self.interval = interval
        self.poll = poll
        self.stop = threading.Event()
        # Each kind's watch, in the order of a pass (its reasons are joined in that order).
        self.watches = {name: registry.entry(name).watch(self.root, netns) for name in kinds
                        if registry.entry(name).watch is not None}

    def poll_kinds(self) -> list:
        return [reason for watch in self.watches.values() for reason in watch.poll()]

    def due(self) -> tuple:
        """(seconds until the earliest pass a kind wants by itself, [why, for those due now]); (None, []) if none."""
        times = {name: watch.due() for name, watch in self.watches.items()}
        times = {name: seconds for name, seconds in times.items() if seconds is not None}
        if not times:
            return None, []
        return min(times.values()), [self.watches[name].due_reason for name, seconds in times.items() if seconds <= 0]

    def passed(self, report) -> None:
        results = getattr(report, 'kinds', None) or {}
        for name, watch in self.watches.items():
            watch.passed(results.get(name))

    def run(self) -> int:
        events = self._link_events()
        self.log(6, 'watch: started (interval %.0f s, IOC poll %.1f s, link events %s)' % (
            self.interval, self.poll, 'on' if events else 'off'))
        for watch in self.watches.values():
            watch.start()
        next_full = time.monotonic()
        next_poll = time.monotonic() + self.poll
        reasons = ['start']
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                if now >= next_poll:
                    reasons += self.poll_kinds()
                    next_poll = now + self.poll
                due, why = self.due()
                reasons += why
                if now >= next_full:
                    reasons.append('interval')
                if reasons:
                    self.passed(self.run_pass(', '.join(dict.fromkeys(reasons))))
                    reasons = []
                    next_full = time.monotonic() + self.interval
                    due = self.due()[0]
                wait = min(next_full, next_poll) - time.monotonic()
                reasons += self._wait(events, max(min(wait, due) if due is not None else wait, 0.05))
        finally:
            if events is not None:
                events.close()
        self.log(6, 'watch: stopped')
        return 0

    def _link_events(self):
        if not HAS_PYROUTE2:
            return None
        try:
            return LinkEvents(self.netns)
        except (OSError, IofabricError) as exc:
            self.log(4, 'watch: no link events (%s); polling and the timer only' % exc)
            return None

    def _wait(self, events, seconds: float) -> list:
        """Sleep until a link event or ``seconds``; ['link event'] when one came."""
        if events is None:
            self.stop.wait(seconds)
            return []
        ready = select.select([events.fileno()], [], [], seconds)[0]
        if ready and not self.stop.is_set():
            time.sleep(DEBOUNCE)
            if events.drain():
                return ['link event']
        return []
