# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one pipeline every object kind runs through.

PRIVATE to the collection. validate -> lock -> read live -> plan -> (check mode stops)
-> apply -> verify by reading back -> record in the store (the declaration, and since when
each object is in sync, pending or failed) -> result. A failure of one
object is recorded against that object; the others carry on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.drift import object_rows
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, PlanInput
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import DONE, FAILED, SKIPPED, Action, Failure, Outcome
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import (
    ACTION_STATES,
    check_unique,
    desired_objects,
    stored_only,
    strip_none,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.status_track import track


FORGET = 'forget'


@dataclass
class Request:
    """What a module (or the reconciler) asks of a kind."""

    state: str
    config: list | None = None
    running_config: str | None = None
    check_mode: bool = False
    fields: list | None = None  # where each config item came from, for error messages
    ids: list | None = None     # the reconciler: the object ids the declarations were recorded under
    facts: bool = False         # fabric_info: add the kind's facts (Kind.facts) to the result

    def item_fields(self) -> list:
        return self.fields or ['config[%d]' % number for number in range(len(self.config or []))]


def run(kind: Kind, request: Request, store=None) -> dict:
    """Run one request through the pipeline and return an Ansible-style result dict."""
    if request.state == 'parsed':
        return dict({'changed': False, 'parsed': kind.parse(request.running_config or '')}, **kind.extras)
    items = kind.validate(request.config or [], request.state, request.item_fields())
    if request.ids is not None:
        items = kind.adopt_ids(items, request.ids)
    check_unique(items)
    if request.state == 'rendered':
        want = dict(items)
        rendered = kind.render([strip_none(kind.complete(spec)) for spec in want.values()])
        return dict({'changed': False}, **rendered, **kind.extras)
    if request.state == 'deleted' and not items:
        raise ValidationError('config', 'state=deleted needs the objects to delete; use state=overridden with '
                                        'an empty config to remove every object in scope')
    read_only = request.check_mode or request.state == 'gathered'
    with store.locked(exclusive=not read_only):
        document = store.load(kind.store_kind)
        live = kind.read_live(document)
        have = live.objects
        if request.state == 'gathered':
            body = {'gathered': [strip_none(obj) for obj in have.values()]}
            if request.facts:
                body['kind_facts'] = kind.facts(live, None)
            return _result(kind, store, False, body)
        if request.state not in ACTION_STATES:
            raise ValidationError('state', 'unknown state %r' % request.state)
        want, deletes = desired_objects(request.state, items, have, kind,
                                        merge=lambda spec, live_object: kind.merge(spec, live_object, live, document),
                                        in_scope=lambda object_id, live_object: kind.in_scope(object_id, live_object, live))
        plan = kind.plan(PlanInput(want, deletes, live, document, request.state))
        forgets = stored_only(request.state, items, want, have, document.objects, kind)
        plan.actions.extend(Action(object_id, FORGET, 'declared in the state store but absent from the host '
                                   '(state %s): the declaration is removed' % request.state) for object_id in forgets)
        declared = list(want) + deletes + forgets
        facts = kind.facts(live, plan) if request.facts else None
        if request.check_mode:
            return _finish(kind, store, Outcome(have, plan.predicted, plan, plan.pending, plan.failures, declared,
                                                checked=True, facts=facts))
        _apply(kind, plan, document)
        verified = kind.verify(want, deletes, plan, document)
        failures = plan.failures + verified.failures
        for object_id, fields in verified.observations.items():
            document.observe(object_id, **fields)
        kind.record(document, want, deletes + forgets, request.state)
        track(document, want, verified.pending, failures, plan.actions, time.time())
        store.save(document)
        return _finish(kind, store, Outcome(have, verified.after, plan, verified.pending, failures, declared,
                                            checked=False, facts=facts))


def _apply(kind, plan, document) -> None:
    """Apply actions in order; after a failure, skip that object's remaining actions."""
    broken: set = set()
    for action in plan.actions:
        if action.object in broken:
            action.status = SKIPPED
            action.error = 'an earlier action on this object failed'
            continue
        try:
            if action.op != FORGET:   # a store-only change: record() forgets it with the deletes
                kind.apply(action, plan, document)
            action.status = DONE
        except IofabricError as exc:
            action.status = FAILED
            action.error = str(exc)
            broken.add(action.object)
            plan.failures.append(Failure(action.object, '%s failed: %s' % (action.op, exc), exc.details()))


def _labelled(kind: Kind, row: dict) -> dict:
    """An action, pending or failure row, with how messages name its object when that is not its id
    (an unnamed macvlan)."""
    label = kind.label(row['object'])
    return row if label == row['object'] else dict(row, label=label)


def _finish(kind, store, outcome: Outcome) -> dict:
    have, after, plan, checked = outcome.have, outcome.after, outcome.plan, outcome.checked
    diffs = []
    for object_id in sorted(set(have) | set(after), key=str):
        before_obj, after_obj = have.get(object_id), after.get(object_id)
        if before_obj != after_obj:
            diffs.append({'before_header': '%s %s' % (kind.store_kind, object_id),
                          'after_header': '%s %s' % (kind.store_kind, object_id),
                          'before': strip_none(before_obj) or {}, 'after': strip_none(after_obj) or {}})
    diffs.extend(plan.diffs)
    changed = any(action.status in ('planned', DONE) for action in plan.actions) if checked else \
        any(action.status == DONE for action in plan.actions)
    body = {
        'before': [strip_none(obj) for obj in have.values()],
        'after': [strip_none(obj) for obj in after.values()],
        'diff': diffs,
        'actions': [_labelled(kind, action.as_dict()) for action in plan.actions],
        'pending': [_labelled(kind, item.as_dict()) for item in outcome.pending],
        'failures': [_labelled(kind, item.as_dict()) for item in outcome.failures],
        'objects': object_rows(kind.store_kind, outcome),
    }
    if outcome.facts is not None:
        body['kind_facts'] = outcome.facts
    if plan.warnings:
        body['warnings'] = list(plan.warnings)
    return _result(kind, store, changed, body)


def _result(kind, store, changed: bool, body: dict) -> dict:
    result = {'changed': changed}
    result.update(body)
    result.update(getattr(kind, 'extras', {}) or {})
    warnings = list(result.get('warnings', [])) + list(store.warnings)
    if warnings:
        result['warnings'] = warnings
    runner = getattr(kind, 'runner', None)
    result['tool_runs'] = dict(runner.runs) if runner else {}
    return result
