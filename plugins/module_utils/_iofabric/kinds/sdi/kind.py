# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SCSI device kind: hot add and hot remove with UnixWare SDI's guarantees restored.

PRIVATE to the collection. Add: the host must exist, run, and have a writable scan; the
scan is written and the device awaited; nothing answering is a failure, and a device whose
identity differs from the declaration is reported, never accepted. Remove: refused while
the disk is in use (see use.py), and always for the disk holding / or /boot; ``force``
overrides all but that. The removal flushes, takes the device offline, checks for I/O once
more, deletes, and waits for the device to vanish.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi import spec as sspec
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ParseError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.kind import Kind, Live, PlanInput, Verification, wait_until
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.plan import Action, Failure, Pending, Plan
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import (
    SCSI_DEVICE,
    SCSI_HOST,
    SdiView,
    read_device,
    read_devices,
    read_host,
    read_hosts,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import blocking, describe, evidence, read_host_use
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import exists, write_attr


class RefusedError(IofabricError):
    """A removal the host's state does not allow."""


@dataclass
class SdiOptions:
    attach_timeout: float = 10.0
    remove_timeout: float = 10.0


def identity_mismatch(spec: dict, device) -> str:
    """Which declared identity fields the device at the address does not match ('' when none)."""
    wrong = []
    for key in ('wwid', 'vendor', 'model', 'serial'):
        if spec.get(key) and spec[key] != getattr(device, key):
            wrong.append('%s is %r, declared %r' % (key, getattr(device, key), spec[key]))
    return '; '.join(wrong)


class SdiKind(Kind):
    store_kind = 'sdi'

    def __init__(self, sysroot, runner, options: SdiOptions | None = None):
        super().__init__()
        self.sysroot, self.runner = sysroot, runner
        self.options = options or SdiOptions()
        # From validate: the resource state asked for, the hosts declared (overridden's scope) and
        # which addresses were declared with force.
        self.state = ''
        self.declared_hosts: set = set()
        self.forced: dict = {}

    # -- validation and resource states --------------------------------------------------
    def validate(self, config: list, state: str, fields: list) -> list:
        self.state = state
        items = [sspec.normalize(item, field) for field, item in zip(fields, config)]
        self.declared_hosts = {sspec.host_of(address) for address, _spec in items}
        self.forced = {address: bool(spec.get('force')) for address, spec in items}
        return items

    def defaults(self, spec: dict) -> dict:
        return {}

    def merge(self, spec: dict, live_object: dict, live: Live, document) -> dict:
        return dict(spec)  # identity given is checked, not merged; what is not given is not checked

    def in_scope(self, object_id: str, live_object: dict, live: Live | None = None) -> bool:
        return sspec.host_of(object_id) in self.declared_hosts

    # -- live state ------------------------------------------------------------------
    def read_live(self, document) -> Live:
        view = SdiView(read_devices(self.sysroot))
        return Live(_shapes(view.devices), view)

    def facts(self, live: Live, plan: Plan | None) -> dict:
        """The SCSI hosts (can each hot-plug?) and, per device as read_live saw it, its state and disk.
        The hosts are read here, not in read_live: only fabric_info asks, and an unreadable host that
        no declaration names must not fail an sdi_device run."""
        hosts = [{'host': host.number, 'proc_name': host.proc_name, 'state': host.state, 'hotplug': host.hotplug}
                 for host in read_hosts(self.sysroot)]
        devices = {address: {'state': device.state, 'disk': device.disk, 'partitions': list(device.partitions)}
                   for address, device in sorted(live.view.devices.items(), key=lambda item: _key(item[0]))}
        return {'hosts': hosts, 'devices': devices}

    # -- plan ------------------------------------------------------------------------
    def plan(self, given: PlanInput) -> Plan:
        want, have, devices = given.want, given.live.objects, given.live.view.devices
        plan = Plan(context=devices)   # verify's after-state when nothing was applied
        hosts: dict = {}
        refusals: list = []
        use = read_host_use(self.sysroot) if given.deletes else None
        for address in sorted(given.deletes, key=_key):
            refusal = self._plan_remove(plan, devices[address], use)
            if refusal:
                refusals.append(refusal)
        for address, spec in sorted(want.items(), key=lambda item: _key(item[0])):
            device = devices.get(address)
            if device is not None:
                wrong = identity_mismatch(spec, device)
                if wrong:
                    plan.fail(address, 'the device at %s is not the declared one: %s' % (address, wrong))
                elif _disk_missing(device):
                    plan.wait(address, NO_DISK % address, 'kernel')
                continue
            number = sspec.host_of(address)
            host = hosts.setdefault(number, read_host(self.sysroot, number))
            if not host.hotplug:
                plan.fail(address, 'cannot add %s: %s' % (address, host.why_not()))
                continue
            _host, channel, target, lun = address.split(':')
            plan.actions.append(Action(address, 'add', 'declared present, not attached',
                                       {'host': 'host%d' % number, 'scan': '%s %s %s' % (channel, target, lun)}))
        plan.predicted = {address: shape for address, shape in have.items()
                          if address not in {a.object for a in plan.actions if a.op == 'delete'}}
        for action in plan.actions:
            if action.op == 'add':
                spec = want[action.object]
                keys = ('address', 'wwid', 'vendor', 'model', 'serial')
                plan.predicted[action.object] = {key: spec.get(key) for key in keys}
        self.add_extra('refused', refusals)
        return plan

    def _plan_remove(self, plan: Plan, device, use) -> dict | None:
        """Plan the removal of one device, or fail it; returns the refusal (for the result) when refused."""
        address = device.address
        found = evidence(self.sysroot, device, use)
        force = self.forced.get(address, False)
        stops = blocking(found, force)
        if stops:
            never = [item for item in stops if not item.overridable]
            plan.fail(address, 'refused to remove %s (%s): %s; %s' % (
                address, device.disk, describe(never or stops), NEVER if never else 'force: true overrides'),
                evidence=[str(item) for item in found])
            return {'address': address, 'disk': device.disk, 'evidence': [str(item) for item in found], 'forced': force}
        reason = 'state=%s' % self.state + (' (forced over: %s)' % describe(found) if found else '')
        if device.disk:
            plan.actions.append(Action(address, 'flush', reason, {'device': '/dev/' + device.disk}))
        plan.actions.append(Action(address, 'offline', 'fail new I/O before the delete (the nearest Linux has to '
                                                       'SFB_PAUSE)', {'force': force}))
        plan.actions.append(Action(address, 'delete', reason, {'force': force}))
        return None

    # -- apply -----------------------------------------------------------------------
    def apply(self, action: Action, plan: Plan, document) -> None:
        address = action.object
        if action.op == 'add':
            write_attr(self.sysroot.path(SCSI_HOST, action.detail['host'], 'scan'),
                       action.detail['scan'].encode('ascii'),
                       'the kernel refused the scan: channel, target or LUN out of range for the host',
                       (errno.EINVAL,))
            return
        device_dir = self.sysroot.path(SCSI_DEVICE, address) + '/device'
        if action.op == 'flush':
            self.runner.run('blockdev', ['--flushbufs', action.detail['device']])
        elif action.op == 'offline':
            self._check_before_offline(address, action.detail.get('force', False))
            write_attr(device_dir + '/state', b'offline\n')
        elif action.op == 'delete':
            self._recheck(address, device_dir, action.detail['force'])
            write_attr(device_dir + '/delete', b'1')
        else:
            raise IofabricError('unknown action %s' % action.op)

    def _check_before_offline(self, address: str, force: bool) -> None:
        """Right before offline, every use read afresh, the O_EXCL probe included: an offline device refuses
        every open (ENXIO), so this is the last moment the kernel can say whether something claims it."""
        device = read_device(self.sysroot, address)
        if device is None:
            raise RefusedError('%s vanished before its removal; nothing written' % address)
        stops = blocking(evidence(self.sysroot, device, read_host_use(self.sysroot)), force)
        if stops:
            raise RefusedError('still in use before taking %s offline: %s; nothing written' % (address, describe(stops)))

    def _recheck(self, address: str, device_dir: str, force: bool) -> None:
        """After offline, right before delete: I/O (device_busy or inflight, either alone) and every other use,
        read afresh (not the O_EXCL probe: offline, the device refuses every open; it was probed just before).
        Anything that stops the removal puts the device back online and refuses."""
        device = read_device(self.sysroot, address)
        if device is None:
            raise RefusedError('%s vanished before its delete; nothing written' % address)
        stops = blocking(evidence(self.sysroot, device, read_host_use(self.sysroot), probe_exclusive=False), force)
        if stops:
            write_attr(device_dir + '/state', b'running\n')  # abort: back online
            lead = 'I/O still in flight' if any(item.kind == 'io' for item in stops) else 'still in use'
            raise RefusedError('%s after taking %s offline: %s; put back online, not deleted'
                               % (lead, address, describe(stops)))

    # -- verify ----------------------------------------------------------------------
    def verify(self, want: dict, deletes: list, plan: Plan, document) -> Verification:
        failed = {failure.object for failure in plan.failures}
        added = [a.object for a in plan.actions if a.op == 'add' and a.status == 'done']
        removed = [a.object for a in plan.actions if a.op == 'delete' and a.status == 'done']

        def settled() -> bool:
            for address in added:
                device = read_device(self.sysroot, address)
                if device is None or (device.type == 0 and not device.disk):
                    return False
            return not any(exists(self.sysroot.path(SCSI_DEVICE, address)) for address in removed)
        if added or removed:
            wait_until(settled, max(self.options.attach_timeout if added else 0,
                                    self.options.remove_timeout if removed else 0))
        # Read again only when something was applied: a run that changed nothing has the devices read_live
        # read (reading 1,024 of them twice doubled an unchanged re-run).
        applied = any(action.status == 'done' for action in plan.actions)
        devices = read_devices(self.sysroot) if applied or plan.context is None else plan.context
        failures, pending = [], [p for p in plan.pending if p.object not in failed]
        for address in added:
            device = devices.get(address)
            if device is not None and _disk_missing(device) and not identity_mismatch(want[address], device):
                # sd probes the disk asynchronously: slow, not failed; the next run sees it.
                pending.append(Pending(address, NO_DISK % address + ' after %.1f s' % self.options.attach_timeout,
                                       'kernel'))
                continue
            if device is None:
                _h, channel, target, lun = address.split(':')
                failures.append(Failure(address, 'no device answered at %s (scan "%s %s %s" of host%s)' % (
                    address, channel, target, lun, _h)))
                continue
            wrong = identity_mismatch(want[address], device)
            if wrong:
                failures.append(Failure(address, 'a device answered at %s but it is not the declared one: %s; it was '
                                                 'left attached for you to inspect' % (address, wrong)))
        for address in removed:
            if address in devices:
                failures.append(Failure(address, 'still present %.1f s after delete' % self.options.remove_timeout))
        return Verification(_shapes(devices), pending, failures)

    # -- offline states ----------------------------------------------------------------
    def render(self, specs: list) -> dict:
        """The kernel writes an add would make (scan of one address on its host)."""
        rendered = []
        for spec in specs:
            host, channel, target, lun = spec['address'].split(':')
            rendered.append({'address': spec['address'], 'file': '%s/host%s/scan' % (SCSI_HOST, host),
                             'write': '%s %s %s' % (channel, target, lun)})
        return {'rendered': rendered}

    def parse(self, text: str) -> list:
        """/proc/scsi/scsi text (scsi_proc.c proc_print_scsidevice) to config items; malformed text is a
        ParseError naming the line, never a bare ValueError."""
        if not isinstance(text, str):
            raise ParseError('running_config', 'must be the text of /proc/scsi/scsi')
        items, current = [], None
        for number, line in enumerate(text.splitlines(), 1):
            words = line.split()
            if line.startswith('Host: scsi'):
                match = _HOST_LINE.match(line)
                if match is None:
                    raise ParseError('running_config', 'line %d is not "Host: scsiH Channel: C Id: T Lun: L": %r'
                                     % (number, line[:120]))
                current = {'address': '%d:%d:%d:%d' % tuple(int(group) for group in match.groups())}
                items.append(current)
            elif current is not None and line.strip().startswith('Vendor:'):
                if 'Model:' not in line or 'Rev:' not in line.split('Model:', 1)[1]:
                    raise ParseError('running_config', 'line %d has no Model: or Rev: after Vendor: %r'
                                     % (number, line[:120]))
                current['vendor'] = line.split('Vendor:', 1)[1].split('Model:', 1)[0].strip()
                current['model'] = line.split('Model:', 1)[1].split('Rev:', 1)[0].strip()
            elif words and not line.startswith((' ', '\t', 'Attached devices:')):
                raise ParseError('running_config', 'line %d is not /proc/scsi/scsi text: %r' % (number, line[:120]))
        return items


# Numbers as the kernel prints them (%d and %02d): at most 10 digits each, so a hostile line stays linear.
_HOST_LINE = re.compile(r'Host: scsi([0-9]{1,10}) Channel: ([0-9]{1,10}) Id: ([0-9]{1,10}) Lun: ([0-9]{1,20}) *$')
NEVER = 'that is never removed, even with force'
NO_DISK = 'the scsi_device %s is attached, but sd has not probed its disk yet (no block device)'


def _shapes(devices: dict) -> dict:
    """The objects in config shape, by address."""
    return {address: device.shape() for address, device in devices.items()}


def _disk_missing(device) -> bool:
    """A disk (type 0) without its block device: sd probes asynchronously after the attach."""
    return device.type == 0 and not device.disk


def _key(address: str) -> tuple:
    return tuple(int(part) for part in address.split(':'))
