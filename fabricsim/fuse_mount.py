"""Serve a subtree of the model (sys or proc) over FUSE with kernel caching and exact invalidation.

Reads are cached by the kernel (no OPEN or FLUSH round trips: both answer ENOSYS, which
makes the kernel skip them for good) so that an attribute read costs what it costs on a
real sysfs. Every model change names the paths it touched; their cached copies are
invalidated, from a separate thread, before the write or event that caused the change
returns.

What keeps an unchanged attribute's page cached (measured on 6.18; every open-read-close
was a GETATTR and a READ before): the FUSE client cuts i_size to what a READ returned and
invalidates atime after every READ, so the next stat() asks GETATTR again; an answer whose
size differs from i_size drops the page (fuse_change_attributes()). So getattr answers an
attribute's exact length (computed from the model), not the 4096 of sysfs, and every answer
computed after an invalidation carries a new mtime, which makes the kernel drop the page
(auto_inval_data) where the size alone would not tell: a written attribute's page, which
holds the written bytes, is dropped on the writer's next read without waiting for the page
lock (see the deadlock rule).

Lookups that fail are cached too, as kernfs keeps a negative dentry until its directory changes
(a pass over 1,024 VNICs looks up each one's missing secondary_path: 0.5 to 0.9 ms a round trip
here under load, half of the pass). FUSE can drop a negative entry only by parent node and name,
which libfuse's high-level API does not give us, so any change that follows a failed lookup
increments the connection's dentry epoch (FUSE_NOTIFY_INC_EPOCH, Linux 6.16): every dentry is
looked up again, none can be stale. The kernel reads the epoch before it sends a LOOKUP, so an
answer that races a change is stale on arrival. Without that notification (an older kernel),
failed lookups are not cached (negative_timeout 0), as before.

OFF unless FABRICSIM_NEGATIVE_CACHE=1 (measured 2026-12-03, bench/analysis.md): an epoch drops
every positive dentry too, so the first pass after any change looks every path up again (15,000
LOOKUPs at 1,024 VNICs): a no-op pass gains ~1,000 round trips, a pass after a repair or an
event loses ~15,000. Exact and cheap needs FUSE_NOTIFY_INVAL_ENTRY for the failed name under its
parent's node id, which the high-level API does not expose (libfuse's low-level API does).

Deadlock rule: while a write is in flight the kernel holds that file's page locked, and
invalidating a locked page waits for it. So the synchronous batches only ever hold
read-only attributes, directories and links (files nobody can be writing successfully);
writable attributes are invalidated on a second thread, which a write handler never waits
for (the page it waits on may be its own, or held by a write whose handler waits for it).
A change that does not come from a write (an event, a completion of the clock, a fault, a
reset) waits for both: the second thread only ever waits for writes in flight, and their
handlers never wait for it, so the change is in the kernel's caches before it returns. A
write handler's own file needs no invalidation (see above); another writable attribute the
write changed is dropped within the second thread's next step, not before write(2) returns.
"""

from __future__ import annotations

import ctypes
import errno
import os
import queue
import stat
import struct
import threading
import time

import mfusepy as fuse

from fabricsim import vfs

_lib = fuse._libfuse
_lib.fuse_invalidate_path.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.fuse_invalidate_path.restype = ctypes.c_int
_lib.fuse_get_session.argtypes = [ctypes.c_void_p]
_lib.fuse_get_session.restype = ctypes.c_void_p
_lib.fuse_session_fd.argtypes = [ctypes.c_void_p]
_lib.fuse_session_fd.restype = ctypes.c_int

ATTR_SIZE = 4096  # what sysfs reports for every attribute
CACHE_SECONDS = 3600
FUSE_CAP_AUTO_INVAL_DATA = 1 << 12  # libfuse3 fuse_common.h
FUSE_CAP_CACHE_SYMLINKS = 1 << 23
FUSE_NOTIFY_INC_EPOCH = 8   # include/uapi/linux/fuse.h, Linux 6.16
EPOCH_KERNEL = (6, 16)


def kernel_has_epoch(release: str | None = None) -> bool:
    """Whether this kernel takes FUSE_NOTIFY_INC_EPOCH (so failed lookups may be cached)."""
    numbers = []
    for part in (release or os.uname().release).split('-')[0].split('.')[:2]:
        if not part.isdigit():
            return False
        numbers.append(int(part))
    return tuple(numbers) >= EPOCH_KERNEL


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
        self.writable: set = set()
        self.lock = threading.Lock()

    def add(self, path: str, writable: bool = False) -> None:
        with self.lock:
            if writable:
                self.writable.add(path)
            while path not in self.children:
                self.children[path] = set()
                parent = path.rsplit('/', 1)[0]
                self.children.setdefault(parent, set()).add(path)
                path = parent

    def expand(self, prefix: str) -> tuple:
        """(paths safe to invalidate synchronously, writable attribute paths)."""
        with self.lock:
            if prefix not in self.children:
                return [], []
            safe, writable, stack = [], [], [prefix]
            while stack:
                path = stack.pop()
                (writable if path in self.writable else safe).append(path)
                stack.extend(self.children.get(path, ()))
            return safe, writable


class ModelFS(fuse.Operations):
    """mfusepy operations over ``fabric.root/<top>`` (top is 'sys' or 'proc')."""

    use_ns = True

    def __init__(self, fabric, top: str, open_checks: bool = False, negative_cache: bool = False):
        self.fabric = fabric
        self.top = top
        # With open_checks, OPEN is answered (one round trip per open) so that EACCES comes at open() as
        # kernfs_fop_open() gives it; the page cache is kept across opens (keep_cache).
        self.open_checks = open_checks
        self.known = KnownPaths()
        self.invalidator = Invalidator()
        self.async_invalidator = Invalidator()
        self.started = threading.Event()
        self.now = time.time_ns()
        self.changed = self.now
        # The kernel asks for attributes again on every read that reaches past i_size (every read(2)
        # of a whole attribute), so answers are kept until a change to their path invalidates them,
        # as the kernel's own cache is: a lookup in the model costs far more than a FUSE round trip.
        self.attrs: dict = {}
        self.generation = 0
        # negative_cache: failed lookups are kept by the kernel (see the module docstring); a change
        # after one (negatives_given, under the model lock) increments the dentry epoch.
        self.negative_cache = negative_cache
        self.negatives_given = False
        self.session_fd = -1
        self.epoch_error: OSError | None = None
        fabric.listeners.append(self.on_change)

    # Model paths are system paths: '/sys/class/...'; FUSE paths are relative to the mount.
    def _system(self, path: str) -> str:
        return '/' + self.top + ('' if path == '/' else path)

    def _node(self, path: str) -> vfs.Node:
        """The node at a mount-relative path; a missing one is a FUSE errno."""
        with self.fabric.lock:
            try:
                return vfs.lookup(self.fabric.root, self._system(path))
            except OSError as exc:
                raise fuse.FuseOSError(exc.errno) from None

    def init_with_config(self, conn_info, config_3):
        # As sysfs, whose symlinks the dentry cache keeps: without this every path through a class
        # link (/sys/class/scsi_device/<a>/device/...) costs a READLINK round trip. Changed links are
        # invalidated with their paths.
        if conn_info is not None and conn_info.capable & FUSE_CAP_CACHE_SYMLINKS:
            conn_info.want |= FUSE_CAP_CACHE_SYMLINKS
        # Pages are dropped when an attribute's mtime changes (libfuse asks for it by default; the
        # written-attribute rule above depends on it, so it is asked for here as well).
        if conn_info is not None and conn_info.capable & FUSE_CAP_AUTO_INVAL_DATA:
            conn_info.want |= FUSE_CAP_AUTO_INVAL_DATA
        self.init('/')

    def init(self, path):
        self.invalidator.fuse_ptr = ctypes.c_void_p(_lib.fuse_get_context().contents.fuse)
        self.async_invalidator.fuse_ptr = self.invalidator.fuse_ptr
        if self.negative_cache:
            self.session_fd = _lib.fuse_session_fd(_lib.fuse_get_session(self.invalidator.fuse_ptr))
            try:
                self._next_epoch()   # nothing is cached yet: this only proves that the kernel takes it
            except OSError as exc:
                self.epoch_error = exc
        self.started.set()

    def _next_epoch(self) -> None:
        """Every dentry the kernel holds is looked up again (a fuse_out_header: len, notify code, unique 0)."""
        os.write(self.session_fd, struct.pack('<IiQ', 16, FUSE_NOTIFY_INC_EPOCH, 0))

    def getattr(self, path, fh=None):
        cached = self.attrs.get(path)
        if cached is not None:
            return cached
        system = self._system(path)
        with self.fabric.lock:
            generation = self.generation
            try:
                node = vfs.lookup(self.fabric.root, system)
            except OSError as exc:
                self.negatives_given = True
                raise fuse.FuseOSError(exc.errno) from None
            size, keep = self._size(node, system)
            changed = self._tick()
        self.known.add(path if path != '/' else '', isinstance(node, vfs.Attr) and node.writable)
        base = {'st_uid': 0, 'st_gid': 0, 'st_atime': self.now, 'st_mtime': changed, 'st_ctime': changed}
        if isinstance(node, vfs.Dir):
            answer = dict(base, st_mode=stat.S_IFDIR | node.mode, st_nlink=2)
        elif isinstance(node, vfs.Link):
            answer = dict(base, st_mode=stat.S_IFLNK | 0o777, st_nlink=1, st_size=len(node.target))
        else:
            answer = dict(base, st_mode=stat.S_IFREG | node.mode, st_nlink=1, st_size=size)
        with self.fabric.lock:
            if keep and generation == self.generation:   # no invalidation since the lookup: the answer is current
                self.attrs[path] = answer
        return answer

    def _size(self, node: vfs.Node, system: str) -> tuple:
        """(st_size, whether the answer may be kept): an attribute's exact length (see the module's
        docstring), or sysfs's 4096 where no read can succeed now. An answer given while a read
        fault is armed is not kept: the fault may run out without a model change to invalidate it."""
        if not isinstance(node, vfs.Attr) or not node.readable:
            return ATTR_SIZE, True
        if self.fabric.faults.matches_path('read', system):
            return ATTR_SIZE, False
        try:
            return len(node.read()), True
        except OSError:
            return ATTR_SIZE, False

    def _tick(self) -> int:
        """A new mtime, strictly later than every one answered before (call with the model lock)."""
        self.changed = max(self.changed + 1, time.time_ns())
        return self.changed

    def readlink(self, path):
        node = self._node(path)
        if not isinstance(node, vfs.Link):
            raise fuse.FuseOSError(errno.EINVAL)
        return node.target

    def readdir(self, path, fh):
        node = self._node(path)
        if not isinstance(node, vfs.Dir):
            raise fuse.FuseOSError(errno.ENOTDIR)
        with self.fabric.lock:
            return ['.', '..'] + node.list()

    # No opendir: libfuse answers OPENDIR itself, without a call into Python. The listing is not kept by
    # the kernel: libfuse 3.14's high-level API does not pass cache_readdir on to the kernel.

    def open(self, path, fi):
        if not self.open_checks:
            raise fuse.FuseOSError(errno.ENOSYS)  # no_open: the kernel stops sending OPEN
        node = self._node(path)
        access = fi.flags & os.O_ACCMODE
        if isinstance(node, vfs.Attr):
            # kernfs_fop_open(): EACCES to read an attribute without show(), or to write one without store().
            if (access in (os.O_RDONLY, os.O_RDWR) and not node.readable) or \
                    (access in (os.O_WRONLY, os.O_RDWR) and not node.writable):
                raise fuse.FuseOSError(errno.EACCES)
        fi.keep_cache = 1
        return 0

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
            self._forget_written(path)
            self._flush_dirty(wait=False)
            raise fuse.FuseOSError(exc.errno) from None
        self._forget_written(path)
        self._flush_dirty(wait=True)
        # The page that holds the written bytes is dropped on the next read: the kernel invalidated
        # the file's attributes, and the next GETATTR answers a new mtime (_forget_written).
        return len(data)

    def _forget_written(self, path: str) -> None:
        """The kernel invalidates a written file's attributes itself; the next answer must carry a
        new mtime so that the page holding the written bytes is dropped before anyone reads it."""
        with self.fabric.lock:
            self.generation += 1
            self.attrs.pop(path, None)

    def truncate(self, path, length, fh=None):
        return 0  # sysfs ignores O_TRUNC

    def _flush_dirty(self, wait: bool) -> None:
        with self.fabric.lock:
            dirty = self.fabric.take_dirty()
        if not dirty:
            return
        for listener in self.fabric.listeners:   # every mount's on_change; from a write: never wait for writables
            listener(dirty, wait, False)

    def invalidate_all(self) -> None:
        self._invalidate({'/' + self.top}, wait=True, wait_writable=True)

    def on_change(self, dirty: set, wait: bool = True, wait_writable: bool | None = None) -> None:
        """Fabric.notify(): a change that is not a write; wait_writable follows wait unless said."""
        self._invalidate(dirty, wait, wait if wait_writable is None else wait_writable)

    def _invalidate(self, dirty: set, wait: bool, wait_writable: bool) -> None:
        prefix = '/' + self.top
        safe, writable = [], []
        for system in dirty:
            if system == prefix or system.startswith(prefix + '/'):
                now_safe, now_writable = self.known.expand(system[len(prefix):])
                safe.extend(p for p in now_safe if p)
                writable.extend(now_writable)
        with self.fabric.lock:
            self.generation += 1
            for path in safe + writable + [system[len(prefix):] or '/' for system in dirty]:
                self.attrs.pop(path or '/', None)
            new_epoch, self.negatives_given = self.negatives_given, False
        if new_epoch and self.negative_cache:
            # Inline, before the change returns: the kernel only bumps a counter (no page lock to wait for).
            self._next_epoch()
        self.invalidator.submit(safe, wait)
        self.async_invalidator.submit(writable, wait_writable)


def disable_readahead(mountpoint: str) -> None:
    """sysfs has no readahead; without this the kernel retries a failed read through a
    second READ, and one read(2) would reach the model twice."""
    device = os.stat(mountpoint).st_dev
    path = '/sys/class/bdi/%d:%d/read_ahead_kb' % (os.major(device), os.minor(device))
    with open(path, 'w', encoding='ascii') as handle:
        handle.write('0')


def mount(fabric, top: str, mountpoint: str, open_checks: bool = False) -> ModelFS:
    """Mount in a background thread and return once the kernel has initialised it."""
    negative_cache = kernel_has_epoch() and os.environ.get('FABRICSIM_NEGATIVE_CACHE') == '1'
    operations = ModelFS(fabric, top, open_checks, negative_cache)
    # raw_fi: open() gets the fuse_file_info (its flags, and keep_cache to set); read and write ignore fh.
    options = dict(foreground=True, nothreads=False, allow_other=True, fsname='fabricsim-' + top,
                   entry_timeout=CACHE_SECONDS, attr_timeout=CACHE_SECONDS,
                   negative_timeout=CACHE_SECONDS if negative_cache else 0,
                   default_permissions=False, raw_fi=True)
    thread = threading.Thread(target=fuse.FUSE, args=(operations, mountpoint), kwargs=options,
                              name='fabricsim-fuse-' + top, daemon=True)
    thread.start()
    if not operations.started.wait(10):
        raise RuntimeError('FUSE mount of %s did not start' % mountpoint)
    if operations.epoch_error is not None:
        unmount(mountpoint)
        raise RuntimeError('the kernel refused FUSE_NOTIFY_INC_EPOCH (%s): %s cannot cache failed lookups exactly'
                           % (operations.epoch_error, mountpoint))
    disable_readahead(mountpoint)
    operations.thread = thread
    return operations


def unmount(mountpoint: str) -> None:
    for command in (['fusermount3', '-u', '-z', mountpoint], ['umount', '-l', mountpoint]):
        if os.path.ismount(mountpoint):
            os.spawnvp(os.P_WAIT, command[0], command)
