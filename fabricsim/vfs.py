"""The simulated sysfs/procfs tree: directories, attributes and symlinks.

Drivers build their part of the tree from these nodes. Attributes compute their text at
read time from the live model and raise OSError(errno) from writes, as the kernel does.
"""

from __future__ import annotations

import errno
from typing import Callable, Iterable

ROOT_ONLY_WRITE = 0o200
READ_ONLY = 0o444
READ_WRITE = 0o644


def enoent(path: str = '') -> OSError:
    return OSError(errno.ENOENT, 'No such file or directory', path)


class Node:
    """Base of every tree node."""


class Attr(Node):
    """A sysfs attribute: text computed on read, a handler on write."""

    def __init__(self, read: Callable[[], str] | None = None, write: Callable[[bytes], None] | None = None,
                 mode: int | None = None):
        self._read = read
        self._write = write
        if mode is None:
            mode = (0o444 if read else 0) | (0o200 if write else 0)
        self.mode = mode

    @property
    def readable(self) -> bool:
        return self._read is not None

    @property
    def writable(self) -> bool:
        return self._write is not None

    def read(self) -> bytes:
        if self._read is None:
            raise OSError(errno.EACCES, 'Permission denied')  # kernfs: no show() -> EACCES
        text = self._read()
        return text.encode('utf-8') if isinstance(text, str) else text

    def write(self, data: bytes) -> None:
        if self._write is None:
            raise OSError(errno.EACCES, 'Permission denied')
        self._write(data)


def text_attr(value: Callable[[], object]) -> Attr:
    """Read-only attribute printing ``value()`` followed by a newline."""
    return Attr(read=lambda: '%s\n' % (value(),))


class Link(Node):
    """A symlink with a relative target, as sysfs class entries are."""

    def __init__(self, target: str):
        self.target = target


class Dir(Node):
    """A directory whose entries are static, computed, or both."""

    def __init__(self, entries: dict | None = None, names: Callable[[], Iterable[str]] | None = None,
                 child: Callable[[str], Node | None] | None = None, mode: int = 0o755):
        self.entries = dict(entries or {})
        self.providers: list = []
        if names is not None or child is not None:
            self.provide(names or (lambda: []), child or (lambda name: None))
        self.mode = mode

    def provide(self, names: Callable[[], Iterable[str]], child: Callable[[str], Node | None]) -> None:
        """Add computed entries (several drivers may share one directory, as /proc)."""
        self.providers.append((names, child))

    def list(self) -> list:
        names = list(self.entries)
        for provider_names, _child in self.providers:
            names.extend(name for name in provider_names() if name not in names)
        return names

    def get(self, name: str) -> Node | None:
        node = self.entries.get(name)
        for _names, child in self.providers:
            if node is not None:
                break
            node = child(name)
        return node

    def mount(self, path: str, node: Node) -> None:
        """Attach ``node`` at a relative path, creating static directories on the way."""
        parts = [part for part in path.split('/') if part]
        directory = self
        for part in parts[:-1]:
            nxt = directory.entries.get(part)
            if nxt is None:
                nxt = Dir()
                directory.entries[part] = nxt
            directory = nxt
        directory.entries[parts[-1]] = node


def lookup(root: Dir, path: str) -> Node:
    """Walk ``path`` (relative to root, '/'-separated) without following symlinks."""
    node: Node = root
    for part in [part for part in path.split('/') if part]:
        if not isinstance(node, Dir):
            raise OSError(errno.ENOTDIR, 'Not a directory', path)
        child = node.get(part)
        if child is None:
            raise enoent(path)
        node = child
    return node


def resolve(root: Dir, path: str, depth: int = 0) -> Node:
    """Walk ``path`` following symlinks, for in-process callers (tests, tools)."""
    if depth > 16:
        raise OSError(errno.ELOOP, 'Too many levels of symbolic links', path)
    parts = [part for part in path.split('/') if part]
    node: Node = root
    for index, part in enumerate(parts):
        if not isinstance(node, Dir):
            raise OSError(errno.ENOTDIR, 'Not a directory', path)
        child = node.get(part)
        if child is None:
            raise enoent(path)
        if isinstance(child, Link):
            base = parts[:index]
            target = [p for p in child.target.split('/') if p]
            for piece in target:
                if piece == '..':
                    base = base[:-1]
                elif piece != '.':
                    base.append(piece)
            return resolve(root, '/'.join(base + parts[index + 1:]), depth + 1)
        node = child
    return node
