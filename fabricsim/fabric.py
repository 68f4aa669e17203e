"""The simulated host: drivers, the sysfs/proc tree, faults, events, tools and the write log.

Everything that changes the model happens under ``lock``. Drivers report what they
changed with ``mark_dirty(path)`` so that the FUSE adapter can drop the kernel's cached
copy of exactly those files before the change is acknowledged.
"""

from __future__ import annotations

import errno
import threading
import time
from collections import Counter

from fabricsim import vfs
from fabricsim.clock import ManualClock
from fabricsim.faults import FaultTable

GARBAGE = 'Segmentation fault?\x1b[31m\n\x00\x01###garbage### 0xdeadbeef ,,,"\n'
WRITE_LOG_LIMIT = 200000


class Fabric:
    """One simulated host."""

    def __init__(self, scenario: dict, clock=None, netns=None, root: str | None = None):
        self.scenario = scenario
        self.clock = clock or ManualClock()
        self.netns = netns
        self.root_dir = root  # the simulated host's root directory (None in process)
        self.sync_links = None  # the daemon sets this: refresh the netdev view from the namespace
        self.lock = threading.RLock()
        self.faults = FaultTable()
        self.writes: list = []
        self.write_count = 0
        self.tool_runs: Counter = Counter()
        self.root = vfs.Dir({'sys': vfs.Dir(), 'proc': vfs.Dir()})
        self._dirty: set = set()
        self.listeners: list = []
        self.drivers: dict = {}
        self.tools: dict = {}
        self.events: dict = {}
        self._first_host = int(scenario.get('first_host', 0))
        self._hosts_used: set = set()
        from fabricsim.drivers import build_drivers  # late import: drivers import this module's names
        build_drivers(self, scenario)
        for driver in self.drivers.values():
            self.tools.update(driver.tools())
            self.events.update(driver.events())
        self.events['clock-advance'] = self._ev_clock_advance

    def start(self) -> None:
        """Run the drivers' boot hooks (plug guests, ...) once links and mounts exist."""
        with self.lock:
            for driver in self.drivers.values():
                if hasattr(driver, 'boot'):
                    driver.boot()
        self.notify()

    def next_host(self) -> int:
        """A SCSI host number, whatever the HBA (FCoE, SAS, ...): the lowest free one, as
        scsi_host_alloc() takes it with ida_alloc(&host_index_ida) (drivers/scsi/hosts.c)."""
        number = self._first_host
        while number in self._hosts_used:
            number += 1
        self._hosts_used.add(number)
        return number

    def release_host(self, number: int) -> None:
        """scsi_host_dev_release() frees the number (ida_free) once the host is gone."""
        self._hosts_used.discard(number)

    def _ev_clock_advance(self, args: dict) -> dict:
        """clock-advance seconds=N: let N seconds pass at once for the timers (a heartbeat timeout, ...)."""
        seconds = float(args['seconds'])
        if seconds < 0:
            raise ValueError('seconds must not be negative')
        self.clock.advance(seconds)
        return {'advanced': seconds, 'pending': self.clock.pending}

    # -- change tracking -------------------------------------------------------------
    def mark_dirty(self, path: str) -> None:
        self._dirty.add(path)

    def take_dirty(self) -> set:
        dirty, self._dirty = self._dirty, set()
        return dirty

    def notify(self) -> None:
        """Tell listeners (the FUSE adapter) what changed; call without holding the lock."""
        with self.lock:
            dirty = self.take_dirty()
        if dirty:
            for listener in self.listeners:
                listener(dirty)

    def completion_delay(self, name: str, default: float) -> float | None:
        """Delay of an asynchronous completion, honouring async faults; None means never."""
        fault = self.faults.for_async(name)
        if fault is None:
            return default
        return None if fault.mode == 'never' else fault.value

    def schedule(self, delay: float | None, callback) -> None:
        if delay is not None:
            self.clock.schedule(delay, callback)

    def run_completions(self, callbacks: list) -> None:
        with self.lock:
            for callback in callbacks:
                callback()
        self.notify()

    # -- file access -----------------------------------------------------------------
    def node(self, path: str, follow: bool = False) -> vfs.Node:
        return (vfs.resolve if follow else vfs.lookup)(self.root, path)

    def read(self, path: str, follow: bool = True) -> bytes:
        with self.lock:
            err = self.faults.for_path('read', path)
            if err:
                raise OSError(err, 'simulated fault', path)
            node = self.node(path, follow)
            if isinstance(node, vfs.Dir):
                raise OSError(errno.EISDIR, 'Is a directory', path)
            if not isinstance(node, vfs.Attr):
                raise OSError(errno.EINVAL, 'Invalid argument', path)
            return node.read()

    def write(self, path: str, data: bytes, follow: bool = True) -> int:
        """Write like write(2) on sysfs: the whole buffer, errno raised synchronously."""
        with self.lock:
            try:
                err = self.faults.for_path('write', path)
                if err:
                    raise OSError(err, 'simulated fault', path)
                node = self.node(path, follow)
                if not isinstance(node, vfs.Attr):
                    raise OSError(errno.EISDIR if isinstance(node, vfs.Dir) else errno.EINVAL, 'not an attribute')
                node.write(bytes(data))
                self._log(path, data, 'ok')
                trigger = self.faults.for_trigger(path)
                if trigger is not None:
                    # After the write, before write(2) returns: the writer sees the world changed.
                    self.events[trigger.mode](dict(trigger.args))
            except OSError as exc:
                self._log(path, data, errno.errorcode.get(exc.errno, str(exc.errno)))
                raise
        return len(data)

    def _log(self, path: str, data: bytes, result: str) -> None:
        self.write_count += 1
        if len(self.writes) < WRITE_LOG_LIMIT:
            self.writes.append({'path': path, 'data': bytes(data).decode('utf-8', 'backslashreplace'),
                                'result': result, 'time': round(time.time(), 6)})

    # -- tools and events ----------------------------------------------------------------
    def run_tool(self, name: str, argv: list) -> dict:
        with self.lock:
            self.tool_runs[name] += 1
            fault = self.faults.for_tool(name)
            if fault is not None and fault.mode == 'garbage':
                return {'rc': 0, 'stdout': GARBAGE, 'stderr': '', 'delay': 0}
            if fault is not None and fault.mode == 'rc':
                return {'rc': int(fault.value), 'stdout': '', 'stderr': '%s: simulated failure\n' % name, 'delay': 0}
            handler = self.tools.get(name)
            if handler is None:
                return {'rc': 127, 'stdout': '', 'stderr': '%s: not simulated\n' % name, 'delay': 0}
            rc, stdout, stderr = handler(list(argv))
            delay = fault.value if fault is not None and fault.mode == 'timeout' else 0
            return {'rc': rc, 'stdout': stdout, 'stderr': stderr, 'delay': delay}

    def event(self, kind: str, args: dict) -> dict:
        handler = self.events.get(kind)
        if handler is None:
            raise ValueError('unknown event %r (known: %s)' % (kind, ', '.join(sorted(self.events))))
        with self.lock:
            result = handler(dict(args)) or {}
        self.notify()
        return result

    def state(self) -> dict:
        with self.lock:
            return {
                'drivers': {name: driver.state() for name, driver in self.drivers.items()},
                'faults': [fault.as_dict() for fault in self.faults.faults],
                'writes': self.write_count,
                'tool_runs': dict(self.tool_runs),
                'pending_completions': self.clock.pending,
                'netns': self.netns.name if self.netns else None,
            }
