# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Since when each declared object has been in sync, pending or failed.

PRIVATE to the collection. The pipeline calls track() after every run that applies (a
module without check mode, or a reconciler pass), so that fabric_info can say since when a
condition holds. Only transitions are written: a run that finds everything as it was
leaves the store document untouched, so an idle reconciler pass still writes nothing.

Observation keys per object: ``status`` and ``status_since`` while it is pending or
failed; ``in_sync_since`` once a run verified it; ``changed_at`` when a run last changed it.
"""

from __future__ import annotations


from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import utc

PENDING = 'pending'
FAILED = 'failed'
KEYS = ('status', 'status_since', 'in_sync_since', 'changed_at')


def stamp(now: float) -> str:
    return utc.stamp(now)


def track(document, objects, pending: list, failures: list, actions: list, now: float) -> None:
    """objects: the declared ids this run was about; pending, failures, actions: the plan vocabulary."""
    status = {item.object: PENDING for item in pending}
    status.update({item.object: FAILED for item in failures})
    changed = {action.object for action in actions if action.status == 'done'}
    # Only objects the document knows: a failing non-object (a config file) would otherwise
    # leave an entry that no later run visits to clear.
    known = set(objects) | {key for key in status if key in document.objects or key in document.observations}
    for object_id in sorted(known):
        seen = document.observation(object_id)
        if object_id in status:
            same = seen.get('status') == status[object_id]
            document.observe(object_id, status=status[object_id],
                             status_since=seen.get('status_since') if same else stamp(now), in_sync_since=None)
        elif 'status' in seen or 'in_sync_since' not in seen:
            document.observe(object_id, status=None, status_since=None, in_sync_since=stamp(now))
        if object_id in changed:
            document.observe(object_id, changed_at=stamp(now))
