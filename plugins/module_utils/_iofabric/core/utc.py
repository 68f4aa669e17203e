# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one timestamp format of the store, the lock holder and the metrics: UTC, to the second.

PRIVATE to the collection.
"""

from __future__ import annotations

import calendar
import time

FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def stamp(now: float | None = None) -> str:
    """``now`` (seconds since the epoch; the current time when None) as 2026-12-03T09:15:30Z."""
    return time.strftime(FORMAT, time.gmtime(now))


def parse(text: str) -> float:
    """Seconds since the epoch of a stamp; ValueError when it is not one."""
    return float(calendar.timegm(time.strptime(str(text), FORMAT)))
