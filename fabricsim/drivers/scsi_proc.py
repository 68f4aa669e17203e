"""The procfs side of the SCSI driver: /proc/scsi/scsi, /proc/self/mountinfo, /proc/swaps.

Formats: ../shared/reference/scsi_hotplug_link_identity.md §A2 (scsi_proc.c: the read
format and the add/remove-single-device write grammar), §A6 (mountinfo, swaps).
"""

from __future__ import annotations

import errno

from fabricsim import vfs

PAGE_SIZE = 4096


def mount(driver, proc: vfs.Dir, scsi_file: bool = False) -> None:
    """``scsi_file``: /proc/scsi/scsi exists only in kernels built with CONFIG_SCSI_PROC_FS (not Debian's 6.1)."""
    if scsi_file:
        proc.entries['scsi'] = vfs.Dir({'scsi': vfs.Attr(read=lambda: scsi_text(driver),
                                                         write=lambda data: scsi_write(driver, data), mode=0o644)})
    proc.entries['self'] = vfs.Dir({'mountinfo': vfs.Attr(read=lambda: mountinfo(driver))})
    proc.entries['swaps'] = vfs.Attr(read=lambda: swaps(driver))


def scsi_text(driver) -> str:
    from fabricsim.drivers.scsi import TYPE_NAMES, _sort_key
    out = ['Attached devices:\n']
    for address in sorted(driver.devices, key=_sort_key):
        sdev = driver.devices[address]
        lu = sdev.lu
        type_name = TYPE_NAMES[lu.type] if lu.type < len(TYPE_NAMES) else 'Unknown          '
        level = lu.scsi_level - (1 if lu.scsi_level > 1 else 0)
        out.append('Host: scsi%d Channel: %02d Id: %02d Lun: %02d\n' % (sdev.host.number, lu.channel, lu.target,
                                                                        lu.lun))
        out.append('  Vendor: %-8.8s Model: %-16.16s Rev: %-4.4s\n' % (lu.vendor, lu.model, lu.rev))
        out.append('  Type:   %s                ANSI  SCSI revision: %02x%s\n'
                   % (type_name, level, ' CCS' if lu.scsi_level == 2 else ''))
    return ''.join(out)


def _numbers(text: str) -> list:
    """simple_strtoul(p, &p, 0) four times, skipping one separator after each; missing ones are 0."""
    values, index = [], 0
    for _field in range(4):
        start = index
        while index < len(text) and text[index] not in ' \n':
            index += 1
        token = text[start:index]
        try:
            values.append(int(token, 0) if token else 0)
        except ValueError:
            values.append(0)
        index += 1
    return values


def scsi_write(driver, data: bytes) -> None:
    if len(data) > PAGE_SIZE:
        raise OSError(errno.EINVAL, 'scsi: write too long')
    text = data.decode('latin-1')
    if text.startswith('scsi add-single-device'):
        host, channel, target, lun = _numbers(text[23:])
        if host not in driver.hosts:
            raise OSError(errno.ENXIO, 'scsi: no host %d' % host)
        driver.scan(driver.hosts[host], channel, target, lun)
    elif text.startswith('scsi remove-single-device'):
        host, channel, target, lun = _numbers(text[26:])
        if host not in driver.hosts:
            raise OSError(errno.ENXIO, 'scsi: no host %d' % host)
        sdev = driver.devices.get('%d:%d:%d:%d' % (host, channel, target, lun))
        if sdev is None:
            raise OSError(errno.ENXIO, 'scsi: no device at %d:%d:%d:%d' % (host, channel, target, lun))
        driver.remove(sdev)
    else:
        raise OSError(errno.EINVAL, 'scsi: unknown command')


def mountinfo(driver) -> str:
    lines = []
    for number, mount in enumerate(driver.mounts, 22):
        lines.append('%d 1 %d:%d / %s rw,relatime shared:%d - %s %s rw\n' % (
            number, mount['major'], mount['minor'], mount['target'], number, mount['fstype'], mount['source']))
    return ''.join(lines)


SWAP_ESCAPES = ' \t\n\\'


def swap_path(path: str) -> str:
    """seq_file_path(m, file, " \\t\\n\\\\"): octal escapes, d_path's " (deleted)" included."""
    return ''.join('\\%03o' % ord(char) if char in SWAP_ESCAPES else char for char in path)


def swaps(driver) -> str:
    """swap_show() (mm/swapfile.c, 6.1): the path, then 40 - len spaces (at least one), then
    "partition" (or "file\\t"), and a second TAB after Size and Used when they are under 10000000."""
    rows = ['Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n']
    for priority, name in enumerate(driver.swaps, 1):
        path = swap_path(name + (' (deleted)' if name in driver.deleted_swaps else ''))
        size, used = 2097148, 0   # guess: every simulated swap area is 2 GiB and unused
        padding = ' ' * max(40 - len(path), 1)
        rows.append('%s%s%s\t%d\t%s%d\t%s%d\n' % (path, padding, 'partition', size, '\t' if size < 10000000 else '',
                                                  used, '\t' if used < 10000000 else '', -1 - priority))
    return ''.join(rows)
