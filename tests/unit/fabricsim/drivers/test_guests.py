"""The simulated guests: libvirt's real test driver over the node XML, xenstore stand-ins,
and the links a guest plugs in (in process: the model's netdevs)."""

import libvirt
import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load


@pytest.fixture
def fabric(tmp_path):
    fabric = Fabric(load('small'), ManualClock(), root=str(tmp_path))
    fabric.start()
    return fabric


def domains(fabric):
    uri = fabric.drivers['guests'].uri
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.openReadOnly(uri)
    try:
        return {d.name(): bool(d.isActive()) for d in conn.listAllDomains()}
    finally:
        conn.close()


def test_the_node_xml_is_a_real_libvirt_connection(fabric, tmp_path):
    assert domains(fabric) == {'vm1': True, 'vm2': True, 'vm3': True, 'vm4': True}
    conf = (tmp_path / 'etc/libvirt/libvirt.conf').read_text()
    assert 'uri_default = "test://%s/var/lib/fabricsim/libvirt/node.xml"' % tmp_path in conf


def test_stop_start_and_migrate_rewrite_it(fabric):
    fabric.event('guest-stop', {'name': 'vm2'})
    fabric.event('guest-migrate', {'name': 'vm3', 'direction': 'out'})
    assert domains(fabric) == {'vm1': True, 'vm2': False, 'vm4': True}
    fabric.event('guest-migrate', {'name': 'vm3', 'direction': 'in'})
    fabric.event('guest-start', {'name': 'vm2'})
    assert domains(fabric) == {'vm1': True, 'vm2': True, 'vm3': True, 'vm4': True}


def test_libvirt_down_makes_the_connection_fail(fabric):
    fabric.event('libvirt-down', {})
    with pytest.raises(libvirt.libvirtError):
        domains(fabric)
    fabric.event('libvirt-up', {})
    assert len(domains(fabric)) == 4


def test_ports_follow_the_guests(fabric):
    devices = fabric.drivers['netdevs'].devices
    assert devices['vnet1'].master == devices['br0'].index and devices['vnet1'].address == 'fe:54:00:a1:00:02'
    assert devices['macvtap0'].lower == devices['eth5'].index and devices['macvtap0'].address == '52:54:00:a1:00:04'
    assert devices['vif7.0'].address == 'fe:ff:ff:ff:ff:ff'
    fabric.event('guest-stop', {'name': 'vm2'})
    assert 'vnet1' not in fabric.drivers['netdevs'].devices


def test_xenstore_stand_ins(fabric):
    assert fabric.run_tool('xenstore-read', ['/local/domain/0/backend/vif/7/0/mac'])['stdout'] == '00:16:3e:00:00:07\n'
    assert fabric.run_tool('xenstore-list', ['/local/domain'])['stdout'] == '0\n7\n'
    missing = fabric.run_tool('xenstore-read', ['/local/domain/0/backend/vif/8/0/mac'])
    assert missing['rc'] == 1 and "couldn't read path" in missing['stderr']
    fabric.event('guest-stop', {'name': 'xg7'})
    assert fabric.run_tool('xenstore-list', ['/local/domain'])['stdout'] == '0\n'
    fabric.event('xenstore-down', {})
    assert fabric.run_tool('xenstore-read', ['/local/domain/0/name'])['rc'] == 1
    assert fabric.read('/proc/xen/capabilities') == b'control_d\n'


def test_transmit_learns_on_the_parent_the_frame_leaves_by(fabric):
    fabric.event('guest-stop', {'name': 'vm1'})
    fabric.write('/sys/module/mlx4_vnic/vnic1-child', b'-52:54:00:a1:00:01')
    fabric.clock.advance(1)
    fabric.event('guest-start', {'name': 'vm1'})
    result = fabric.event('guest-transmit', {'name': 'vm1'})
    assert result['learned'] == [['eth4', '52:54:00:a1:00:01']]
    fabric.clock.advance(1)
    assert '52:54:00:a1:00:01' in fabric.state()['drivers']['mlx4_vnic']['eth4']['children']
