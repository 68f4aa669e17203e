"""Scriptable faults: errno on a path's read or write, misbehaving tools, lost completions,
and triggers (an event that happens the moment a write to a path succeeds, such as a port
going down in the middle of an apply).

Every fault has an id so that it can be listed and cleared; ``count`` limits how many
times it fires (None: until cleared).
"""

from __future__ import annotations

import errno
import fnmatch
import itertools
from dataclasses import asdict, dataclass, field

TOOL_MODES = ('rc', 'timeout', 'garbage')
READ_REQUESTS_PER_FAILED_READ = 2
ASYNC_MODES = ('delay', 'never')


def errno_value(name_or_number) -> int:
    if isinstance(name_or_number, int):
        return name_or_number
    text = str(name_or_number).upper()
    if text.isdigit():
        return int(text)
    value = getattr(errno, text, None)
    if not isinstance(value, int):
        raise ValueError('unknown errno %r' % name_or_number)
    return value


@dataclass
class Fault:
    id: int
    kind: str             # path | tool | async | trigger
    target: str           # path glob, tool name, or completion name
    op: str = ''          # read | write (path faults)
    errno: int = 0
    mode: str = ''        # rc | timeout | garbage | delay | never; the event kind of a trigger
    value: float = 0.0    # rc, timeout seconds, delay seconds
    count: int | None = None
    fired: int = 0
    args: dict = field(default_factory=dict)   # a trigger's event arguments

    def as_dict(self) -> dict:
        data = asdict(self)
        if self.kind == 'path':
            data['errno'] = errno.errorcode.get(self.errno, self.errno)
        return data


@dataclass
class FaultTable:
    faults: list = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, **spec) -> Fault:
        fault = Fault(id=next(self._ids), **spec)
        self.faults.append(fault)
        return fault

    def clear(self, fault_id: int | None = None) -> int:
        before = len(self.faults)
        self.faults = [f for f in self.faults if fault_id is not None and f.id != fault_id]
        return before - len(self.faults)

    def _fire(self, fault: Fault) -> Fault:
        fault.fired += 1
        budget = fault.count
        if budget is not None and fault.kind == 'path' and fault.op == 'read':
            # A page-cache read that fails is retried once by the kernel (measured on this
            # kernel: two READ requests per failing read(2), one per succeeding one).
            budget *= READ_REQUESTS_PER_FAILED_READ
        if budget is not None and fault.fired >= budget:
            self.faults.remove(fault)
        return fault

    def for_path(self, op: str, path: str) -> int:
        """errno to fail this access with, or 0."""
        for fault in list(self.faults):
            if fault.kind == 'path' and fault.op == op and fnmatch.fnmatchcase(path, fault.target):
                return self._fire(fault).errno
        return 0

    def matches_path(self, op: str, path: str) -> bool:
        """Whether an access would fail, without firing (counting) the fault."""
        return any(fault.kind == 'path' and fault.op == op and fnmatch.fnmatchcase(path, fault.target)
                   for fault in self.faults)

    def for_tool(self, tool: str) -> Fault | None:
        for fault in list(self.faults):
            if fault.kind == 'tool' and fault.target == tool:
                return self._fire(fault)
        return None

    def for_trigger(self, path: str) -> Fault | None:
        """The trigger to fire after a successful write to this path, if any."""
        for fault in list(self.faults):
            if fault.kind == 'trigger' and fnmatch.fnmatchcase(path, fault.target):
                return self._fire(fault)
        return None

    def for_async(self, name: str) -> Fault | None:
        for fault in list(self.faults):
            if fault.kind == 'async' and fault.target == name:
                return self._fire(fault)
        return None
