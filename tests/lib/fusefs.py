"""A FUSE file system of one regular file, served in a process of its own (mfusepy, a dev requirement), for tests
that need the kernel to ask a file system server: what an open returns, which process stat'ed the file.

`serving(mountpoint, name, open_errno=0, log='')` mounts it (nodev, with no attribute or entry caching, so every
stat(2) of the file reaches the server), yields the server process, and unmounts it. With `open_errno` every open
fails with that errno; with `log`, the pid of every getattr of the file is appended to that file, one per line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
import sys
import time


def _operations(name: str, open_errno: int, log: str):
    import mfusepy as fuse

    class OneFile(fuse.Operations):
        def getattr(self, path, fh=None):
            now = time.time()
            times = {'st_atime': now, 'st_mtime': now, 'st_ctime': now}
            if path == '/':
                return dict(times, st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
            if path != '/' + name:
                raise fuse.FuseOSError(errno.ENOENT)
            if log:
                with open(log, 'a', encoding='ascii') as handle:
                    handle.write('%d\n' % fuse.fuse_get_context()[2])
            return dict(times, st_mode=stat.S_IFREG | 0o600, st_nlink=1, st_size=0)

        def readdir(self, path, fh):
            return ['.', '..', name]

        def open(self, path, flags):
            if open_errno:
                raise fuse.FuseOSError(open_errno)
            return 0

        def read(self, path, size, offset, fh):
            return b''

    return fuse, OneFile()


def main(argv: list) -> None:
    mountpoint, name, open_errno, log = argv
    fuse, operations = _operations(name, int(open_errno), log)
    fuse.FUSE(operations, mountpoint, foreground=True, nodev=True, attr_timeout=0, entry_timeout=0)


@contextlib.contextmanager
def serving(mountpoint, name: str, open_errno: int = 0, log=''):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    server = subprocess.Popen([sys.executable, '-m', 'tests.lib.fusefs', str(mountpoint), name, str(open_errno), str(log)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60   # a bound on waiting for the mount, not an assertion on time
        while not os.path.ismount(mountpoint):
            assert server.poll() is None, 'the FUSE file system exited with %s before mounting' % server.returncode
            assert time.monotonic() < deadline, 'the FUSE file system did not mount'
            time.sleep(0.05)
        yield server
    finally:
        subprocess.run(['umount', '-l', str(mountpoint)], check=False, capture_output=True)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == '__main__':
    main(sys.argv[1:])
