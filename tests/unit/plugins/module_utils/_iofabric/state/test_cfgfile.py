"""The one vendor config writer: every unmanaged byte kept, mode/owner kept, symlinks kept inside the root
and never followed out of it. Each fixture is CRLF, carries a Latin-1 comment, is 0640 and owned by a
non-root group, and is reached through a symlink; the mergers are the real ones of each file."""

import os
import stat

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg as fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import mlx4_vnicd as mlx4
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import cfg as qlgc
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysrootError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.spec import normalize
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

LATIN1 = '# Réseau géré à la main, ne pas toucher\n'.encode('latin-1')
IOC = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'


def crlf(text: str) -> bytes:
    return text.replace('\n', '\r\n').encode('ascii')


def qlgc_merge(text):
    spec = normalize({'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': IOC, 'port': 1, 'hca': 'mlx4_0'}},
                     'config[0]')[1]
    return qlgc.merge_text(text, [spec], [], own_file=False)[0]


def fcoe_merge(text):
    return fcoe.merge_text(text, {'interface': 'eth2', 'enabled': True, 'dcb_required': False, 'auto_vlan': True,
                                  'mode': 'fabric', 'fip_resp': False})


def mlx4_merge(text):
    return mlx4.merge_text(text, mlx4.desired(mlx4.current(text, mlx4.CONFIG), {'state': 'collector_off'}))


CASES = {
    'qlgc': ('/etc/infiniband/qlgc_vnic.cfg', crlf('{CREATE; NAME="eioc9";\n\tPRIMARY={ IOCGUID=0x00066a0130000009; '
                                                   'INSTANCE=0; PORT=1; }\n}\n'), qlgc_merge, b'eioc9'),
    'fcoe': ('/etc/fcoe/cfg-eth2', crlf('FCOE_ENABLE="no"\nDCB_REQUIRED="yes"\nMY_SITE_KEY="kept"\n'), fcoe_merge,
             b'MY_SITE_KEY="kept"'),
    'mlx4': ('/etc/infiniband/mlx4_vnic.conf', crlf('# site settings\nmlx4_vnicd=yes ioa=eth4 gc_enable=yes\n'),
             mlx4_merge, b'ioa=eth4'),
}


def install(root, system_path: str, content: bytes):
    """The file lives in a site directory inside the root; the vendor path is a relative symlink to it."""
    target = root / 'site' / os.path.basename(system_path)
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(LATIN1.replace(b'\n', b'\r\n') + content)
    os.chown(target, 0, 4343)
    os.chmod(target, 0o640)
    link = root / system_path.lstrip('/')
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(target, link.parent))
    return link, target


@pytest.mark.parametrize('name', sorted(CASES))
def test_a_merge_keeps_every_unmanaged_byte_mode_owner_and_the_symlink(tmp_path, name):
    system_path, content, merge, kept = CASES[name]
    link, target = install(tmp_path, system_path, content)
    config = cfgfile.read(Sysroot(str(tmp_path)), system_path)
    new_text = merge(config.text)
    assert new_text != config.text
    config.write(new_text)
    raw = target.read_bytes()
    assert raw.startswith(LATIN1.replace(b'\n', b'\r\n'))      # the Latin-1 comment, byte for byte
    assert kept in raw
    assert raw.count(b'\n') == raw.count(b'\r\n')               # every line still CRLF, new ones included
    assert link.is_symlink() and os.path.realpath(link) == str(target)
    status = target.stat()
    assert (stat.S_IMODE(status.st_mode), status.st_uid, status.st_gid) == (0o640, 0, 4343)
    again = cfgfile.read(Sysroot(str(tmp_path)), system_path)
    assert merge(again.text) == again.text                      # idempotent: a second run writes nothing


@pytest.mark.parametrize('name', sorted(CASES))
def test_a_symlink_out_of_the_root_is_refused_before_reading(tmp_path, name):
    system_path = CASES[name][0]
    root, outside = tmp_path / 'root', tmp_path / 'outside'
    outside.mkdir()
    (outside / 'shadow').write_text('root:SECRET-HASH:19000::::::\n')
    link = root / system_path.lstrip('/')
    link.parent.mkdir(parents=True)
    link.symlink_to(outside / 'shadow')
    with pytest.raises(SysrootError, match='outside the sysroot') as info:
        cfgfile.read(Sysroot(str(root)), system_path)
    assert 'SECRET' not in str(info.value)
    assert (outside / 'shadow').read_text() == 'root:SECRET-HASH:19000::::::\n'


def test_a_missing_file_is_created_0644_and_a_dangling_symlink_inside_the_root_is_kept(tmp_path):
    (tmp_path / 'etc' / 'fcoe').mkdir(parents=True)
    (tmp_path / 'etc' / 'fcoe' / 'cfg-eth3').symlink_to('../../site/cfg-eth3')
    config = cfgfile.read(Sysroot(str(tmp_path)), '/etc/fcoe/cfg-eth3')
    assert not config.exists and config.text == ''
    config.write('FCOE_ENABLE="yes"\n')
    assert (tmp_path / 'etc' / 'fcoe' / 'cfg-eth3').is_symlink()
    assert (tmp_path / 'site' / 'cfg-eth3').read_text() == 'FCOE_ENABLE="yes"\n'
    assert stat.S_IMODE((tmp_path / 'site' / 'cfg-eth3').stat().st_mode) == 0o644


def test_mixed_line_ends_are_kept_as_they_are(tmp_path):
    path = tmp_path / 'etc' / 'infiniband' / 'mlx4_vnic.conf'
    path.parent.mkdir(parents=True)
    path.write_bytes(b'# a\r\n# b\nmlx4_vnicd=yes gc_enable=yes\r\n# c')
    config = cfgfile.read(Sysroot(str(tmp_path)), mlx4.CONFIG)
    config.write(mlx4_merge(config.text))
    assert path.read_bytes() == b'# a\r\n# b\nmlx4_vnicd=yes gc_enable=no\r\n# c'


def test_undecodable_bytes_are_shown_replaced_never_as_surrogates():
    text = (LATIN1 + b'x\n').decode('utf-8', 'surrogateescape')
    shown = cfgfile.printable(text)
    shown.encode('utf-8')   # a lone surrogate would raise here
    assert '\ufffd' in shown and shown.endswith('x\n')


def test_a_fifo_is_refused_not_read(tmp_path):
    path = tmp_path / 'etc' / 'fcoe' / 'cfg-eth4'
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(Exception, match='not a regular file'):
        cfgfile.read(Sysroot(str(tmp_path)), '/etc/fcoe/cfg-eth4')
