# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one reader and writer of the admin's vendor config files (qlgc_vnic.cfg, fcoe cfg-<if>,
mlx4_vnic.conf).

PRIVATE to the collection. The file is the admin's: a merge keeps every byte it does not
manage. Bytes that are not UTF-8 travel as surrogate escapes and are written back as they
were; a file whose every line ends CRLF is merged as LF and written back CRLF (new lines
included); the mode and owner stay; a symlinked file stays a symlink and its target is
replaced, but only a target inside the sysroot: a symlink leading out of it is refused
before anything is read, so nothing outside the root is shown in a diff or copied in.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import atomic_write
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError

MAX_BYTES = 4 * 1024 * 1024   # a vendor config of 1,024 VNIC blocks is about 150 KiB
NEW_FILE_MODE = 0o644


@dataclass
class CfgFile:
    """One config file as read: its text for the mergers, and how to write it back."""

    shown: str                 # the system path, for messages
    target: str                # the real path written (a symlink's target inside the root)
    text: str = ''             # LF line ends when the file is uniformly CRLF; other bytes as they are
    exists: bool = False
    crlf: bool = False
    mode: int = NEW_FILE_MODE
    owner: tuple | None = None

    def encode(self, text: str) -> bytes:
        if self.crlf:
            text = text.replace('\n', '\r\n')
        return text.encode('utf-8', 'surrogateescape')

    def write(self, text: str) -> None:
        """Replace the file atomically with ``text``, keeping mode, owner and line ends; the
        caller holds the host lock."""
        try:
            os.makedirs(os.path.dirname(self.target), exist_ok=True)
            atomic_write(self.target, self.encode(text), mode=self.mode, owner=self.owner)
        except OSError as exc:
            raise IofabricError('cannot write %s: %s' % (self.shown, exc.strerror)) from None


def read(sysroot, system_path: str) -> CfgFile:
    """Read a config file under the sysroot without following a symlink out of it."""
    path = sysroot.path(os.path.dirname(system_path), os.path.basename(system_path))
    shown = sysroot.to_system(path)
    target = sysroot.inside(path)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return CfgFile(shown, target)
    except OSError as exc:
        raise IofabricError('cannot read %s: %s' % (shown, exc.strerror)) from None
    with os.fdopen(fd, 'rb') as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise IofabricError('%s is not a regular file; refusing to read or replace it' % shown)
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise IofabricError('%s is larger than %d bytes; refusing to parse it' % (shown, MAX_BYTES))
    text = raw.decode('utf-8', 'surrogateescape')
    crlf = '\r\n' in text and text.count('\r\n') == text.count('\n')
    if crlf:
        text = text.replace('\r\n', '\n')
    return CfgFile(shown, target, text, True, crlf, stat.S_IMODE(status.st_mode), (status.st_uid, status.st_gid))


def printable(text: str) -> str:
    """Text for a diff or a message: undecodable bytes shown as U+FFFD, never as lone surrogates
    (which no JSON consumer downstream can encode)."""
    return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')


def digest_bytes(text: str) -> bytes:
    """The bytes a text stands for, for digests."""
    return text.encode('utf-8', 'surrogateescape')
