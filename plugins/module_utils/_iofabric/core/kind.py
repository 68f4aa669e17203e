# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Defaults shared by the object kinds that run through the pipeline.

PRIVATE to the collection. A kind supplies validate, read_live, plan, apply, verify,
render and parse; what most kinds do the same way lives here.
"""

from __future__ import annotations

import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import fill


class BaseKind:
    """Base of every kind: resource-state helpers and the store record."""

    store_kind = ''

    def __init__(self):
        self.extras: dict = {}
        self.runner = None

    def defaults(self, spec: dict) -> dict:
        return {}

    def complete(self, spec: dict) -> dict:
        return fill(spec, self.defaults(spec))

    def merge(self, spec: dict, live: dict) -> dict:
        return fill(spec, live)

    def in_scope(self, object_id: str, live: dict) -> bool:
        return True

    def record(self, document, want: dict, deletes: list, state: str) -> None:
        for object_id in deletes:
            document.forget(object_id)
        for object_id, spec in want.items():
            document.declare(object_id, spec)

    def adopt_ids(self, items: list, ids: list) -> list:
        """Re-applied declarations keep the ids they were recorded under (an unnamed macvlan's
        id depends on what was given, and the recorded spec has more filled in)."""
        return [(object_id, spec) for object_id, (_derived, spec) in zip(ids, items)]

    def add_extra(self, key: str, value) -> None:
        if value:
            self.extras[key] = value

    def facts(self) -> dict:
        """What fabric_info reports about the kind beyond its objects, after read_live (or a plan)."""
        return {}


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
