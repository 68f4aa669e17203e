import errno
import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysfsError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import (
    exists,
    list_dir,
    read_attr,
    read_attr_or,
    read_link_name,
    write_attr,
)


def test_read_strips_exactly_one_newline(tmp_path):
    path = tmp_path / 'attr'
    path.write_bytes(b'VIPORT_CONNECTED\n')
    assert read_attr(str(path)) == 'VIPORT_CONNECTED'
    path.write_bytes(b'two\n\n')
    assert read_attr(str(path)) == 'two\n'
    assert read_attr(str(path), strip_newline=False) == 'two\n\n'


def test_read_missing_maps_errno(tmp_path):
    with pytest.raises(SysfsError) as info:
        read_attr(str(tmp_path / 'missing'))
    assert info.value.errno == errno.ENOENT
    assert info.value.errno_name == 'ENOENT'
    assert 'missing' in str(info.value)
    assert read_attr_or(str(tmp_path / 'missing'), 'dflt') == 'dflt'


def test_read_of_a_write_only_attribute_is_permission_denied(sim):
    # kernfs refuses to open an attribute without show() for reading, even for root.
    with pytest.raises(SysfsError) as info:
        read_attr(sim.path('/sys/class/infiniband_qlgc_vnic/interfaces/delete_vnic'))
    assert info.value.errno == errno.EACCES
    assert info.value.operation == 'read'


def test_einval_from_the_kernel_is_typed(sim):
    path = sim.path('/sys/class/infiniband_qlgc_vnic/vnic-mlx4_0-1/create_primary')
    with pytest.raises(SysfsError) as info:
        write_attr(path, b'name=x', hint='see dmesg')
    assert info.value.errno == errno.EINVAL and info.value.errno_name == 'EINVAL'
    assert 'Invalid argument' in str(info.value) and 'see dmesg' in str(info.value)


def test_read_refuses_a_symlinked_attribute(tmp_path):
    (tmp_path / 'real').write_text('x\n')
    os.symlink(str(tmp_path / 'real'), str(tmp_path / 'link'))
    with pytest.raises(SysfsError) as info:
        read_attr(str(tmp_path / 'link'))
    assert info.value.errno == errno.ELOOP


def test_write_is_exact_bytes(tmp_path):
    path = tmp_path / 'create'
    path.write_bytes(b'')
    write_attr(str(path), b'name=veth1')
    assert path.read_bytes() == b'name=veth1'


def test_write_takes_bytes_only(tmp_path):
    with pytest.raises(TypeError):
        write_attr(str(tmp_path / 'x'), 'text')


def test_write_errno_carries_path_and_hint(tmp_path):
    with pytest.raises(SysfsError) as info:
        write_attr(str(tmp_path / 'nodir' / 'attr'), b'1', hint='try again')
    assert info.value.errno == errno.ENOENT
    assert 'try again' in str(info.value)
    assert info.value.details() == {'path': str(tmp_path / 'nodir' / 'attr'), 'errno': 'ENOENT'}


def test_list_and_links(tmp_path):
    (tmp_path / 'b').mkdir()
    (tmp_path / 'a').write_text('')
    os.symlink('../devices/x', str(tmp_path / 'l'))
    assert list_dir(str(tmp_path)) == ['a', 'b', 'l']
    assert list_dir(str(tmp_path / 'none')) == []
    assert read_link_name(str(tmp_path / 'l')) == 'x'
    assert read_link_name(str(tmp_path / 'a')) is None
    assert exists(str(tmp_path / 'l')) and not exists(str(tmp_path / 'none'))
