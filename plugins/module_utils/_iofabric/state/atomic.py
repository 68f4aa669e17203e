# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Crash-safe file replacement.

PRIVATE to the collection. A reader sees either the old file or the new one, never a
mixture: temp file in the same directory, fsync, rename, fsync of the directory. The temp
file is created with O_EXCL|O_NOFOLLOW relative to the directory, so a symlink planted
under a temp name is never written through.
"""

from __future__ import annotations

import os

TEMP_SUFFIX = '.iofabric-tmp'


def random_tag() -> str:
    """The random part of a temp file's name. os.urandom, not secrets: importing secrets (hmac,
    hashlib) was a fifth of the reconciler's start."""
    return os.urandom(4).hex()


def atomic_write(path: str, data: bytes, mode: int = 0o600, owner: tuple | None = None) -> None:
    """Replace ``path`` with ``data`` atomically and durably; ``owner`` is (uid, gid) to keep."""
    directory = os.path.dirname(path) or '.'
    name = os.path.basename(path)
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        temp = '.%s.%s%s' % (name, random_tag(), TEMP_SUFFIX)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dfd)
        try:
            if owner is not None:
                os.fchown(fd, owner[0], owner[1])
            os.fchmod(fd, mode)   # after fchown, which clears set-id bits
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
            os.close(fd)
            fd = -1
            os.rename(temp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
            os.fsync(dfd)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            try:
                os.unlink(temp, dir_fd=dfd)
            except FileNotFoundError:
                pass
            raise
    finally:
        os.close(dfd)


def fsync_dir(directory: str) -> None:
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def remove_stale_temps(directory: str) -> list:
    """Delete temp files a killed writer left behind; call only while holding the lock."""
    removed = []
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for name in names:
        if name.startswith('.') and name.endswith(TEMP_SUFFIX):
            os.unlink(os.path.join(directory, name))
            removed.append(name)
    return removed
