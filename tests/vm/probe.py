"""Probe a system's SCSI and FCoE sysfs/proc the way the modules use them; print observations as JSON.

Run twice by tests/vm/test_differential.py: in the VM (real Debian 6.1 kernel, scsi_debug, fcoe on virtio NICs)
and against fabricsim (--root <its root>). Python 3 standard library only (the guest has nothing else for it).
Observations are keyed by what they are about, never by a number the two systems hand out differently: host
and ctlr numbers are reported as relations (reused lowest free, same as before), not as values.
Destructive: it deletes and re-adds the given SCSI device and creates/destroys FCoE instances.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import stat
import sys
import time

OBS: dict = {}
ROOT = '/'
SCSI_DEVICE_ATTRS = ('state', 'timeout', 'queue_depth', 'eh_timeout', 'delete', 'rescan', 'vendor', 'model', 'rev',
                     'wwid', 'device_blocked', 'queue_type', 'scsi_level', 'type', 'iocounterbits', 'inquiry')
SCSI_HOST_ATTRS = ('scan', 'proc_name', 'state', 'unique_id', 'host_busy', 'can_queue')
CTLR_ATTRS = ('mode', 'enabled', 'fcf_dev_loss_tmo', 'ctlr_link_fail', 'vlink_fail', 'miss_fka', 'symb_err',
              'err_block', 'fcs_error', 'lesb', 'fip_vlan_responder', 'r_a_tov', 'e_d_tov')
FC_HOST_ATTRS = ('port_id', 'port_name', 'node_name', 'speed', 'maxframe_size', 'max_npiv_vports', 'port_state',
                 'permanent_port_name', 'supported_classes', 'tgtid_bind_type', 'symbolic_name', 'fabric_name',
                 'port_type', 'supported_speeds', 'statistics', 'vport_create', 'vport_delete', 'issue_lip')


def path(system_path: str) -> str:
    return os.path.join(ROOT, system_path.lstrip('/'))


def note(key: str, value) -> None:
    OBS[key] = value


def mode_of(system_path: str) -> str:
    try:
        st = os.lstat(path(system_path))
    except OSError:
        return 'absent'
    kind = 'link' if stat.S_ISLNK(st.st_mode) else 'dir' if stat.S_ISDIR(st.st_mode) else 'file'
    return '%s %04o' % (kind, stat.S_IMODE(st.st_mode)) if kind == 'file' else kind


def shape(text: str) -> str:
    """The format of a value, not the value: int, hex, word, text, with its trailing newline and padding."""
    body = text[:-1] if text.endswith('\n') else text
    if re.fullmatch(r'-?\d+', body):
        kind = 'int'
    elif re.fullmatch(r'0x[0-9a-f]+', body):
        kind = 'hex%d' % (len(body) - 2)
    elif body == '':
        kind = 'empty'
    elif re.fullmatch(r'[A-Za-z_-]+', body):
        kind = 'word'
    else:
        kind = 'text'
    if body != body.rstrip(' '):
        kind += ' padded'
    return kind + (' \\n' if text.endswith('\n') else ' no-newline')


def read(system_path: str) -> str:
    """The value, or where reading failed and with what errno (open or read)."""
    try:
        fd = os.open(path(system_path), os.O_RDONLY)
    except OSError as exc:
        return 'open:' + errno.errorcode.get(exc.errno, str(exc.errno))
    try:
        return os.read(fd, 65536).decode('latin-1')
    except OSError as exc:
        return 'read:' + errno.errorcode.get(exc.errno, str(exc.errno))
    finally:
        os.close(fd)


def write(system_path: str, data: str) -> str:
    """ok, or where the write failed (open or write) and with what errno."""
    try:
        fd = os.open(path(system_path), os.O_WRONLY)
    except OSError as exc:
        return 'open:' + errno.errorcode.get(exc.errno, str(exc.errno))
    try:
        os.write(fd, data.encode())
        return 'ok'
    except OSError as exc:
        return 'write:' + errno.errorcode.get(exc.errno, str(exc.errno))
    finally:
        os.close(fd)


def observe_attr(key: str, system_path: str) -> None:
    note(key + '.mode', mode_of(system_path))
    if os.path.isfile(path(system_path)):
        value = read(system_path)
        note(key + '.format', value if value.startswith(('open:', 'read:')) else shape(value))


def listing(system_path: str) -> list:
    try:
        return sorted(os.listdir(path(system_path)))
    except OSError:
        return []


def wait_for(system_path: str, present: bool, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while os.path.exists(path(system_path)) != present:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- SCSI ------------------------------------------------------------------------------------------------------
def probe_scsi(address: str) -> None:
    host = address.split(':')[0]
    device = '/sys/class/scsi_device/%s/device' % address
    shost = '/sys/class/scsi_host/host%s' % host
    note('scsi.proc_scsi_scsi', mode_of('/proc/scsi/scsi'))
    note('scsi.class_scsi_device_entry', mode_of('/sys/class/scsi_device/' + address))
    note('scsi.class_scsi_host_entry', mode_of(shost))
    kinds = set()
    for name in listing('/sys/bus/scsi/devices'):
        kinds.add('host' if name.startswith('host') else 'target' if name.startswith('target') else
                  'device' if re.fullmatch(r'\d+:\d+:\d+:\d+', name) else 'other')
    note('scsi.bus_devices_kinds', sorted(kinds))
    for attr in SCSI_DEVICE_ATTRS:
        observe_attr('scsi.device.' + attr, '%s/%s' % (device, attr))
    for attr in SCSI_HOST_ATTRS:
        observe_attr('scsi.host.' + attr, '%s/%s' % (shost, attr))
    block = listing(device + '/block')
    note('scsi.device.block_entries', len(block))
    if block:
        disk = block[0]
        note('scsi.block.sys_block_entry', mode_of('/sys/block/' + disk))
        for attr in ('dev', 'size', 'inflight', 'holders', 'slaves', 'removable', 'ro'):
            observe_attr('scsi.block.' + attr, '/sys/block/%s/%s' % (disk, attr))
        note('scsi.block.major', 'sd' if read('/sys/block/%s/dev' % disk).split(':')[0] in
             {'8', '65', '66', '67', '68', '69', '70', '71', '128', '129', '130', '131', '132', '133', '134', '135'}
             else 'other')
    swaps = read('/proc/swaps')
    note('proc.swaps.header', swaps.splitlines()[0] if swaps and not swaps.startswith(('open:', 'read:')) else swaps)
    # Bad writes: errno, and whether it comes at open() or at write().
    for key, attr, data in (('state_bogus', 'state', 'bogus\n'), ('state_trailing', 'state', 'running junk'),
                            ('timeout_word', 'timeout', 'abc'), ('queue_depth_zero', 'queue_depth', '0'),
                            ('vendor_ro', 'vendor', 'X'), ('wwid_ro', 'wwid', 'X')):
        note('scsi.write.%s' % key, write('%s/%s' % (device, attr), data))
    write(device + '/state', 'running\n')
    note('scsi.read.delete_wo', read(device + '/delete'))
    for key, data in (('minus_one', '-1 0 0'), ('plus_one', '0 +1 0'), ('leading_zero', '0 00 0'),
                      ('wildcards', '- - -'), ('two_tokens', '0 0'), ('letters', 'a b c')):
        note('scsi.scan.%s' % key, write(shost + '/scan', data))
    # Synchronous: the device is gone when the delete returns, back when the scan returns.
    channel, target, lun = address.split(':')[1:]
    note('scsi.delete', write(device + '/delete', '1'))
    note('scsi.delete.gone_at_return', not os.path.exists(path('/sys/class/scsi_device/' + address)))
    wait_for('/sys/class/scsi_device/' + address, False)
    note('scsi.rescan', write(shost + '/scan', '%s %s %s' % (channel, target, lun)))
    note('scsi.rescan.present_at_return', os.path.exists(path('/sys/class/scsi_device/' + address)))


# -- FCoE ------------------------------------------------------------------------------------------------------
def ctlrs() -> set:
    return {name for name in listing('/sys/bus/fcoe/devices') if name.startswith('ctlr_')}


def fc_host_of(ctlr: str) -> str:
    for name in listing('/sys/bus/fcoe/devices/' + ctlr):
        if name.startswith('host'):
            return name
    return ''


def create(netdev: str) -> tuple[str, str]:
    """(outcome, new ctlr name) of one ctlr_create."""
    before = ctlrs()
    outcome = write('/sys/bus/fcoe/ctlr_create', netdev)
    new = sorted(ctlrs() - before)
    return outcome, new[0] if new else ''


def host_number(ctlr: str) -> int:
    name = fc_host_of(ctlr)
    return int(name[4:]) if name else -1


def probe_fcoe(first: str, second: str, third: str) -> None:
    for attr in ('ctlr_create', 'ctlr_destroy'):
        observe_attr('fcoe.bus.' + attr, '/sys/bus/fcoe/' + attr)
    for attr in ('show', 'create', 'destroy', 'enable', 'disable', 'create_vn2vn'):
        observe_attr('fcoe.legacy.' + attr, '/sys/module/libfcoe/parameters/' + attr)
    outcome, ctlr = create(first)
    note('fcoe.create', outcome)
    note('fcoe.create.ctlr_at_return', bool(ctlr))
    if not ctlr:
        return
    note('fcoe.create.again', write('/sys/bus/fcoe/ctlr_create', first))
    base = '/sys/bus/fcoe/devices/' + ctlr
    for attr in CTLR_ATTRS:
        observe_attr('fcoe.ctlr.' + attr, '%s/%s' % (base, attr))
    note('fcoe.ctlr.mode.value', read(base + '/mode'))
    note('fcoe.ctlr.enabled.value', read(base + '/enabled'))
    host = fc_host_of(ctlr)
    note('fcoe.ctlr.has_fc_host', bool(host))
    fc = '/sys/class/fc_host/' + host
    sh = '/sys/class/scsi_host/' + host
    for attr in FC_HOST_ATTRS:
        observe_attr('fcoe.fc_host.' + attr, '%s/%s' % (fc, attr))
    note('fcoe.fc_host.port_id.value', read(fc + '/port_id'))
    note('fcoe.fc_host.maxframe_size.value', read(fc + '/maxframe_size'))
    note('fcoe.fc_host.max_npiv_vports.value', read(fc + '/max_npiv_vports'))
    note('fcoe.scsi_host.entry', mode_of(sh))
    observe_attr('fcoe.scsi_host.scan', sh + '/scan')
    note('fcoe.scsi_host.proc_name', read(sh + '/proc_name'))
    note('fcoe.scsi_host.scan_wildcards', write(sh + '/scan', '- - -'))
    note('fcoe.scsi_host.scan_1_0_0', write(sh + '/scan', '1 0 0'))
    # Mode writes: a bad name, then the mode it leaves; case of the names.
    note('fcoe.ctlr.mode.write_bogus', write(base + '/mode', 'bogus'))
    note('fcoe.ctlr.mode.after_bogus', read(base + '/mode'))
    note('fcoe.ctlr.mode.write_upper', write(base + '/mode', 'FABRIC'))
    note('fcoe.ctlr.mode.after_upper', read(base + '/mode'))
    note('fcoe.ctlr.r_a_tov.leading_space', write(base + '/r_a_tov', ' 10000'))
    note('fcoe.ctlr.enable', write(base + '/enabled', '1'))
    note('fcoe.fc_host.port_state.after_enable', read(fc + '/port_state'))
    note('fcoe.ctlr.fcf_dev_loss_tmo.write_enabled', write(base + '/fcf_dev_loss_tmo', '0x20'))
    note('fcoe.ctlr.fcf_dev_loss_tmo.after_hex', read(base + '/fcf_dev_loss_tmo'))
    note('fcoe.ctlr.disable', write(base + '/enabled', '0'))
    # Numbering: a second instance, destroy the first, create on a third netdev: which host number comes back?
    _host2, ctlr2 = create(second)
    first_host, second_host = host_number(ctlr), host_number(ctlr2)
    note('fcoe.numbering.second_is_higher', second_host > first_host)
    note('fcoe.destroy', write('/sys/bus/fcoe/ctlr_destroy', first))
    wait_for(base, False)
    outcome, ctlr3 = create(third)
    note('fcoe.create.third', outcome)
    note('fcoe.numbering.host_reused_lowest_free', host_number(ctlr3) == first_host)
    note('fcoe.numbering.ctlr_reused', ctlr3 == ctlr)
    note('fcoe.destroy.recreate_at_once', write('/sys/bus/fcoe/ctlr_destroy', third) + ' ' +
         write('/sys/bus/fcoe/ctlr_create', third))
    for netdev in (first, second, third):
        write('/sys/bus/fcoe/ctlr_destroy', netdev)
    # Legacy interface: create_vn2vn leaves the ctlr mode; enable/disable do not change `enabled`.
    before = ctlrs()
    note('fcoe.legacy.create_vn2vn', write('/sys/module/libfcoe/parameters/create_vn2vn', first))
    new = sorted(ctlrs() - before)
    if new:
        note('fcoe.legacy.vn2vn_mode', read('/sys/bus/fcoe/devices/%s/mode' % new[0]))
        write('/sys/module/libfcoe/parameters/disable', first)
        note('fcoe.legacy.enabled_after_disable', read('/sys/bus/fcoe/devices/%s/enabled' % new[0]))
        write('/sys/module/libfcoe/parameters/destroy', first)


def main() -> int:
    global ROOT  # pylint: disable=global-statement
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='/')
    parser.add_argument('--scsi', required=True, help='H:C:T:L of an idle, hot-pluggable SCSI device')
    parser.add_argument('--fcoe', nargs=3, required=True, metavar='NETDEV', help='three netdevs without FCoE')
    args = parser.parse_args()
    ROOT = args.root
    probe_scsi(args.scsi)
    probe_fcoe(*args.fcoe)
    json.dump(OBS, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
