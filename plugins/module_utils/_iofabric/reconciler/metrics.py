# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconciler's metrics, as a node_exporter textfile-collector file.

PRIVATE to the collection. After each pass iofabric-reconcile --metrics-dir DIR replaces
DIR/iofabric_reconcile.prom atomically (node_exporter reads only *.prom files, so the
temporary file is never read). Names follow Prometheus' conventions: the iofabric_ prefix,
base units (seconds), _timestamp_seconds for a point in time. docs/monitoring.md lists them.
"""

from __future__ import annotations

import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import utc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import atomic_write

FILENAME = 'iofabric_reconcile.prom'
STATUSES = ('in_sync', 'changed', 'drift', 'pending', 'failed')


def check_directory(path: str) -> str:
    """'' when path is a directory a pass can write its file into, else what is wrong with it."""
    if not path or not os.path.isabs(path):
        return 'must be an absolute path, not %r' % path
    if any(ord(char) < 32 or ord(char) == 127 for char in path):
        return 'must not contain control characters: %r' % path
    if not os.path.isdir(path):
        return '%s is not an existing directory' % path
    if not os.access(path, os.W_OK | os.X_OK):
        return '%s is not writable' % path
    return ''


def _label(value) -> str:
    """A label value escaped as the text exposition format wants it."""
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def _labels(**labels) -> str:
    return '{%s}' % ','.join('%s="%s"' % (key, _label(value)) for key, value in labels.items()) if labels else ''


class _Family:
    def __init__(self, name: str, help_text: str):
        self.name, self.help, self.samples = name, help_text, []

    def add(self, value, **labels) -> None:
        self.samples.append('%s%s %s' % (self.name, _labels(**labels), _number(value)))

    def text(self) -> list:
        return ['# HELP %s %s' % (self.name, self.help), '# TYPE %s gauge' % self.name] + self.samples


def _number(value) -> str:
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def render(report: dict, exit_bits: dict, ended: float, pending_since: dict | None = None) -> str:
    """The file's text for one pass.

    report: PassReport.as_json(); exit_bits: {bit: name}; ended: the pass's end (epoch seconds);
    pending_since: {(kind, object): epoch seconds} when each pending object started waiting.
    """
    pending_since = pending_since or {}
    objects = _Family('iofabric_reconcile_objects', 'Declared objects per kind and status after the last pass.')
    status = _Family('iofabric_reconcile_object_status', 'The status of each declared object after the last pass (1).')
    waiting = _Family('iofabric_reconcile_pending_seconds',
                      'Seconds each pending object had been waiting for hardware at the end of the last pass.')
    errors = _Family('iofabric_reconcile_kind_error', '1 when the last pass could not reconcile the kind at all.')
    for kind, result in sorted(report.get('kinds', {}).items()):
        rows = result.get('objects', [])
        for name in STATUSES:
            objects.add(sum(1 for row in rows if row.get('status') == name), kind=kind, status=name)
        for row in rows:
            status.add(1, kind=kind, object=row.get('object', ''), status=row.get('status', 'failed'))
            since = pending_since.get((kind, str(row.get('object'))))
            if row.get('status') == 'pending' and since is not None:
                waiting.add(max(0.0, ended - since), kind=kind, object=row.get('object', ''))
        errors.add(1 if result.get('error') else 0, kind=kind)
    duration = _Family('iofabric_reconcile_pass_duration_seconds', 'How long the last pass took.')
    duration.add(float(report.get('seconds', 0.0)))
    end = _Family('iofabric_reconcile_pass_end_timestamp_seconds', 'When the last pass ended, in seconds since the epoch.')
    end.add(float(ended))
    code = _Family('iofabric_reconcile_exit_code', 'The exit status of the last pass (a sum of bits).')
    code.add(int(report.get('exit_code', 0)))
    bits = _Family('iofabric_reconcile_exit_bit', 'Each exit status bit of the last pass: 1 set, 0 not.')
    for bit, name in sorted(exit_bits.items()):
        bits.add(1 if int(report.get('exit_code', 0)) & bit else 0, bit=name)
    check = _Family('iofabric_reconcile_check_mode', '1 when the last pass only checked (--check).')
    check.add(bool(report.get('check')))
    lines = []
    for family in (objects, status, waiting, errors, duration, end, code, bits, check):
        lines += family.text()
    return '\n'.join(lines) + '\n'


def write(directory: str, text: str) -> str:
    """Replace directory/FILENAME with text, atomically; returns the path. The temp file's name ends in
    _atomic.TEMP_SUFFIX, which node_exporter does not read (it reads *.prom only)."""
    path = os.path.join(directory, FILENAME)
    atomic_write(path, text.encode('utf-8'), mode=0o644)
    return path


def parse_stamp(text) -> float | None:
    """The store's UTC stamps (2026-12-01T10:00:00Z) as epoch seconds; None if absent or unreadable."""
    if not text:
        return None
    try:
        return utc.parse(text)
    except (ValueError, OverflowError):
        return None
