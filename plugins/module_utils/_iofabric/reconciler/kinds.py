# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the reconciler finishes each kind's declared work: the kind's own pipeline, run with
the declarations the modules recorded, exactly as a playbook run with state=merged would.

PRIVATE to the collection. Nothing here decides anything a kind decides: a late IOC is
connected and a hot-swapped IOC re-attached by the qlgc kind's plan, the FCoE retries and
their limit are the FCoE kind's, the EoIB grace is the EoIB kind's. The reconciler never
removes what is declared; it only re-applies declarations.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Failure, Pending
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import strip_none
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry

ORDER = registry.NAMES


@dataclass
class Context:
    sysroot: object
    netns: str | None
    check: bool
    store: object
    facts: bool = False   # fabric_info: each run's result carries the kind's facts

    def runner(self) -> Runner:
        return Runner(self.sysroot, netns=self.netns)


# What the store declares for a kind: the object ids (list), in a stable order, and their specs (list).
# A plain namedtuple: typing.NamedTuple would import typing (2 ms) into every pass.
Declarations = namedtuple('Declarations', ['ids', 'specs'])


def declarations(document) -> Declarations:
    ids = sorted(document.objects)
    return Declarations(ids, [strip_none(document.objects[object_id]['spec']) for object_id in ids])


def build_kind(name: str, ctx: Context, document):
    """The kind as a pass runs it: the modules' defaults, the context's sysroot, netns and check mode."""
    return registry.entry(name).build(ctx, document)


def declared_request(name: str, declared: Declarations, ctx: Context, kind=None) -> Request:
    """state=merged with the recorded declarations, under the ids they were recorded with."""
    if name == 'eoib':
        return Request('merged', [kind.settings], check_mode=ctx.check, facts=ctx.facts)
    ids, specs = declared
    return Request('merged', specs, check_mode=ctx.check, fields=['store %s' % object_id for object_id in ids], ids=ids,
                   facts=ctx.facts)


def reconcile(name: str, ctx: Context, document) -> dict | None:
    """Re-apply one kind's declarations; None when it has none."""
    declared = declarations(document)
    if not declared.ids:
        return None
    if name == 'sdi':
        return _reconcile_sdi(ctx, document, declared)
    if name == 'eoib':
        return _reconcile_eoib(ctx, document)
    kind = build_kind(name, ctx, document)
    # The pipeline validates first, before it reads or changes anything: a refused declaration is
    # isolated then, without validating every declaration a second time beforehand (a tenth of a
    # no-op pass over 1,024 VNICs). A ValidationError from a later phase (a plan that refuses the
    # whole set) is raised again by the isolated run, as before.
    try:
        return run(kind, declared_request(name, declared, ctx, kind), ctx.store)
    except ValidationError:
        return _run_isolated(name, ctx, document, declared)


def _reconcile_eoib(ctx: Context, document) -> dict:
    """One collection per group of parents sharing settings, each with its parents' own settings."""
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.kind import EoibKind
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.settings import stored_groups
    results = [run(EoibKind(ctx.sysroot, ctx.runner(), ctx.netns, settings),
                   Request('merged', [settings], check_mode=ctx.check, facts=ctx.facts), ctx.store)
               for settings in stored_groups(document)]
    return results[0] if len(results) == 1 else merge_results(results)


def merge_results(results: list) -> dict:
    """Several runs' results as one: lists joined, changed if any changed, tool runs added up."""
    merged: dict = {'changed': any(result.get('changed') for result in results)}
    for result in results:
        for key, value in result.items():
            if key == 'changed':
                continue
            if isinstance(value, list):
                known = merged.setdefault(key, [])
                known.extend(item for item in value if key != 'warnings' or item not in known)
            elif key == 'tool_runs':
                runs = merged.setdefault(key, {})
                for tool, count in value.items():
                    runs[tool] = runs.get(tool, 0) + count
            elif key == 'kind_facts':   # each run's parents (EoIB groups): together, the kind's facts
                facts = merged.setdefault(key, {})
                for name, part in value.items():
                    if isinstance(part, dict) and isinstance(facts.get(name), dict):
                        facts[name] = dict(facts[name], **part)
                    else:
                        facts.setdefault(name, part)
            else:
                merged.setdefault(key, value)
    return merged


def _run_isolated(name: str, ctx: Context, document, declared: Declarations) -> dict:
    """Per-object isolation, as in the modules: a recorded declaration that no longer validates, alone
    or beside the others (two VNICs on one IOC instance), is reported failed and the others are still
    repaired. Objects verified in sync earlier are kept first, so that a recorded typo never displaces
    a working object."""
    ids, specs = declared
    order = sorted(range(len(ids)), key=lambda i: (not _was_in_sync(document.observation(ids[i])), ids[i]))
    accepted: list = []
    failures: list = []
    for index in order:
        trial = accepted + [index]
        try:
            build_kind(name, ctx, document).validate([specs[i] for i in trial], 'merged',
                                                     ['store %s' % ids[i] for i in trial])
        except ValidationError as exc:
            failures.append(Failure(ids[index], 'the recorded declaration is refused: %s; remove it with state=deleted'
                                    % exc, exc.details()))
            continue
        accepted = trial
    accepted.sort()
    if accepted:
        subset = Declarations([ids[i] for i in accepted], [specs[i] for i in accepted])
        result = run(build_kind(name, ctx, document), declared_request(name, subset, ctx), ctx.store)
    else:
        result = {'changed': False, 'actions': [], 'pending': [], 'failures': [], 'objects': []}
    result['failures'] = list(result.get('failures', [])) + [item.as_dict() for item in failures]
    result['objects'] = list(result.get('objects', [])) + [
        {'kind': name, 'object': item.object, 'status': 'failed', 'reason': item.error} for item in failures]
    return result


def _was_in_sync(observation: dict) -> bool:
    return 'in_sync_since' in observation and 'status' not in observation


def _reconcile_sdi(ctx: Context, document, declared: Declarations) -> dict:
    """Missing devices are re-added only where the declaration says readd: true; the others are
    reported as pending, and the bus is left alone. Every present device goes through the kind's plan,
    which checks that it is the declared one (a wrong wwid is a failure, in a pass as in fabric_info)."""
    ids, specs = declared
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import present_addresses
    present = present_addresses(ctx.sysroot)   # which are there; the kind reads the planned ones whole
    planned = [index for index, spec in enumerate(specs) if spec.get('readd') or spec['address'] in present]
    subset = Declarations([ids[i] for i in planned], [specs[i] for i in planned])
    result = run(build_kind('sdi', ctx, document), declared_request('sdi', subset, ctx), ctx.store) if subset.ids \
        else {'changed': False, 'actions': [], 'pending': [], 'failures': [], 'objects': []}
    for index, spec in enumerate(specs):
        if index in planned:
            continue
        item = Pending(spec['address'], 'declared present, missing; readd is false, so it is reported and not '
                                        'scanned for', 'sdi_device readd')
        result['pending'].append(item.as_dict())
        result['objects'].append({'kind': 'sdi', 'object': spec['address'], 'status': 'pending', 'reason': item.reason})
    return result
