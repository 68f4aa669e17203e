# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan qlgc VNIC changes: create, update in place (late IOC, hot swap), recreate, delete.

PRIVATE to the collection. Pure: no I/O. The kernel's only way to change a path is to
write a complete create string with the same name, and it takes that only on a
disconnected path with non-zero, changed identity; anything else needs a recreate.

Rules beyond the kernel's:
- An ambiguous IOC string (two IOCs carry it on the port) changes nothing: a path that is on one
  of the candidates is in sync (its IOC still carries the declared string); any other is pending
  until only one IOC carries the string. A VNIC with such a path gets no action at all.
- A recreate deletes the whole interface, both paths. A path repair (a connected path whose IOC
  changed) never recreates while the other path of the interface is connected: the stale path
  is updated in place once it disconnects (the old IOC is gone: it does, within a heartbeat).
- A path whose IOC is not visible is created idle and pending, with a warning naming the field and the IOC
  (a late IOC or a typo: the default output shows it); an IOC string close to a visible one is named as a
  likely typo, and never connected to.
- A recreate of an interface with a connected path drops its traffic: it is disruptive. It is
  reported as such (a warning and a diff), and with allow_disruption false it is pending instead.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.createstr import CreateParams, build
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import pkey_equal
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.resolve import AMBIGUOUS, LATE, PORT_DOWN, VISIBLE

PATHS = ('primary', 'secondary')


def create_params(name: str, spec: dict, target) -> CreateParams:
    return CreateParams(name=name, ioc_guid=target.ioc_guid, dgid=target.dgid, pkey=target.pkey,
                        ioc_string=target.ioc_string, instance=target.instance, heartbeat=spec.get('heartbeat'),
                        rx_csum=spec.get('rx_csum'), tx_csum=spec.get('tx_csum'),
                        ib_multicast=spec.get('ib_multicast'))


def write_detail(which: str, op: str, target, params: CreateParams) -> dict:
    return {'path': which, 'file': 'vnic-%s-%s/create_%s' % (target.ibdev, target.port, which),
            'ibdev': target.ibdev, 'port': target.port, 'string': build(params).decode('ascii'),
            'op_kind': op}


def identity(path_like) -> dict:
    return {'ioc_guid': path_like.ioc_guid, 'dgid': path_like.dgid, 'pkey': '%04x' % (path_like.pkey or 0)}


def differs(live_path, target) -> bool:
    return bool(changes(live_path, target))


def changes(live_path, target) -> list:
    """What differs between a live path and its target, each part alone (a hot swap may change only the DGID,
    or only the IOC GUID)."""
    found = []
    if live_path.ioc_guid != target.ioc_guid:
        found.append('GUID %s -> %s' % (live_path.ioc_guid, target.ioc_guid))
    if live_path.dgid != target.dgid:
        found.append('DGID %s -> %s' % (live_path.dgid, target.dgid))
    if not pkey_equal(live_path.pkey, target.pkey):
        found.append('P_Key %s -> %04x' % ('none' if live_path.pkey is None else '%04x' % live_path.pkey, target.pkey))
    return found


def _complete(target) -> bool:
    return int(target.ioc_guid, 16) != 0 and int(target.dgid, 16) != 0 and target.pkey != 0


class QlgcPlanner:
    """Builds the ordered plan; phases keep the kernel's constraints satisfied."""

    def __init__(self, want: dict, live: dict, deletes: list, targets: dict, recorded: dict,
                 delete_reason: str = 'not declared', disruption_allowed=lambda name: True):
        self.want, self.live, self.deletes = want, live, deletes
        self.delete_reason = delete_reason
        self.disruption_allowed = disruption_allowed
        self.targets, self.recorded = targets, recorded
        self.plan = Plan()
        self.phases: dict = {'delete': [], 'update': [], 'primary': [], 'secondary': []}
        self.notes: list = []

    def build(self) -> Plan:
        for name in sorted(self.deletes):
            self._add('delete', name, 'delete', self.delete_reason, interface=name)
        for name in sorted(self.want):
            self._plan_one(name, self.want[name])
        for phase in ('delete', 'update', 'primary', 'secondary'):
            self.plan.actions.extend(self.phases[phase])
        return self.plan

    def _add(self, phase: str, name: str, op: str, reason: str, **detail) -> None:
        self.phases[phase].append(Action(name, op, reason, detail))

    def _plan_one(self, name: str, spec: dict) -> None:
        targets = {which: self.targets[(name, which)] for which in PATHS if (name, which) in self.targets}
        unreachable = [t for t in targets.values() if t.ibdev is None]
        if unreachable:
            self.plan.fail(name, unreachable[0].reason)
            return
        live = self.live.get(name)
        ambiguous = self._settle_ambiguity(name, live, targets)
        if ambiguous:
            for which in ambiguous:
                self.plan.wait(name, '%s path: %s' % (which, targets[which].reason), 'ambiguous')
        elif live is None:
            self._create(name, spec, targets, 'declared, not present')
        else:
            reasons, held = self._recreate_reasons(name, spec, live, targets)
            if reasons:
                self._recreate(name, spec, live, targets, reasons)
            else:
                self._update(name, spec, live, targets, skip=held)
            for why in held.values():
                self.plan.wait(name, why, 'disconnect')
        for which, target in targets.items():
            if target.status in (LATE, PORT_DOWN):
                self.plan.wait(name, '%s path: %s' % (which, target.reason),
                               'ioc' if target.status == LATE else 'port')

    def _settle_ambiguity(self, name: str, live, targets: dict) -> list:
        """Paths whose IOC string is ambiguous and that are not on one of its IOCs already. A path on one of
        them is in sync: its target becomes what it is on, and a warning names the other candidates."""
        unsettled = []
        for which, target in targets.items():
            if target.status != AMBIGUOUS:
                continue
            path = live.paths.get(which) if live is not None else None
            on = [ioc for ioc in target.candidates if path is not None
                  and (ioc.ioc_guid, ioc.dgid) == (path.ioc_guid, path.dgid)]
            if not on:
                unsettled.append(which)
                continue
            self.plan.warnings.append('%s %s path: %s; it stays on GUID %s, which still carries the string' % (
                name, which, target.reason.replace('; nothing is changed until only one carries it', ''),
                on[0].ioc_guid))
            target.ioc_guid, target.dgid, target.status = on[0].ioc_guid, on[0].dgid, VISIBLE
        return unsettled

    def _recreate(self, name: str, spec: dict, live, targets: dict, reasons: list) -> None:
        why = 'recreate: ' + '; '.join(reasons)
        serving = sorted(which for which, path in live.paths.items() if path.connected)
        if serving and not self.disruption_allowed(name):
            self.plan.wait(name, '%s needs a recreate (%s), which drops its traffic (%s connected); allow_disruption '
                                 'is false' % (name, '; '.join(reasons), ' and '.join(serving)), 'disruption')
            return
        self._add('delete', name, 'delete', why, interface=name, disruptive=bool(serving))
        self._create(name, spec, targets, why)
        if serving:
            self.plan.warnings.append('%s is deleted and created again, dropping its traffic until it reconnects '
                                      '(%s connected): %s' % (name, ' and '.join(serving), '; '.join(reasons)))
            self.plan.diffs.append({
                'before_header': '%s (live)' % name, 'after_header': '%s (recreated: traffic drops)' % name,
                'before': ''.join('%s path: %s, GUID %s DGID %s\n' % (which, path.viport_state, path.ioc_guid, path.dgid)
                                  for which, path in sorted(live.paths.items())),
                'after': 'deleted and created again; its traffic drops until it reconnects\n'
                         + ''.join('- %s\n' % reason for reason in reasons)})

    def _create(self, name: str, spec: dict, targets: dict, reason: str) -> None:
        for which, target in targets.items():
            params = create_params(name, spec, target)
            why = reason if target.status == VISIBLE else '%s; %s, created idle until it appears' % (reason, target.reason)
            self._add(which, name, 'create-' + which, why, **write_detail(which, 'create', target, params))

    def _recreate_reasons(self, name: str, spec: dict, live, targets: dict) -> tuple:
        """(reasons for a recreate, {path: why it waits instead}): a connected path whose IOC changed waits for
        the stale connection to drop while the other path of the interface is connected."""
        reasons, held = [], {}
        primary = live.paths.get('primary')
        if primary is None:
            return ['the live VNIC has no primary path'], held
        if spec.get('heartbeat') is not None and primary.heartbeat not in (None, spec['heartbeat']):
            reasons.append('heartbeat %s -> %s' % (primary.heartbeat, spec['heartbeat']))
        for key in ('rx_csum', 'tx_csum'):
            if spec.get(key) is not None and getattr(live, key) not in (None, spec[key]):
                reasons.append('%s %s -> %s' % (key, getattr(live, key), spec[key]))
        recorded = self.recorded.get(name, {})
        if 'ib_multicast' in recorded and spec.get('ib_multicast') is not None \
                and recorded['ib_multicast'] != spec['ib_multicast']:
            reasons.append('ib_multicast %s -> %s' % (recorded['ib_multicast'], spec['ib_multicast']))
        if 'secondary' in live.paths and 'secondary' not in targets:
            reasons.append('the secondary path is no longer declared')
        for which, target in targets.items():
            path = live.paths.get(which)
            if path is None:
                continue
            if (path.ibdev, path.port) != (target.ibdev, target.port):
                reasons.append('%s local port %s:%s -> %s' % (which, path.ibdev, path.port, target.port_key))
            instance = recorded.get('instance', {}).get(which)
            if instance is not None and instance != target.instance:
                reasons.append('%s instance %s -> %s' % (which, instance, target.instance))
            if path.connected and differs(path, target) and _complete(target):
                change = '%s is connected, but its IOC changed (%s); the kernel only updates disconnected paths' % (
                    which, ', '.join(changes(path, target)))
                other = [o for o, p in live.paths.items() if o != which and p.connected]
                if other:
                    held[which] = ('%s path: %s. It is updated in place once it disconnects: a recreate would take '
                                   'down the %s path, which is connected' % (which, change, other[0]))
                else:
                    reasons.append(change)
        return reasons, held

    def _update(self, name: str, spec: dict, live, targets: dict, skip=()) -> None:
        for which, target in targets.items():
            if which in skip:
                continue
            path = live.paths.get(which)
            params = create_params(name, spec, target)
            if path is None:
                self._add(which, name, 'create-' + which, 'declared %s path is missing' % which,
                          **write_detail(which, 'create', target, params))
                continue
            if not differs(path, target) or not _complete(target):
                continue
            detail = write_detail(which, 'update', target, params)
            detail.update(old=identity(path), new=identity(target))
            self._add('update', name, 'update-' + which, self._update_reason(which, spec, path, target), **detail)

    def _update_reason(self, which: str, spec: dict, path, target) -> str:
        declared = spec[which]
        if path.idle:
            return '%s path: late IOC appeared (%s), connecting' % (which, _describe(declared, target))
        if target.stale_explicit:
            self.notes.append('%s: configured IOC GUID/DGID for the %s path no longer answer; IOC string "%s" now '
                              'has GUID %s DGID %s: refresh the configuration' % (
                                  spec['name'], which, declared['ioc_string'], target.ioc_guid, target.dgid))
            return '%s path: hot swap (explicit GUID/DGID stale): %s' % (which, ', '.join(changes(path, target)))
        if declared.get('ioc_string') and not declared.get('dgid'):
            return '%s path: hot swap of IOC "%s": %s' % (which, declared['ioc_string'], ', '.join(changes(path, target)))
        return '%s path: declared IOC differs: %s' % (which, ', '.join(changes(path, target)))


def late_warning(field: str, name: str, which: str, target) -> str:
    """The warning for a path whose IOC is not visible; ``field`` is where the VNIC was declared."""
    where = '%s.%s' % (field, which)
    if not target.near:
        return '%s: %s %s path: %s; it stays pending (created idle) and connects when that IOC appears' % (
            where, name, which, target.reason)
    close = ', '.join('"%s" (differs in %s)' % (match.ioc_string, match.how) for match in target.near)
    return ('%s.ioc_string: %s %s path: IOC "%s" is not visible on %s, but %s %s: a typo? The path stays pending '
            'and is never connected to a near match; correct ioc_string if it is one' % (
                where, name, which, target.ioc_string, target.port_key, close,
                'is' if len(target.near) == 1 else 'are'))


def _describe(declared: dict, target) -> str:
    text = '"%s"' % declared['ioc_string'] if declared.get('ioc_string') else 'GUID %s' % declared.get('ioc_guid')
    return '%s at GUID %s DGID %s' % (text, target.ioc_guid, target.dgid)
