# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EoIB child MAC kind: remove the child MACs of guests that are gone, never one of a
guest that is attached.

PRIVATE to the collection. Used by eoib_gc and by the reconciler. A child MAC under parent
P is stale when no guest NIC attached to P has it (guests/sources.py) and it is not P's own
MAC. It is removed once its grace is over (grace.py), by writing ``-<mac>`` to P's
``vnic<N>-child``; the write always succeeds, so removal is confirmed by polling the cmd
files. Nothing is removed when a guest source cannot be read, or while mlx4_vnicd's own
collector runs or is configured to run (mlx4_vnicd.py).

read_live returns what it saw in an EoibView (live.py); plan returns a Plan whose context
carries the vendor line to write and the pass's grace observations to apply and verify.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import spec as espec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import mlx4_vnicd as vendor
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.grace import observe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import (
    MODULE,
    EoibView,
    children_of,
    module_loaded,
    read_parents,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.sources import GuestInventory, describe_stale
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.topology import Topology
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, PlanInput, Verification, wait_until
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Pending, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import write_attr

VENDOR_OBJECT = 'mlx4_vnicd'


@dataclass
class EoibContext:
    """What apply and verify need from planning: the host as read, the vendor line configure writes,
    and this pass's grace observations (which parents' guest sources could not be read keep theirs)."""

    view: EoibView
    vendor_new: vendor.DaemonLine | None = None
    staleness: dict = field(default_factory=dict)   # parent -> {mac: Staleness}
    unreadable: set = field(default_factory=set)    # parents whose guest sources failed: records kept as they were


class EoibKind(Kind):
    store_kind = 'eoib'
    record_replaces = True   # one declaration of settings: record() replaces it whole

    def __init__(self, sysroot, runner, netns: str | None, settings: dict, clock=time.time):
        super().__init__()
        self.sysroot, self.runner, self.netns = sysroot, runner, netns
        self.settings = settings
        self.now = clock()

    # -- validation and resource states --------------------------------------------------
    def validate(self, config: list, state: str, fields: list) -> list:
        spec = {key: self.settings[key] for key in ('source', 'libvirt_uri', 'grace', 'confirm_timeout')}
        return [(name if name != espec.ALL else '*', dict(spec, parent=name)) for name in self.settings['parents']]

    def merge(self, spec: dict, live_object: dict, live: Live, document) -> dict:
        return dict(spec)

    # -- live state ------------------------------------------------------------------------
    def read_live(self, document) -> Live:
        view = EoibView(cfgfile.read(self.sysroot, vendor.CONFIG), vendor.running(self.sysroot))
        if not module_loaded(self.sysroot):
            view.error = 'the mlx4_vnic module is not loaded (no %s)' % MODULE
            return Live({}, view)
        parents = read_parents(self.sysroot)
        wanted = self.settings['parents']
        view.parents = parents if wanted == [espec.ALL] else {n: p for n, p in parents.items() if n in wanted}
        if view.parents:
            sources = self.settings['source']
            try:
                topology = Topology.read(self.netns, with_fdb='bridge' in sources or 'auto' in sources,
                                         sysroot=self.sysroot)
            except IofabricError as exc:
                view.guests = {name: None for name in view.parents}
                view.error = 'rtnetlink: %s' % exc
            else:
                inventory = GuestInventory(self.sysroot, self.runner, topology, sources, self.settings['libvirt_uri'])
                view.guests = {name: inventory.view(name) for name in sorted(view.parents)}
                view.warnings = list(inventory.warnings)
        return Live({name: parent.shape() for name, parent in sorted(view.parents.items())}, view)

    # -- plan ------------------------------------------------------------------------------
    def plan(self, given: PlanInput) -> Plan:
        view = given.live.view
        plan = Plan(context=EoibContext(view))
        blocker, report_only = self._plan_vendor(plan, plan.context)
        for name in self.settings['parents']:
            if name != espec.ALL and name not in view.parents:
                plan.fail(name, view.error or 'no EoIB vNic named %s (no vnic<N>-info with NETDEV_NAME %s in %s)'
                          % (name, name, MODULE))
        if view.error and self.settings['parents'] == [espec.ALL] and not view.parents:
            plan.warnings.append('nothing to collect: %s' % view.error)
        kept, stale = [], []
        for _name, parent in sorted(view.parents.items()):
            self._plan_parent(plan, parent, given.document, (blocker, report_only), (kept, stale))
        plan.warnings.extend(view.warnings)
        plan.predicted = {name: dict(shape, children=sorted(set(shape['children']) - {
            a.detail['mac'] for a in plan.actions if a.object == name and a.op == 'remove_child'}))
            for name, shape in given.live.objects.items()}
        self.add_extra('stale', stale)
        self.extras['kept'] = kept
        self.extras['vendor_daemon'] = self._vendor_report(view, plan.context.vendor_new)
        return plan

    def _plan_vendor(self, plan: Plan, context: EoibContext) -> tuple:
        """Configure mlx4_vnicd's line if asked; say what stops us removing anything."""
        settings = self.settings['vendor_daemon']
        text = context.view.vendor_text
        path = self.sysroot.path(vendor.CONFIG)
        try:
            old = vendor.current(text, vendor.CONFIG)
        except ValidationError as exc:
            plan.fail(VENDOR_OBJECT, str(exc))
            return 'the %s line cannot be read' % vendor.CONFIG, False
        new = vendor.desired(old, settings)
        if settings['state'] != 'unmanaged' and (old is None or new.render() != old.render()):
            plan.add(VENDOR_OBJECT, 'configure', 'vendor_daemon.state=%s' % settings['state'],
                     path=vendor.CONFIG, line=new.render())
            plan.diffs.append({'before_header': self.sysroot.to_system(path), 'after_header': self.sysroot.to_system(path),
                               'before': cfgfile.printable(text),
                               'after': cfgfile.printable(vendor.merge_text(text, new))})
            context.vendor_new = new
        if settings['state'] == 'collector_on':
            return '', True
        collecting = [d for d in context.view.daemons if d.collects]
        if collecting:
            fix = ('it reads %s only when it starts: restart it' % vendor.CONFIG
                   if new is not None and not new.collects else 'set vendor_daemon.state=collector_off or disabled, '
                                                                'then restart it')
            why = ('mlx4_vnicd (pid %s) is running with its garbage collector on; eoib_gc removes nothing while '
                   'another collector runs (%s)' % (', '.join(str(d.pid) for d in collecting), fix))
            plan.fail(VENDOR_OBJECT, why)
            return why, False
        if new is not None and new.collects:
            why = ('%s starts mlx4_vnicd with its garbage collector on (%s); eoib_gc removes nothing while another '
                   'collector is configured (set vendor_daemon.state=collector_off or disabled)'
                   % (vendor.CONFIG, new.render()))
            plan.fail(VENDOR_OBJECT, why)
            return why, False
        return '', False

    def _plan_parent(self, plan: Plan, parent, document, stops: tuple, report: tuple) -> None:
        """Plan one parent's stale children. stops: (what stops any removal, report only);
        report: the kept and stale lists of the result, appended to."""
        (blocker, report_only), (kept, stale) = stops, report
        context = plan.context
        view = context.view.guests.get(parent.name)
        grace = self.settings['grace']
        if view is None or view.error:
            why = view.error if view is not None else context.view.error
            context.unreadable.add(parent.name)
            plan.wait(parent.name, 'nothing removed under %s: %s' % (parent.name, why), 'guest source')
            for mac, child in sorted(parent.children.items()):
                kept.append({'parent': parent.name, 'mac': mac, 'child': child,
                             'reason': 'guest source unreadable: %s' % why})
            return
        own = {mac for mac in (parent.mac, view.own_mac) if mac}
        # The host's own links (bridges with their systemd-given MAC, bonds, VLANs, macvlans, any
        # link in the namespace) are never guests: their MACs carry the host's own traffic.
        stale_macs = set(parent.children) - set(view.macs) - own - set(view.local)
        previous = document.observation(parent.name).get('stale', {})
        staleness = context.staleness[parent.name] = observe(previous, stale_macs, grace, self.now)
        for mac, child in sorted(parent.children.items()):
            entry = {'parent': parent.name, 'mac': mac, 'child': child}
            if mac in own:
                kept.append(dict(entry, reason="the parent's own MAC"))
                continue
            # A macvtap's MAC is its guest's: shown as attached, with the evidence.
            if mac in view.local and not (mac in view.macs and view.local[mac].endswith('(macvtap)')):
                kept.append(dict(entry, reason='the MAC of local link %s: never collected' % view.local[mac]))
                continue
            if mac not in stale_macs:
                kept.append(dict(entry, reason='attached', evidence=view.macs[mac]))
                continue
            evidence = describe_stale(view)
            stale.append(dict(entry, evidence=evidence, grace=staleness[mac].progress(grace, self.now),
                              would_remove=staleness[mac].ripe and not blocker and not report_only))
            if blocker or report_only:
                kept.append(dict(entry, reason=blocker or 'vendor_daemon.state=collector_on: mlx4_vnicd '
                                                          'collects; eoib_gc only reports'))
            elif not staleness[mac].ripe:
                kept.append(dict(entry, reason='in grace: %s' % staleness[mac].progress(grace, self.now)))
                plan.wait(parent.name, '%s is stale, in grace (%s)' % (mac, staleness[mac].progress(grace, self.now)),
                          'grace')
            else:
                plan.add(parent.name, 'remove_child', evidence, mac=mac, child=child, file=parent.child_file,
                         write='-' + mac)

    def _vendor_report(self, view: EoibView, vendor_new) -> dict:
        line = vendor_new or (vendor.current(view.vendor_text, vendor.CONFIG) if len(
            vendor.find_lines(view.vendor_text)) <= 1 else None)
        return {'config_line': line.render() if line else None,
                'running': [{'pid': d.pid, 'gc_enable': d.params.get('gc_enable', 'yes'), 'collects': d.collects}
                            for d in view.daemons],
                'state': self.settings['vendor_daemon']['state']}

    def facts(self, live: Live, plan: Plan | None) -> dict:
        """Per parent: its child MACs and the guest MACs attached to it, with the evidence."""
        view = live.view
        parents = {}
        for name, parent in sorted(view.parents.items()):
            guests = view.guests.get(name)
            entry = dict(parent.shape(), port=parent.port or None)
            if guests is not None:
                entry['guest_macs'] = dict(sorted(guests.macs.items()))
                if guests.error:
                    entry['source_error'] = guests.error
            parents[name] = entry
        vendor_new = plan.context.vendor_new if plan is not None else None
        facts = {'parents': parents, 'vendor_daemon': self._vendor_report(view, vendor_new)}
        if view.error:
            facts['error'] = view.error
        return facts

    # -- apply -----------------------------------------------------------------------------
    def apply(self, action, plan: Plan, document) -> None:
        if action.op == 'configure':
            view = plan.context.view
            view.vendor_file.write(vendor.merge_text(view.vendor_text, plan.context.vendor_new))
            return
        if action.op == 'remove_child':
            mac = v.mac(action.detail['mac'], 'mac')  # never write anything but a plain unicast MAC
            write_attr(self.sysroot.path(MODULE, action.detail['file']), ('-' + mac).encode('ascii'),
                       'mlx4_vnic refused the child request')
            return
        raise IofabricError('unknown action %s' % action.op)

    # -- verify ----------------------------------------------------------------------------
    def verify(self, want: dict, deletes: list, plan: Plan, document) -> Verification:
        """Confirm each removal by the cmd files; what was not confirmed is pending and retried.
        The pass's grace observations go back to the pipeline with what the removals showed
        (see pass_observations)."""
        context = plan.context
        removing = {}
        for action in plan.actions:
            if action.op == 'remove_child' and action.status == 'done':
                removing.setdefault(action.object, set()).add(action.detail['mac'])

        def confirmed() -> bool:
            return all(not macs & children_of(self.sysroot, parent) for parent, macs in removing.items())
        if removing:
            wait_until(confirmed, self.settings['confirm_timeout'], interval=0.1)
        removed, unconfirmed, pending = [], [], list(plan.pending)
        for parent, macs in sorted(removing.items()):
            still = children_of(self.sysroot, parent) & macs
            for action in plan.actions:
                if action.object != parent or action.op != 'remove_child' or action.detail['mac'] not in macs:
                    continue
                entry = {'parent': parent, 'mac': action.detail['mac'], 'child': action.detail['child'],
                         'reason': action.reason}
                if action.detail['mac'] in still:
                    unconfirmed.append(dict(entry, attempts=self._attempts(document, parent, entry['mac']) + 1))
                    pending.append(Pending(parent, 'removal of %s not confirmed by the cmd files within %.1f s; '
                                                   'retried on the next pass' % (entry['mac'],
                                                                                 self.settings['confirm_timeout']),
                                           'mlx4_vnic'))
                else:
                    removed.append(entry)
        self.extras['removed'] = removed
        self.extras['unconfirmed'] = unconfirmed
        after = {}
        for name, parent in sorted(read_parents(self.sysroot).items()):
            if name in context.view.parents:
                after[name] = parent.shape()
        return Verification(after, pending, [], pass_observations(context, removed, unconfirmed))

    @staticmethod
    def _attempts(document, parent: str, mac: str) -> int:
        return int(document.observation(parent).get('unconfirmed', {}).get(mac, 0))

    # -- the store ---------------------------------------------------------------------------
    def record(self, document, want: dict, deletes: list, state: str) -> None:
        # The run's declaration replaces the stored one only for the parents it names: an
        # ad-hoc run on eth44 leaves the reconciler's eth4..eth6 as they were. Naming all
        # replaces every declaration (all is every parent).
        if espec.ALL in self.settings['parents']:
            for object_id in list(document.objects):
                if object_id not in want:
                    document.objects.pop(object_id)
        for object_id, spec in want.items():
            document.declare(object_id, spec)

    # -- offline states --------------------------------------------------------------------
    def render(self, specs: list) -> dict:
        return {'rendered': []}

    def parse(self, text: str) -> list:
        return []


def pass_observations(context: EoibContext, removed: list, unconfirmed: list) -> dict:
    """This pass's observations per parent, for the store: since when each child MAC is stale (less
    those now removed) and how often a removal went unconfirmed. A parent whose guest sources could not
    be read is left out, so it keeps its records as they were: that pass was no observation. Made at
    verify, the one phase given both the plan and the removals' outcome; only an applying run saves."""
    attempts: dict = {}
    for entry in unconfirmed:
        attempts.setdefault(entry['parent'], {})[entry['mac']] = entry['attempts']
    observations = {}
    for name in context.view.parents:
        if name in context.unreadable:
            continue
        gone = {entry['mac'] for entry in removed if entry['parent'] == name}
        stale = {mac: s.record() for mac, s in context.staleness.get(name, {}).items() if mac not in gone}
        observations[name] = {'stale': stale or None, 'unconfirmed': attempts.get(name) or None}
    return observations
