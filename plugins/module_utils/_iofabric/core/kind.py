# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kind contract: the phases the pipeline runs, what each is given and what each returns.

PRIVATE to the collection. core/pipeline.py calls the phases in this order:

    validate(config, state, fields)          -> [(object_id, spec)]   before anything is read or locked
    read_live(document)                      -> Live                   under the host lock
    plan(PlanInput)                          -> Plan                   check mode stops after it
    apply(action, plan, document)            -> None                   once per planned action, in order
    verify(want, deletes, plan, document)    -> Verification           reads the host back; what to observe
    record(document, want, deletes, state)   -> None                   what the store keeps

Data flows through the returned values: what read_live saw of the host beyond the objects goes in
``Live.view``, what apply and verify need from planning goes in ``Plan.context``. A kind keeps on
itself only its construction (sysroot, runner, options) and, from validate, where each item came
from (for error messages); no phase reads an attribute another phase left behind.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import fill


@dataclass
class Live:
    """What read_live saw: the objects by id in config shape, and the kind's own reading of the host
    (indexes, tool output, files) that plan, apply, verify and facts use."""

    objects: dict
    view: object = None


@dataclass
class PlanInput:
    """What planning is given: the desired objects, what to delete, the live state, the store document
    and the resource state asked for."""

    want: dict
    deletes: list
    live: Live
    document: object
    state: str


@dataclass
class Verification:
    """What verify read back: the objects as they now are, what still waits, what failed."""

    after: dict
    pending: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    observations: dict = field(default_factory=dict)   # object id -> fields the pipeline records (document.observe)


class Kind(ABC):
    """Base of every kind: the phases to supply, and the resource-state defaults most kinds share."""

    store_kind = ''          # the kind's name: its store document, its rows in results (kinds/registry.py)
    record_replaces = False  # record() replaces the whole declaration by itself (eoib_gc's settings)

    def __init__(self):
        self.extras: dict = {}
        self.runner = None

    # -- the phases ----------------------------------------------------------------------
    @abstractmethod
    def validate(self, config: list, state: str, fields: list) -> list:
        """Normalize every config item; raise ValidationError naming the field. Returns [(id, spec)]."""

    @abstractmethod
    def read_live(self, document) -> Live:
        """Read the host."""

    @abstractmethod
    def plan(self, given: PlanInput) -> Plan:
        """Decide the actions, what waits and what fails; nothing on the host changes."""

    @abstractmethod
    def apply(self, action, plan: Plan, document) -> None:
        """Carry out one planned action; raise IofabricError when it fails."""

    @abstractmethod
    def verify(self, want: dict, deletes: list, plan: Plan, document) -> Verification:
        """Read the host back after apply."""

    @abstractmethod
    def render(self, specs: list) -> dict:
        """state=rendered: what the kind would write, without reading the host."""

    @abstractmethod
    def parse(self, text: str) -> list:
        """state=parsed: declarations from the kind's own configuration text."""

    # -- resource states -----------------------------------------------------------------
    def defaults(self, spec: dict) -> dict:
        return {}

    def complete(self, spec: dict) -> dict:
        return fill(spec, self.defaults(spec))

    def merge(self, spec: dict, live_object: dict, live: Live, document) -> dict:
        """state=merged: what the declaration does not give, kept from the live object."""
        return fill(spec, live_object)

    def in_scope(self, object_id: str, live_object: dict, live: Live | None = None) -> bool:
        """state=overridden removes live objects not declared, among those in scope (live: this run's Live)."""
        return True

    def label(self, object_id: str) -> str:
        """How messages name an object: its id, unless the kind made the id up (the user never wrote it)."""
        return object_id

    def record(self, document, want: dict, deletes: list, state: str) -> None:
        for object_id in deletes:
            if object_id not in want:   # an object deleted and declared again keeps its observations
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

    def facts(self, live: Live, plan: Plan | None) -> dict:
        """What fabric_info reports about the kind beyond its objects (plan is None for gathered)."""
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
