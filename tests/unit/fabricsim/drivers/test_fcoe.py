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
    # fcoe_ctlr_create_store(): the netdev mapping answers EEXIST, on the bus as in the legacy file (6.1).
    assert failing(fabric, '/sys/bus/fcoe/ctlr_create', b'eth9') == errno.ENODEV
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth2')
    assert failing(fabric, '/sys/bus/fcoe/ctlr_create', b'eth2') == errno.EEXIST
    assert failing(fabric, '/sys/module/libfcoe/parameters/create', b'eth2') == errno.EEXIST


def test_create_right_after_destroy_succeeds(fabric):
    # The destroy unmaps the netdev before the write returns; destroy_work removes the old instance later.
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    assert sorted(fabric.node('/sys/bus/fcoe/devices').list()) == ['ctlr_0', 'ctlr_1']
    fabric.clock.settle()
    assert fabric.node('/sys/bus/fcoe/devices').list() == ['ctlr_1']
    assert text(fabric, '/sys/class/fc_host/HOST/symbolic_name') == 'fcoe v0.1 over eth1\n'


def test_mode_rules(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    ctlr = '/sys/bus/fcoe/devices/ctlr_0'
    fabric.write(ctlr + '/mode', b'vn2vn')   # 6.1: strcasecmp
    assert text(fabric, ctlr + '/mode') == 'VN2VN\n'
    fabric.write(ctlr + '/mode', b'fabric\n')
    assert text(fabric, ctlr + '/mode') == 'Fabric\n'
    assert failing(fabric, ctlr + '/mode', b'x' * 21) == errno.EINVAL
    fabric.write(ctlr + '/enabled', b'1')
    assert failing(fabric, ctlr + '/mode', b'Fabric') == errno.EBUSY
    assert failing(fabric, ctlr + '/enabled', b'x') == errno.EINVAL


@pytest.mark.parametrize('bad', [b'bogus', b'Unknown', b'Fabric \n', b'VN2VN\n\n'])
def test_a_bad_mode_is_einval_and_leaves_the_mode_unknown(fabric, bad):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    ctlr = '/sys/bus/fcoe/devices/ctlr_0'
    assert failing(fabric, ctlr + '/mode', bad) == errno.EINVAL
    assert text(fabric, ctlr + '/mode') == 'Unknown\n'


def test_mode_match_case_sensitive_for_later_kernels():
    scenario = load('small')
    scenario['fcoe']['mode_match'] = 'case-sensitive'
    fabric = Fabric(scenario, ManualClock())
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    assert failing(fabric, '/sys/bus/fcoe/devices/ctlr_0/mode', b'vn2vn') == errno.EINVAL


def test_fcf_dev_loss_tmo_is_writable_while_enabled_and_parsed_base_0(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth2')
    fabric.clock.settle()
    ctlr = '/sys/bus/fcoe/devices/ctlr_0'
    fabric.write(ctlr + '/fcf_dev_loss_tmo', b'0x10\n')
    assert text(fabric, ctlr + '/fcf_dev_loss_tmo') == '16\n'
    assert text(fabric, '/sys/bus/fcoe/devices/fcf_0/dev_loss_tmo') == '16\n'   # passed on to connected FCFs
    fabric.write(ctlr + '/fcf_dev_loss_tmo', b'010')
    assert text(fabric, ctlr + '/fcf_dev_loss_tmo') == '8\n'
    for bad in (b' 10', b'10 ', b'-1', b'4294967296', b'x'):
        assert failing(fabric, ctlr + '/fcf_dev_loss_tmo', bad) == errno.EINVAL, bad


def test_r_a_tov_is_decimal_only_while_disabled(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    ctlr = '/sys/bus/fcoe/devices/ctlr_0'
    fabric.write(ctlr + '/r_a_tov', b'+5000\n')
    assert text(fabric, ctlr + '/r_a_tov') == '5000\n'
    for bad in (b' 5000', b'0x10', b'5000\n\n', b'4294967296'):
        assert failing(fabric, ctlr + '/r_a_tov', bad) == errno.EINVAL, bad
    fabric.write(ctlr + '/e_d_tov', b'010')   # base 10: the leading zero is just a zero
    assert text(fabric, ctlr + '/e_d_tov') == '10\n'
    fabric.write(ctlr + '/enabled', b'1')
    assert failing(fabric, ctlr + '/r_a_tov', b'4000') == errno.EBUSY


def test_port_state_is_offline_at_once_after_enable_without_an_fcf(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth3')   # no FCF answers on eth3
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Linkdown\n'
    fabric.write('/sys/bus/fcoe/devices/ctlr_0/enabled', b'1\n')
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Offline\n'
    fabric.clock.settle()
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Offline\n'


def test_legacy_create_vn2vn_leaves_the_ctlr_mode_fabric(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create_vn2vn', b'eth1')
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/mode') == 'Fabric\n'
    assert fabric.state()['drivers']['fcoe']['eth1']['fip_mode'] == 'VN2VN'


def test_legacy_enable_and_disable_leave_the_ctlr_enabled_as_it_is(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth2')
    fabric.clock.settle()
    fabric.write('/sys/module/libfcoe/parameters/disable', b'eth2')
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/enabled') == '1\n'
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Linkdown\n'
    fabric.write('/sys/module/libfcoe/parameters/enable', b'eth2')
    fabric.clock.settle()
    assert text(fabric, '/sys/class/fc_host/HOST/port_state') == 'Online\n'
    fabric.write('/sys/bus/fcoe/devices/ctlr_0/enabled', b'0')
    fabric.write('/sys/module/libfcoe/parameters/enable', b'eth2')
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/enabled') == '0\n'


def test_fc_host_before_login(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    attrs = fabric.node('/sys/class/fc_host/HOST'.replace('HOST', fc_host(fabric)), follow=True).list()
    assert 'permanent_port_name' not in attrs
    assert {'supported_classes', 'tgtid_bind_type', 'statistics'} <= set(attrs)
    assert text(fabric, '/sys/class/fc_host/HOST/port_id') == '0xffffffff\n'
    assert text(fabric, '/sys/class/fc_host/HOST/speed') == '10 Gbit\n'   # veth's 10000 Mb/s
    assert text(fabric, '/sys/class/fc_host/HOST/maxframe_size') == '1452 bytes\n'   # ((1500 - 22) & ~3) - 24
    assert text(fabric, '/sys/class/fc_host/HOST/max_npiv_vports') == '65535\n'
    assert text(fabric, '/sys/class/fc_host/HOST/supported_classes') == 'Class 3\n'
    assert text(fabric, '/sys/class/fc_host/HOST/tgtid_bind_type') == 'wwpn (World Wide Port Name)\n'
    assert text(fabric, '/sys/class/fc_host/HOST/statistics/tx_frames') == '0x0\n'


def test_maxframe_size_follows_the_mtu(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    fabric.drivers['netdevs'].set('eth1', mtu=9000)
    assert text(fabric, '/sys/class/fc_host/HOST/maxframe_size') == '2112 bytes\n'   # capped at FC_MAX_FRAME
    fabric.drivers['netdevs'].set('eth1', mtu=1497)
    assert text(fabric, '/sys/class/fc_host/HOST/maxframe_size') == '1448 bytes\n'


def test_port_id_after_a_logout_is_zero(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth2')
    fabric.clock.settle()
    assert text(fabric, '/sys/class/fc_host/HOST/port_id') != '0xffffffff\n'
    fabric.event('link-down', {'name': 'eth2'})
    assert text(fabric, '/sys/class/fc_host/HOST/port_id') == '0x000000\n'


def test_an_fcoe_host_is_a_scsi_host(fabric):
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    host = fc_host(fabric)
    assert host in fabric.node('/sys/class/scsi_host').list()
    assert fabric.node('/sys/class/scsi_host/' + host).target == (
        '../../devices/virtual/net/eth1/ctlr_0/%s/scsi_host/%s' % (host, host))
    scan = '/sys/class/scsi_host/%s/scan' % host
    assert fabric.read('/sys/class/scsi_host/%s/proc_name' % host) == b'fcoe\n'
    assert fabric.node(scan, follow=True).mode == 0o200
    fabric.write(scan, b'- - -')
    assert failing(fabric, scan, b'1 0 0') == errno.EINVAL   # channel > max_channel 0
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    fabric.clock.settle()
    assert host not in fabric.node('/sys/class/scsi_host').list()


def test_destroy_is_asynchronous_and_unknown_is_enodev(fabric):
    fabric.write('/sys/module/libfcoe/parameters/create', b'eth1')  # legacy: enabled at once
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/enabled') == '1\n'
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    assert fabric.node('/sys/class/fc_host').list() == ['host3']  # still there until the work runs (0-2: SCSI)
    assert failing(fabric, '/sys/bus/fcoe/ctlr_destroy', b'eth1') == errno.ENODEV   # unmapped already
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


def test_host_numbers_are_reused_lowest_free_first_and_ctlr_numbers_are_not(fabric):
    # hosts.c: ida_alloc(&host_index_ida); fcoe_sysfs.c: ctlr_num is an atomic counter.
    for ifname in (b'eth1', b'eth2', b'eth3'):
        fabric.write('/sys/bus/fcoe/ctlr_create', ifname)
    assert sorted(fabric.node('/sys/class/fc_host').list()) == ['host3', 'host4', 'host5']
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth1')
    fabric.write('/sys/bus/fcoe/ctlr_destroy', b'eth2')
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')   # host3 and host4 are not released yet
    assert fabric.state()['drivers']['fcoe']['eth1']['host'] == 'host6'
    fabric.clock.settle()
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth2')
    assert fabric.state()['drivers']['fcoe']['eth2']['host'] == 'host3'
    assert fabric.state()['drivers']['fcoe']['eth2']['ctlr'] == 'ctlr_4'


def test_legacy_show_has_no_trailing_newline(fabric):
    assert text(fabric, '/sys/module/libfcoe/parameters/show') == 'Attached FCoE transports:fcoe '


def test_legacy_fcf_dev_loss_tmo_is_the_default_of_new_controllers(fabric):
    fabric.write('/sys/module/libfcoe/parameters/fcf_dev_loss_tmo', b'60\n')
    assert text(fabric, '/sys/module/libfcoe/parameters/fcf_dev_loss_tmo') == '60\n'
    fabric.write('/sys/bus/fcoe/ctlr_create', b'eth1')
    assert text(fabric, '/sys/bus/fcoe/devices/ctlr_0/fcf_dev_loss_tmo') == '60\n'
