# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one lock that serialises modules and reconciler passes on a host.

PRIVATE to the collection. flock(2) is released by the kernel when its holder dies, so a
killed process never leaves the host locked; the holder's identity is written next to it
so that a waiter can name who it waited for.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time

from ansible_collections.iofabric.core.plugins.module_utils._errors import LockTimeout

POLL_INTERVAL = 0.05
# Diagnosing contention: with this set to a file, every hold of the lock appends one JSON line
# (owner, pid, mode, and CLOCK_MONOTONIC times, comparable across processes) when it ends.
TRACE_VARIABLE = 'IOFABRIC_LOCK_TRACE'


class HostLock:
    """An exclusive (apply) or shared (read-only) lock on the iofabric state directory."""

    def __init__(self, directory: str, owner: str, timeout: float):
        self.path = os.path.join(directory, 'lock')
        self.holder_path = os.path.join(directory, 'lock.holder')
        self.owner = owner
        self.timeout = timeout
        self._fd = -1
        self.waited = 0.0
        self._acquired = 0.0
        self._exclusive = False

    def acquire(self, exclusive: bool = True) -> None:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        operation = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(self._fd, operation)
                break
            except BlockingIOError:
                self.waited = time.monotonic() - start
                if self.waited >= self.timeout:
                    holder = self.holder()
                    os.close(self._fd)
                    self._fd = -1
                    raise LockTimeout(self.path, holder, self.waited) from None
                time.sleep(POLL_INTERVAL)
        self._acquired = time.monotonic()
        self._exclusive = exclusive
        self.waited = self._acquired - start
        if exclusive:
            self._write_holder()

    def release(self) -> None:
        if self._fd >= 0:
            released = time.monotonic()
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1
            self._trace(released)

    def _trace(self, released: float) -> None:
        path = os.environ.get(TRACE_VARIABLE)
        if not path:
            return
        line = json.dumps({'owner': self.owner, 'pid': os.getpid(), 'exclusive': self._exclusive,
                           'acquired': self._acquired, 'released': released, 'waited': round(self.waited, 6)})
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, (line + '\n').encode('utf-8'))   # one write: appends never interleave
            finally:
                os.close(fd)
        except OSError:
            pass  # a diagnostic must never fail a run

    def holder(self) -> str:
        """Who holds (or last held) the exclusive lock, as readable text."""
        try:
            with open(self.holder_path, encoding='utf-8') as handle:
                info = json.load(handle)
            return '%s (pid %s) since %s' % (info.get('owner'), info.get('pid'), info.get('since'))
        except (OSError, ValueError, AttributeError):
            return ''

    def _write_holder(self) -> None:
        info = {'owner': self.owner, 'pid': os.getpid(), 'argv0': os.path.basename(sys.argv[0] or ''),
                'since': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
        # Not atomic on purpose: it is advisory text, rewritten by every holder.
        with open(self.holder_path, 'w', encoding='utf-8') as handle:
            json.dump(info, handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
