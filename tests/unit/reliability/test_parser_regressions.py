"""One test per parser bug the fuzz suite found in the engine, with the input that showed it."""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import libvirt_domains as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi import live as sdi_live, use as sdi_use
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock


@pytest.mark.parametrize('digit', ['\u00b2', '\u0663'])   # int() refuses '²' and reads '٣' as 3
def test_mountinfo_numbers_are_the_kernels_ascii_digits(digit):
    line = '22 1 8:%s / / rw - ext4 /dev/sda2 rw\n' % digit
    assert sdi_use.parse_mountinfo(line)[0].dev is None
    assert sdi_use.parse_mountinfo('%s2 1 8:2 / / rw - ext4 /dev/sda2 rw\n' % digit)[0].mount_id == -1
    assert sdi_use._dev_pair('8:%s' % digit) is None  # pylint: disable=protected-access


@pytest.mark.parametrize('busy,inflight', [('\u00b2', '0 0'), ('0', '\u0663 0'), ('-1', '0 0'), ('0', '0 -2')])
def test_device_counters_that_are_not_the_kernels_counts_fail_closed(tmp_path, busy, inflight):
    (tmp_path / 'sys/class/scsi_device/0:0:0:0/device').mkdir(parents=True)
    (tmp_path / 'sys/class/scsi_device/0:0:0:0/device/device_busy').write_text(busy + '\n')
    (tmp_path / 'sys/block/sda').mkdir(parents=True)
    (tmp_path / 'sys/block/sda/inflight').write_text(inflight + '\n')
    _busy, _inflight, problem = sdi_live.device_counters(Sysroot(str(tmp_path)), sdi_live.LiveDevice('0:0:0:0', disk='sda'))
    assert problem   # reported as unseen evidence, never read as zero (or as 3)


def test_a_lock_holder_nested_past_the_recursion_limit_is_no_holder(tmp_path):
    fd = os.open(tmp_path / 'lock.holder', os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'[' * 2000)
    os.close(fd)
    assert HostLock(str(tmp_path), 'test', 1).holder() == ''
    os.unlink(tmp_path / 'lock.holder')
    fd = os.open(tmp_path / 'lock.holder', os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, json.dumps({'owner': 'x', 'pid': 1, 'since': 's'}).encode())
    os.close(fd)
    assert HostLock(str(tmp_path), 'test', 1).holder() == 'x (pid 1) since s'


def _conf(tmp_path, data: bytes) -> Sysroot:
    (tmp_path / 'etc/libvirt').mkdir(parents=True, exist_ok=True)
    (tmp_path / 'etc/libvirt/libvirt.conf').write_bytes(data)
    return Sysroot(str(tmp_path))


def test_uri_default_is_read_line_by_line(tmp_path):
    """The whole-file pattern's \\s* ran across lines: 40,000 blank characters took 4 s, quadratically more
    after. Counted, not timed: the file is read once, and each line matched once with fullmatch."""
    sysroot = _conf(tmp_path, b' \n' * 200_000 + b'uri_default = "test:///default"\n')
    assert glibvirt.configured_uri(sysroot) == 'test:///default'   # the old pattern: about 400 s on this file
    assert not glibvirt._URI_DEFAULT.flags & re.MULTILINE  # pylint: disable=protected-access


@pytest.mark.parametrize('text,uri', [
    (b"uri_default = 'test:///default'\n", 'test:///default'),
    (b'uri_default = "test:///default"  # the test driver\r\n', 'test:///default'),
    (b'# caf\xe9 (Latin-1)\nuri_default="qemu:///system"\nuri_default = "test:///x"\n', 'qemu:///system'),
    (b'\n', None),
])
def test_uri_default_as_virconf_writes_it(tmp_path, text, uri):
    assert glibvirt.configured_uri(_conf(tmp_path, text)) == uri


@pytest.mark.parametrize('text', [b'uri_default = qemu:///system\n', b'uri_default = "qemu:///system" extra\n',
                                  b'uri_default = "caf\xe9:///x"\n', b'uri_default = "qemu://]/system"\n'])
def test_a_uri_default_that_does_not_parse_is_refused_naming_the_field(tmp_path, text):
    with pytest.raises(ValidationError) as info:
        glibvirt.configured_uri(_conf(tmp_path, text))
    assert info.value.field == 'uri_default in /etc/libvirt/libvirt.conf'


def test_a_uri_with_a_lone_bracket_is_a_validation_error():
    with pytest.raises(ValidationError) as info:   # urlsplit raised a bare ValueError ("Invalid IPv6 URL")
        glibvirt.check_uri('qemu://]/system', 'libvirt_uri')
    assert info.value.field == 'libvirt_uri'


def test_uri_default_never_through_a_symlink_out_of_the_root(tmp_path):
    outside = tmp_path / 'outside.conf'
    outside.write_text('uri_default = "test:///default"\n')
    root = tmp_path / 'root'
    (root / 'etc/libvirt').mkdir(parents=True)
    (root / 'etc/libvirt/libvirt.conf').symlink_to(outside)
    with pytest.raises(Exception) as info:
        glibvirt.configured_uri(Sysroot(str(root)))
    assert 'outside the sysroot' in str(info.value)


def test_vnic_numbers_and_xen_ports_are_ascii_digits(tmp_path):
    """\\d took '٣' (int() reads it as 3): a file vnic٣-info would have made vnic3-child the parent's child file."""
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import xenstore
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import read_parents
    module = tmp_path / 'sys/module/mlx4_vnic'
    module.mkdir(parents=True)
    (module / 'vnic\u0663-info').write_text('NETDEV_NAME   eth4\n')
    (module / 'vnic7-info').write_text('NETDEV_NAME   eth5\n')
    parents = read_parents(Sysroot(str(tmp_path)))
    assert sorted(parents) == ['eth5'] and parents['eth5'].child_file == 'vnic7-child'
    assert xenstore.backend_key('vif\u0663.0') is None
    assert xenstore.backend_key('vif3.0-emu') == '/local/domain/0/backend/vif/3/0/mac'


@pytest.mark.parametrize('mountinfo,swaps,unseen', [
    ('22 1 8:2 / / rw - ext4 /dev/sda2 rw\n30 22 8:17 /data\n', 'Filename Type Size Used Priority\n',
     "1 line(s) of /proc/self/mountinfo could not be read (line 2: '30 22 8:17 /data')"),
    ('22 1 8:2 / / rw - ext4 /dev/sda2 rw\n', 'Filename Type Size Used Priority\n/dev/sdc1\n',
     "1 line(s) of /proc/swaps could not be read (line 2: '/dev/sdc1')"),
])
def test_a_mount_or_swap_that_cannot_be_read_is_unseen_evidence(tmp_path, mountinfo, swaps, unseen):
    """It was dropped: a mount or a swap the parser could not read protected nothing. Now it is 'unseen',
    which no force overrides."""
    (tmp_path / 'proc/self').mkdir(parents=True)
    (tmp_path / 'proc/self/mountinfo').write_text(mountinfo)
    (tmp_path / 'proc/swaps').write_text(swaps)
    use = sdi_use.read_host_use(Sysroot(str(tmp_path)))
    assert unseen in use.unseen
    assert sdi_use.blocking([sdi_use.Evidence('unseen', unseen)], force=True)


# -- /etc/fcoe/cfg-<if> as fcoemon's fgets() loop reads it (fcm_read_config_variable) ------------------------
def _fcoe():
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg
    return cfg


@pytest.mark.parametrize('text,values,ignored', [
    ('FCOE_ENABLE= "yes"\n', {}, True),                                  # no white space is skipped before the value
    ('FCOE_ENABLE="yes"\r\nMODE="vn2vn"\r\n', {'FCOE_ENABLE': 'yes', 'MODE': 'vn2vn'}, False),
    ('# old\x0cFCOE_ENABLE="no"\nFCOE_ENABLE="yes"\n', {'FCOE_ENABLE': 'yes'}, False),   # a form feed ends no line
    ('FCOE_ENABLE="yes"\0junk\n', {'FCOE_ENABLE': 'yes'}, False),         # a C string ends at the NUL
    ('#' * 254 + 'FCOE_ENABLE="no"\nFCOE_ENABLE="yes"\n', {'FCOE_ENABLE': 'no'}, False),   # read in 254-byte pieces
    ('FCOE_ENABLE=\udce9yes\udce9\n', {'FCOE_ENABLE': 'yes'}, False),     # Latin-1 quotes: only ASCII alnum is refused
    ('FCOE_ENABLE=\u00e9yes\u00e9\n', {'FCOE_ENABLE': '\udca9yes\udcc3'}, False),   # bytes: a UTF-8 é is two
])
def test_fcoe_cfg_reads_as_fcoemon_does(text, values, ignored):
    parsed = _fcoe().parse(text)
    assert parsed.values == values and parsed.ignored_by_fcoemon is ignored


SPEC = {'interface': 'eth2', 'enabled': True, 'dcb_required': False, 'auto_vlan': True, 'mode': 'vn2vn', 'fip_resp': False}


@pytest.mark.parametrize('old', ['', 'FCOE_ENABLE= "no"\n', '#' * 254 + 'MODE="fabric"\nMODE="fabric"\n',
                                 'X=1\x0cFCOE_ENABLE="no"', 'DCB_REQUIRED="yes"\0\r\n# caf\udce9\n'])
def test_fcoe_merge_writes_what_fcoemon_then_reads(old):
    cfg = _fcoe()
    parsed = cfg.parse(cfg.merge_text(old, SPEC))
    assert parsed.values == cfg.render_values(SPEC) and not parsed.ignored_by_fcoemon
