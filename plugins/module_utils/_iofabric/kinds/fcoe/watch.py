# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the watch service polls for FCoE, and when FCoE next wants a pass by itself.

PRIVATE to the collection. lldpad's DCB state has no event, so it is polled: every poll for the
FCoE interfaces that wait (pending), which are few even when hundreds are declared, and for one of
the interfaces in service, in turn, so that DCB going off on one is noticed within (interfaces in
service x poll) seconds at the cost of one DCB query sequence a poll. DCB is read on the real
device under the interface as the kind finds it (IFLA_LINK), and judged by the kind's own rules
(decide.py). The retries are due at the time the kind recorded (next_retry in the store).
Built by kinds/registry.py; reconciler/watch.py only schedules.
"""

from __future__ import annotations

import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbReader
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.decide import KEEP, Inputs, decide
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.live import read_links, real_device
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore

CHANGED = 'DCB changed'
CHANGED_ON = 'DCB changed on %s'
RETRY_DUE = 'FCoE retry due'


def dcb_ready_for_fcoe(name: str, state) -> bool:
    """Whether the FCoE kind's own rules (decide.py) keep an existing instance on this DCB state
    without a retry. A query that fails (lldpad silent, an error or garbage in its answer, lldpad restarting) or a feature not
    synchronised is a failed step of fcoemon's sequence: a pass must start the retry timer for it."""
    if state is None:
        return False
    decision = decide(Inputs(name, instance=True, dcb=state))
    return decision.action == KEEP and not decision.retry


def seen_in(result) -> dict:
    """The DCB states the FCoE kind read in a pass (its result's ``dcb``), by interface."""
    seen = result.get('dcb') if isinstance(result, dict) else None
    return seen if isinstance(seen, dict) else {}


class FcoeWatch:
    """The FCoE side of the watch: start, poll, passed and due, as reconciler/watch.py asks."""

    due_reason = RETRY_DUE

    def __init__(self, sysroot, netns: str | None):
        self.root = sysroot
        self.netns = netns
        self.in_service_turn = 0
        self.baseline = None

    # -- what the watch loop asks ---------------------------------------------------------
    def start(self) -> None:
        self.baseline = self.waiting_dcb()

    def poll(self) -> list:
        """Reasons for a pass now: DCB changed on an interface that waits, or no longer ready on one in service."""
        reasons = []
        current = self.waiting_dcb()
        if current != self.baseline and current is not None:
            reasons.append(CHANGED)
        self.baseline = current
        changed = self.in_service_not_ready()
        if changed:
            reasons.append(CHANGED_ON % changed)
        return reasons

    def passed(self, result) -> None:
        """After a pass: what waits now, as the pass saw it, is the baseline."""
        self.baseline = self.waiting_dcb(seen_in(result))

    def due(self) -> float | None:
        """Seconds until the earliest retry the FCoE kind recorded (wall clock), or None."""
        try:
            observations = StateStore(self.root).load('fcoe').observations
        except IofabricError:
            return None
        due = [obs['next_retry'] for obs in observations.values() if isinstance(obs.get('next_retry'), (int, float))]
        return max(0.0, min(due) - time.time()) if due else None

    # -- the polls --------------------------------------------------------------------------
    def interfaces(self) -> tuple:
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

    def waiting_dcb(self, seen: dict | None = None) -> dict | None:
        """The DCB state of each FCoE interface that waits, by name; None when none waits.

        ``seen``: the states a pass read (its result's ``dcb``), used as they are for the interfaces it read, so
        that a change between the pass's reading and this one is not taken for the baseline and lost.
        """
        waiting = self.interfaces()[0]
        if not waiting:
            return None
        seen = seen or {}
        unread = [name for name in waiting if name not in seen]
        reader = _Reader(self.root, self.netns) if unread else None
        states = {}
        for name in waiting:
            if name in seen:
                states[name] = {key: value for key, value in seen[name].items() if key != 'device'}
            else:
                state = reader.state(name)
                states[name] = state if isinstance(state, str) else state.as_dict()
        return states

    def in_service_not_ready(self) -> str | None:
        """Polls the next interface in service; its name when its DCB is no longer ready for FCoE.

        Readiness, not a change against an earlier poll: an interface back in service may have lost
        DCB again before its first poll, and a baseline taken then would hide that for good.
        """
        in_service = self.interfaces()[1]
        if not in_service:
            return None
        name = in_service[self.in_service_turn % len(in_service)]
        self.in_service_turn += 1
        state = _Reader(self.root, self.netns).state(name)
        return None if dcb_ready_for_fcoe(name, None if isinstance(state, str) else state) else name


class _Reader:
    """DCB of an interface's real device, found as the FCoE kind finds it (IFLA_LINK), for one poll."""

    def __init__(self, sysroot, netns: str | None):
        self.netns = netns
        self.dcb = DcbReader(Runner(sysroot, timeout=10, netns=netns), netns)
        try:
            self.links = read_links(netns)
        except IofabricError as exc:
            self.links, self.problem = None, 'links not read: %s' % exc

    def state(self, name: str):
        """The DcbState of the interface's real device, or a text saying why there is none."""
        if self.links is None:
            return self.problem
        device = real_device(self.links, name)
        if device is None:
            return 'the network interface %s does not exist' % name
        try:
            return self.dcb.read(device)
        except IofabricError as exc:
            return str(exc)
