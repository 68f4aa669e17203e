# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SCSI hosts and devices as sysfs shows them.

PRIVATE to the collection. Vendor, model and rev are space-padded INQUIRY bytes and are
compared stripped; the serial comes from VPD page 0x80 when the kernel exposes it.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysfsError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import exists, list_dir, read_attr_or

SCSI_DEVICE = '/sys/class/scsi_device'
SCSI_HOST = '/sys/class/scsi_host'
BLOCK = '/sys/block'
RUNNING_HOST_STATES = ('running', 'recovery')


@dataclass
class LiveDevice:
    address: str
    vendor: str = ''
    model: str = ''
    rev: str = ''
    type: int | None = None
    wwid: str = ''
    serial: str = ''
    state: str = ''
    disk: str | None = None
    partitions: list = field(default_factory=list)

    def shape(self) -> dict:
        return {'address': self.address, 'wwid': self.wwid or None, 'vendor': self.vendor or None,
                'model': self.model or None, 'serial': self.serial or None}


@dataclass
class LiveHost:
    number: int
    exists: bool
    state: str = ''
    proc_name: str = ''
    scan_writable: bool = False

    @property
    def hotplug(self) -> bool:
        return self.exists and self.state in RUNNING_HOST_STATES and self.scan_writable

    def why_not(self) -> str:
        if not self.exists:
            return 'SCSI host %d does not exist' % self.number
        if self.state not in RUNNING_HOST_STATES:
            return 'SCSI host %d (%s) is %s, not running' % (self.number, self.proc_name, self.state)
        return 'SCSI host %d (%s) has no writable scan attribute; it cannot hot-plug' % (self.number, self.proc_name)


def is_number(text: str) -> bool:
    """Digits as the kernel prints them (%u, %d): ASCII only. str.isdigit() is also true of '²', which int()
    refuses, and of '٣', which int() reads as 3: neither is a number the kernel wrote."""
    return text.isascii() and text.isdigit()


def _serial(path: str) -> str:
    try:
        with open(path, 'rb') as handle:
            page = handle.read()
    except OSError:
        return ''
    if len(page) < 4 or page[1] != 0x80:
        return ''
    return page[4:4 + page[3]].decode('ascii', 'replace').strip()


def _wwid(path: str) -> str:
    """sdev_show_wwid(): -EINVAL when the LUN's VPD 0x83 has no designator the kernel takes, -ENXIO when the
    LUN has no page 0x83 at all (QEMU disks without a WWN on 6.1 give ENXIO, older arrays either). That LUN has
    no wwid; it is not an error."""
    try:
        return (read_attr_or(path) or '').strip()
    except SysfsError as exc:
        if exc.errno in (errno.EINVAL, errno.ENXIO, errno.ENODATA):
            return ''
        raise


def read_device(sysroot, address: str) -> LiveDevice | None:
    base = sysroot.path(SCSI_DEVICE, address) + '/device'
    state = read_attr_or(base + '/state')
    if state is None:
        return None
    device = LiveDevice(address, vendor=(read_attr_or(base + '/vendor') or '').strip(),
                        model=(read_attr_or(base + '/model') or '').strip(), rev=(read_attr_or(base + '/rev') or '').strip(),
                        wwid=_wwid(base + '/wwid'), serial=_serial(base + '/vpd_pg80'), state=state)
    kind = read_attr_or(base + '/type')
    device.type = int(kind) if kind and is_number(kind) else None
    disks = list_dir(base + '/block')
    if disks:
        device.disk = disks[0]
        device.partitions = [name for name in list_dir(sysroot.path(BLOCK, device.disk))
                             if name.startswith(device.disk) and name != device.disk]
    return device


def read_devices(sysroot) -> dict:
    return {address: device for address in list_dir(sysroot.path(SCSI_DEVICE))
            for device in [read_device(sysroot, address)] if device is not None}


def present_addresses(sysroot) -> set:
    """The addresses read_devices() would return, by one stat each instead of a dozen reads: a device
    whose state attribute is gone is not there to it either."""
    base = sysroot.path(SCSI_DEVICE)
    return {address for address in list_dir(base) if exists(base + '/' + address + '/device/state')}


def read_host(sysroot, number: int) -> LiveHost:
    base = sysroot.path(SCSI_HOST, 'host%d' % number)
    state = read_attr_or(base + '/state')
    if state is None:
        return LiveHost(number, exists=False)
    scan = base + '/scan'
    try:
        writable = bool(os.stat(scan).st_mode & 0o200)
    except OSError:
        writable = False
    return LiveHost(number, True, state, read_attr_or(base + '/proc_name') or '', writable)


@dataclass
class SdiView:
    """What read_live saw beyond the objects: the devices as read (plan judges their use and identity,
    facts shows their state and disk)."""

    devices: dict = field(default_factory=dict)   # address -> LiveDevice


def read_hosts(sysroot) -> list:
    """Every SCSI host the class lists (hostN), in the kernel's numbering order."""
    names = sorted(list_dir(sysroot.path(SCSI_HOST)), key=lambda text: (len(text), text))
    return [read_host(sysroot, int(name[4:])) for name in names if name.startswith('host') and is_number(name[4:])]


def device_counters(sysroot, device: LiveDevice) -> tuple:
    """(commands at the LLD, (reads, writes) in flight, what could not be read or '').

    device_busy is scsi_device_busy() (%d); inflight is "%8u %8u\n" (block/genhd.c part_inflight_show).
    Either one alone means I/O: an unreadable or malformed counter is reported, never taken as zero.
    """
    problems = []
    busy = 0
    busy_path = sysroot.path(SCSI_DEVICE, device.address) + '/device/device_busy'
    try:
        text = read_attr_or(busy_path)
    except SysfsError as exc:
        text, problems = '', ['could not read device_busy of %s: %s' % (device.address, exc)]
    if text is not None and not problems:
        if is_number(text.strip()):
            busy = int(text.strip())
        else:
            problems.append('device_busy of %s is %r, not a count' % (device.address, text))
    inflight = (0, 0)
    if device.disk:
        try:
            text = read_attr_or(sysroot.path(BLOCK, device.disk, 'inflight'))
        except SysfsError as exc:
            text, problems = None, problems + ['could not read inflight of %s: %s' % (device.disk, exc)]
        if text is not None:
            parts = text.split()
            if len(parts) == 2 and all(is_number(part) for part in parts):
                inflight = (int(parts[0]), int(parts[1]))
            else:
                problems.append('inflight of %s is %r, not two counts' % (device.disk, text))
    return busy, inflight, '; '.join(problems)
