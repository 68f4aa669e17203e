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
    fabric.write(state, b'offline\n')
    assert fabric.read(state) == b'offline\n'
    fabric.write(state, b'running\n')


def test_proc_scsi_scsi(fabric):
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
    assert fabric.read('/proc/swaps').decode().splitlines()[1].startswith('/dev/sdc ')
    assert fabric.node('/sys/block/sdb/sdb1/holders', follow=True).list() == ['dm-0']
    assert fabric.read('/sys/block/sdc/inflight') == b'       0        3\n'
    assert fabric.read('/sys/class/scsi_device/1:0:3:1/device/device_busy') == b'3\n'
    assert fabric.node('/proc/%d/fd/3' % opened['pid']).target == '/dev/sdb'
    assert '8:2 / / ' in fabric.read('/proc/self/mountinfo').decode()


def test_disk_names():
    expected = ['sda', 'sdb', 'sdz', 'sdaa', 'sdab', 'sdzz', 'sdaaa']
    assert [disk_name(i) for i in (0, 1, 25, 26, 27, 701, 702)] == expected
