"""Which SCSI devices are there: the reconciler's cheap listing agrees with the full read."""

import os

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import present_addresses, read_devices


def device(root, address, state='running'):
    base = root / 'sys/class/scsi_device' / address / 'device'
    base.mkdir(parents=True)
    if state is not None:
        (base / 'state').write_text(state + '\n')
        (base / 'vendor').write_text('Linux   \n')


def test_present_addresses_are_the_devices_read_devices_returns(tmp_path):
    device(tmp_path, '1:0:0:0')
    device(tmp_path, '1:0:1:0', state='offline')
    device(tmp_path, '1:0:2:0', state=None)          # going away: its attributes are gone already
    os.makedirs(tmp_path / 'sys/block')
    sysroot = Sysroot(str(tmp_path))
    assert present_addresses(sysroot) == {'1:0:0:0', '1:0:1:0'} == set(read_devices(sysroot))


def test_no_scsi_class_is_no_device(tmp_path):
    assert present_addresses(Sysroot(str(tmp_path))) == set()
