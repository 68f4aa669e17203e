"""Facts measured on Linux 6.1 (issue 22), read and written through the FUSE mount as a module would."""

import errno
import os
import subprocess
import sys
import time

import pytest
import yaml

from fabricsim.scenario import load

BUS = '/sys/bus/fcoe'


def write(sim, path, data):
    fd = os.open(sim.path(path), os.O_WRONLY)
    try:
        return os.write(fd, data)
    finally:
        os.close(fd)


def errno_of(sim, path, data):
    with pytest.raises(OSError) as info:
        write(sim, path, data)
    return info.value.errno


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, 'condition not reached'
        time.sleep(0.01)


def fc_hosts(sim):
    return sorted(os.listdir(sim.path('/sys/class/fc_host')))


def test_scsi_layout(sim):
    assert os.readlink(sim.path('/sys/class/scsi_device/1:0:3:0')) == (
        '../../devices/platform/host1/target1:0:3/1:0:3:0/scsi_device/1:0:3:0')
    assert sim.read('/sys/class/scsi_device/1:0:3:0/device/state') == 'running\n'
    assert {'host0', 'host1', 'target1:0:3', '1:0:3:0'} <= set(os.listdir(sim.path('/sys/bus/scsi/devices')))
    assert not os.path.exists(sim.path('/proc/scsi/scsi'))


def test_scan_tokens(sim):
    scan = '/sys/class/scsi_host/host1/scan'
    assert errno_of(sim, scan, b'-1 0 0') == errno.EINVAL
    assert errno_of(sim, scan, b'0 +1 0') == errno.EINVAL
    write(sim, scan, b'0 04 0')
    assert os.path.isdir(sim.path('/sys/class/scsi_device/1:0:4:0/device'))


def test_fcoe_host_numbers_and_create_after_destroy(sim):
    write(sim, BUS + '/ctlr_create', b'eth1')
    assert errno_of(sim, BUS + '/ctlr_create', b'eth1') == errno.EEXIST
    assert fc_hosts(sim) == ['host3']
    assert sim.read('/sys/class/scsi_host/host3/proc_name') == 'fcoe\n'
    # destroy_work (0.5 ms on 6.1) held back until the clock is advanced: the create must come
    # while host3 is still dying, whatever the machine's load between the two writes.
    sim.fault(kind='async', target='fcoe-destroy', mode='delay', value=3600.0, count=1)
    write(sim, BUS + '/ctlr_destroy', b'eth1')
    write(sim, BUS + '/ctlr_create', b'eth1')   # the destroy unmapped eth1 before returning
    assert fc_hosts(sim) == ['host3', 'host4']
    sim.event('clock-advance', seconds=3600)
    wait_for(lambda: fc_hosts(sim) == ['host4'])
    write(sim, BUS + '/ctlr_create', b'eth2')
    assert fc_hosts(sim) == ['host3', 'host4']   # host3 was free again: the lowest free number
    assert sim.read('/sys/class/fc_host/host3/symbolic_name') == 'fcoe v0.1 over eth2\n'


def test_a_live_rename_of_an_up_link_is_refused_as_6_1_does(sim):
    # The namespace's links are this host's kernel's, which would rename it; the scenario stands for 6.1.
    with pytest.raises(RuntimeError, match='Device or resource busy'):
        sim.event('link-rename', name='eth3', to='eth9', live='yes')
    assert os.path.isdir(sim.path('/sys/class/net/eth3'))


def test_open_checks_give_eacces_at_open(tmp_path):
    """With ``open_checks: true`` the mount answers OPEN, so EACCES comes at open() as on sysfs."""
    scenario = dict(load('small'), open_checks=True)
    scenario.pop('name', None)
    path = tmp_path / 'open_checks.yml'
    path.write_text(yaml.safe_dump(scenario), encoding='utf-8')
    root = tmp_path / 'host'
    root.mkdir()

    def fabricsim(*args):
        return subprocess.run([sys.executable, '-m', 'fabricsim', *args], capture_output=True, text=True, check=False)

    assert fabricsim('up', str(root), '--scenario', str(path)).returncode == 0
    try:
        sys_path = str(root / 'sys')
        for name, flags in (('scan', os.O_RDONLY), ('proc_name', os.O_WRONLY)):
            with pytest.raises(OSError) as info:
                os.open(sys_path + '/class/scsi_host/host1/' + name, flags)
            assert info.value.errno == errno.EACCES, name
        state = sys_path + '/class/scsi_device/1:0:3:0/device/state'
        assert open(state, encoding='ascii').read() == 'running\n'
        fd = os.open(state, os.O_WRONLY)
        os.write(fd, b'offline\n')
        os.close(fd)
        assert open(state, encoding='ascii').read() == 'offline\n'   # the kept page cache was invalidated
    finally:
        assert fabricsim('down', str(root)).returncode == 0
