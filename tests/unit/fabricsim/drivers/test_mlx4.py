"""The simulated mlx4_vnic against the reference (ib_vnic_eoib.md part 2): flat files,
formats, child writes that always succeed and complete later, learning on transmit."""

import errno

import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load

MODULE = '/sys/module/mlx4_vnic'


@pytest.fixture
def fabric():
    fabric = Fabric(load('small'), ManualClock())
    fabric.start()
    return fabric


def names(fabric):
    return fabric.node(MODULE).list()


def children(fabric, parent):
    return fabric.state()['drivers']['mlx4_vnic'][parent]['children']


def settle(fabric, seconds=1.0):
    fabric.clock.advance(seconds)


def test_the_flat_layout(fabric):
    listing = names(fabric)
    for name in ('host_add_mlx4_0_1', 'host_del_mlx4_0_1', 'gws_mlx4_0_1', 'vnic1-info', 'vnic1-child',
                 'vnic1-neigh', 'vnic1-qps', 'vnic1-member', 'vnic-eth4-cmd', 'vnic-eth1.c16385-cmd'):
        assert name in listing, name
    assert all(len(name) <= 32 for name in listing)  # VNIC_SYSFS_FLEN


def test_info_keys_are_left_justified_to_14_columns(fabric):
    lines = fabric.read(MODULE + '/vnic1-info').decode().splitlines()
    assert lines[0] == 'NETDEV_NAME   eth4'
    assert all(line[:14].rstrip() and line[13] == ' ' for line in lines)
    assert 'CHILD_VNICS   3/128' in lines and 'MAC           00:25:8b:27:14:78' in lines


def test_child_cmd_lines_follow_vnic_child_update(fabric):
    line = fabric.read(MODULE + '/vnic-eth1.c16385-cmd').decode()
    assert line == ('name=eth1.c16385 mac=52:54:00:a1:00:01 vnic_id=16385 vid=N/A bxname=N/A '
                    'bxguid=00:02:c9:03:00:11:61:67 eport=A10 ipv4=N/A ipv6=N/A emac=N/A pkey=N/A parent=eth4 '
                    'ib_port=mlx4_0:1\n')


def test_host_add_syntax_line_and_the_twelve_fields(fabric):
    assert fabric.read(MODULE + '/host_add_mlx4_0_1').decode().split() == [
        'name=%s', 'mac=%s', 'vnic_id=%s', 'vid=%s', 'bxname=%s', 'bxguid=%s', 'eport=%s', 'ipv4=%s', 'ipv6=%s',
        'emac=%s', 'pkey=%s', 'parent=%s']
    with pytest.raises(OSError) as info:
        fabric.write(MODULE + '/host_add_mlx4_0_1', b'name=eth9 mac=00:25:8b:00:00:09 vnic_id=9')
    assert info.value.errno == errno.EINVAL


def test_child_writes_always_succeed_and_complete_later(fabric):
    child = MODULE + '/vnic1-child'
    for bad in (b'52:54:00:a1:00:09', b'*52:54:00:a1:00:09', b'+01:00:5e:00:00:01', b'+00:00:00:00:00:00',
                b'+52:54:00:a1:00'):
        with pytest.raises(OSError) as info:
            fabric.write(child, bad)
        assert info.value.errno == errno.EINVAL, bad
    fabric.write(child, b'-52:54:00:a1:00:02\n')  # a trailing newline is fine (sscanf)
    fabric.write(child, b'-52:54:00:ff:ff:ff')    # unknown: a no-op, still success
    fabric.write(child, b'+00:25:8b:27:14:78')    # the parent's own MAC: ignored
    assert '52:54:00:a1:00:02' in children(fabric, 'eth4')
    settle(fabric)
    assert sorted(children(fabric, 'eth4')) == ['52:54:00:a1:00:01', '52:54:00:a1:00:03']
    assert 'vnic-eth1.c16386-cmd' not in names(fabric)


def test_a_lost_completion_never_happens(fabric):
    fabric.faults.add(kind='async', target='mlx4-child', mode='never')
    fabric.write(MODULE + '/vnic1-child', b'-52:54:00:a1:00:02')
    settle(fabric, 60)
    assert '52:54:00:a1:00:02' in children(fabric, 'eth4')


def test_child_max(fabric):
    fabric.drivers['mlx4_vnic'].child_max = 3
    fabric.write(MODULE + '/vnic1-child', b'+52:54:00:a1:00:09')
    settle(fabric)
    assert len(children(fabric, 'eth4')) == 3  # "too many child vNics": a kernel warning only


def test_learning_needs_a_promiscuous_parent(fabric):
    mlx4 = fabric.drivers['mlx4_vnic']
    netdevs = fabric.drivers['netdevs']
    assert mlx4.transmit('eth4', '52:54:00:a1:00:0a') is True   # a bridge port
    netdevs.set('eth4', master=None, promisc=False)
    assert mlx4.transmit('eth4', '52:54:00:a1:00:0b') is False
    settle(fabric)
    assert '52:54:00:a1:00:0a' in children(fabric, 'eth4') and '52:54:00:a1:00:0b' not in children(fabric, 'eth4')
    assert 'UCAST_PROMISC no' in fabric.read(MODULE + '/vnic1-info').decode()
