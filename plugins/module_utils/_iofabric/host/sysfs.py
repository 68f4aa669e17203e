# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel attribute I/O with exact bytes and errno mapped to typed errors.

PRIVATE to the collection. Writes go through os.open/os.write so that the kernel's errno
surfaces at the write (a buffered file object would defer it to close) and nothing is
added: the kernel rejects a trailing newline in create strings and interface names.
"""

from __future__ import annotations

import errno
import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysfsError

_READ_LIMIT = 1 << 16


def read_attr(path: str, strip_newline: bool = True) -> str:
    """Return an attribute's text with its single trailing newline removed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise SysfsError(path, exc.errno, 'read') from None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, _READ_LIMIT)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError as exc:
        raise SysfsError(path, exc.errno, 'read') from None
    finally:
        os.close(fd)
    text = b''.join(chunks).decode('utf-8', 'surrogateescape')
    if strip_newline and text.endswith('\n'):
        text = text[:-1]
    return text


def read_attr_or(path: str, default: str | None = None) -> str | None:
    """read_attr() that returns ``default`` when the attribute does not exist."""
    try:
        return read_attr(path)
    except SysfsError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return default
        raise


def write_attr(path: str, data: bytes, hint: str = '', hint_for: tuple | None = None) -> None:
    """Write exactly ``data`` in one write(2); a short write is an error.

    hint: what the refusal likely means, added to the error; hint_for: the errnos it explains
    (None: any), so that an EIO is never explained as a malformed value.
    """
    if not isinstance(data, bytes):
        raise TypeError('write_attr takes bytes')

    def failure(err: int) -> SysfsError:
        return SysfsError(path, err, 'write', hint if hint_for is None or err in hint_for else '')
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise failure(exc.errno) from None
    try:
        written = os.write(fd, data)
    except OSError as exc:
        raise failure(exc.errno) from None
    finally:
        os.close(fd)
    if written != len(data):
        raise SysfsError(path, errno.EIO, 'write', 'short write of %d of %d bytes' % (written, len(data)))


def list_dir(path: str) -> list:
    """Sorted entries of a directory; a missing directory is an empty list."""
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SysfsError(path, exc.errno, 'list') from None


def exists(path: str) -> bool:
    return os.path.lexists(path)


def read_link_name(path: str) -> str | None:
    """Last component of a symlink's target, or None when it is not a link."""
    try:
        return os.path.basename(os.readlink(path))
    except OSError:
        return None
