import os

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import SysrootError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'sys' / 'class' / 'net').mkdir(parents=True)
    (tmp_path / 'usr' / 'sbin').mkdir(parents=True)
    return tmp_path


def test_paths_resolve_under_the_root(root):
    sysroot = Sysroot(str(root))
    assert sysroot.path('/sys/class/net', 'eth0') == str(root / 'sys/class/net/eth0')
    assert sysroot.to_system(sysroot.path('/sys/class/net', 'eth0')) == '/sys/class/net/eth0'


def test_host_root_is_identity():
    assert Sysroot('/').path('/sys/class/net', 'lo') == '/sys/class/net/lo'


@pytest.mark.parametrize('component', ['..', '.', 'a/b', '../etc', '', 'x\0y'])
def test_traversal_in_components_is_refused(root, component):
    with pytest.raises(SysrootError):
        Sysroot(str(root)).path('/sys/class/net', component)


@pytest.mark.parametrize('system_path', ['sys/class', '/sys/../etc', '/etc/../../x'])
def test_system_paths_must_be_absolute_and_plain(root, system_path):
    with pytest.raises(SysrootError):
        Sysroot(str(root)).path(system_path)


def test_symlink_out_of_the_root_is_refused(root, tmp_path_factory):
    outside = tmp_path_factory.mktemp('outside')
    os.symlink(str(outside), str(root / 'sys' / 'class' / 'escape'))
    sysroot = Sysroot(str(root))
    with pytest.raises(SysrootError, match='outside the sysroot'):
        sysroot.path('/sys/class/escape', 'file')


def test_symlink_inside_the_root_is_allowed(root):
    (root / 'sys' / 'devices').mkdir()
    os.symlink('../devices', str(root / 'sys' / 'class' / 'inside'))
    assert Sysroot(str(root)).path('/sys/class/inside', 'attr').endswith('/sys/class/inside/attr')


def test_root_must_exist_and_be_absolute(tmp_path):
    with pytest.raises(SysrootError):
        Sysroot('relative/root')
    with pytest.raises(SysrootError):
        Sysroot(str(tmp_path / 'missing'))


def test_tools_are_found_only_under_the_root(root):
    tool = root / 'usr' / 'sbin' / 'mytool'
    tool.write_text('#!/bin/sh\n')
    tool.chmod(0o755)
    sysroot = Sysroot(str(root))
    assert sysroot.tool('mytool') == str(tool)
    assert sysroot.tool('ls') is None
    with pytest.raises(SysrootError):
        sysroot.tool('../bin/ls')
