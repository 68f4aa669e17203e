"""The simulated FCoE transport, in process, against the reference's kernel behaviour."""

import errno

import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load


@pytest.fixture
def fabric():
    return Fabric(load('small'), ManualClock())


def failing(fabric, path, data):
    with pytest.raises(OSError) as info:
        fabric.write(path, data)
    return info.value.errno


def text(fabric, path):
    return fabric.read(path.replace('HOST', fc_host(fabric))).decode()


def fc_host(fabric):
    hosts = fabric.node('/sys/class/fc_host').list()
    return hosts[0] if hosts else 'none'


def test_bus_create_starts_disabled_and_enable_logs_in(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth2\n')  # a trailing newline is stripped
    assert fabric.node('/sys/bus/fcoe/devices').list() == ['ctlr_0']
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/enabled') == '0\n'
    assert text(fabric, '/sys/class/fc_host/HOST/symbolic_name') == 'fcoe v0.1 over eth2\n'
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Linkdown\n'
    fabric.write('/sys/bus/fcoe/devices/ctlr_0/enabled', b'1')
    fabric.clock.settle()
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Online\n'
    assert 'fcf_0' in fabric.node('/sys/bus/fcoe/devices').list()
    assert text(fabric, '/sys/bus/fcoe/devices/fcf_0/vlan_id') == '101\n'
    assert text(fabric, '/sys/bus/fcoe/devices/fcf_0/state') == 'Connected\n'
    assert text(fabric, '/sys/class/fc_host/HOST/fabric_name') == '0x20148c604f591ac2\n'


def test_wwns_come_from_the_mac(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    mac = fabric.drivers['netdevs'].devices['eth1'].address.replace(':', '')
    assert text(fabric, '/sys/class/fc_host/HOST/node_name') == '0x1000%s\n' % mac
    assert text(fabric, '/sys/class/fc_host/HOST/port_name') == '0x2000%s\n' % mac


def test_create_errors(fabric):
    assert failing(fabric, '/sys/bus/fcoe/ctlr_create', b'eth9') == errno.ENODEV
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth2')
    assert failing(fabric, '/sys/bus/fcoe/ctlr_create', b'eth2') == errno.ENOMEM
    assert failing(fabric, '/sys/module/libfcoe/parameters/create', b'eth2') == errno.EEXIST


def test_mode_rules(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    ctlr = '/sys/bus/fcoe/devices/ctlr_0'
    assert failing(fabric, ctlr + '/mode', b'vn2vn') == errno.EINVAL  # case-sensitive on current kernels
    fabric.write(ctlr + '/mode', b'VN2VN\n')
    assert text(fabric, ctlr + '/mode') == 'VN2VN\n'
    fabric.write(ctlr + '/enabled', b'1')
    assert failing(fabric, ctlr + '/mode', b'Fabric') == errno.EBUSY
    assert failing(fabric, ctlr + '/enabled', b'x') == errno.EINVAL


def test_destroy_is_asynchronous_and_unknown_is_enodev(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth1')  # legacy: enabled at once
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/enabled') == '1\n'
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    assert fabric.node('/sys/class/fc_host').list() == ['host3']  # still there until the work runs (0-2: SCSI)
    fabric.clock.settle()
    assert fabric.node('/sys/class/fc_host').list() == []
    assert failing(fabric, '/sys/bus/fcoe/ctlr_destroy', b'eth1') == errno.ENODEV


def test_destroy_that_never_completes(fabric):
    fabric.faults.add(kind='async', target='fcoe-destroy', mode='never')
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    fabric.clock.settle()
    assert fabric.node('/sys/class/fc_host').list() == ['host3']


def test_link_down_and_netdev_removal(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth2')
    fabric.clock.settle()
    fabric.event('link-down', {'name': 'eth2'})
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Linkdown\n'
    fabric.event('link-up', {'name': 'eth2'})
    fabric.clock.settle()
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Online\n'
    fabric.event('link-delete', {'name': 'eth2'})
    assert fabric.node('/sys/class/fc_host').list() == []


def test_host_numbers_are_global_and_never_reused(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth1')
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    fabric.clock.settle()
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth1')
    assert fabric.node('/sys/class/fc_host').list() == ['host4']
    assert fabric.node('/sys/bus/fcoe/devices').list() == ['ctlr_1']


def test_legacy_show(fabric):
    assert text(fabric, '/sys/module/libfcoe/parameters/show') == 'Attached FCoE transports:fcoe \n'
