"""libvirt guests: the XML a domain shows, through libvirt's real test driver, by the
Python binding and by virsh (the host's, run from a sysroot)."""

import os
import shutil

import pytest

from ansible_collections.iofabric.core.plugins.module_utils import _guest_libvirt as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils._guest_libvirt import GuestSourceError
from ansible_collections.iofabric.core.plugins.module_utils._runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._sysroot import Sysroot

NODE = '''<node>
  <domain type='test'><name>web</name><memory>1048576</memory><os><type>hvm</type></os><devices>
    <interface type='bridge'><mac address='52:54:00:AA:00:01'/><source bridge='br0'/><target dev='vnet0'/></interface>
    <interface type='direct'><mac address='52:54:00:aa:00:02'/><source dev='eth5' mode='bridge'/></interface>
  </devices></domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>off</name><memory>1048576</memory>
    <os><type>hvm</type></os><devices>
    <interface type='bridge'><mac address='52:54:00:aa:00:03'/><source bridge='br0'/></interface>
  </devices><test:runstate>5</test:runstate></domain>
</node>
'''


@pytest.fixture
def uri(tmp_path):
    path = tmp_path / 'node.xml'
    path.write_text(NODE)
    return 'test://%s' % path


def summary(nics):
    return sorted((n.domain, n.mac, n.bridge, n.device) for n in nics)


EXPECTED = [('web', '52:54:00:aa:00:01', 'br0', ''), ('web', '52:54:00:aa:00:02', '', 'eth5')]


def test_the_binding_lists_active_domains_only(uri):
    nics, how = glibvirt.active_nics(uri, None)
    assert how == 'libvirt-python' and summary(nics) == EXPECTED


@pytest.mark.skipif(not shutil.which('virsh'), reason='virsh is not installed (Debian libvirt-clients)')
def test_virsh_gives_the_same_answer(uri, tmp_path):
    root = tmp_path / 'root'
    (root / 'usr/bin').mkdir(parents=True)
    os.symlink(shutil.which('virsh'), root / 'usr/bin/virsh')
    runner = Runner(Sysroot(str(root)))
    assert summary(glibvirt._nics_virsh(uri, runner)) == EXPECTED
    with pytest.raises(GuestSourceError) as info:
        glibvirt._nics_virsh('test:///nonexistent/node.xml', runner)
    assert 'through virsh' in str(info.value)


def test_unreachable_and_unparsable_are_errors(tmp_path):
    with pytest.raises(GuestSourceError) as info:
        glibvirt.active_nics('test:///nonexistent/node.xml', None)
    assert 'is unreachable' in str(info.value)
    with pytest.raises(GuestSourceError):
        glibvirt.nics_from_xml('web', '<domain><devices>')


def test_uri_default_from_the_sysroot(tmp_path):
    sysroot = Sysroot(str(tmp_path))
    assert glibvirt.configured_uri(sysroot) is None
    (tmp_path / 'etc/libvirt').mkdir(parents=True)
    (tmp_path / 'etc/libvirt/libvirt.conf').write_text('#uri_default = "qemu:///session"\nuri_default = "test:///x"\n')
    assert glibvirt.configured_uri(sysroot) == 'test:///x'
