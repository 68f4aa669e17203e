# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconciler's watch mode: a pass when something changes, and on a timer as a backstop.

PRIVATE to the collection. Link changes arrive as rtnetlink events (link up/down, created,
deleted, renamed: a flapping link, a guest port going away). IOC visibility has no event,
so the IOC listing is polled (one ib_qlgc_vnic_query run) and compared; nor has lldpad's DCB
state, so it is polled too: every poll for the FCoE interfaces that wait (pending), which are few
even when hundreds are declared, and for one of the interfaces in service, in turn, so that DCB
going off on one is noticed within (interfaces in service x poll) seconds at the cost of one DCB
query sequence a poll. FCoE retries are due at the time the FCoE kind recorded.
Everything else (a missing SCSI device, say) is caught by the interval pass.
"""

from __future__ import annotations

import hashlib
import json
import select
import threading
import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbReader
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.decide import KEEP, Inputs, decide
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import viport_states
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

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


def dcb_ready_for_fcoe(name: str, state) -> bool:
    """Whether the FCoE kind's own rules (_fcoe_decide) keep an existing instance on this DCB state
    without a retry. A query that fails (dcbtool errors or garbage, lldpad restarting) or a feature not
    synchronised is a failed step of fcoemon's sequence: a pass must start the retry timer for it."""
    if state is None:
        return False
    decision = decide(Inputs(name, instance=True, dcb=state))
    return decision.action == KEEP and not decision.retry


def _dcb_seen(report) -> dict:
    """The DCB states the FCoE kind read in a pass (its result's ``dcb``), by interface."""
    kinds = getattr(report, 'kinds', None) or {}
    seen = kinds.get('fcoe', {}).get('dcb') if isinstance(kinds.get('fcoe'), dict) else None
    return seen if isinstance(seen, dict) else {}


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
        self.in_service_turn = 0

    def ioc_fingerprint(self) -> str | None:
        """What the IOC poll compares; None when no VNIC is declared.

        As QLogic's dynamic update daemon does, the fabric is only queried while a declared path is
        disconnected (a late IOC, a hot swap, a port down): in steady state a poll reads one
        viport_state per path and sends nothing over the fabric.
        """
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

    def _fcoe_interfaces(self) -> tuple:
        """(declared FCoE interfaces that wait, those in service), each sorted."""
        try:
            document = StateStore(self.root).load('fcoe')
        except IofabricError:
            return [], []
        waiting, in_service = [], []
        for name in sorted(document.objects):
            status = document.observations.get(name, {}).get('status')
            if status == 'pending':
                waiting.append(name)
            elif status != 'failed' and document.objects[name].get('spec', {}).get('dcb_required', True) is not False:
                in_service.append(name)   # failed ones are the interval's: a pass a poll would not help them
        return waiting, in_service

    def _dcb_state(self, reader: DcbReader, name: str, raw: bool = False):
        base, dot, vlan = name.rpartition('.')
        device = base if dot and vlan.isdigit() else name   # DCB is the real device's, not the VLAN's
        try:
            state = reader.read(device)
        except IofabricError as exc:
            return None if raw else str(exc)
        return state if raw else state.as_dict()

    def _reader(self) -> DcbReader:
        return DcbReader(Runner(self.root, timeout=10, netns=self.netns), self.netns)

    def dcb_fingerprint(self, seen: dict | None = None) -> dict | None:
        """The DCB state of each FCoE interface that waits, by name; None when none waits.

        ``seen``: the states a pass read (its report's ``dcb``), used as they are for the interfaces it read, so
        that a change between the pass's reading and this one is not taken for the baseline and lost.
        """
        waiting = self._fcoe_interfaces()[0]
        if not waiting:
            return None
        seen = seen or {}
        reader = None
        states = {}
        for name in waiting:
            if name in seen:
                states[name] = {key: value for key, value in seen[name].items() if key != 'device'}
                continue
            reader = reader or self._reader()
            states[name] = self._dcb_state(reader, name)
        return states

    def in_service_dcb_changed(self) -> str | None:
        """Polls the next interface in service; its name when its DCB is no longer ready for FCoE.

        Readiness, not a change against an earlier poll: an interface back in service may have lost
        DCB again before its first poll, and a baseline taken then would hide that for good.
        """
        in_service = self._fcoe_interfaces()[1]
        if not in_service:
            return None
        name = in_service[self.in_service_turn % len(in_service)]
        self.in_service_turn += 1
        state = self._dcb_state(self._reader(), name, raw=True)
        return None if dcb_ready_for_fcoe(name, state) else name

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
        dcb = self.dcb_fingerprint()
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
                    current = self.dcb_fingerprint()
                    if current != dcb and current is not None:
                        reasons.append('DCB changed')
                    dcb = current
                    changed = self.in_service_dcb_changed()
                    if changed:
                        reasons.append('DCB changed on %s' % changed)
                    next_poll = now + self.poll
                retry = self.fcoe_retry_due()
                if retry is not None and retry <= 0:
                    reasons.append('FCoE retry due')
                if now >= next_full:
                    reasons.append('interval')
                if reasons:
                    report = self.run_pass(', '.join(dict.fromkeys(reasons)))
                    reasons = []
                    next_full = time.monotonic() + self.interval
                    retry = self.fcoe_retry_due()
                    dcb = self.dcb_fingerprint(_dcb_seen(report))   # what waits now, as the pass saw it
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
