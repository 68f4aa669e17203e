# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state store: what the modules declared, and what the reconciler observed.

PRIVATE to the collection. One JSON document per object kind under
``<sysroot>/var/lib/iofabric/``, validated with jsonschema, versioned, written atomically
under the host lock. A document that does not parse or validate is moved aside (never
silently replaced) and reported in ``warnings``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import stat
import time

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import utc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import atomic_write, remove_stale_temps
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import StoreError, SysrootError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock, check_private, open_private
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import clone
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.schema import FORMAT, VERSION, document_schema

# jsonschema is imported when a document has to be validated: on save, and on a load whose bytes
# are not the ones this store last validated and wrote (the sidecar below). Its import alone costs
# about 0.1 s, which an idle reconciler pass should not pay.
HAS_JSONSCHEMA = importlib.util.find_spec('jsonschema') is not None
VALID_SUFFIX = '.valid'

STORE_DIR = '/var/lib/iofabric'
# Bounds on what a document may hold before it is even parsed or validated: the biggest real
# store (1,024 VNICs with observations) is under 2 MiB, and no schema goes deeper than 8 levels.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
MAX_NESTING = 32
KINDS = registry.NAMES
# Where the vendor config files are written (qlgc_vnic.cfg and mlx4_vnic.conf, fcoe cfg-<if>): their
# writers' temp files are swept with the store's.
CONFIG_DIRS = ('/etc/infiniband', '/etc/fcoe')


class StoreDocument:
    """The declared objects of one kind and the observations kept about them."""

    def __init__(self, kind: str, data: dict | None = None):
        data = data or {}
        self.kind = kind
        self.objects: dict = data.get('objects', {})
        self.observations: dict = data.get('observations', {})
        self.updated: str = data.get('updated', '')
        self._original = json.dumps(self.to_json(), sort_keys=True)

    def to_json(self) -> dict:
        return {'format': FORMAT, 'version': VERSION, 'kind': self.kind, 'updated': self.updated,
                'objects': self.objects, 'observations': self.observations}

    @property
    def dirty(self) -> bool:
        return json.dumps(self.to_json(), sort_keys=True) != self._original

    def declare(self, object_id: str, spec: dict) -> None:
        self.objects[object_id] = {'spec': clone(spec)}

    def forget(self, object_id: str) -> None:
        self.objects.pop(object_id, None)
        self.observations.pop(object_id, None)

    def spec(self, object_id: str) -> dict | None:
        entry = self.objects.get(object_id)
        return entry['spec'] if entry else None

    def observe(self, object_id: str, **values) -> None:
        """Merge observation values; a value of None removes the key."""
        record = self.observations.setdefault(object_id, {})
        for key, value in values.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        if not record:
            self.observations.pop(object_id, None)

    def observation(self, object_id: str) -> dict:
        return self.observations.get(object_id, {})


class StateStore:
    """Opens, validates and saves store documents under the host lock."""

    def __init__(self, sysroot, owner: str = 'iofabric', lock_timeout: float = 30.0):
        if not HAS_JSONSCHEMA:
            raise StoreError('the Python library jsonschema is required for the iofabric state store')
        self.sysroot = sysroot
        self.directory = sysroot.path(STORE_DIR)
        self.owner = owner
        self.lock_timeout = lock_timeout
        self.warnings: list = []
        self._held = False
        self._exclusive = False

    def _ensure_directory(self) -> None:
        """Create the directory 0700, or check the one there: a real directory (not a symlink),
        inside the sysroot, owned by root and writable by nobody else; never silently fixed."""
        try:
            os.makedirs(os.path.dirname(self.directory), exist_ok=True)
            os.mkdir(self.directory, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreError('cannot create %s: %s' % (self.directory, exc.strerror)) from None
        self._check_directory()

    def _check_directory(self) -> None:
        """Raise FileNotFoundError when there is no store yet; StoreError when it is not to be trusted."""
        try:
            status = os.lstat(self.directory)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise StoreError('cannot read %s: %s' % (self.directory, exc.strerror)) from None
        if stat.S_ISLNK(status.st_mode):
            raise StoreError('%s is a symlink (to %s); the state store directory must be a real directory owned by root'
                             % (self.directory, os.readlink(self.directory)))
        self.sysroot.inside(self.directory)
        check_private(self.directory, status, 'directory')

    @contextlib.contextmanager
    def locked(self, exclusive: bool = True):
        """Hold the host lock for a whole read-plan-apply-record sequence.

        Re-entrant: the reconciler holds the lock for a whole pass and runs every kind's
        pipeline inside it, so that no playbook run can slip in between two kinds.
        """
        if self._held:
            if exclusive and not self._exclusive:
                raise StoreError('an exclusive lock was asked for inside a shared one')
            yield self
            return
        self._ensure_directory()
        lock = HostLock(self.directory, self.owner, self.lock_timeout)
        lock.acquire(exclusive)
        self._held, self._exclusive = True, exclusive
        try:
            if exclusive:
                # No other iofabric writer runs now: a temp file here is a killed writer's.
                remove_stale_temps(self.directory)
                for directory in CONFIG_DIRS:
                    with contextlib.suppress(SysrootError):   # a directory out of the root is never entered
                        remove_stale_temps(self.sysroot.inside(self.sysroot.path(directory)))
            yield self
        finally:
            self._held = False
            lock.release()

    def _path(self, kind: str) -> str:
        if kind not in KINDS:
            raise StoreError('unknown store kind %r' % kind)
        return os.path.join(self.directory, kind + '.json')

    def load(self, kind: str) -> StoreDocument:
        path = self._path(kind)
        try:
            if not self._held:   # a reader without the lock (the watch service) checks the directory too
                self._check_directory()
            fd = open_private(path, os.O_RDONLY)
        except FileNotFoundError:
            return StoreDocument(kind)
        except OSError as exc:
            raise StoreError('cannot read %s: %s' % (path, exc.strerror)) from None
        with os.fdopen(fd, 'rb') as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
        try:
            if len(raw) > MAX_DOCUMENT_BYTES:
                raise InvalidDocument('larger than %d bytes' % MAX_DOCUMENT_BYTES)
            data = _parse(raw)
            if isinstance(data, dict) and isinstance(data.get('version'), int) and data['version'] > VERSION:
                raise StoreError('%s was written by a newer iofabric (store version %d > %d); refusing to touch it'
                                 % (path, data['version'], VERSION))
            if _seal(kind, raw) != _read_text(path + VALID_SUFFIX):
                _validate(kind, data)   # not the bytes this store validated and wrote: check them
        except (ValueError, InvalidDocument) as exc:
            return self._quarantine(kind, path, exc)
        return StoreDocument(kind, data)

    def _quarantine(self, kind: str, path: str, exc: Exception) -> StoreDocument:
        if not (self._held and self._exclusive):
            # Check mode and readers change nothing, a corrupt document included; without the
            # exclusive lock another process may also be mid-rename. Report, do not move.
            self.warnings.append('state store %s is unreadable (%s); left in place' % (path, _short(exc)))
            return StoreDocument(kind)
        aside = '%s.corrupt-%s' % (path, time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()))
        os.rename(path, aside)
        try:
            os.unlink(path + VALID_SUFFIX)
        except FileNotFoundError:
            pass
        self.warnings.append('state store %s was corrupt (%s); moved aside to %s and started empty'
                             % (path, _short(exc), aside))
        return StoreDocument(kind)

    def save(self, document: StoreDocument) -> bool:
        """Write the document if it changed; return whether it was written."""
        if not self._held:
            raise StoreError('store documents are only saved while holding the lock')
        if not document.dirty:
            return False
        document.updated = utc.stamp()
        data = document.to_json()
        try:
            _validate(document.kind, data)
        except InvalidDocument as exc:
            raise StoreError('refusing to write an invalid %s document: %s' % (document.kind, _short(exc))) from None
        raw = json.dumps(data, indent=1, sort_keys=True).encode('utf-8') + b'\n'
        path = self._path(document.kind)
        atomic_write(path, raw)
        # Written after the document: a crash in between leaves a stale seal, which only costs a
        # full validation on the next load.
        atomic_write(path + VALID_SUFFIX, _seal(document.kind, raw).encode('ascii'))
        return True


class InvalidDocument(ValueError):
    """A store document that does not match its schema."""


_VALIDATORS: dict = {}


def _validate(kind: str, data) -> None:
    """Validate against the kind's schema, with one validator per kind whose schema is checked once
    (jsonschema.validate() re-checks the schema against the meta-schema on every call)."""
    import jsonschema  # pylint: disable=import-outside-toplevel
    validator = _VALIDATORS.get(kind)
    if validator is None:
        schema = document_schema(kind)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = _VALIDATORS[kind] = cls(schema)
    try:
        validator.validate(data)
    except jsonschema.ValidationError as exc:
        raise InvalidDocument(exc.message) from None


def _seal(kind: str, raw: bytes) -> str:
    """What the sidecar holds for bytes that were validated: their digest, and the schema's."""
    schema = json.dumps(document_schema(kind), sort_keys=True).encode('utf-8')
    return 'sha256:%s schema:%s\n' % (hashlib.sha256(raw).hexdigest(), hashlib.sha256(schema).hexdigest()[:16])


def _parse(raw: bytes):
    """JSON within the nesting bound: a RecursionError must never escape (it crashed the watch
    service at every start), and nothing deeper than the bound reaches the validator or clone()."""
    try:
        data = json.loads(raw.decode('utf-8'))
    except RecursionError:
        raise InvalidDocument('nested too deeply to parse') from None
    level = [data]
    for _depth in range(MAX_NESTING + 1):
        level = [child for node in level if isinstance(node, (dict, list))
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not any(isinstance(node, (dict, list)) for node in level):
            return data
    raise InvalidDocument('nested deeper than %d levels' % MAX_NESTING)


def _read_text(path: str) -> str:
    try:
        fd = open_private(path, os.O_RDONLY)
        with os.fdopen(fd, encoding='ascii', errors='replace') as handle:
            return handle.read(4096)
    except (OSError, StoreError):
        return ''


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
