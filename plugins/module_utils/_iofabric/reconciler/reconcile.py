# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One reconciler pass: every kind's declarations re-applied under one hold of the host lock.

PRIVATE to the collection. The exit status is a set of bits (EXIT_BITS), so that a timer,
a monitoring check or a person can tell "in sync" from "changed", "waiting on hardware",
"drift" (check mode), "error" and "busy" (a playbook run held the lock) at a glance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, LockTimeout
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.kinds import ORDER, Context, reconcile
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

IN_SYNC = 0
CHANGED = 1
PENDING = 2
DRIFT = 4
ERROR = 8
BUSY = 16
EXIT_BITS = {CHANGED: 'changed', PENDING: 'pending', DRIFT: 'drift', ERROR: 'error', BUSY: 'busy'}

# sd-daemon(3) priority prefixes: journald files each stdout line at its level.
NOTICE, INFO, ERR, WARNING = 5, 6, 3, 4


@dataclass
class PassReport:
    check: bool
    kinds: dict = field(default_factory=dict)   # kind -> pipeline result, or {'error': text}
    busy: str = ''
    seconds: float = 0.0

    def _items(self, key: str) -> list:
        return [(kind, item) for kind, result in self.kinds.items() for item in result.get(key, [])]

    @property
    def exit_code(self) -> int:
        code = IN_SYNC
        actions = self._items('actions')
        if any(item['status'] == 'done' for _kind, item in actions):
            code |= CHANGED
        if self.check and any(item['status'] == 'planned' for _kind, item in actions):
            code |= DRIFT
        if self._items('pending'):
            code |= PENDING
        if self._items('failures') or any('error' in result for result in self.kinds.values()) or \
                any(item['status'] == 'failed' for _kind, item in actions):
            code |= ERROR
        if self.busy:
            code |= BUSY
        return code

    def lines(self) -> list:
        """(priority, text): one line per action, pending object and failure, then a summary."""
        out = []
        if self.busy:
            out.append((WARNING, 'busy: %s; pass skipped' % self.busy))
        for kind, result in self.kinds.items():
            if 'error' in result:
                out.append((ERR, '%s error: %s' % (kind, result['error'])))
            for action in result.get('actions', []):
                text = '%s %s %s %s: %s' % (kind, _name(action), action['action'], action['status'], action['reason'])
                if action.get('error'):
                    text += ' (%s)' % action['error']
                out.append((ERR if action['status'] == 'failed' else NOTICE, text))
            for item in result.get('pending', []):
                out.append((INFO, '%s %s pending: %s' % (kind, _name(item), item['reason'])))
            for item in result.get('failures', []):
                out.append((ERR, '%s %s failed: %s' % (kind, _name(item), item['error'])))
            for warning in result.get('warnings', []):
                out.append((WARNING, '%s warning: %s' % (kind, warning)))
        code = self.exit_code
        done = sum(1 for _kind, item in self._items('actions') if item['status'] in ('done', 'planned'))
        out.append((INFO, '%s done in %.2f s: %d %s, %d pending, %d failed; exit %d (%s)' % (
            'check' if self.check else 'pass', self.seconds, done, 'to do' if self.check else 'changed',
            len(self._items('pending')), len(self._items('failures')), code, describe(code))))
        return out

    def as_json(self) -> dict:
        keys = ('changed', 'actions', 'pending', 'failures', 'objects', 'warnings', 'error', 'diff', 'tool_runs')
        kinds = {kind: {key: result[key] for key in keys if result.get(key) is not None}
                 for kind, result in self.kinds.items()}
        return {'check': self.check, 'exit_code': self.exit_code, 'exit': describe(self.exit_code),
                'busy': self.busy or None, 'seconds': round(self.seconds, 3), 'kinds': kinds}


def _name(row: dict) -> str:
    """How a log line names a row's object: its label when it has one (an unnamed macvlan's id is internal)."""
    return row.get('label') or row['object']


def describe(code: int) -> str:
    return ', '.join(name for bit, name in sorted(EXIT_BITS.items()) if code & bit) or 'in sync'


def run_pass(sysroot: str, netns: str | None = None, check: bool = False, kinds: tuple = ORDER,
             lock_timeout: float = 10.0) -> PassReport:
    """One pass over every kind; a kind that fails is reported and the others still run."""
    started = time.monotonic()
    report = PassReport(check)
    root = Sysroot(sysroot)
    store = StateStore(root, owner='iofabric-reconcile', lock_timeout=lock_timeout)
    try:
        with store.locked(exclusive=not check):
            ctx = Context(root, netns or None, check, store)
            for name in kinds:
                try:
                    result = reconcile(name, ctx, store.load(name))
                except IofabricError as exc:
                    result = {'error': str(exc)}
                except Exception as exc:  # noqa: BLE001 - one kind's bug must not stop the others
                    result = {'error': 'internal error: %s: %s' % (type(exc).__name__, exc)}
                if result is not None:
                    report.kinds[name] = result
    except LockTimeout as exc:
        report.busy = str(exc)
    report.seconds = time.monotonic() - started
    return report
