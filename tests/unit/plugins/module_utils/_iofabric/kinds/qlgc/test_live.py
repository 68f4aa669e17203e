"""The qlgc live reader: a malformed attribute (read mid-change, NUL-padded, garbage) is an error
naming the attribute's path, and only that VNIC is reported failed; the module does not crash."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.pipeline import Request, run
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.kind import QlgcKind, QlgcOptions
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import read_vnics
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

GOOD = {'viport_state': 'VIPORT_CONNECTED', 'link_state': 'LINK_IDLING', 'heartbeat': '100',
        'ioc_guid': '66a01de000037', 'dgid': 'fe8000000000000000066a11de000037', 'pkey': 'ffff',
        'hca_info': 'vnic-mlx4_0-1', 'ioc_string': 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'}


def vnic_tree(root, name: str, **primary) -> str:
    directory = root / 'sys/class/infiniband_qlgc_vnic/interfaces' / name
    (directory / 'primary_path').mkdir(parents=True)
    for attr, text in {'vnic_state': 'VNIC_REGISTERED', 'rx_csum': 'true', 'tx_csum': 'true',
                       'current_path': 'primary_path'}.items():
        (directory / attr).write_bytes(text.encode() + b'\n')
    for attr, text in dict(GOOD, **primary).items():
        data = text if isinstance(text, bytes) else text.encode() + b'\n'
        (directory / 'primary_path' / attr).write_bytes(data)
    return str(directory)


@pytest.mark.parametrize('attr, value', [
    ('ioc_guid', b'66a01de000037\x00\x00\x00\n'),
    ('ioc_guid', b'\x00\x00\x00\x00'),
    ('ioc_guid', b'zz-not-hex\n'),
    ('dgid', b'fe80::2\n'),
    ('pkey', b'\x00ffff\n'),
    ('heartbeat', b'1\x0000\n'),
])
def test_a_malformed_attribute_is_an_error_naming_its_path(tmp_path, attr, value):
    directory = vnic_tree(tmp_path, 'veth0', **{attr: value})
    vnic_tree(tmp_path, 'veth1')
    vnics = read_vnics(Sysroot(str(tmp_path)))
    assert '%s/primary_path/%s: malformed value' % (directory, attr) in vnics['veth0'].error
    assert vnics['veth1'].error == '' and vnics['veth1'].paths['primary'].ioc_guid == '00066a01de000037'


def test_a_well_formed_vnic_reads_as_before(tmp_path):
    vnic_tree(tmp_path, 'veth0')
    path = read_vnics(Sysroot(str(tmp_path)))['veth0'].paths['primary']
    assert (path.ioc_guid, path.pkey, path.heartbeat, path.ibdev, path.port) == ('00066a01de000037', 0xffff, 100, 'mlx4_0', 1)
    assert path.connected and not path.idle


def test_a_module_run_reports_only_that_vnic_failed(tmp_path):
    """Was: a bare ValueError from int('66a01de000037\\x00\\x00', 16) crashed the run."""
    vnic_tree(tmp_path, 'veth0', ioc_guid=b'66a01de000037\x00\x00\x00\n')
    vnic_tree(tmp_path, 'veth1')
    (tmp_path / 'sys/class/infiniband_qlgc_vnic/vnic-mlx4_0-1').mkdir()   # the local port's control directory
    root = Sysroot(str(tmp_path))
    kind = QlgcKind(root, Runner(root), QlgcOptions(persist=False, connect_timeout=0))
    config = [{'name': name, 'primary': {'ioc_guid': '66a01de000037', 'dgid': 'fe8000000000000000066a11de000037',
                                         'pkey': 'ffff', 'hca': 'mlx4_0', 'port': 1, 'instance': instance}}
              for instance, name in enumerate(('veth0', 'veth1'))]
    result = run(kind, Request('merged', config, check_mode=True, fields=['config[0]', 'config[1]']), StateStore(root))
    failures = {item['object']: item['error'] for item in result['failures']}
    assert list(failures) == ['veth0']
    assert 'primary_path/ioc_guid: malformed value' in failures['veth0']
    assert not [action for action in result['actions'] if action['object'] == 'veth0']
