"""The kernel caches fabricsim's pages and attributes (fabricsim/fuse_mount.py); what it serves
must still be what the model says at that moment: a stale cached value is a fidelity bug.

Every check reads through the mount twice or more (the second read is the cached one), then
changes the model (a write, an event, a fault) and reads again.
"""

import errno
import os

import pytest

PARAMS = '/sys/module/libfcoe/parameters'
CLASS = '/sys/class/infiniband_qlgc_vnic'
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
GOOD = ('ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff,ioc_string="%s",name=veth1' % S1)


def write(sim, system_path: str, data: bytes) -> None:
    with open(sim.path(system_path), 'wb', buffering=0) as handle:
        handle.write(data)


def test_a_write_is_never_read_back_from_the_page_it_went_through(sim):
    """The written bytes pass through the file's page; the next read shows the model's value,
    also when the written text has the length of the value read before."""
    path = PARAMS + '/debug_logging'
    assert sim.read(path) == '0\n' and sim.read(path) == '0\n'
    for data in (b'1', b'7\n', b'123456'):
        write(sim, path, data)   # accepted, ignored: the value stays 0
        assert sim.read(path) == '0\n', data


@pytest.mark.parametrize('written, shown', [(b'074', '60\n'), (b'0x1e', '30\n'), (b'7', '7\n'), (b'1000', '1000\n')])
def test_a_written_value_is_read_as_the_kernel_parses_it(sim, written, shown):
    path = PARAMS + '/fcf_dev_loss_tmo'
    before = sim.read(path)
    assert sim.read(path) == before
    write(sim, path, written)
    assert sim.read(path) == shown and sim.read(path) == shown


def test_a_failed_write_leaves_the_value_read_before(sim):
    path = PARAMS + '/fcf_dev_loss_tmo'
    write(sim, path, b'45')
    assert sim.read(path) == '45\n'
    with pytest.raises(OSError) as failed:
        write(sim, path, b'4x')
    assert failed.value.errno == errno.EINVAL
    assert sim.read(path) == '45\n'


def test_an_event_changes_what_the_next_read_shows(sim):
    path = '/sys/class/net/eth1/operstate'
    assert sim.read(path) == 'up\n' and sim.read(path) == 'up\n'
    sim.event('link-down', name='eth1')
    assert sim.read(path) == 'down\n'
    sim.event('link-up', name='eth1')
    assert sim.read(path) == 'up\n'


def test_a_read_fault_hides_a_cached_value_until_it_is_cleared_or_spent(sim):
    path = PARAMS + '/fcf_dev_loss_tmo'
    value = sim.read(path)
    assert sim.read(path) == value
    sim.fault(kind='path', op='read', target=path, errno='EIO')
    for _number in range(2):
        with pytest.raises(OSError) as failed:
            sim.read(path)
        assert failed.value.errno == errno.EIO
    sim.clear_faults()
    assert sim.read(path) == value and sim.read(path) == value
    sim.fault(kind='path', op='read', target=path, errno='EIO', count=1)
    with pytest.raises(OSError):
        sim.read(path)
    assert sim.read(path) == value


def test_listings_and_lookups_follow_a_hot_plug(sim):
    interfaces = CLASS + '/interfaces'
    before = sorted(os.listdir(sim.path(interfaces)))
    assert sorted(os.listdir(sim.path(interfaces))) == before and 'veth1' not in before
    assert not os.path.exists(sim.path(interfaces + '/veth1'))
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD.encode())
    assert sorted(os.listdir(sim.path(interfaces))) == sorted(before + ['veth1'])
    name = interfaces + '/veth1/primary_path/ioc_string'
    assert sim.read(name) == S1 + '\n' and sim.read(name) == S1 + '\n'
    write(sim, interfaces + '/delete_vnic', b'veth1')
    assert sorted(os.listdir(sim.path(interfaces))) == before
    assert not os.path.exists(sim.path(interfaces + '/veth1'))
    with pytest.raises(FileNotFoundError):
        sim.read(name)


def test_a_clock_advance_changes_a_cached_state(sim):
    """Values that change with the clock change through the model's timers, which invalidate."""
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD.encode())
    state = CLASS + '/interfaces/veth1/primary_path/viport_state'
    sim.event('clock-advance', seconds=5)
    assert sim.read(state) == 'VIPORT_CONNECTED\n' and sim.read(state) == 'VIPORT_CONNECTED\n'
    sim.event('hot-swap', ioc='ioc1')
    assert sim.read(state) == 'VIPORT_CONNECTED\n'   # the heartbeats have not timed out yet
    sim.event('clock-advance', seconds=64)
    assert sim.read(state) == 'VIPORT_DISCONNECTED\n'


def test_a_failed_lookup_is_not_kept_past_the_change_that_creates_the_path(sim):
    """Failed lookups are cached (negative dentries, as kernfs keeps them) until the next change: a
    path looked up before it exists is found right after a write, a link event or a reset creates it."""
    secondary = CLASS + '/interfaces/veth1/secondary_path/viport_state'
    for _attempt in range(2):   # the second lookup of each is answered by the kernel's negative dentry
        assert not os.path.exists(sim.path(CLASS + '/interfaces/veth1'))
        assert not os.path.exists(sim.path('/sys/class/net/vnic0'))
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD.encode())
    assert sim.read(CLASS + '/interfaces/veth1/primary_path/ioc_string') == S1 + '\n'
    for _attempt in range(2):
        assert not os.path.exists(sim.path(secondary))
    write(sim, CLASS + '/vnic-mlx4_0-2/create_secondary',
          b'ioc_guid=00066a02de000070,dgid=fe8000000000000000066a21de000070,pkey=ffff,name=veth1')
    assert os.path.exists(sim.path(secondary))
    sim.event('link-add', name='vnic0', kind='veth', peer='vnic0p')
    assert os.path.exists(sim.path('/sys/class/net/vnic0'))
    write(sim, CLASS + '/interfaces/delete_vnic', b'veth1')
    for _attempt in range(2):
        assert not os.path.exists(sim.path(CLASS + '/interfaces/veth1'))
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD.encode())
    assert os.path.exists(sim.path(CLASS + '/interfaces/veth1/primary_path/viport_state'))
