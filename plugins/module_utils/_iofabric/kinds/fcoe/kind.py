# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The FCoE kind: FCoE interfaces created and destroyed from link and DCB state.

PRIVATE to the collection. Used by fcoe_interface and by the reconciler. Link state and
the real device under a VLAN come from rtnetlink (IFLA_LINK); DCB from lldpad, or from the
kernel when lldpad is absent (host/dcb). The decision is decide.py's; the retry counters
live in the state store so that they survive restarts.

read_live returns what it saw in an FcoeView (Live.view); plan leaves the decisions, the DCB
states read and the cfg texts to write in an FcoeContext (Plan.context) for apply, verify
and facts. The kind keeps on itself only its construction and, from validate, the state and
where each interface was declared.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import utc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import spec as fspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbReader
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, SysfsError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.decide import (
    CREATE,
    DESTROY,
    KEEP,
    WAIT,
    Decision,
    Inputs,
    decide,
    retries_due,
    retry_offset,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.live import (
    BUS,
    LEGACY,
    bus_available,
    fcoemon_pids,
    read_instances,
    read_links,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.netif import missing
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, PlanInput, Verification, wait_until
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Failure, Pending, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import list_dir, write_attr

KERNEL_MODE = {'fabric': 'Fabric', 'vn2vn': 'VN2VN'}
# What a destroy for a condition without one of decide's (FCoE disabled) reports it waits for, as it always has.
HARDWARE = 'hardware'


@dataclass
class RetryState:
    """Where an interface is in the retry discipline: retries due, since when its conditions are unmet."""
    count: int = 0
    since: float | None = None   # wall clock of the first failed step; None while nothing fails
    decision: object = None

    def next_retry(self) -> float | None:
        retrying = self.since is not None and self.decision is not None and self.decision.retry
        return self.since + retry_offset(self.count + 1) if retrying else None


@dataclass
class FcoeOptions:
    dcb_timeout: float = 2.0
    destroy_timeout: float = 10.0
    persist: bool = True
    fcoemon_policy: str = 'refuse'   # refuse | defer
    check_mode: bool = False


@dataclass
class FcoeView:
    """What read_live saw of the host beyond the objects (Live.view)."""

    instances: dict   # interface -> live.LiveFcoe, by the netdev it runs over
    links: dict       # link name -> (link, its real device's link), from rtnetlink
    cfg: dict         # interface -> the text of /etc/fcoe/cfg-<interface>
    cfg_files: dict   # interface -> cfgfile.CfgFile as read (written back in its encoding and mode)


@dataclass
class FcoeContext:
    """What planning leaves for apply, verify and facts (Plan.context)."""

    view: FcoeView
    instances: dict                                  # as last read: apply reads them again after a create
    decisions: dict = field(default_factory=dict)    # interface -> decide.Decision
    dcb_states: dict = field(default_factory=dict)   # interface -> DCB as read for the decision, with its device
    config_text: dict = field(default_factory=dict)  # interface -> the cfg file text to write
    observations: dict = field(default_factory=dict)  # interface -> what the store keeps (verify returns it)


class FcoeKind(Kind):
    store_kind = 'fcoe'

    def __init__(self, sysroot, runner, netns: str | None = None, options: FcoeOptions | None = None):
        super().__init__()
        self.sysroot, self.runner, self.netns = sysroot, runner, netns
        self.options = options or FcoeOptions()
        self.dcb = DcbReader(runner, netns)
        self.state = ''
        self.fields: dict = {}

    # -- validation and resource states --------------------------------------------------
    def validate(self, config: list, state: str, fields: list) -> list:
        self.state = state
        items = [fspec.normalize(item, field) for field, item in zip(fields, config)]
        self.fields = {interface: field for field, (interface, _spec) in zip(fields, items)}
        return items

    def defaults(self, spec: dict) -> dict:
        return dict(fspec.DEFAULTS)

    # -- live state ------------------------------------------------------------------
    def read_live(self, document) -> Live:
        view = self._read_view()
        return Live({interface: shape(interface, view) for interface in sorted(set(view.instances) | set(view.cfg))},
                    view)

    def _read_view(self) -> FcoeView:
        instances = read_instances(self.sysroot)
        links = read_links(self.netns)
        files = {}
        for name in list_dir(self.sysroot.path(cfg.CFG_DIR)):
            if name.startswith('cfg-') and not name.startswith('cfg-ethx'):
                files[name[4:]] = cfgfile.read(self.sysroot, '%s/%s' % (cfg.CFG_DIR, name))
        return FcoeView(instances, links, {interface: found.text for interface, found in files.items()}, files)

    def _cfg_path(self, interface: str) -> str:
        return self.sysroot.path(cfg.CFG_DIR, cfg.file_name(interface))

    def facts(self, live: Live, plan: Plan | None) -> dict:
        """The running FCoE instances, and DCB as read for each declared interface."""
        dcb = plan.context.dcb_states if plan is not None and plan.context is not None else {}
        return {'instances': instance_report(live.view.instances), 'dcb': dict(sorted(dcb.items()))}

    # -- plan ------------------------------------------------------------------------
    def plan(self, given: PlanInput) -> Plan:
        view, document, want = given.live.view, given.document, given.want
        plan = Plan(context=FcoeContext(view, dict(view.instances)))
        for interface in document.observations:
            if interface not in view.instances and document.observation(interface).get('destroying'):
                plan.context.observations[interface] = {'destroying': None}  # the asynchronous destroy completed
        self._check_netdevs(plan, want, view, document)
        fcoemon = fcoemon_pids(self.sysroot)
        retries = {}
        for interface in sorted(given.deletes):
            self._plan_removal(plan, interface, 'state=%s' % self.state, document)
        for interface, spec in sorted(want.items()):
            if fcoemon and self.options.fcoemon_policy == 'refuse':
                plan.fail(interface, 'fcoemon (pid %s) is running and manages FCoE from /etc/fcoe/cfg-*; two '
                                     'controllers would fight. Stop it (systemctl disable --now fcoe) or set '
                                     'fcoemon_policy=defer' % ', '.join(str(p) for p in fcoemon))
                continue
            self._plan_config(plan, interface, spec)
            if fcoemon:
                plan.wait(interface, 'fcoemon (pid %s) runs the interface; it reads the new configuration when it '
                                     'restarts' % ', '.join(str(p) for p in fcoemon), 'fcoemon')
                continue
            if spec['auto_vlan']:
                plan.wait(interface, 'auto_vlan: FIP VLAN discovery and the VLAN interfaces are fcoemon\'s job; '
                                     'declare the VLAN interface (for example %s.101) to manage it here' % interface,
                          'vlan-discovery')
                continue
            decision, retries[interface], dcb = self._decide(interface, spec, view, document)
            plan.context.decisions[interface] = decision
            if dcb is not None:
                plan.context.dcb_states[interface] = dcb
            self._plan_decision(plan, interface, spec, decision, document)
        for interface, fields in retry_observations(want, retries).items():
            plan.context.observations.setdefault(interface, {}).update(fields)
        plan.predicted = {interface: shape for interface, shape in given.live.objects.items()
                          if interface not in given.deletes}
        for interface, spec in want.items():
            plan.predicted[interface] = self._predict(interface, spec, given.live.objects.get(interface))
        return plan

    def _check_netdevs(self, plan: Plan, want: dict, view: FcoeView, document) -> None:
        """A declared netdev that is missing: a VLAN that FIP VLAN discovery can still create waits, with a
        warning naming it; anything else, declared for the first time, is an error before anything changes
        (a netdev already declared that went away, a driver unloaded, waits: it was real)."""
        for interface in sorted(want):
            if interface in view.links:
                continue
            can_appear, message = missing(interface, view.links)
            if can_appear:
                plan.warnings.append(message)
            elif interface not in document.objects:
                raise ValidationError(self.fields.get(interface, 'config') + '.interface', message)

    def _inputs(self, interface: str, spec: dict, view: FcoeView, retries: int) -> Inputs:
        link, real = view.links.get(interface, (None, None))
        real = real or link
        dcb = None
        if link is not None and spec['dcb_required'] and link.running and real.running:
            dcb = self.dcb.read(real.name)
            self.extras['lldpad_queries'] = self.dcb.queries   # no process each: tool_runs does not show them
        return Inputs(interface, enabled=spec['enabled'], dcb_required=spec['dcb_required'],
                      netif_exists=link is not None, link_up=bool(link and link.running and real.running),
                      real=real.name if real else interface, instance=interface in view.instances,
                      dcb=dcb, retries=retries)

    def _decide(self, interface: str, spec: dict, view: FcoeView, document) -> tuple:
        """(decision, RetryState, DCB as read or None). In a real run, retry within dcb_timeout at the retry
        times (0.2 s x n after the one before) counted from the first failed step, which the store keeps
        across runs and passes."""
        since = document.observation(interface).get('unmet_since')
        since = float(since) if isinstance(since, (int, float)) else None
        retries = retries_due(time.time() - since) if since is not None else 0
        inputs = self._inputs(interface, spec, view, retries)
        decision = decide(inputs)
        if decision.retry and since is None:
            since = time.time()
        deadline = time.monotonic() + self.options.dcb_timeout
        while decision.retry and not self.options.check_mode:
            wait = since + retry_offset(retries + 1) - time.time()
            if time.monotonic() + max(wait, 0.0) > deadline:
                break
            if wait > 0:
                time.sleep(wait)
            retries = retries_due(time.time() - since)
            inputs = self._inputs(interface, spec, view, retries)
            decision = decide(inputs)
        # A flap (link down) or conditions met end the trouble: the count starts over next time.
        trouble = (decision.retry or decision.exhausted) and inputs.link_up
        retry = RetryState(retries if trouble else 0, since if trouble else None, decision)
        dcb = dict(inputs.dcb.as_dict(), device=inputs.real) if inputs.dcb is not None else None
        return decision, retry, dcb

    def _plan_decision(self, plan: Plan, interface: str, spec: dict, decision: Decision, document) -> None:
        instance = plan.context.view.instances.get(interface)
        since = document.observation(interface).get('destroying')
        if instance is not None and since:
            # Whatever is decided now, the instance is on its way out: create it again once it is gone.
            plan.wait(interface, 'the destroy written at %s is still in progress (the kernel completes it '
                                 'asynchronously); %s' % (since, decision.reason), 'kernel')
            return
        if decision.action == DESTROY:
            self._plan_removal(plan, interface, decision.reason, document, keep_config=True)
        elif decision.action == CREATE:
            self._plan_create(plan, interface, spec, decision.reason)
        elif decision.action == KEEP and instance is not None and spec['enabled']:
            self._plan_attributes(plan, interface, spec, instance)
        if decision.waiting:
            plan.wait(interface, decision.reason, decision.waits_for or HARDWARE)

    def _plan_create(self, plan: Plan, interface: str, spec: dict, reason: str) -> None:
        if bus_available(self.sysroot):
            plan.actions.append(Action(interface, 'create', reason, {'file': BUS + '/ctlr_create'}))
            if spec['mode'] == 'vn2vn':
                plan.actions.append(Action(interface, 'set-mode', 'declared mode vn2vn', {'mode': 'VN2VN'}))
            if spec['fip_resp']:
                plan.actions.append(Action(interface, 'set-fip-resp', 'declared fip_resp', {'value': '1'}))
            plan.actions.append(Action(interface, 'enable', 'the bus creates controllers disabled', {}))
        else:
            target = 'create_vn2vn' if spec['mode'] == 'vn2vn' else 'create'
            plan.actions.append(Action(interface, 'create', reason + ' (legacy libfcoe interface)',
                                       {'file': '%s/%s' % (LEGACY, target)}))

    def _plan_attributes(self, plan: Plan, interface: str, spec: dict, instance) -> None:
        if instance.ctlr is None:
            return
        mode_differs = instance.mode is not None and instance.mode != spec['mode']
        if mode_differs and instance.enabled:
            plan.actions.append(Action(interface, 'disable', 'the mode can only change while disabled', {}))
        if mode_differs:
            plan.actions.append(Action(interface, 'set-mode', 'mode %s -> %s' % (instance.mode, spec['mode']),
                                       {'mode': KERNEL_MODE[spec['mode']]}))
        if instance.fip_resp is not None and instance.fip_resp != spec['fip_resp']:
            plan.actions.append(Action(interface, 'set-fip-resp', 'fip_resp %s -> %s' % (
                instance.fip_resp, spec['fip_resp']), {'value': '1' if spec['fip_resp'] else '0'}))
        if not instance.enabled or mode_differs:
            plan.actions.append(Action(interface, 'enable', 'declared enabled', {}))

    def _plan_removal(self, plan: Plan, interface: str, reason: str, document, keep_config: bool = False) -> None:
        view = plan.context.view
        since = document.observation(interface).get('destroying')
        if interface in view.instances and since:
            # The kernel unmaps the netdev at once and destroys the instance from a workqueue; until that
            # work has run, another destroy is refused with ENODEV. Wait for it instead.
            plan.wait(interface, '%s; the destroy written at %s is still in progress (the kernel completes it '
                                 'asynchronously)' % (reason, since), 'kernel')
        elif interface in view.instances:
            plan.actions.append(Action(interface, 'destroy', reason, {'file': BUS + '/ctlr_destroy'}))
        if not keep_config and interface in view.cfg and self.options.persist:
            plan.actions.append(Action(interface, 'remove-config', reason, {'file': self._cfg_path(interface)}))

    def _plan_config(self, plan: Plan, interface: str, spec: dict) -> None:
        if not self.options.persist:
            return
        old = plan.context.view.cfg.get(interface, '')
        new = cfg.merge_text(old, spec)
        if new != old:
            path = '%s/%s' % (cfg.CFG_DIR, cfg.file_name(interface))
            plan.context.config_text[interface] = new
            plan.actions.append(Action(interface, 'write-config', 'persist for fcoemon and fcoeadm', {'file': path}))
            plan.diffs.append({'before': cfgfile.printable(old), 'after': cfgfile.printable(new),
                               'before_header': path, 'after_header': path})

    def _predict(self, interface: str, spec: dict, before: dict | None) -> dict:
        predicted = {key: spec[key] for key in ('interface', 'enabled', 'mode', 'fip_resp', 'dcb_required',
                                                'auto_vlan')}
        if not self.options.persist and before is not None:
            for key in ('enabled', 'dcb_required', 'auto_vlan'):
                predicted[key] = before[key]
        return predicted

    # -- apply -----------------------------------------------------------------------
    def apply(self, action: Action, plan: Plan, document) -> None:
        interface = action.object
        data = interface.encode('ascii')
        context = plan.context
        if action.op == 'write-config':
            target = context.view.cfg_files.get(interface) or \
                cfgfile.read(self.sysroot, '%s/%s' % (cfg.CFG_DIR, cfg.file_name(interface)))
            target.write(context.config_text[interface])
        elif action.op == 'remove-config':
            os.unlink(self._cfg_path(interface))
        elif action.op == 'create':
            system, _slash, name = action.detail['file'].rpartition('/')
            write_attr(self.sysroot.path(system, name), data, 'the kernel refused to create FCoE on %s '
                       '(ENODEV: no such netdev; EEXIST/ENOMEM: it has an instance already)' % interface)
            # The new controller, for the actions that follow (enable, mode): read again, the others reused.
            context.instances = read_instances(self.sysroot, context.instances)
        elif action.op == 'destroy':
            try:
                write_attr(self.sysroot.path(BUS, 'ctlr_destroy') if bus_available(self.sysroot)
                           else self.sysroot.path(LEGACY, 'destroy'), data)
            except SysfsError as exc:
                if exc.errno != errno.ENODEV:
                    raise
                # ENODEV: the netdev is no longer mapped, so a destroy is already under way (one written by
                # a run that was killed before it could record it, or by fcoeadm). verify waits for it.
            document.observe(interface, destroying=utc.stamp())
        else:
            self._write_ctlr(interface, action, context.instances)

    def _write_ctlr(self, interface: str, action: Action, instances: dict) -> None:
        instance = instances.get(interface)
        if instance is None or instance.ctlr is None:
            raise IofabricError('no FCoE controller found for %s after create (no fc_host named "... over %s")'
                                % (interface, interface))
        ctlr = self.sysroot.path(BUS + '/devices', instance.ctlr)
        if action.op == 'enable':
            write_attr(ctlr + '/enabled', b'1')
        elif action.op == 'disable':
            write_attr(ctlr + '/enabled', b'0')
        elif action.op == 'set-mode':
            write_attr(ctlr + '/mode', action.detail['mode'].encode('ascii'), 'the mode changes only while disabled')
        elif action.op == 'set-fip-resp':
            write_attr(ctlr + '/fip_vlan_responder', action.detail['value'].encode('ascii'))
        else:
            raise IofabricError('unknown FCoE action %s' % action.op)

    # -- verify ----------------------------------------------------------------------
    def verify(self, want: dict, deletes: list, plan: Plan, document) -> Verification:
        decisions = plan.context.decisions
        failed = {failure.object for failure in plan.failures}
        gone = {a.object for a in plan.actions if a.op == 'destroy' and a.status == 'done'}
        if gone:
            wait_until(lambda: not gone & set(read_instances(self.sysroot)), self.options.destroy_timeout)
        after = self.read_live(document)
        instances = after.view.instances
        pending = [p for p in plan.pending if p.object not in failed]
        failures = []
        for interface in gone:
            if interface in instances:
                # Not a failure: the kernel finishes a destroy asynchronously; later runs wait for it.
                pending.append(Pending(interface, 'destroy written, the FCoE instance is still there after %.1f s '
                                                  '(the kernel completes it asynchronously)'
                                       % self.options.destroy_timeout, 'kernel'))
            elif interface in want and decisions.get(interface) is not None and decisions[interface].waits_for:
                # Destroyed for a condition (DCB off, link gone), still declared: it waits for that condition
                # from now on, and says so in this run already (the watch service polls what waits). One
                # declared `enabled: false` is destroyed because it is declared so: in sync, waiting for nothing.
                decision = decisions[interface]
                pending.append(Pending(interface, decision.reason + ' (destroyed; created again once that changes)',
                                       decision.waits_for))
        for interface in want:
            decision = decisions.get(interface)
            if interface in failed or decision is None or decision.action != CREATE:
                continue
            instance = instances.get(interface)
            if instance is None:
                failures.append(Failure(interface, 'no fc_host whose symbolic name ends in " over %s" after create'
                                        % interface))
            elif instance.enabled is False:
                failures.append(Failure(interface, 'the controller %s is not enabled after create' % instance.ctlr))
        self.add_extra('dcb', plan.context.dcb_states)
        self.add_extra('instances', instance_report(instances))
        return Verification(after.objects, pending, failures, plan.context.observations)

    # -- offline states ----------------------------------------------------------------
    def render(self, specs: list) -> dict:
        return {'rendered': {cfg.CFG_DIR + '/' + cfg.file_name(spec['interface']): cfg.merge_text('', spec)
                             for spec in specs}}

    def parse(self, text) -> list:
        """One cfg file's text, or a mapping of interface to text (several files)."""
        files = text if isinstance(text, dict) else {'INTERFACE': text}
        items, quirks = [], []
        for interface, content in sorted(files.items()):
            parsed = cfg.parse(content)
            quirks.extend(dict(quirk, file=cfg.file_name(interface)) for quirk in parsed.quirks)
            items.append(dict(cfg.to_item(interface, parsed.values), ignored_by_fcoemon=parsed.ignored_by_fcoemon)
                         if parsed.ignored_by_fcoemon else cfg.to_item(interface, parsed.values))
        self.add_extra('quirks', quirks)
        return items


def shape(interface: str, view: FcoeView) -> dict:
    """The declaration the host carries: the cfg file's policy, with the kernel's view where it has one
    (mode, responder). Whether an instance runs is reported in ``instances``, not here: a pending
    interface is still an enabled one."""
    instance = view.instances.get(interface)
    has_file = interface in view.cfg
    policy = cfg.to_item(interface, cfg.parse(view.cfg[interface]).values if has_file else {})
    if not has_file:
        policy.update(enabled=bool(instance and instance.enabled), dcb_required=None, auto_vlan=None)
    if instance is not None and instance.mode:
        policy['mode'] = instance.mode
    if instance is not None and instance.fip_resp is not None:
        policy['fip_resp'] = instance.fip_resp
    return policy


def instance_report(instances: dict) -> dict:
    return {name: {'ctlr': i.ctlr, 'host': i.host, 'enabled': i.enabled, 'mode': i.mode,
                   'port_state': i.port_state} for name, i in sorted(instances.items())}


def retry_observations(want: dict, retries: dict) -> dict:
    """What the store keeps of the retry discipline, for the next run and the watch service: decided
    while planning, recorded by the pipeline after verify (never in check mode)."""
    observations = {}
    for interface in want:
        retry = retries.get(interface, RetryState())
        decision = retry.decision
        # next_retry is due for every retry up to the last (the tenth, 11 s after the first failed
        # step): the pass at that time destroys when the conditions are still unmet.
        observations[interface] = {
            'retries': retry.count or None, 'unmet_since': retry.since,
            'waiting': decision.reason if decision is not None and decision.action == WAIT else None,
            'next_retry': retry.next_retry()}
    return observations
