# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of the iofabric engine.

PRIVATE to the collection: this is not a public API and may change at any time.
Every error carries enough context (field, path, errno, argv) for a message an operator
can act on without reading the code.
"""

from __future__ import annotations

import errno as _errno
import os


class IofabricError(Exception):
    """Base class of every error the engine raises on purpose."""

    def details(self) -> dict:
        """Structured context for results and logs."""
        return {}


class ValidationError(IofabricError):
    """A desired-state value is malformed; raised before anything on the host changes."""

    def __init__(self, field: str, message: str):
        super().__init__('%s: %s' % (field, message))
        self.field = field
        self.message = message

    def details(self) -> dict:
        return {'field': self.field}


class SysrootError(IofabricError):
    """A path would leave the sysroot, or a component is not a plain name."""


class SysfsError(IofabricError):
    """A read or write of a kernel attribute failed with an errno."""

    def __init__(self, path: str, err: int, operation: str, hint: str = ''):
        name = _errno.errorcode.get(err, 'E%d' % err)
        text = '%s of %s failed: %s (%s)' % (operation, path, os.strerror(err), name)
        if hint:
            text += '; ' + hint
        super().__init__(text)
        self.path = path
        self.errno = err
        self.errno_name = name
        self.operation = operation

    def details(self) -> dict:
        return {'path': self.path, 'errno': self.errno_name}


class ToolError(IofabricError):
    """An external tool could not be run or failed."""

    def __init__(self, argv: list, message: str, rc: int | None = None, stderr: str = ''):
        super().__init__('%s: %s' % (' '.join(argv), message))
        self.argv = list(argv)
        self.rc = rc
        self.stderr = stderr

    def details(self) -> dict:
        return {'argv': self.argv, 'rc': self.rc, 'stderr': self.stderr}


class ToolNotFound(ToolError):
    """The tool is not installed under the sysroot."""


class ToolTimeout(ToolError):
    """The tool did not finish within its time limit."""


class ToolFailed(ToolError):
    """The tool exited non-zero."""


class ParseError(IofabricError):
    """Tool output or a configuration file could not be understood."""

    def __init__(self, source: str, message: str, line: int | None = None):
        where = source if line is None else '%s line %d' % (source, line)
        super().__init__('%s: %s' % (where, message))
        self.source = source
        self.line = line

    def details(self) -> dict:
        return {'source': self.source, 'line': self.line}


class StoreError(IofabricError):
    """The desired-state store could not be read or written."""


class LockTimeout(StoreError):
    """Another process holds the store lock."""

    def __init__(self, path: str, holder: str, waited: float):
        super().__init__('the iofabric lock %s is held by %s; gave up after %.1f s'
                         % (path, holder or 'an unknown process', waited))
        self.path = path
        self.holder = holder

    def details(self) -> dict:
        return {'lock': self.path, 'holder': self.holder}


class NetlinkUnavailable(IofabricError):
    """pyroute2 is missing or the network namespace cannot be entered."""
