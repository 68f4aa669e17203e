"""Serve a subtree of the model (sys or proc) over FUSE with kernel caching and exact invalidation.

Reads are cached by the kernel (no OPEN or FLUSH round trips: both answer ENOSYS, which
makes the kernel skip them for good) so that an attribute read costs what it costs on a
real sysfs. Every model change names the paths it touched; their cached copies are
invalidated, from a separate thread, before the write or event that caused the change
returns. A write's own file is invalidated just after it returns: the kernel holds that
file's page while the write is in flight.
"""

from __future__ import annotations

import ctypes
import errno
import os
import queue
import stat
import threading
import time

import mfusepy as fuse

from fabricsim import vfs

_lib = fuse._libfuse
_lib.fuse_invalidate_path.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.fuse_invalidate_path.restype = ctypes.c_int

ATTR_SIZE = 4096  # what sysfs reports for every attribute
CACHE_SECONDS = 3600


class Invalidator:
    """One thread that sends invalidations; callers may wait for their batch."""

    def __init__(self):
        self.fuse_ptr = None
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name='fabricsim-invalidate', daemon=True)
        self._thread.start()

    def submit(self, paths: list, wait: bool) -> None:
        if not paths or self.fuse_ptr is None:
            return
        done = threading.Event() if wait else None
        self._queue.put((paths, done))
        if done is not None:
            done.wait()

    def _loop(self) -> None:
        while True:
            paths, done = self._queue.get()
            for path in paths:
                _lib.fuse_invalidate_path(self.fuse_ptr, path.encode('utf-8', 'surrogateescape'))
            if done is not None:
                done.set()


class KnownPaths:
    """The paths the kernel may have cached, as a tree, to expand a dirty prefix cheaply."""

    def __init__(self):
        self.children: dict = {'': set()}
        self.lock = threading.Lock()

    def add(self, path: str) -> None:
        with self.lock:
            while path not in self.children:
                self.children[path] = set()
                parent = path.rsplit('/', 1)[0]
                self.children.setdefault(parent, set()).add(path)
                path = parent

    def expand(self, prefix: str) -> list:
        with self.lock:
            if prefix not in self.children:
                return []
            result, stack = [], [prefix]
            while stack:
                path = stack.pop()
                result.append(path)
                stack.extend(self.children.get(path, ()))
            return result


class ModelFS(fuse.Operations):
    """mfusepy operations over ``fabric.root/<top>`` (top is 'sys' or 'proc')."""

    use_ns = True

    def __init__(self, fabric, top: str):
        self.fabric = fabric
        self.top = top
        self.known = KnownPaths()
        self.invalidator = Invalidator()
        self.started = threading.Event()
        self.now = time.time_ns()
        fabric.listeners.append(self.on_change)

    # Model paths are system paths: '/sys/class/...'; FUSE paths are relative to the mount.
    def _system(self, path: str) -> str:
        return '/' + self.top + ('' if path == '/' else path)

    def _node(self, path: str) -> vfs.Node:
        return vfs.lookup(self.fabric.root, self._system(path))

    def init(self, path):
        self.invalidator.fuse_ptr = ctypes.c_void_p(_lib.fuse_get_context().contents.fuse)
        self.started.set()

    def getattr(self, path, fh=None):
        with self.fabric.lock:
            try:
                node = self._node(path)
            except OSError as exc:
                raise fuse.FuseOSError(exc.errno) from None
        self.known.add(path if path != '/' else '')
        base = {'st_uid': 0, 'st_gid': 0, 'st_atime': self.now, 'st_mtime': self.now, 'st_ctime': self.now}
        if isinstance(node, vfs.Dir):
            return dict(base, st_mode=stat.S_IFDIR | node.mode, st_nlink=2)
        if isinstance(node, vfs.Link):
            return dict(base, st_mode=stat.S_IFLNK | 0o777, st_nlink=1, st_size=len(node.target))
        return dict(base, st_mode=stat.S_IFREG | node.mode, st_nlink=1, st_size=ATTR_SIZE)

    def readlink(self, path):
        with self.fabric.lock:
            try:
                node = self._node(path)
            except OSError as exc:
                raise fuse.FuseOSError(exc.errno) from None
        if not isinstance(node, vfs.Link):
            raise fuse.FuseOSError(errno.EINVAL)
        return node.target

    def readdir(self, path, fh):
        with self.fabric.lock:
            try:
                node = self._node(path)
            except OSError as exc:
                raise fuse.FuseOSError(exc.errno) from None
            if not isinstance(node, vfs.Dir):
                raise fuse.FuseOSError(errno.ENOTDIR)
            return ['.', '..'] + node.list()

    def opendir(self, path):
        return 0

    def open(self, path, flags):
        raise fuse.FuseOSError(errno.ENOSYS)  # no_open: the kernel stops sending OPEN

    def flush(self, path, fh):
        raise fuse.FuseOSError(errno.ENOSYS)  # no_flush: nor FLUSH on close

    def read(self, path, size, offset, fh):
        try:
            data = self.fabric.read(self._system(path), follow=False)
        except OSError as exc:
            raise fuse.FuseOSError(exc.errno) from None
        return data[offset:offset + size]

    def write(self, path, data, offset, fh):
        system = self._system(path)
        try:
            self.fabric.write(system, bytes(data), follow=False)
        except OSError as exc:
            self._flush_dirty(exclude=path)
            raise fuse.FuseOSError(exc.errno) from None
        self._flush_dirty(exclude=path)
        return len(data)

    def truncate(self, path, length, fh=None):
        return 0  # sysfs ignores O_TRUNC

    def _flush_dirty(self, exclude: str) -> None:
        with self.fabric.lock:
            dirty = self.fabric.take_dirty()
        self._invalidate(dirty, wait=True, exclude=exclude)
        for listener in self.fabric.listeners:
            if listener != self.on_change:
                listener(dirty)
        # The written file itself may be cached; its page is locked until we return.
        self.invalidator.submit([exclude], wait=False)

    def invalidate_all(self) -> None:
        self.invalidator.submit([p for p in self.known.expand('') if p], wait=True)

    def on_change(self, dirty: set) -> None:
        self._invalidate(dirty, wait=True)

    def _invalidate(self, dirty: set, wait: bool, exclude: str = '') -> None:
        prefix = '/' + self.top
        paths = []
        for system in dirty:
            if system == prefix or system.startswith(prefix + '/'):
                paths.extend(p for p in self.known.expand(system[len(prefix):]) if p and p != exclude)
        self.invalidator.submit(paths, wait)


def mount(fabric, top: str, mountpoint: str) -> ModelFS:
    """Mount in a background thread and return once the kernel has initialised it."""
    operations = ModelFS(fabric, top)
    options = dict(foreground=True, nothreads=False, allow_other=True, fsname='fabricsim-' + top,
                   entry_timeout=CACHE_SECONDS, attr_timeout=CACHE_SECONDS, negative_timeout=0,
                   default_permissions=False)
    thread = threading.Thread(target=fuse.FUSE, args=(operations, mountpoint), kwargs=options,
                              name='fabricsim-fuse-' + top, daemon=True)
    thread.start()
    if not operations.started.wait(10):
        raise RuntimeError('FUSE mount of %s did not start' % mountpoint)
    operations.thread = thread
    return operations


def unmount(mountpoint: str) -> None:
    for command in (['fusermount3', '-u', '-z', mountpoint], ['umount', '-l', mountpoint]):
        if os.path.ismount(mountpoint):
            os.spawnvp(os.P_WAIT, command[0], command)
