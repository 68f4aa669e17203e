"""libvirt guests: the XML a domain shows, through libvirt's real test driver, by the
Python binding and by virsh (the host's, run from a sysroot)."""

import os
import shutil

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import libvirt_domains as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import GuestSourceError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.runner import Runner
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot

NODE = '''<node>
  <domain type='test'><name>web</name><uuid>7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0001</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>
    <interface type='bridge'><mac address='52:54:00:AA:00:01'/><source bridge='br0'/><target dev='vnet0'/></interface>
    <interface type='direct'><mac address='52:54:00:aa:00:02'/><source dev='eth5' mode='bridge'/></interface>
  </devices></domain>
  <domain type='test'><name>web server</name><uuid>7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0002</uuid><memory>1048576</memory>
    <os><type>hvm</type></os><devices>
    <interface type='bridge'><mac address='52:54:00:aa:00:04'/><source bridge='br1'/></interface>
  </devices></domain>
  <domain type='test'><name>1</name><uuid>7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0003</uuid><memory>1048576</memory>
    <os><type>hvm</type></os><devices>
    <interface type='bridge'><mac address='52:54:00:aa:00:05'/><source bridge='br1'/></interface>
  </devices></domain>
  <domain type='test'><name>42</name><uuid>7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0004</uuid><memory>1048576</memory>
    <os><type>hvm</type></os><devices>
    <interface type='bridge'><mac address='52:54:00:aa:00:06'/><source bridge='br1'/></interface>
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


EXPECTED = [('1', '52:54:00:aa:00:05', 'br1', ''), ('42', '52:54:00:aa:00:06', 'br1', ''),
            ('web', '52:54:00:aa:00:01', 'br0', ''), ('web', '52:54:00:aa:00:02', '', 'eth5'),
            ('web server', '52:54:00:aa:00:04', 'br1', '')]


def test_the_binding_lists_active_domains_only(uri):
    nics, how = glibvirt.active_nics(uri, None)
    assert how == 'libvirt-python' and summary(nics) == EXPECTED


@pytest.mark.skipif(not shutil.which('virsh'), reason='virsh is not installed (Debian libvirt-clients)')
def test_virsh_gives_the_same_answer(uri, tmp_path):
    """Every legal name: 'web server' (a space) and '1' (virsh takes digits for an id first, and
    'web' has id 1) are read by UUID; a whitespace split or a lookup by name lost them."""
    root = tmp_path / 'root'
    (root / 'usr/bin').mkdir(parents=True)
    os.symlink(shutil.which('virsh'), root / 'usr/bin/virsh')
    runner = Runner(Sysroot(str(root)))
    assert summary(glibvirt._nics_virsh(uri, runner)) == EXPECTED
    with pytest.raises(GuestSourceError) as info:
        glibvirt._nics_virsh('test:///nonexistent/node.xml', runner)
    assert str(info.value) == ("libvirt (test:///nonexistent/node.xml) through virsh: virsh list exited 1: error: "
                               "failed to connect to the hypervisor; error: XML error: failed to parse xml document "
                               "'/nonexistent/node.xml'")
    assert info.value.notes == ['libxml I/O warning: failed to load external entity "/nonexistent/node.xml"']


def test_unreachable_and_unparsable_are_errors(tmp_path, capfd):
    """libxml's raw 'I/O warning : failed to load external entity' never reaches stderr: it comes
    back as a structured note on the error."""
    with pytest.raises(GuestSourceError) as info:
        glibvirt.active_nics('test:///nonexistent/node.xml', None)
    assert str(info.value) == ("libvirt (test:///nonexistent/node.xml) is unreachable: XML error: failed to parse xml "
                               "document '/nonexistent/node.xml'")
    assert info.value.notes == ['libxml I/O warning: failed to load external entity "/nonexistent/node.xml"']
    assert capfd.readouterr() == ('', '')
    with pytest.raises(GuestSourceError):
        glibvirt.nics_from_xml('web', '<domain><devices>')


def test_uri_default_from_the_sysroot(tmp_path):
    sysroot = Sysroot(str(tmp_path))
    assert glibvirt.configured_uri(sysroot) is None
    (tmp_path / 'etc/libvirt').mkdir(parents=True)
    (tmp_path / 'etc/libvirt/libvirt.conf').write_text('#uri_default = "qemu:///session"\nuri_default = "test:///x"\n')
    assert glibvirt.configured_uri(sysroot) == 'test:///x'


@pytest.mark.parametrize('uri', ['qemu:///system', 'qemu:///session', 'test:///tmp/node.xml', 'qemu+unix:///system',
                                 'xen:///system', 'qemu:///system?mode=legacy', 'test:///default'])
def test_local_uris_are_accepted(uri):
    assert glibvirt.check_uri(uri, 'libvirt_uri') == uri


@pytest.mark.parametrize('uri, why', [
    ('qemu+ext:///system?command=/tmp/x', 'uses transport ext'),
    ('qemu+ssh://root@host/system', 'uses transport ssh'),
    ('qemu+libssh2://host/system', 'uses transport libssh2'),
    ('qemu+tls://host/system', 'uses transport tls'),
    ('qemu+tcp://host/system', 'uses transport tcp'),
    ('qemu://host/system', 'names a host (host)'),
    ('qemu://:16509/system', 'names a host (:16509)'),
    ('qemu+unix:///system?socket=/tmp/s', 'has the parameter socket=/tmp/s'),
    ('qemu:///system?command=/tmp/x', 'has the parameter command=/tmp/x'),
    ('qemu:///system?no_verify=1', 'has the parameter no_verify=1'),
    ('qemu:///system\ngc', 'is not a libvirt URI'),
    ('qemu:///a b', 'is not a libvirt URI'),
    ('-c:///system', 'is not a libvirt URI'),
    ('/system', 'is not a libvirt URI'),
    ('qemu:///system#x', 'is not a libvirt URI'),
])
def test_only_local_read_only_uris(uri, why):
    with pytest.raises(ValidationError) as info:
        glibvirt.check_uri(uri, 'libvirt_uri')
    assert info.value.field == 'libvirt_uri' and why in info.value.message


def test_uri_default_is_validated_the_same_way(tmp_path):
    (tmp_path / 'etc/libvirt').mkdir(parents=True)
    (tmp_path / 'etc/libvirt/libvirt.conf').write_text('uri_default = "qemu+ext:///system?command=/tmp/x"\n')
    with pytest.raises(ValidationError) as info:
        glibvirt.configured_uri(Sysroot(str(tmp_path)))
    assert str(info.value) == ("uri_default in /etc/libvirt/libvirt.conf: 'qemu+ext:///system?command=/tmp/x' uses "
                               "transport ext; only local connections are allowed (driver:/// or driver+unix:///): ext "
                               "runs a command and remote transports reach another host")


def test_virsh_output_that_is_not_a_uuid_is_an_error(tmp_path):
    root = tmp_path / 'root'
    (root / 'usr/bin').mkdir(parents=True)
    (root / 'usr/bin/virsh').write_text('#!/bin/sh\necho "web server"\n')
    (root / 'usr/bin/virsh').chmod(0o755)
    with pytest.raises(GuestSourceError) as info:
        glibvirt._nics_virsh('test:///x', Runner(Sysroot(str(root))))
    assert str(info.value) == "libvirt (test:///x): virsh list --uuid printed 'web server', which is not a UUID"


def test_a_partly_readable_listing_is_an_error_not_a_shorter_answer(tmp_path):
    """One domain's XML that cannot be read (other than 'gone since the listing') makes the whole
    source unreadable: the caller removes nothing, rather than trusting the domains it did read."""
    root = tmp_path / 'root'
    (root / 'usr/bin').mkdir(parents=True)
    (root / 'usr/bin/virsh').write_text(
        '#!/bin/sh\n'
        'case "$*" in\n'
        '  *"list --uuid"*) printf "%s\\n%s\\n" 7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0001 '
        '7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0002 ;;\n'
        '  *0001) echo "<domain><name>web</name><devices/></domain>" ;;\n'
        '  *) echo "error: internal error: cannot read the domain" >&2; exit 1 ;;\n'
        'esac\n')
    (root / 'usr/bin/virsh').chmod(0o755)
    with pytest.raises(GuestSourceError) as info:
        glibvirt._nics_virsh('test:///x', Runner(Sysroot(str(root))))
    assert str(info.value) == ('libvirt (test:///x): virsh dumpxml 7d0c5a4e-1b1a-4f6e-9d47-9a3c1f1f0002 failed: '
                               'error: internal error: cannot read the domain')
