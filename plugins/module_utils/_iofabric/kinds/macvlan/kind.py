# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The macvlan kind: Ethernet VNICs over a lower link, with automatic names and an identity
that survives renames (the Crossbow/xVM model on Linux).

PRIVATE to the collection. Each VNIC carries an altname tag derived from its declaration,
so that a rename of the VNIC is recognised instead of creating a duplicate; the lower link
is recorded by ifindex, permanent and current MAC, so that its rename is recognised too.
"""

from __future__ import annotations

import errno
import socket

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan import spec as mspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, PlanInput, Verification
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import LinkError, Netlink
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Failure, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import fill
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan.context import (
    MacvlanPlanContext,
    MacvlanView,
)


class MacvlanKind(Kind):
    store_kind = 'macvlan'

    def __init__(self, sysroot, netns: str | None = None):
        super().__init__()
        self.sysroot = sysroot
        self.netns = netns
        # From validate: the declarations (their tags name links read_live finds) and their lowers (overridden's scope).
        self.items: list = []
        self.declared_lowers: set = set()

    # -- validation ------------------------------------------------------------------
    def validate(self, config: list, state: str, fields: list) -> list:
        specs = [mspec.normalize(item, field) for field, item in zip(fields, config)]
        self.items = mspec.assign_ids(specs)
        self.declared_lowers = {spec['lower'] for _oid, spec in self.items}
        return self.items

    def adopt_ids(self, items: list, ids: list) -> list:
        self.items = super().adopt_ids(items, ids)
        return self.items

    def defaults(self, spec: dict) -> dict:
        return dict(mspec.DEFAULTS)

    def merge(self, spec: dict, live_object: dict, live: Live, document) -> dict:
        # The name is identity, not an option: an unnamed declaration keeps following its tag.
        return fill(spec, {key: value for key, value in live_object.items() if key != 'name'})

    def in_scope(self, object_id: str, live_object: dict, live: Live | None = None) -> bool:
        """A VNIC carrying an iofabric tag is in scope whatever its lower; an untagged one, when its lower is declared."""
        link = live.view.link_of.get(object_id) if live is not None else None
        tagged = link is not None and any(name.startswith(mspec.TAG_PREFIX) for name in link.altnames)
        return tagged or live_object.get('lower') in self.declared_lowers

    # -- live state ------------------------------------------------------------------
    def read_live(self, document) -> Live:
        with Netlink(self.netns) as netlink:
            links = netlink.links()
        view = MacvlanView({link.index: link for link in links}, {})
        tags = {mspec.tag_for(oid): oid for oid in document.observations}
        tags.update({mspec.tag_for(oid): oid for oid, _spec in self.items})
        have = {}
        for link in links:
            if link.kind != 'macvlan':
                continue
            tag = next((name for name in link.altnames if name.startswith(mspec.TAG_PREFIX)), None)
            object_id = tags.get(tag) if tag else None
            object_id = object_id or link.name
            view.link_of[object_id] = link
            have[object_id] = shape(link, view.links)
        return Live(have, view)

    def label(self, object_id: str) -> str:
        return mspec.label(object_id)

    def machine_id(self) -> str:
        """What seeds the stable MACs: /etc/machine-id (32 hex digits), else the host name. A file that is
        not ASCII is no machine id (systemd would not take it either)."""
        try:
            with open(self.sysroot.path('/etc', 'machine-id'), encoding='ascii') as handle:
                return handle.read().strip() or socket.gethostname()
        except (OSError, UnicodeDecodeError):
            return socket.gethostname()

    # -- plan ------------------------------------------------------------------------
    def plan(self, given: PlanInput) -> Plan:
        want, have, deletes, document, view = given.want, given.live.objects, given.deletes, given.document, given.live.view
        plan = Plan(context=MacvlanPlanContext(view, want))
        taken = {name for link in view.links.values() for name in link.names}
        taken |= {spec['name'] for spec in want.values() if spec.get('name')}
        allocated = {}
        machine = self.machine_id()
        for object_id in deletes:
            link = view.link_of[object_id]
            plan.actions.append(Action(object_id, 'delete', 'not declared (state %s)' % given.state,
                                       {'name': link.name, 'index': link.index}))
            taken.discard(link.name)
        for object_id, spec in want.items():
            lower, note = _resolve_lower(spec['lower'], object_id, document, view.links)
            if lower is None:
                plan.fail(object_id, note)
                if object_id in have:
                    plan.predicted[object_id] = have[object_id]
                continue
            if spec.get('mtu') and lower.mtu and spec['mtu'] > lower.mtu:
                # The kernel's macvlan refuses an MTU above its lower link's with a bare EINVAL.
                plan.fail(object_id, 'mtu %d is above the MTU of its lower link %s (%d), which the kernel refuses; '
                                     'raise the MTU of %s first' % (spec['mtu'], lower.name, lower.mtu, lower.name))
                if object_id in have:
                    plan.predicted[object_id] = have[object_id]
                continue
            if note:
                plan.warnings.append(note)
            plan.context.lowers[object_id] = lower
            link = view.link_of.get(object_id)
            tag = mspec.tag_for(object_id)
            mac = spec.get('mac') or (link.address if link is not None and tag not in link.altnames
                                      else mspec.derived_mac(machine, object_id))
            if spec.get('name'):
                name = spec['name']
            elif link is not None:
                name = link.name
            else:
                name = mspec.allocate_name(taken)
                taken.add(name)
                allocated[object_id] = name
            detail = {'name': name, 'lower': lower.name, 'lower_index': lower.index, 'mode': spec['mode'],
                      'mac': mac, 'mtu': spec.get('mtu'), 'tag': tag}
            recorded_name = document.observation(object_id).get('name')
            self._plan_one(plan, object_id, spec, link, lower, detail, recorded_name)
            shape = {'type': 'macvlan', 'name': name, 'lower': lower.name, 'mode': spec['mode'], 'mac': mac,
                     'mtu': spec.get('mtu') or (link.mtu if link is not None else lower.mtu)}
            plan.predicted[object_id] = shape
        for object_id, shape in have.items():
            if object_id not in want and object_id not in deletes:
                plan.predicted[object_id] = shape
        self.add_extra('allocated_names', allocated)
        return plan

    def _plan_one(self, plan: Plan, object_id: str, spec: dict, link, lower, detail: dict, recorded_name) -> None:
        def add(op: str, reason: str) -> None:
            plan.actions.append(Action(object_id, op, reason, dict(detail)))
        if link is None:
            allocated = '' if spec.get('name') else ' (name allocated: %s)' % detail['name']
            add('create', 'declared, not present' + allocated)
            return
        if link.lower != lower.index:
            add('delete', 'recreate: the lower link changed to %s' % lower.name)
            add('create', 'recreate over %s' % lower.name)
            return
        if spec.get('name') and link.name != spec['name']:
            add('rename', 'renamed outside iofabric to %s; restoring the declared name %s%s' % (
                link.name, spec['name'], DOWN_FOR_RENAME if link.up else ''))
            if link.up:
                plan.warnings.append('%s: renaming %s to %s takes the link down briefly (set down, renamed, set up '
                                     'again)' % (object_id, link.name, spec['name']))
        elif not spec.get('name') and recorded_name and link.name != recorded_name:
            plan.warnings.append('%s (allocated name %s) was renamed outside iofabric and is now named %s; '
                                 'keeping the new name' % (object_id, recorded_name, link.name))
        if link.mode != spec['mode']:
            add('set-mode', 'mode %s -> %s' % (link.mode, spec['mode']))
        if spec.get('mtu') and link.mtu != spec['mtu']:
            add('set-mtu', 'mtu %s -> %s' % (link.mtu, spec['mtu']))
        if link.address != detail['mac']:
            add('set-mac', 'MAC %s -> %s' % (link.address, detail['mac']))
        if detail['tag'] not in link.altnames:
            add('tag', 'mark as managed (altname %s) so that renames are recognised' % detail['tag'])
        if not link.up:
            add('set-up', 'link is down')

    # -- apply -----------------------------------------------------------------------
    def apply(self, action: Action, plan: Plan, document) -> None:
        detail, context = action.detail, plan.context
        with Netlink(self.netns) as netlink:
            if action.op == 'create':
                index = netlink.add_macvlan(detail['name'], detail['lower_index'], detail['mode'], detail['mac'],
                                            detail.get('mtu'))
                try:
                    netlink.add_altname(index, detail['name'], detail['tag'])
                    netlink.set(index, detail['name'], state='up')
                except IofabricError:
                    netlink.delete(index, detail['name'])  # never leave a half-made VNIC behind
                    raise
                document.observe(action.object, name=detail['name'], mac=detail['mac'],
                                 lower=lower_record(context.lowers[action.object]))
                return
            link = context.view.link_of.get(action.object)
            if link is None:
                link = next(link for link in context.view.links.values() if link.name == detail.get('name'))
            if action.op == 'delete':
                netlink.delete(link.index, link.name)
                if action.object not in context.want:
                    document.forget(action.object)
            elif action.op == 'rename':
                rename(netlink, link, detail['name'])
                document.observe(action.object, name=detail['name'])
            elif action.op == 'set-mode':
                netlink.set_mode(link.index, link.name, detail['mode'])
            elif action.op == 'set-mtu':
                netlink.set(link.index, link.name, mtu=detail['mtu'])
            elif action.op == 'set-mac':
                netlink.set(link.index, link.name, address=detail['mac'])
            elif action.op == 'tag':
                netlink.add_altname(link.index, link.name, detail['tag'])
            elif action.op == 'set-up':
                netlink.set(link.index, link.name, state='up')
            else:
                raise IofabricError('unknown macvlan action %s' % action.op)

    # -- verify ----------------------------------------------------------------------
    def verify(self, want: dict, deletes: list, plan: Plan, document) -> Verification:
        live = self.read_live(document)
        have = live.objects
        # What the links are now is observed for the declared VNICs (name, MAC, the lower's identity), so that
        # a later rename of either is recognised.
        observations = {}
        for object_id in want:
            link = live.view.link_of.get(object_id)
            if link is not None:
                lower = live.view.links.get(link.lower)
                observations[object_id] = {'name': link.name, 'mac': link.address,
                                           'lower': lower_record(lower) if lower else None}
        failed = {failure.object for failure in plan.failures}
        failures = []
        for object_id, expected in plan.predicted.items():
            if object_id not in want or object_id in failed:
                continue
            live = have.get(object_id)
            if live is None:
                failures.append(Failure(object_id, 'declared macvlan VNIC is not present after apply'))
                continue
            wrong = sorted(key for key in ('name', 'lower', 'mode', 'mac') if live.get(key) != expected.get(key))
            if wrong:
                failures.append(Failure(object_id, 'after apply, %s differ: %s' % (', '.join(wrong), ', '.join(
                    '%s=%s (want %s)' % (key, live.get(key), expected.get(key)) for key in wrong))))
        return Verification(have, [], failures, observations)

    # -- offline states ----------------------------------------------------------------
    def render(self, specs: list) -> dict:
        commands = []
        for spec in specs:
            spec = fill(spec, mspec.DEFAULTS)
            argv = ['ip', 'link', 'add', 'link', spec['lower'], 'name', spec.get('name') or 'vnic<N>']
            if spec.get('mac'):
                argv += ['address', spec['mac']]
            if spec.get('mtu'):
                argv += ['mtu', str(spec['mtu'])]
            argv += ['type', 'macvlan', 'mode', spec['mode']]
            commands.append(' '.join(argv))
        return {'rendered': {'commands': commands}}

    def parse(self, text: str) -> list:
        return []


def shape(link, links: dict) -> dict:
    """A macvlan link in the module's config shape; ``links`` (ifindex -> Link) names its lower."""
    lower = links.get(link.lower)
    return {'type': 'macvlan', 'name': link.name, 'lower': lower.name if lower else None, 'mode': link.mode,
            'mac': link.address, 'mtu': link.mtu}


def lower_record(lower) -> dict:
    """What the store keeps of a lower link to recognise it renamed: its ifindex, MACs and name."""
    return {'name': lower.name, 'index': lower.index, 'address': lower.address, 'perm_address': lower.perm_address}


def _resolve_lower(declared: str, object_id: str, document, links: dict):
    """The lower link by a declared name or altname; else the recorded one, renamed (same permanent MAC, or
    same ifindex and MAC)."""
    for link in links.values():
        if declared in link.names:
            return link, ''
    record = document.observation(object_id).get('lower') or {}
    for link in links.values():
        same_perm = record.get('perm_address') and link.perm_address == record['perm_address']
        same_index = link.index == record.get('index') and link.address == record.get('address')
        if same_perm or same_index:
            return link, ('lower link %s of %s was renamed to %s (same %s); using it, update the declaration'
                          % (declared, object_id, link.name, 'permanent MAC' if same_perm else 'ifindex and MAC'))
    return None, 'lower link %s does not exist' % declared


DOWN_FOR_RENAME = '; the link is up, so it is set down for the rename and up again'


def rename(netlink, link, new_name: str) -> None:
    """Rename as ip(8) users and ifrename do: kernels before 6.2 (Debian 12's 6.1) refuse to rename a
    link that is up (EBUSY), so an up link is set down, renamed and set up again; it is set up again
    under whatever name it has if the rename fails. A link read as down that came up since (the kernel
    says EBUSY) is renamed the same way."""
    if not link.up:
        try:
            netlink.set(link.index, link.name, ifname=new_name)
            return
        except LinkError as exc:
            if exc.errno != errno.EBUSY:
                raise
    netlink.set(link.index, link.name, state='down')
    renamed = False
    try:
        netlink.set(link.index, link.name, ifname=new_name)
        renamed = True
    finally:
        netlink.set(link.index, new_name if renamed else link.name, state='up')
