# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vocabulary every object kind plans and reports in: actions, pending, failures.

PRIVATE to the collection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLANNED = 'planned'
DONE = 'done'
FAILED = 'failed'
SKIPPED = 'skipped'


@dataclass
class Action:
    """One ordered change to the host, with the reason it is needed."""

    object: str
    op: str
    reason: str
    detail: dict = field(default_factory=dict)
    status: str = PLANNED
    error: str = ''

    def as_dict(self) -> dict:
        result = {'object': self.object, 'action': self.op, 'reason': self.reason, 'status': self.status}
        if self.detail:
            result['detail'] = self.detail
        if self.error:
            result['error'] = self.error
        return result


@dataclass
class Pending:
    """An object that is declared but waits for hardware (an IOC, a link, DCB, ...)."""

    object: str
    reason: str
    waiting_for: str = ''

    def as_dict(self) -> dict:
        return {'object': self.object, 'reason': self.reason, 'waiting_for': self.waiting_for}


@dataclass
class Failure:
    """An object that could not be brought to its declared state, with the error."""

    object: str
    error: str
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        result = {'object': self.object, 'error': self.error}
        if self.details:
            result['details'] = self.details
        return result


@dataclass
class Plan:
    """What a kind intends to do; check mode stops here."""

    actions: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    predicted: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    diffs: list = field(default_factory=list)

    def add(self, obj: str, op: str, reason: str, **detail) -> Action:
        action = Action(obj, op, reason, detail)
        self.actions.append(action)
        return action

    def wait(self, obj: str, reason: str, waiting_for: str = '') -> None:
        self.pending.append(Pending(obj, reason, waiting_for))

    def fail(self, obj: str, error: str, **details) -> None:
        self.failures.append(Failure(obj, error, details))


@dataclass
class Outcome:
    """A run's end, for the result: the objects before and after, the plan, what waits and what failed."""

    have: dict
    after: dict
    plan: Plan
    pending: list
    failures: list
    declared: list
    checked: bool      # check mode: planned actions count as changes
    facts: dict | None = None
