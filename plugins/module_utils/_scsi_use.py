# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a SCSI disk in use? The checks UnixWare's SDI made and Linux does not.

PRIVATE to the collection. Linux removes a device that is mounted, open or busy without a
word, so before a removal we look for every kind of evidence: a mount of the disk or a
partition (mountinfo major:minor and source), swap, a device-mapper or md holder, a process
holding it open (/proc/<pid>/fd), I/O in flight (inflight, device_busy). The disk that holds
/ or /boot is never removed. The checks are advisory (a process can open the disk right
after them), which is why the removal takes the device offline and checks again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._scsi_live import BLOCK, device_counters
from ansible_collections.iofabric.core.plugins.module_utils._sysfs import list_dir, read_attr_or, read_link_name

PROTECTED_MOUNTS = ('/', '/boot')


@dataclass
class Evidence:
    kind: str      # mount, swap, holder, open, io, root
    detail: str

    def __str__(self) -> str:
        return '%s: %s' % (self.kind, self.detail)


@dataclass
class HostUse:
    """What is read once per run: mounts, swaps and open file descriptors of the whole host."""

    mounts: list = field(default_factory=list)   # (major:minor, source, target)
    swaps: list = field(default_factory=list)    # device paths
    openers: list = field(default_factory=list)  # (pid, comm, target)


def parse_mountinfo(text: str) -> list:
    """proc(5) mountinfo: (major:minor, mount source, mount point) of each well-formed line."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if ' - ' in line and len(fields) >= 5:
            after = line.split(' - ', 1)[1].split()
            mounts.append((fields[2], after[1] if len(after) > 1 else '', fields[4]))
    return mounts


def parse_swaps(text: str) -> list:
    """/proc/swaps: the device or file of each line after the header."""
    return [line.split()[0] for line in text.splitlines()[1:] if line.split()]


def read_host_use(sysroot) -> HostUse:
    use = HostUse()
    use.mounts.extend(parse_mountinfo(read_attr_or(sysroot.path('/proc/self', 'mountinfo')) or ''))
    use.swaps.extend(parse_swaps(read_attr_or(sysroot.path('/proc', 'swaps')) or ''))
    proc = sysroot.path('/proc')
    for pid in list_dir(proc):
        if not pid.isdigit():
            continue
        comm = read_attr_or('%s/%s/comm' % (proc, pid)) or '?'
        for fd in list_dir('%s/%s/fd' % (proc, pid)):
            try:
                target = os.readlink('%s/%s/fd/%s' % (proc, pid, fd))
            except OSError:
                continue
            if target.startswith('/dev/'):
                use.openers.append((int(pid), comm, target))
    return use


def evidence(sysroot, device, use: HostUse) -> list:
    """Every reason the device is in use; empty when it may be removed."""
    if not device.disk:
        return []
    found = []
    names = [device.disk] + list(device.partitions)
    numbers = {}
    for name in names:
        path = sysroot.path(BLOCK, device.disk) + ('' if name == device.disk else '/' + name)
        numbers[read_attr_or(path + '/dev') or '?:?'] = name
        for holder in list_dir(path + '/holders'):
            found.append(Evidence('holder', '%s is held by %s' % (name, read_link_name(path + '/holders/' + holder)
                                                                  or holder)))
    for major_minor, source, target in use.mounts:
        name = numbers.get(major_minor) or (source[5:] if source[5:] in names else None)
        if name:
            kind = 'root' if target in PROTECTED_MOUNTS else 'mount'
            found.append(Evidence(kind, '%s is mounted on %s' % (name, target)))
    for swap in use.swaps:
        if swap[5:] in names:
            found.append(Evidence('swap', '%s is used as swap' % swap[5:]))
    for pid, comm, target in use.openers:
        if target[5:] in names:
            found.append(Evidence('open', '%s is open by pid %d (%s)' % (target[5:], pid, comm)))
    busy, inflight = device_counters(sysroot, device)
    if busy or any(inflight):
        found.append(Evidence('io', '%d command(s) at the HBA, %d read(s) and %d write(s) in flight'
                              % (busy, inflight[0], inflight[1])))
    return found


def describe(found: list) -> str:
    return '; '.join(str(item) for item in found)
