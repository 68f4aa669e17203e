# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Grace for stale child MACs: how long, and over how many consecutive passes, a MAC has
been stale; kept in the state store so that it survives between runs.

PRIVATE to the collection. A MAC seen attached again loses its record (a guest that
migrated back, or rebooted, starts from zero); a pass that could not read the guest
sources is not an observation and leaves the records as they were.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Staleness:
    mac: str
    since: float
    seen: int            # consecutive passes that found it stale, this one included
    ripe: bool           # the grace is over

    def progress(self, grace: dict, now: float) -> str:
        return 'stale for %d of %d observation(s) and %d of %d s' % (
            min(self.seen, grace['observations']), grace['observations'],
            min(int(now - self.since), grace['seconds']), grace['seconds'])

    def record(self) -> dict:
        return {'since': round(self.since, 3), 'seen': self.seen}


def observe(previous: dict, stale_macs: set, grace: dict, now: float) -> dict:
    """mac -> Staleness for this pass, from the previous pass's records."""
    result = {}
    for mac in sorted(stale_macs):
        old = previous.get(mac) or {}
        since = float(old.get('since', now))
        seen = int(old.get('seen', 0)) + 1
        ripe = seen >= grace['observations'] and now - since >= grace['seconds']
        result[mac] = Staleness(mac, since, seen, ripe)
    return result
