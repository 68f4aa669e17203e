"""The mlx4_vnicd= line of mlx4_vnic.conf, and finding a running mlx4_vnicd in /proc."""

import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import mlx4_vnicd as vendor
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

CONF = '''# host-administered vNics
name=eth44 mac=00:25:8B:27:14:78 ib_port=mlx4_0:1 vid=3 vnic_id=5 bx=00:00:00:00:00:00:04:B2 eport=A10
mlx4_vnicd=yes ioa=mlx4_0:1 max_iter=0
name=eth45 mac=00:25:8B:27:15:78 ib_port=mlx4_0:1       vnic_id=6 bx=00:00:00:00:00:00:05:B2 eport=A10
'''


def test_collects_only_for_the_exact_lower_case_yes():
    assert vendor.parse_line('mlx4_vnicd=yes').collects            # gc_enable defaults to yes
    assert not vendor.parse_line('mlx4_vnicd=yes gc_enable=YES').collects  # the loop tests == "yes"
    assert not vendor.parse_line('mlx4_vnicd=no gc_enable=yes').collects
    assert not vendor.parse_line('mlx4_vnicd=yes gc_enable=no').collects


def test_collector_off_keeps_the_other_parameters_and_lines():
    old = vendor.current(CONF, 'conf')
    new = vendor.desired(old, {'state': 'collector_off', 'interval': 10, 'vif_detect': True})
    assert new.render() == 'mlx4_vnicd=yes ioa=mlx4_0:1 max_iter=0 gc_enable=no interval=10 vif_detect=yes'
    text = vendor.merge_text(CONF, new)
    assert text.splitlines()[2] == new.render()
    assert [line for n, line in enumerate(text.splitlines()) if n != 2] == \
        [line for n, line in enumerate(CONF.splitlines()) if n != 2]


def test_states():
    assert vendor.desired(None, {'state': 'unmanaged'}) is None
    assert vendor.desired(None, {'state': 'disabled'}).render() == 'mlx4_vnicd=no'
    assert vendor.desired(None, {'state': 'collector_on'}).render() == 'mlx4_vnicd=yes gc_enable=yes'
    assert vendor.merge_text('', vendor.desired(None, {'state': 'disabled'})) == 'mlx4_vnicd=no\n'


def test_two_daemon_lines_are_refused():
    with pytest.raises(ValidationError) as info:
        vendor.current('mlx4_vnicd=yes\nmlx4_vnicd=no\n', '/etc/infiniband/mlx4_vnic.conf')
    assert info.value.field == 'vendor_daemon' and 'has 2 mlx4_vnicd= lines' in str(info.value)


def fake_proc(root, pid, comm, argv):
    directory = os.path.join(root, 'proc', str(pid))
    os.makedirs(directory)
    with open(os.path.join(directory, 'comm'), 'w', encoding='ascii') as handle:
        handle.write(comm + '\n')
    with open(os.path.join(directory, 'cmdline'), 'w', encoding='ascii') as handle:
        handle.write('\0'.join(argv) + '\0')


def test_running_daemons_by_comm_or_script_argument(tmp_path):
    fake_proc(str(tmp_path), 101, 'python', ['/usr/bin/python', '/sbin/mlx4_vnicd', 'interval=5'])
    fake_proc(str(tmp_path), 102, 'mlx4_vnicd', ['/usr/bin/python', '/sbin/mlx4_vnicd', 'gc_enable=no'])
    fake_proc(str(tmp_path), 103, 'bash', ['bash', '-c', 'echo mlx4_vnicd'])
    found = {d.pid: d for d in vendor.running(Sysroot(str(tmp_path)))}
    assert sorted(found) == [101, 102]
    assert found[101].collects and found[101].params == {'interval': '5'}
    assert not found[102].collects
