# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The qlgc VNIC kind: QLogic EVIC/VEx VNICs through the engine's pipeline.

PRIVATE to the collection. Used by the vnic_interface module and by the reconciler.
ib_qlgc_vnic_query runs once per pipeline run, never once per interface.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import cfg, persist
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import spec as qspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, SysfsError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, PlanInput, Verification, wait_until
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import DONE, Action, Failure, Pending, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.context import (
    QlgcPlanContext,
    QlgcView,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.createstr import build
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import (
    CLASS_DIR,
    INTERFACES,
    read_port_dirs,
    read_vnics,
    viport_states,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.plan import QlgcPlanner, create_params, late_warning
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import parse as parse_query
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.resolve import (
    LATE,
    PORT_DOWN,
    UNRESOLVED,
    VISIBLE,
    PortIndex,
    resolve,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.shape import live_vnic, predicted_vnic
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import write_attr

QUERY_TOOL = 'ib_qlgc_vnic_query'
HELD = ('ambiguous', 'disruption', 'disconnect')   # pending decided by the plan, not by the paths' state
EINVAL_HINTS = {
    'create': 'the kernel refused the create string; likely: the IOC GUID and instance are already used by '
              'another VNIC, or a value the driver rejects (see dmesg, "qlgc_vnic:")',
    'update': 'the kernel refused the update; it only updates a disconnected path to non-zero, changed values',
    'secondary': 'the kernel refused the secondary path; likely: no primary with this name, or the IOC GUID and '
                 'instance are already in use',
    'delete': 'the kernel does not know this VNIC',
}


@dataclass
class QlgcOptions:
    config_file: str = cfg.CFG_PATH
    persist: bool = True
    connect_timeout: float = 10.0
    poll_interval: float = 0.05
    allow_disruption: bool | None = None   # None: each VNIC's recorded choice (a reconciler pass), default true
    # A task's default output shows no pending list, so a late IOC is a warning there; a reconciler pass logs it
    # as pending every pass already, and warns only of a likely typo (a near match).
    warn_late_iocs: bool = False


class QlgcKind(Kind):
    store_kind = 'qlgc'

    def __init__(self, sysroot, runner, options: QlgcOptions | None = None):
        super().__init__()
        self.sysroot = sysroot
        self.runner = runner
        self.options = options or QlgcOptions()
        self.fields: dict = {}   # from validate: where each VNIC was declared, for error messages

    # -- validation and resource states ------------------------------------------------
    def validate(self, config: list, state: str, fields: list) -> list:
        items = []
        for field, item in zip(fields, config):
            name, spec = qspec.normalize(item, field)
            self.fields[name] = field
            items.append((name, spec))
        if state not in ('deleted', 'parsed'):
            _check_ioc_instances(items, self.fields)
        return items

    def defaults(self, spec: dict) -> dict:
        return qspec.defaults(spec)

    def merge(self, spec: dict, live_object: dict, live: Live, document) -> dict:
        declared = document.spec(spec['name']) if document is not None else None
        # Paths not given keep their earlier declaration (so a string-declared path stays
        # string-declared); only without one do they keep what the kernel shows.
        return qspec.merge(qspec.merge(spec, declared or {}), live_object)

    # -- live state ------------------------------------------------------------------
    def read_live(self, document) -> Live:
        vnics = read_vnics(self.sysroot)
        index = self.query()
        objects = {name: live_vnic(vnic, document.observation(name), index) for name, vnic in vnics.items()}
        return Live(objects, QlgcView(vnics, index))

    def query(self) -> PortIndex:
        port_dirs = read_port_dirs(self.sysroot)
        try:
            run = self.runner.run(QUERY_TOOL, ['-es'])
            return PortIndex(parse_query(run.stdout), port_dirs)
        except IofabricError as exc:
            return PortIndex(None, port_dirs, str(exc))

    # -- plan ------------------------------------------------------------------------
    def plan(self, given: PlanInput) -> Plan:
        want, have, deletes, document, view = given.want, given.live.objects, given.deletes, given.document, given.live.view
        for name, spec in want.items():
            if spec.get('primary') is None:
                raise ValidationError(self.fields.get(name, name) + '.primary', 'a qlgc VNIC needs a primary path')
        targets = {(name, which): resolve(spec[which], view.index)
                   for name, spec in want.items() for which in qspec.PATHS if spec.get(which)}
        reason = 'state=deleted' if given.state == 'deleted' else 'not in the overridden declaration'
        planner = QlgcPlanner(want, view.vnics, deletes, targets, document.observations, reason,
                              lambda name: self.disruption_allowed(name, document))
        plan = planner.build()
        plan.context = QlgcPlanContext(view, want, targets)
        _fail_unreadable(plan, set(want), view.vnics)
        for note in planner.notes:
            plan.warnings.append(note)
        failed = {failure.object for failure in plan.failures}
        plan.warnings.extend(late_warning(self.fields.get(name, name), name, which, target)
                             for (name, which), target in sorted(targets.items())
                             if target.status == LATE and name not in failed
                             and (target.near or self.options.warn_late_iocs))
        self.add_extra('config_refresh', planner.notes)
        rewritten: dict = {}
        for action in plan.actions:
            if action.op.startswith(('create-', 'update-')):
                rewritten.setdefault(action.object, set()).add(action.detail['path'])
        plan.predicted = {}
        for name, spec in want.items():
            if name in failed:
                if name in have:
                    plan.predicted[name] = have[name]
                continue
            paths = {which: targets[(name, which)] for which in qspec.PATHS if (name, which) in targets}
            plan.predicted[name] = predicted_vnic(spec, have.get(name), paths, rewritten.get(name, set()))
        for name, shape in have.items():
            if name not in want and name not in deletes:
                plan.predicted[name] = shape
        if self.options.persist:
            forgotten = persist.forgotten(given.state, list(self.fields), want, document, view.vnics)
            plan.context.config = persist.plan_config(self.sysroot, self.options.config_file, plan, want,
                                                      sorted(set(deletes) | set(forgotten)), document, given.state,
                                                      view.vnics)
        return plan

    def disruption_allowed(self, name: str, document) -> bool:
        """The task's allow_disruption; in a reconciler pass, the one recorded by the VNIC's last task."""
        if self.options.allow_disruption is not None:
            return self.options.allow_disruption
        return document is None or document.observation(name).get('allow_disruption') is not False

    # -- apply -----------------------------------------------------------------------
    def apply(self, action: Action, plan: Plan, document) -> None:
        context = plan.context
        if action.op == 'write-config':
            text, record = persist.without_failed_creates(context.config, context.created)
            context.config.config.write(text)
            document.observe(self.options.config_file, **record)
            return
        if action.op == 'delete':
            target = self.sysroot.path(CLASS_DIR, INTERFACES, 'delete_vnic')
            write_attr(target, action.object.encode('ascii'), EINVAL_HINTS['delete'], (errno.EINVAL,))
            document.observe(action.object, instance=None, pkey=None, ib_multicast=None)
            return
        which = action.detail['path']
        target = context.targets[(action.object, which)]
        spec = context.want[action.object]
        params = create_params(action.object, spec, target)
        directory = 'vnic-%s-%s' % (target.ibdev, target.port)
        hint = EINVAL_HINTS['update' if action.op.startswith('update') else
                            'secondary' if which == 'secondary' else 'create']
        data = build(params)
        creating = action.op == 'create-primary' and action.object not in context.view.vnics
        if creating:
            context.created[action.object] = False
        try:
            write_attr(self.sysroot.path(CLASS_DIR, directory, 'create_' + which), data, hint, (errno.EINVAL,))
            if creating:
                context.created[action.object] = True
        except SysfsError as exc:
            if exc.errno == errno.EINVAL:
                exc.args = ('%s; string written: %s' % (exc.args[0], data.decode('ascii')),)
            raise
        observation = document.observation(action.object)
        instances = dict(observation.get('instance', {}), **{which: target.instance})
        pkeys = dict(observation.get('pkey', {}), **{which: target.pkey})
        document.observe(action.object, instance=instances, pkey=pkeys, ib_multicast=spec.get('ib_multicast'))

    def facts(self, live: Live, plan: Plan | None) -> dict:
        """The local ports and the IOCs visible through each, from this run's one query."""
        index = live.view.index
        ports = [{'hca': port.hca, 'hca_no': port.hca_no, 'port': port.port, 'port_guid': port.port_guid,
                  'state': port.state or 'Active',
                  'iocs': [{'ioc_guid': ioc.ioc_guid, 'dgid': ioc.dgid, 'ioc_string': ioc.ioc_string,
                            'pkey': None if ioc.pkey is None else '%04x' % ioc.pkey} for ioc in port.iocs]}
                 for port in index.ports]
        facts: dict = {'ports': ports}
        if index.query_error:
            facts['query_error'] = index.query_error
        return facts

    # -- verify ----------------------------------------------------------------------
    def verify(self, want: dict, deletes: list, plan: Plan, document) -> Verification:
        targets, before, index = plan.context.targets, plan.context.view.vnics, plan.context.view.index
        failed = {failure.object for failure in plan.failures}
        expected = [(name, which) for (name, which), target in targets.items()
                    if name in want and name not in failed and target.status == VISIBLE]
        # Only what can have changed is read back: VNICs an action touched, and paths that were
        # not connected yet. A re-run of 1,024 unchanged VNICs then reads one attribute each.
        touched = {action.object for action in plan.actions if action.status == DONE} | set(deletes)
        # What apply wrote connects afresh (a recreated path was connected before it, and is not now): wait on
        # those too, not only on the paths the reading before apply showed disconnected.
        written = {(action.object, action.detail.get('path')) for action in plan.actions if action.status == DONE}
        recreated = {action.object for action in plan.actions if action.status == DONE and action.op == 'delete'}
        waiting = [(name, which) for name, which in expected
                   if not _connected(before, name, which) or (name, which) in written or name in recreated]
        if waiting and self.options.connect_timeout > 0:
            wait_until(lambda: all(state == 'VIPORT_CONNECTED' for state in
                                   viport_states(self.sysroot, waiting).values()),
                       self.options.connect_timeout, self.options.poll_interval)
        again = touched | {name for name, _which in waiting}
        vnics = before
        if again:
            fresh = read_vnics(self.sysroot, again)
            vnics = {name: vnic for name, vnic in before.items() if name not in again}
            vnics.update(fresh)
        after = {name: live_vnic(vnic, document.observation(name), index) for name, vnic in vnics.items()}
        # Decided at plan time, whatever the paths show now: an ambiguous IOC string, a refused disruption,
        # a stale connected path waiting to drop.
        skipped = {item.object for item in plan.pending if item.waiting_for in ('ambiguous', 'disruption')}
        held = [item for item in plan.pending if item.waiting_for in HELD or item.object in skipped]
        pending, failures = list(held), []
        for name in sorted(want):
            if name in failed or name in skipped:
                continue
            vnic = vnics.get(name)
            if vnic is None:
                failures.append(Failure(name, 'declared VNIC is not present after apply'))
                continue
            for which in qspec.PATHS:
                target = targets.get((name, which))
                path = vnic.paths.get(which)
                if target is None or (path is not None and path.connected) or any(
                        item.object == name and item.reason.startswith(which + ' path') for item in held):
                    continue
                if target.status in (LATE, PORT_DOWN, UNRESOLVED):
                    # Unresolved: the query failed, so the path was written idle; the next run
                    # (or the reconciler) resolves it once the query answers again.
                    pending.append(Pending(name, '%s path: %s' % (which, target.reason),
                                           {LATE: 'ioc', PORT_DOWN: 'port', UNRESOLVED: 'query'}[target.status]))
                elif path is None:
                    failures.append(Failure(name, '%s path is missing after apply' % which))
                else:
                    pending.append(Pending(name, '%s path not connected after %.1f s (viport %s, link %s)' % (
                        which, self.options.connect_timeout, path.viport_state, path.link_state), 'connect'))
        return Verification(after, pending, failures)

    def record(self, document, want: dict, deletes: list, state: str) -> None:
        for name in deletes:
            document.forget(name)
        for name, spec in want.items():
            document.declare(name, spec)
            if self.options.allow_disruption is not None:   # a task's choice; a pass keeps it
                document.observe(name, allow_disruption=False if self.options.allow_disruption is False else None)

    # -- offline states ----------------------------------------------------------------
    def render(self, specs: list) -> dict:
        strings = []
        for spec in specs:
            for which in qspec.PATHS:
                path = spec.get(which)
                if not path:
                    continue
                target = resolve(path, PortIndex(None, [], 'offline (state=rendered)'))
                strings.append({'name': spec['name'], 'path': which,
                                'port': {'hca': path.get('hca'), 'port': path.get('port'),
                                         'port_guid': path.get('port_guid')},
                                'string': build(create_params(spec['name'], spec, target)).decode('ascii')})
        text, _quirks = cfg.merge_text('', specs, [], own_file=True)
        return {'rendered': {'config': text, 'create_strings': strings}}

    def parse(self, text: str) -> list:
        parsed = cfg.parse(text)
        self.add_extra('quirks', parsed.quirks)
        return [strip(item) for item in parsed.items]


def _fail_unreadable(plan, names: set, vnics: dict) -> None:
    """A VNIC with an attribute the reader could not understand is reported failed and left alone:
    nothing is planned on what could not be seen. A delete goes ahead: it needs only the name."""
    unreadable = {name: vnic.error for name, vnic in vnics.items() if vnic.error and name in names}
    if not unreadable:
        return
    plan.actions = [action for action in plan.actions if action.object not in unreadable]
    plan.pending = [item for item in plan.pending if item.object not in unreadable]
    plan.failures = [item for item in plan.failures if item.object not in unreadable]
    for name, error in sorted(unreadable.items()):
        plan.fail(name, 'could not read the VNIC: %s; nothing was changed on it' % error)


def _connected(vnics: dict, name: str, which: str) -> bool:
    vnic = vnics.get(name)
    path = vnic.paths.get(which) if vnic is not None else None
    return path is not None and path.connected


def _check_ioc_instances(items: list, fields: dict) -> None:
    """The kernel refuses a second path to the same IOC with the same instance (EINVAL, after the
    first was created): refuse the declaration instead, before anything is written. The IOC is
    named as the vendor rule picks it: by GUID when a DGID is given or there is no IOC string."""
    seen: dict = {}
    for name, spec in items:
        for which in qspec.PATHS:
            path = spec.get(which) or {}
            if path.get('ioc_guid') and (path.get('dgid') or not path.get('ioc_string')):
                ioc = ('IOC GUID %s' % path['ioc_guid'], path['ioc_guid'])
            elif path.get('ioc_string'):
                ioc = ('IOC "%s"' % path['ioc_string'], path['ioc_string'])
            else:
                continue
            key = (ioc[1], path.get('instance') or 0)
            where = '%s.%s' % (fields.get(name, name), which)
            if key in seen:
                raise ValidationError(where, '%s instance %d is already used by %s; the kernel allows one path per IOC '
                                             'and instance, so give one of them another instance' % (
                                                 ioc[0], key[1], seen[key]))
            seen[key] = where


def strip(item: dict) -> dict:
    result = {}
    for key, value in item.items():
        if isinstance(value, dict):
            value = {k: val for k, val in value.items() if val is not None}
        if value is not None:
            result[key] = value
    return result
