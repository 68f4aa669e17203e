# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Crash-safe file replacement.

PRIVATE to the collection. A reader sees either the old file or the new one, never a
mixture: temp file in the same directory, fsync, rename, fsync of the directory.
"""

from __future__ import annotations

import os
import tempfile

TEMP_SUFFIX = '.iofabric-tmp'


def atomic_write(path: str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically and durably."""
    directory = os.path.dirname(path) or '.'
    fd, temp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.rename(temp, path)
        fsync_dir(directory)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        if os.path.exists(temp):
            os.unlink(temp)
        raise


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
    except FileNotFoundError:
        return removed
    for name in names:
        if name.startswith('.') and name.endswith(TEMP_SUFFIX):
            os.unlink(os.path.join(directory, name))
            removed.append(name)
    return removed
