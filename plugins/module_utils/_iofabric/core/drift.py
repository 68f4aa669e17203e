# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-object status of a pipeline run: in sync, drift, changed, pending or failed, with the fields.

PRIVATE to the collection. The pipeline adds these rows to every result (``objects``), so
that drift reports and fabric_info classify objects exactly as the engine planned them:
drift is what a converge would change (check mode), changed is what this run changed,
pending waits on hardware, failed could not be planned or applied.
"""

from __future__ import annotations

IN_SYNC, DRIFT, CHANGED, PENDING, FAILED = 'in_sync', 'drift', 'changed', 'pending', 'failed'
STATUSES = (IN_SYNC, DRIFT, CHANGED, PENDING, FAILED)
ALL_OBJECTS = '*'


def flatten(value, prefix: str = '') -> dict:
    """{'primary.ioc_guid': ...}: nested mappings become dotted fields; lists stay whole values."""
    if not isinstance(value, dict):
        return {prefix: value}
    fields: dict = {}
    for key in sorted(value):
        name = '%s.%s' % (prefix, key) if prefix else str(key)
        if isinstance(value[key], dict) and value[key]:
            fields.update(flatten(value[key], name))
        else:
            fields[name] = value[key]
    return fields


def field_changes(live: dict | None, desired: dict | None) -> list:
    """The fields that differ, each with the desired and the live value; presence for a whole object."""
    if isinstance(live, str) or isinstance(desired, str):
        return text_change(live or '', desired or '')
    if not live and desired:
        return [{'field': '(object)', 'desired': 'present', 'live': 'absent'}]
    if live and not desired:
        return [{'field': '(object)', 'desired': 'absent', 'live': 'present'}]
    before, after = flatten(live or {}), flatten(desired or {})
    return [{'field': name, 'desired': after.get(name), 'live': before.get(name)}
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]


def text_change(live: str, desired: str) -> list:
    """A file's drift, compactly: its first differing line (the whole diff is in --diff)."""
    if live == desired:
        return []
    old, new = live.splitlines(), desired.splitlines()
    line = next((n for n, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    return [{'field': '(content) line %d' % (line + 1),
             'desired': new[line] if line < len(new) else '(no such line)',
             'live': (old[line] if line < len(old) else '(no such line)') if live else '(no file)'}]


def _by_object(items: list) -> dict:
    index: dict = {}
    for item in items:
        index.setdefault(item.object, []).append(item)
    return index


def object_rows(kind: str, outcome) -> list:
    """One row per object this run was about (a core.plan.Outcome), in a stable order.

    declared: the ids the run declared (and deleted); ``*`` stands for every live object.
    actions, pending, failures: the plan vocabulary (objects with .object); the plan's diffs:
    extra before/after pairs that are not objects of the kind (a configuration file).
    """
    declared, have, after, checked = outcome.declared, outcome.have, outcome.after, outcome.checked
    actions, pending, failures, diffs = outcome.plan.actions, outcome.pending, outcome.failures, outcome.plan.diffs
    ids = set(declared) - {ALL_OBJECTS}
    if ALL_OBJECTS in declared:
        ids |= set(have) | set(after)
    ids |= {action.object for action in actions} | {item.object for item in pending} | \
        {item.object for item in failures}
    extra = {entry['before_header']: entry for entry in diffs}
    todo = ('planned',) if checked else ('done',)
    actions_of, pending_of, failures_of = _by_object(actions), _by_object(pending), _by_object(failures)
    rows = []
    for object_id in sorted(ids, key=str):
        mine = actions_of.get(object_id, [])
        failed = [item.error for item in failures_of.get(object_id, [])]
        # A failed action is also a failure whose text contains the action's error: say it once.
        failed += [action.error for action in mine
                   if action.status == 'failed' and not any(action.error in text for text in failed)]
        waiting = [item.reason for item in pending_of.get(object_id, [])]
        doing = [action for action in mine if action.status in todo]
        row = {'kind': kind, 'object': object_id}
        if failed:
            row.update(status=FAILED, reason='; '.join(failed))
        elif doing:
            row.update(status=DRIFT if checked else CHANGED, reason='; '.join(
                '%s: %s' % (action.op, action.reason) for action in doing))
        elif waiting:
            row.update(status=PENDING, reason='; '.join(waiting))
        else:
            row['status'] = IN_SYNC
        if row['status'] != IN_SYNC:
            if waiting and row['status'] != PENDING:
                row['pending'] = '; '.join(waiting)
            if object_id in extra:
                changes = field_changes(extra[object_id]['before'], extra[object_id]['after'])
            else:
                changes = field_changes(have.get(object_id), after.get(object_id))
            if changes:
                row['fields'] = changes
        rows.append(row)
    return rows


def summary(rows: list) -> dict:
    counts = {status: 0 for status in STATUSES}
    for row in rows:
        counts[row['status']] += 1
    return counts
