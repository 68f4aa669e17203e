# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one lock that serialises modules and reconciler passes on a host.

PRIVATE to the collection. flock(2) is released by the kernel when its holder dies, so a
killed process never leaves the host locked; the holder's identity is written next to it
so that a waiter can name who it waited for.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import sys
import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import utc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import LockTimeout, StoreError

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
        self._fd = open_private(self.path, os.O_RDWR | os.O_CREAT)
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
            fd = open_private(self.holder_path, os.O_RDONLY)
            with os.fdopen(fd, 'rb') as handle:
                text = handle.read(4096).decode('utf-8', errors='replace')
            # The first JSON value only: a record caught mid-rewrite is followed by an old one's tail.
            info = json.JSONDecoder().raw_decode(text)[0]
            return '%s (pid %s) since %s' % (info.get('owner'), info.get('pid'), info.get('since'))
        except (OSError, ValueError, AttributeError, RecursionError, StoreError):
            return ''   # advisory text: a holder file nested past the parser's recursion limit is no holder either

    def _write_holder(self) -> None:
        info = {'owner': self.owner, 'pid': os.getpid(), 'argv0': os.path.basename(sys.argv[0] or ''),
                'since': utc.stamp()}
        # Advisory text, rewritten by every holder in place (once open_private has shown it is our own
        # regular file, never through a symlink) and never emptied: a waiter reading it meanwhile sees
        # the old record, or the new one followed by the old one's tail (holder() reads the first value).
        data = json.dumps(info).encode('utf-8')
        fd = open_private(self.holder_path, os.O_WRONLY | os.O_CREAT)
        try:
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def open_private(path: str, flags: int, mode: int = 0o600) -> int:
    """Open a file of the state directory: never through a symlink (O_NOFOLLOW fails with ELOOP
    before O_CREAT or a truncation could act on a target), and only a regular file owned by
    the user running iofabric that no group or other user may write. Returns the fd."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError('%s is a symlink; the state store never follows one (remove it)' % path) from None
        raise
    try:
        check_private(path, os.fstat(fd), 'file')
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_private(path: str, status: os.stat_result, what: str) -> None:
    """Refuse a store path not owned by us (root) or writable by group or others: whoever can write
    there could plant declarations that the next root run applies."""
    expected = stat.S_ISDIR if what == 'directory' else stat.S_ISREG
    if not expected(status.st_mode):
        raise StoreError('%s is not a %s; refusing to use it as the state store' % (path, 'regular file' if what == 'file' else what))
    if status.st_uid != os.geteuid():
        raise StoreError('%s is owned by uid %d, not uid %d (root); refusing to trust the state store (fix: chown %d %s)'
                         % (path, status.st_uid, os.geteuid(), os.geteuid(), path))
    if status.st_mode & 0o022:
        raise StoreError('%s is writable by group or others (mode %04o); refusing to trust the state store '
                         '(fix: chmod go-w %s)' % (path, stat.S_IMODE(status.st_mode), path))
