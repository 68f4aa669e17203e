"""The qlgc_vnic driver model, in process, with a manual clock."""

import errno

import pytest

from fabricsim.clock import ManualClock
from fabricsim.drivers.qlgc import RETRY_SECONDS
from fabricsim.fabric import Fabric
from fabricsim.scenario import load

CLASS = '/sys/class/infiniband_qlgc_vnic'
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
IOC1 = 'ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff'
IOC2 = 'ioc_guid=00066a02de000070,dgid=fe8000000000000000066a21de000070,pkey=ffff'


@pytest.fixture
def fabric():
    return Fabric(load('small'), ManualClock())


def write(fabric, path, text):
    return fabric.write(CLASS + path, text.encode())


def read(fabric, path):
    return fabric.read(CLASS + path).decode()


def einval(fabric, path, text):
    with pytest.raises(OSError) as info:
        write(fabric, path, text)
    assert info.value.errno == errno.EINVAL
    return info.value.strerror


def test_create_connects_asynchronously(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'
    assert read(fabric, '/interfaces/veth1/vnic_state') == 'VNIC_UNINITIALIZED\n'
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_CONNECTED\n'
    assert read(fabric, '/interfaces/veth1/primary_path/link_state') == 'LINK_IDLING\n'
    assert read(fabric, '/interfaces/veth1/vnic_state') == 'VNIC_REGISTERED\n'
    assert read(fabric, '/interfaces/veth1/current_path') == 'primary_path\n'
    assert read(fabric, '/interfaces/veth1/primary_path/ioc_guid') == '66a01de000070\n'
    assert read(fabric, '/interfaces/veth1/primary_path/hca_info') == 'vnic-mlx4_0-1\n'
    assert read(fabric, '/interfaces/veth1/primary_path/heartbeat') == '100\n'


def test_zero_dgid_stays_idle(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary',
          'ioc_guid=00066a01de000070,dgid=' + '0' * 32 + ',pkey=ffff,name=veth1')
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/link_state') == 'INVALID STATE\n'
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'
    assert read(fabric, '/interfaces/veth1/current_path') == 'none\n'


def test_update_rules(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    fabric.clock.settle()
    assert 'already in connected state' in einval(fabric, '/vnic-mlx4_0-1/create_primary', IOC2 + ',name=veth1')
    fabric.event('port-down', {'port': 'mlx4_0:1'})
    assert 'are same as the existing one' in einval(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    assert 'is zero' in einval(fabric, '/vnic-mlx4_0-1/create_primary',
                               'ioc_guid=0,dgid=fe8000000000000000066a21de000070,pkey=ffff,name=veth1')
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC2 + ',name=veth1')  # disconnected: updated
    assert read(fabric, '/interfaces/veth1/primary_path/ioc_guid') == '66a02de000070\n'


def test_guid_and_instance_are_unique(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    assert 'already in use' in einval(fabric, '/vnic-mlx4_0-2/create_primary', IOC1 + ',name=veth2')
    write(fabric, '/vnic-mlx4_0-2/create_primary', IOC1 + ',name=veth2,instance=1')
    assert sorted(fabric.drivers['qlgc'].vnics) == ['veth1', 'veth2']


def test_secondary_needs_its_primary(fabric):
    assert 'does not exist' in einval(fabric, '/vnic-mlx4_0-2/create_secondary', IOC2 + ',name=veth1')
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    write(fabric, '/vnic-mlx4_0-2/create_secondary', IOC2 + ',name=veth1')
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/secondary_path/hca_info') == 'vnic-mlx4_0-2\n'
    fabric.event('ioc-remove', {'ioc': 'ioc1'})
    assert read(fabric, '/interfaces/veth1/current_path') == 'secondary path\n'


def test_delete_compares_the_raw_bytes(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    assert 'does not exist' in einval(fabric, '/interfaces/delete_vnic', 'veth1\n')
    assert 'invalid vnic interface name' in einval(fabric, '/interfaces/delete_vnic', 'x' * 17)
    write(fabric, '/interfaces/delete_vnic', 'veth1')
    with pytest.raises(OSError) as info:
        read(fabric, '/interfaces/veth1/vnic_state')
    assert info.value.errno == errno.ENOENT


def test_write_only_files_are_not_readable(fabric):
    with pytest.raises(OSError) as info:
        read(fabric, '/interfaces/delete_vnic')
    assert info.value.errno == errno.EACCES
    with pytest.raises(OSError) as info:
        write(fabric, '/interfaces', 'x')
    assert info.value.errno == errno.EISDIR


def test_hot_swap_drops_connected_paths_and_keeps_the_string(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',ioc_string="%s",name=veth1' % S1)
    fabric.clock.settle()
    result = fabric.event('hot-swap', {'ioc': 'ioc1'})
    fabric.clock.advance(64)
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'
    ioc = [i for i in fabric.state()['drivers']['qlgc']['iocs'] if i['id'] == 'ioc1'][0]
    assert ioc['string'] == S1 and ioc['guid'] == result['new']['guid'] != result['old']['guid']
    assert ioc['dgid'] == result['new']['dgid'] != result['old']['dgid']


def test_a_hot_swap_is_noticed_only_when_the_heartbeats_time_out(fabric):
    # 64 heartbeats: 64 s at the default heartbeat=100 (1/100 s), 6.4 s at heartbeat=10.
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    write(fabric, '/vnic-mlx4_0-2/create_primary',
          'ioc_guid=00066a02de000070,dgid=fe8000000000000000066a21de000070,pkey=ffff,name=veth2')
    write(fabric, '/vnic-mlx4_1-2/create_primary', IOC1 + ',name=veth3,instance=1,heartbeat=10')
    fabric.clock.settle()
    fabric.event('hot-swap', {'ioc': 'ioc1'})
    state = '/interfaces/%s/primary_path/viport_state'
    assert read(fabric, state % 'veth1') == read(fabric, state % 'veth3') == 'VIPORT_CONNECTED\n'
    fabric.clock.advance(6.3)
    assert read(fabric, state % 'veth3') == 'VIPORT_CONNECTED\n'
    fabric.clock.advance(0.2)
    assert read(fabric, state % 'veth3') == 'VIPORT_DISCONNECTED\n'
    fabric.clock.advance(57.4)
    assert read(fabric, state % 'veth1') == 'VIPORT_CONNECTED\n'
    fabric.event('clock-advance', {'seconds': '0.2'})
    assert read(fabric, state % 'veth1') == 'VIPORT_DISCONNECTED\n'
    assert read(fabric, state % 'veth2') == 'VIPORT_CONNECTED\n'   # another unit: untouched


def test_a_port_going_down_is_noticed_at_once_even_after_a_hot_swap(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    fabric.clock.settle()
    fabric.event('hot-swap', {'ioc': 'ioc1'})
    fabric.event('port-down', {'port': 'mlx4_0:1'})
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'


def test_late_ioc_connects_configured_paths_by_itself(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary',
          'ioc_guid=00066a01de000071,dgid=fe8000000000000000066a12de000071,pkey=ffff,name=veth1')
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/link_state') == 'LINK_RETRYWAIT\n'
    fabric.event('ioc-add', {'ioc': 'late'})
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_CONNECTED\n'


def test_port_down_and_up(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    fabric.clock.settle()
    fabric.event('port-down', {'hca': 'mlx4_0', 'port': '1'})
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'
    fabric.event('port-up', {'port': 'mlx4_0:1'})
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_CONNECTED\n'


def test_pkey_prints_in_network_order_on_little_endian_hosts(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1.replace('pkey=ffff', 'pkey=8001') + ',name=veth1')
    assert read(fabric, '/interfaces/veth1/primary_path/pkey') == '180\n'


def test_connect_that_never_completes(fabric):
    fabric.faults.add(kind='async', target='qlgc-connect', mode='never')
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'


def test_a_lost_connect_is_retried_and_connects_once_completions_arrive(fabric):
    fabric.faults.add(kind='async', target='qlgc-connect', mode='never', count=1)
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    fabric.clock.advance(1.0)
    assert read(fabric, '/interfaces/veth1/primary_path/link_state') == 'LINK_RETRYWAIT\n'
    fabric.clock.advance(RETRY_SECONDS + 1.0)   # the retry, then its (now undisturbed) completion
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_CONNECTED\n'


def test_writes_are_logged_with_their_outcome(fabric):
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    einval(fabric, '/vnic-mlx4_0-1/create_primary', 'name=x')
    assert [(w['path'].rsplit('/', 1)[1], w['result']) for w in fabric.writes] == [
        ('create_primary', 'ok'), ('create_primary', 'EINVAL')]
    assert fabric.write_count == 2


def test_path_faults(fabric):
    fabric.faults.add(kind='path', target=CLASS + '/vnic-*/create_primary', op='write', errno=errno.EIO, count=1)
    with pytest.raises(OSError) as info:
        write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')
    assert info.value.errno == errno.EIO
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')  # count=1: cleared


def test_a_trigger_takes_the_port_down_right_after_the_write(fabric):
    fabric.faults.add(kind='trigger', target=CLASS + '/vnic-mlx4_0-1/create_primary', mode='port-down',
                      args={'port': 'mlx4_0:1'}, count=1)
    write(fabric, '/vnic-mlx4_0-1/create_primary', IOC1 + ',name=veth1')   # the write itself succeeds
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth1/primary_path/viport_state') == 'VIPORT_DISCONNECTED\n'
    assert 'State = Down' in fabric.run_tool('ib_qlgc_vnic_query', ['-es'])['stdout']
    assert fabric.faults.faults == []   # fired once, as counted
    write(fabric, '/vnic-mlx4_0-2/create_primary', IOC2 + ',name=veth2')   # no trigger any more
    fabric.clock.settle()
    assert read(fabric, '/interfaces/veth2/primary_path/viport_state') == 'VIPORT_CONNECTED\n'
