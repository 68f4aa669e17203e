# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve every host path and tool under a root directory.

PRIVATE to the collection. One code path drives a real host (root ``/``) and a simulated
fabric (root ``/some/dir``): sysfs, proc, etc, var and tools are all looked up here.
"""

from __future__ import annotations

import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysrootError

TOOL_DIRS = ('/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin')


def check_component(component: str, what: str = 'path component') -> str:
    """Refuse anything that is not one plain directory entry name."""
    if not isinstance(component, str) or not component:
        raise SysrootError('%s must be a non-empty name' % what)
    if component in ('.', '..') or '/' in component or '\0' in component:
        raise SysrootError('%s %r is not a plain name' % (what, component))
    return component


class Sysroot:
    """A root directory under which all host paths are resolved."""

    def __init__(self, root: str = '/'):
        if not root or not os.path.isabs(root):
            raise SysrootError('sysroot must be an absolute path, got %r' % (root,))
        if not os.path.isdir(root):
            raise SysrootError('sysroot %s is not a directory' % root)
        self.root = os.path.normpath(root)
        self._real_root = os.path.realpath(self.root)
        self._checked_dirs: set = set()

    @property
    def is_host_root(self) -> bool:
        return self._real_root == '/'

    def path(self, system_path: str, *components: str) -> str:
        """Map an absolute system path plus plain-name components into the root.

        ``system_path`` is a fixed path chosen by the engine (``/sys/class/net``); every
        component is data (an interface name, a host number) and must be one plain name.
        """
        if not system_path.startswith('/') or '..' in system_path.split('/'):
            raise SysrootError('system path %r must be absolute and free of ..' % system_path)
        for component in components:
            check_component(component)
        joined = os.path.join(self.root, system_path.lstrip('/'), *components)
        self._check_containment(os.path.dirname(joined))
        return joined

    def _check_containment(self, directory: str) -> None:
        """Refuse a directory whose real location is outside the root (symlinks included)."""
        if self.is_host_root or directory in self._checked_dirs:
            return
        real = os.path.realpath(directory)
        if real != self._real_root and not real.startswith(self._real_root + os.sep):
            raise SysrootError('%s resolves to %s, outside the sysroot %s' % (directory, real, self.root))
        self._checked_dirs.add(directory)

    def inside(self, path: str) -> str:
        """The real path ``path`` stands for, refused when any symlink on the way (the final
        component included) leads outside the root. Open the result with O_NOFOLLOW: it has no
        symlink left to follow, so a symlink swapped in afterwards fails instead of being followed."""
        real = os.path.realpath(path)
        if not self.is_host_root and real != self._real_root and not real.startswith(self._real_root + os.sep):
            raise SysrootError('%s is a symlink to %s, outside the sysroot %s; refusing to follow it'
                               % (self.to_system(path), real, self.root))
        return real

    def tool(self, name: str) -> str | None:
        """Return the path of an executable under the root, or None."""
        check_component(name, 'tool name')
        for directory in TOOL_DIRS:
            candidate = self.path(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        return None

    def to_system(self, path: str) -> str:
        """Inverse of path(): the system path that a rooted path stands for (for messages)."""
        if self.is_host_root:
            return path
        rel = os.path.relpath(path, self.root)
        return '/' + rel if rel != '.' else '/'
