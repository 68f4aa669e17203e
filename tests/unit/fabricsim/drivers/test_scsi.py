"""The simulated SCSI mid layer against the reference's kernel semantics (part A)."""

import errno

import pytest

from fabricsim.clock import ManualClock
from fabricsim.drivers.scsi import disk_name
from fabricsim.fabric import Fabric
from fabricsim.scenario import load

SCAN = '/sys/class/scsi_host/host1/scan'


@pytest.fixture
def fabric():
    return Fabric(load('small'), ManualClock())


def errno_of(fabric, path, data):
    with pytest.raises(OSError) as info:
        fabric.write(path, data)
    return info.value.errno


def devices(fabric):
    return fabric.node('/sys/class/scsi_device').list()


def test_scan_tokens(fabric):
    for bad in (b'0 3', b'0 3 2 1', b'0 x 2', b'0 3 2x', b''):
        assert errno_of(fabric, SCAN, bad) == errno.EINVAL, bad
    fabric.write(SCAN, b'0 3 -\n')  # a newline is fine; '-' is a wildcard
    fabric.write(SCAN, b'0x0 0x3 0')


@pytest.mark.parametrize('bad', [b'-1 0 0', b'0 +1 0', b'0 08 0', b'0 0x 0', b'0 3 00000000000000000',
                                 b'00000000000 3 0', b'- - - -'])
def test_scan_tokens_are_sscanf_and_simple_strtoull(fabric, bad):
    # sscanf("%10s %10s %16s %c") must convert three; simple_strtoull(.., 0) must use the whole token.
    assert errno_of(fabric, SCAN, bad) == errno.EINVAL, bad


def test_scan_token_numbers_are_base_0(fabric):
    fabric.write(SCAN, b'0 04 0')   # octal 4
    assert '1:0:4:0' in devices(fabric)
    fabric.write(SCAN, b'\t0  01 0\n')
    fabric.write(SCAN, b'00000000003 0')   # %10s ends the first token at ten bytes: "0000000000", "3", "0"
    fabric.write(SCAN, b'0 3 0\0junk')   # the store buffer is a C string
    fabric.write(SCAN, b'4294967295 3 1')   # ~0 as unsigned int is SCAN_WILD_CARD


def test_scan_ranges_and_silent_successes(fabric):
    assert errno_of(fabric, SCAN, b'1 3 0') == errno.EINVAL   # channel > max_channel
    assert errno_of(fabric, SCAN, b'0 16 0') == errno.EINVAL  # id >= max_id
    assert errno_of(fabric, SCAN, b'0 3 256') == errno.EINVAL  # lun >= max_lun
    before = devices(fabric)
    fabric.write(SCAN, b'0 3 0')   # already attached: success, nothing changes
    fabric.write(SCAN, b'0 9 9')   # nothing answers: success, nothing created
    assert devices(fabric) == before


def test_scan_attaches_and_the_disk_appears_a_moment_later(fabric):
    fabric.write(SCAN, b'0 4 0')
    assert '1:0:4:0' in devices(fabric)
    assert 'sdd' not in fabric.node('/sys/block').list()
    fabric.clock.settle()
    assert 'sdd' in fabric.node('/sys/block').list()
    assert fabric.read('/sys/block/sdd/dev') == b'8:48\n'
    assert fabric.read('/sys/class/scsi_device/1:0:4:0/device/vendor') == b'LIO-ORG \n'  # space-padded
    assert fabric.read('/sys/class/scsi_device/1:0:4:0/device/model') == b'block0          \n'


def test_host_not_running_scans_nothing(fabric):
    fabric.event('host-state', {'host': '1', 'state': 'cancel'})
    fabric.write(SCAN, b'0 4 0')
    assert '1:0:4:0' not in devices(fabric)


def test_delete_never_refuses(fabric):
    fabric.event('mount', {'device': 'sdb1', 'target': '/data'})
    fabric.event('io-start', {'device': 'sdb', 'count': '2'})
    fabric.write('/sys/class/scsi_device/1:0:3:0/device/delete', b'anything')
    assert '1:0:3:0' not in devices(fabric)
    assert fabric.state()['drivers']['scsi']['devices'].get('1:0:3:0') is None


def test_state_write_rules(fabric):
    state = '/sys/class/scsi_device/1:0:3:0/device/state'
    assert errno_of(fabric, state, b'offline') == errno.EINVAL     # needs the newline
    assert errno_of(fabric, state, b'blocked\n') == errno.EINVAL   # only running and offline
    assert errno_of(fabric, state, b' offline\n') == errno.EINVAL
    fabric.write(state, b'offline\n')
    assert fabric.read(state) == b'offline\n'
    fabric.write(state, b'running\n')
    fabric.write(state, b'offline\ntrailing bytes')   # strncmp + buf[len] == '\n': the rest is ignored
    assert fabric.read(state) == b'offline\n'


def test_timeout_queue_depth_and_eh_timeout_are_0644(fabric):
    base = '/sys/class/scsi_device/1:0:3:0/device/'
    for name in ('timeout', 'queue_depth', 'eh_timeout'):
        assert fabric.node(base + name, follow=True).mode == 0o644, name
    fabric.write(base + 'timeout', b'60\n')
    assert fabric.read(base + 'timeout') == b'60\n'
    fabric.write(base + 'eh_timeout', b'+20\n')
    assert fabric.read(base + 'eh_timeout') == b'20\n'
    assert errno_of(fabric, base + 'eh_timeout', b'-1') == errno.EINVAL
    assert errno_of(fabric, base + 'eh_timeout', b'4294967296') == errno.ERANGE
    fabric.write(base + 'queue_depth', b'0x10')
    assert fabric.read(base + 'queue_depth') == b'16\n'
    assert errno_of(fabric, base + 'queue_depth', b'0') == errno.EINVAL


def test_class_scsi_device_is_a_link_and_the_bus_lists_hosts_and_targets(fabric):
    link = fabric.node('/sys/class/scsi_device/1:0:3:0')
    assert link.target == '../../devices/platform/host1/target1:0:3/1:0:3:0/scsi_device/1:0:3:0'
    assert fabric.read('/sys/class/scsi_device/1:0:3:0/device/state') == b'running\n'
    names = fabric.node('/sys/bus/scsi/devices').list()
    assert names == ['host0', 'host1', 'host2', 'target0:0:0', 'target1:0:3', '0:0:0:0', '1:0:3:0', '1:0:3:1']
    assert fabric.node('/sys/bus/scsi/devices/host1').target == '../../../devices/platform/host1'
    assert fabric.node('/sys/bus/scsi/devices/target1:0:3').target == '../../../devices/platform/host1/target1:0:3'
    assert fabric.read('/sys/bus/scsi/devices/host1/scsi_host/host1/proc_name') == b'mpt3sas\n'


def test_a_lun_without_a_designator_has_no_wwid():
    scenario = load('small')
    luns = scenario['scsi']['hosts'][1]['luns']
    luns.append({'address': '0:5:0', 'vendor': 'QEMU', 'model': 'QEMU HARDDISK', 'designator': 'none'})
    luns.append({'address': '0:5:1', 'vendor': 'OLD', 'model': 'ARRAY', 'designator': 'no-vpd'})
    fabric = Fabric(scenario, ManualClock())
    fabric.write(SCAN, b'0 5 -')
    with pytest.raises(OSError) as info:
        fabric.read('/sys/class/scsi_device/1:0:5:0/device/wwid')
    assert info.value.errno == errno.EINVAL
    with pytest.raises(OSError) as info:
        fabric.read('/sys/class/scsi_device/1:0:5:1/device/wwid')
    assert info.value.errno == errno.ENXIO
    assert fabric.read('/sys/class/scsi_device/1:0:3:0/device/wwid') == b'naa.600a098038304437522b4d6c70583130\n'


def test_host_numbers_are_reused_lowest_free_first(fabric):
    scsi = fabric.drivers['scsi']
    first = scsi.add_host({'proc_name': 'a'}, 'devices/platform')
    second = scsi.add_host({'proc_name': 'b'}, 'devices/platform')
    assert (first.number, second.number) == (3, 4)
    scsi.remove_host(first)
    assert scsi.add_host({'proc_name': 'c'}, 'devices/platform').number == 3
    assert scsi.add_host({'proc_name': 'd'}, 'devices/platform').number == 5


def test_no_proc_scsi_scsi_by_default(fabric):
    # Debian's 6.1 kernel is built without CONFIG_SCSI_PROC_FS.
    assert 'scsi' not in fabric.node('/proc').list()


def test_proc_scsi_scsi():
    scenario = load('small')
    scenario['scsi']['proc_fs'] = True
    fabric = Fabric(scenario, ManualClock())
    text = fabric.read('/proc/scsi/scsi').decode()
    assert text.startswith('Attached devices:\nHost: scsi0 Channel: 00 Id: 00 Lun: 00\n'
                           '  Vendor: ATA      Model: ST31000528AS     Rev: CC38\n'
                           '  Type:   Direct-Access                    ANSI  SCSI revision: 06\n')
    assert errno_of(fabric, '/proc/scsi/scsi', b'scsi add-single-device 9 0 0 0') == errno.ENXIO
    assert errno_of(fabric, '/proc/scsi/scsi', b'scsi remove-single-device 1 0 9 0') == errno.ENXIO
    assert errno_of(fabric, '/proc/scsi/scsi', b'scsi frobnicate') == errno.EINVAL
    fabric.write('/proc/scsi/scsi', b'scsi remove-single-device 1 0 3 1')
    fabric.write('/proc/scsi/scsi', b'scsi add-single-device 1 0 0x4 0')
    assert devices(fabric) == ['0:0:0:0', '1:0:3:0', '1:0:4:0']


def test_evidence_files(fabric):
    fabric.event('swapon', {'device': 'sdc'})
    fabric.event('holder-add', {'holder': 'dm-0', 'device': 'sdb1'})
    fabric.event('io-start', {'device': 'sdc', 'count': '3', 'dir': 'write'})
    opened = fabric.event('device-open', {'device': 'sdb', 'name': 'dd'})
    assert fabric.read('/proc/swaps').decode().splitlines()[1] == '/dev/sdc' + ' ' * 32 + 'partition\t2097148\t\t0\t\t-2'

    assert fabric.node('/sys/block/sdb/sdb1/holders', follow=True).list() == ['dm-0']
    assert fabric.read('/sys/block/sdc/inflight') == b'       0        3\n'
    assert fabric.read('/sys/class/scsi_device/1:0:3:1/device/device_busy') == b'3\n'
    assert fabric.node('/proc/%d/fd/3' % opened['pid']).target == '/dev/sdb'
    assert '8:2 / / ' in fabric.read('/proc/self/mountinfo').decode()


def test_disk_names():
    expected = ['sda', 'sdb', 'sdz', 'sdaa', 'sdab', 'sdzz', 'sdaaa']
    assert [disk_name(i) for i in (0, 1, 25, 26, 27, 701, 702)] == expected


def test_proc_swaps_after_the_device_is_removed(fabric):
    # swap_show(): seq_file_path() escapes the space d_path() puts before "(deleted)".
    fabric.event('swapon', {'device': 'sdc'})
    fabric.event('swapon', {'device': 'sdb1'})
    fabric.write('/sys/class/scsi_device/1:0:3:1/device/delete', b'1')
    lines = fabric.read('/proc/swaps').decode().splitlines()
    assert lines[0] == 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority'
    assert lines[1] == '/dev/sdc\\040(deleted)' + ' ' * 19 + 'partition\t2097148\t\t0\t\t-2'
    assert lines[2].startswith('/dev/sdb1' + ' ' * 31 + 'partition')
    fabric.event('swapoff', {'device': 'sdc'})
    assert len(fabric.read('/proc/swaps').decode().splitlines()) == 2


def test_proc_swaps_long_path_keeps_one_space():
    from fabricsim.drivers.scsi_proc import swaps

    class Driver:
        swaps = ['/dev/disk/by-id/' + 'x' * 40]
        deleted_swaps: set = set()
    assert swaps(Driver()).splitlines()[1].startswith('/dev/disk/by-id/' + 'x' * 40 + ' partition\t')
