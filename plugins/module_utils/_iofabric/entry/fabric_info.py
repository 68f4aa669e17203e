# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fabric_info: the live fabric, and how it differs from what the modules recorded.

PRIVATE to the collection. For each kind this runs the kind's own pipeline in check mode
with the declarations in the store, exactly as a reconciler ``--check`` pass does, under the
shared lock: so the drift it reports is precisely what a converge would change. Kinds with
nothing declared are only gathered. Nothing is written.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.drift import DRIFT, FAILED, IN_SYNC, PENDING, summary
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.kinds import (
    ORDER,
    Context,
    build_kind,
    declarations,
    declared_request,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

# The key that names an object in each kind's config shape.
ID_KEYS = {entry.name: entry.id_key for entry in registry.KINDS}


def gather(sysroot: str, netns: str | None = None, kinds: tuple = ORDER, lock_timeout: float = 30.0) -> dict:
    """The result of fabric_info (an Ansible-style dict, never changed)."""
    root = Sysroot(sysroot)
    store = StateStore(root, owner='iofabric.core.fabric_info', lock_timeout=v.seconds(lock_timeout, 'lock_timeout', 3600))
    ctx = Context(root, netns or None, True, store)
    report = {'fabric': {}, 'objects': [], 'drift': [], 'pending': [], 'failures': [], 'tool_runs': {}}
    warnings: list = []
    kind_errors = 0   # a kind that could not be read at all: one failure of its own, besides its objects'
    with store.locked(exclusive=False):
        for name in kinds:
            declared: tuple = ([], [])
            try:
                document = store.load(name)
                declared = declarations(document)
                kind = build_kind(name, ctx, document)
                request = declared_request(name, declared, True, kind) if declared[0] else \
                    Request('gathered', [kind.settings] if name == 'eoib' else [], check_mode=True)
                request.facts = True
                result = run(kind, request, store)
            except IofabricError as exc:
                report['fabric'][name] = {'declared': len(declared[0]), 'error': str(exc)}
                report['failures'].append({'kind': name, 'object': '(%s)' % name, 'error': str(exc), 'since': None})
                kind_errors += 1
                continue
            _add_kind(report, name, kind, declared, result, document)
            warnings.extend('%s: %s' % (name, text) for text in result.get('warnings', []))
            for tool, count in result.get('tool_runs', {}).items():
                report['tool_runs'][tool] = report['tool_runs'].get(tool, 0) + count
    report['summary'] = {key: value for key, value in summary(report['objects']).items() if key != 'changed'}
    report['summary']['failed'] += kind_errors
    report['in_sync'] = not (report['drift'] or report['pending'] or report['failures'])
    report['status'] = _status(report['summary'])
    report['changed'] = False
    if warnings:
        report['warnings'] = warnings
    return report


def _status(counts: dict) -> str:
    """The host's worst status; a host that declares nothing is not "in sync" with anything."""
    for status in ('failed', 'drift', 'pending'):
        if counts.get(status):
            return status
    return 'in_sync' if counts.get('in_sync') else 'nothing_declared'


FACT_KEYS = ('status', 'in_sync', 'summary', 'fabric', 'objects', 'drift', 'pending', 'failures')


def as_facts(report: dict) -> dict:
    """The report as ansible_facts, under one key (hostvars[host].iofabric, cached with the other facts)."""
    return {'iofabric': {key: report[key] for key in FACT_KEYS if key in report}}


def _add_kind(report: dict, name: str, kind, declared: tuple, result: dict, document) -> None:
    live = result['before'] if 'before' in result else result.get('gathered', [])
    live_ids = [item.get(ID_KEYS[name]) for item in live]
    facts = dict(result.get('kind_facts') or {}, declared=len(declared[0]), live=live)
    if name != 'eoib':
        facts['unmanaged'] = sorted(str(i) for i in live_ids if i is not None and i not in set(declared[0]))
    report['fabric'][name] = facts
    for row in result.get('objects', []):
        row = dict(row, **_since(row, document.observation(row['object'])))
        report['objects'].append(row)
        if row['status'] == DRIFT:
            # A change that no config field shows (an FCoE instance to destroy): the planned action.
            ops = ', '.join(action['action'] for action in result.get('actions', [])
                            if action['object'] == row['object'] and action['status'] == 'planned')
            for change in row.get('fields') or [{'field': '(action)', 'desired': ops, 'live': None}]:
                report['drift'].append(dict(change, kind=name, object=row['object'], reason=row.get('reason'),
                                            since=row.get('since'), in_sync_since=row.get('in_sync_since')))
        elif row['status'] == PENDING:
            report['pending'].append({'kind': name, 'object': row['object'], 'reason': row.get('reason'),
                                      'since': row.get('since')})
        elif row['status'] == FAILED:
            report['failures'].append({'kind': name, 'object': row['object'], 'error': row.get('reason'),
                                       'since': row.get('since')})


def _since(row: dict, seen: dict) -> dict:
    """When the object's current condition began, as far as the runs that applied recorded it.

    A pending or failed condition that the last applying run also saw keeps that run's time;
    drift found by this read was never recorded (a run would have repaired it), so its since
    is null and in_sync_since says since when the object had been verified in sync.
    """
    times = {key: seen[key] for key in ('in_sync_since', 'changed_at') if seen.get(key)}
    if row['status'] in (PENDING, FAILED):
        times['since'] = seen.get('status_since') if seen.get('status') == row['status'] else None
    elif row['status'] == IN_SYNC:
        times['since'] = seen.get('in_sync_since')
    else:
        times['since'] = None
    return times
