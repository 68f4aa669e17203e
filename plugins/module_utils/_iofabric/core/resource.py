# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource-module states mapped onto desired objects, the same way for every kind.

PRIVATE to the collection. A validated config item is a dict in which ``None`` means
"not given". merged fills what is not given from the live object, replaced and
overridden from the defaults; overridden and deleted also name objects to remove.
"""

from __future__ import annotations


from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError

ACTION_STATES = ('merged', 'replaced', 'overridden', 'deleted')
STATES = ACTION_STATES + ('gathered', 'rendered', 'parsed')


def clone(value):
    """A copy of declaration data (dicts, lists and scalars, as JSON has them): what deepcopy does
    for it, without deepcopy's bookkeeping, which dominated a run over a thousand objects. Scalars
    (most of the values) are taken as they are, without a call each."""
    if isinstance(value, dict):
        return {key: clone(item) if isinstance(item, _CONTAINERS) else item for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) if isinstance(item, _CONTAINERS) else item for item in value]
    return value


_CONTAINERS = (dict, list)


def fill(spec: dict, base: dict) -> dict:
    """Return spec with every None replaced by base's value, recursing into dicts; a copy (each value
    copied once: spec's keys in their order, then base's keys that spec lacks)."""
    result = {}
    for key, value in spec.items():
        if value is None and key in base:
            value = base[key]
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            result[key] = fill(value, base[key])
            continue
        result[key] = clone(value) if isinstance(value, _CONTAINERS) else value
    for key, value in base.items():
        if key not in result:
            result[key] = clone(value) if isinstance(value, _CONTAINERS) else value
    return result


def strip_none(value):
    """Drop None values recursively (for results shown to users)."""
    if isinstance(value, dict):
        return {key: strip_none(item) if isinstance(item, _CONTAINERS) else item
                for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [strip_none(item) if isinstance(item, _CONTAINERS) else item for item in value]
    return value


def check_unique(items: list, field: str = 'config') -> None:
    """items is [(object_id, spec)]; two items for one object is a contradiction."""
    seen: dict = {}
    for index, (object_id, _spec) in enumerate(items):
        if object_id in seen:
            raise ValidationError('%s[%d]' % (field, index),
                                  'declares %s again (already declared by %s[%d])' % (object_id, field, seen[object_id]))
        seen[object_id] = index


def desired_objects(state: str, items: list, have: dict, kind, merge=None, in_scope=None) -> tuple:
    """Compute (want, deletes) for an action state.

    items: validated [(object_id, spec)] in declaration order
    have:  live objects by id, in config shape
    kind:  supplies defaults(spec)
    merge: (spec, live object) -> spec for state=merged; the pipeline binds the kind's merge to this
           run's live state and store document (without one: fill from the live object)
    in_scope: (object id, live object) -> whether overridden may remove it; the pipeline binds the kind's
           in_scope to this run's live state (without one: the kind's, given no live state)
    """
    merge = merge or fill
    in_scope = in_scope or kind.in_scope
    want: dict = {}
    deletes: list = []
    if state == 'deleted':
        return want, [object_id for object_id, _spec in items if object_id in have]
    for object_id, spec in items:
        if state == 'merged' and object_id in have:
            spec = merge(spec, have[object_id])
        want[object_id] = fill(spec, kind.defaults(spec))
    if state == 'overridden':
        deletes = [object_id for object_id, live in have.items()
                   if object_id not in want and in_scope(object_id, live)]
    return want, deletes


def stored_only(state: str, items: list, want: dict, have: dict, stored, kind) -> list:
    """Declarations the store holds for objects absent from the host, that a state removes: what
    deleted names, and for overridden what it does not declare. desired_objects() deletes only live
    objects; without this, a declaration whose object never came up (a port typo, a missing lower
    link) could never be removed and was re-applied, and failed, by every reconciler pass."""
    if state not in ('deleted', 'overridden') or kind.record_replaces:
        return []
    if state == 'deleted':
        return [object_id for object_id, _spec in items if object_id in stored and object_id not in have]
    return sorted(object_id for object_id in stored if object_id not in want and object_id not in have)
