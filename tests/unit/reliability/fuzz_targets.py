"""The fuzz suite's registry: every function of the engine that parses text or bytes coming from the host or
its tools, each as the engine calls it, with real samples to mutate, the errors it documents and, where it
returns, what its value must satisfy.

``Target.covers`` names the functions (``<file under plugins/>:<function or Class.method>``) a target
exercises; test_parsers_and_builders.py checks that every parse_*/read_* function of plugins/ is covered
by a target or listed in EXEMPT with the reason, so a new parser cannot land unfuzzed.

Targets that read files write each input into a private sysroot under a temporary directory (the
parser then reads exactly those bytes, through the same sysfs/cfgfile readers as on a host).
"""

from __future__ import annotations

import atexit
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ParseError, StoreError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host import rtnl
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb import dcbnl
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.dcbtool import (
    fcoe_priorities_from_app, parse_dcbtool)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.reader import DcbReader, _feature
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.procs import processes
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib import mlx4_vnicd
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests import libvirt_domains as glibvirt
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import normal_mac
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.kind import FcoeKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe.live import interface_of
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.macvlan.kind import MacvlanKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.kind import QlgcKind
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.live import read_path
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi import live as sdi_live, use as sdi_use
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.metrics import parse_stamp
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import cfgfile
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.lock import HostLock
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import StateStore, StoreDocument

ROOT = tempfile.mkdtemp(prefix='iofabric-fuzz-')
atexit.register(shutil.rmtree, ROOT, True)
SYSROOT = Sysroot(ROOT)


@dataclass
class Target:
    call: object                   # text -> value (bytes targets: the text's UTF-8/surrogateescape bytes)
    seeds: list
    allowed: tuple                 # the errors the parser documents
    covers: tuple                  # '<file under plugins/>:<function>' this target exercises
    check: object = None           # value, text -> None; asserts the documented value
    known_bugs: tuple = ()         # (exception type, text in its message, report): a bug reported to its owner and
    #                                not fixed yet; its input counts apart (fuzz.json's known_bug_inputs)
    tool: bool = False             # tool output: decoded by host/runner with 'replace', so never a lone surrogate

    def text_of(self, text: str) -> str:
        return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace') if self.tool else text

    def known(self, exc: Exception) -> str:
        for kind, words, report in self.known_bugs:
            if isinstance(exc, kind) and words in str(exc):
                return report
        return ''


def _put(path: str, data: bytes, mode: int = 0o600) -> str:
    full = os.path.join(ROOT, path.lstrip('/'))
    os.makedirs(os.path.dirname(full), mode=0o700, exist_ok=True)
    fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return full


def raw(text: str) -> bytes:
    """The bytes a text stands for (lone surrogates are the undecodable bytes of a Latin-1 file)."""
    return text.encode('utf-8', 'surrogateescape')


# -- sdi ---------------------------------------------------------------------------------------
_DEVICE = sdi_live.LiveDevice('0:0:0:0', disk='sda')


def _counters(text: str):
    """First line: device_busy; the rest: /sys/block/sda/inflight."""
    busy, _sep, inflight = text.partition('\n')
    _put('/sys/class/scsi_device/0:0:0:0/device/device_busy', raw(busy))
    _put('/sys/block/sda/inflight', raw(inflight))
    return sdi_live.device_counters(SYSROOT, _DEVICE)


def _counters_check(value, text: str) -> None:
    busy, inflight, problem = value
    busy_text, _sep, inflight_text = text.partition('\n')
    words = inflight_text[:-1].split() if inflight_text.endswith('\n') else inflight_text.split()
    if not problem:   # fail closed: a count the kernel did not write is a problem, never a zero
        assert busy_text.strip().isascii() and busy_text.strip().isdigit() and busy == int(busy_text.strip())
        assert len(words) == 2 and inflight == (int(words[0]), int(words[1]))
    assert busy >= 0 and min(inflight) >= 0


def _serial(text: str) -> str:
    return sdi_live._serial(_put('/sys/fuzz/vpd_pg80', raw(text)))  # pylint: disable=protected-access


def _nodev(text: str) -> bool:
    return sdi_use._on_skipped_mount(_put('/proc/1/fdinfo/3', raw(text)), {25})  # pylint: disable=protected-access


def _dev_pair_check(value, text: str) -> None:
    if value is not None:
        major, minor = text.strip().split(':')
        assert (major + minor).isascii() and (int(major), int(minor)) == value


def _accounted(parse):
    """The parser with its malformed lines: every non-blank line is a row or a reported line (fail closed)."""
    def call(text: str) -> tuple:
        malformed: list = []
        return parse(text, malformed), malformed
    return call


def _mountinfo_check(value, text: str) -> None:
    mounts, malformed = value
    assert len(mounts) + len(malformed) == sum(1 for line in text.splitlines() if line.strip())
    for mount in mounts:
        assert mount.dev is None or all(isinstance(n, int) and n >= 0 for n in mount.dev)


def _swaps_check(value, text: str) -> None:
    rows, malformed = value
    assert len(rows) + len(malformed) == sum(1 for line in text.splitlines()[1:] if line.strip())


# -- fcoe ------------------------------------------------------------------------------------
_FCOE_SPEC = {'interface': 'eth2', 'enabled': True, 'dcb_required': True, 'auto_vlan': False, 'mode': 'vn2vn',
              'fip_resp': True}


def _fcoe_merge(text: str):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg
    return cfg.parse(cfg.merge_text(text, _FCOE_SPEC))


def _fcoe_merge_check(value, _text: str) -> None:
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg
    assert value.values == cfg.render_values(_FCOE_SPEC) and not value.ignored_by_fcoemon


# -- eoib --------------------------------------------------------------------------------------
def _mac_check(value, _text: str) -> None:
    assert value is None or glibvirt.re.fullmatch(r'[0-9a-f]{2}(:[0-9a-f]{2}){5}', value)


class _Tool:
    """A tool that prints the given text: the input the parser under test reads (not a mock of the parser)."""

    def __init__(self, outputs: dict, rc: int = 0):
        self.outputs, self.rc = outputs, rc

    def run(self, tool, args, check=True):   # pylint: disable=unused-argument
        key = next((word for word in args if word in self.outputs), tool)
        return type('Run', (), {'rc': self.rc, 'stdout': self.outputs[key], 'stderr': ''})()


LIBVIRT_XML = """<domain type='test'><name>vm1</name><devices>
  <interface type='bridge'><mac address='52:54:00:a1:00:01'/><source bridge='br0'/><target dev='vnet0'/></interface>
  <interface type='direct'><mac address='52:54:00:a1:00:04'/><source dev='eth5' mode='bridge'/>
    <target dev='macvtap0'/></interface></devices></domain>"""


def _virsh(text: str) -> list:
    return glibvirt._nics_virsh('test:///default', _Tool({'list': text, 'dumpxml': LIBVIRT_XML}))  # pylint: disable=protected-access


def _uri_default(text: str):
    _put('/etc/libvirt/libvirt.conf', raw(text), 0o644)
    return glibvirt.configured_uri(SYSROOT)


def _uri_check(value, _text: str) -> None:
    assert value is None or glibvirt.check_uri(value, 'uri') == value


def _vendor_daemon(text: str) -> list:
    """mlx4_vnicd's own argv (/proc/<pid>/cmdline, NUL-separated) and comm, as mlx4_vnicd.running reads them."""
    _put('/proc/4242/comm', b'mlx4_vnicd\n')
    _put('/proc/4242/cmdline', raw(text))
    return mlx4_vnicd.running(SYSROOT) + processes(SYSROOT)


# -- state -------------------------------------------------------------------------------------
STORE = StateStore(Sysroot(ROOT), owner='fuzz', lock_timeout=1)


def _store_seed() -> str:
    with STORE.locked():
        doc = STORE.load('qlgc')
        doc.declare('veth1', {'type': 'qlgc', 'name': 'veth1'})
        doc.observe('veth1', instance={'primary': 0}, status_since='2026-12-01T10:00:00Z')
        STORE.save(doc)
    with open(os.path.join(STORE.directory, 'qlgc.json'), encoding='utf-8') as handle:
        return handle.read()


def _store(text: str) -> StoreDocument:
    """A document as the store loads it (no seal: every input is validated), without the lock (a reader)."""
    for name in ('qlgc.json.valid',):
        try:
            os.unlink(os.path.join(STORE.directory, name))
        except FileNotFoundError:
            pass
    _put('/var/lib/iofabric/qlgc.json', raw(text))
    STORE.warnings.clear()
    return STORE.load('qlgc')


def _store_check(value, _text: str) -> None:
    # Fail closed: a document either validates whole or is not trusted at all (empty, with a warning).
    assert isinstance(value, StoreDocument)
    if STORE.warnings:
        assert value.objects == {} and value.observations == {}


def _holder(text: str) -> str:
    _put('/var/lib/iofabric/lock.holder', raw(text))
    return HostLock(os.path.join(ROOT, 'var/lib/iofabric'), 'fuzz', 1).holder()


def _cfgfile(text: str):
    _put('/etc/fuzz/cfg-eth1', raw(text), 0o644)
    return cfgfile.read(SYSROOT, '/etc/fuzz/cfg-eth1')


def _cfgfile_check(value, text: str) -> None:
    assert value.exists and value.encode(value.text) == raw(text)   # every byte kept, CRLF files included


def _machine_id(text: str) -> str:
    _put('/etc/machine-id', raw(text), 0o444)
    return MacvlanKind(SYSROOT).machine_id()


# -- dcb ---------------------------------------------------------------------------------------
def _dcbtool_reply(text: str):
    reply = parse_dcbtool(text)
    return _feature(reply, reply)


def _lldpad_ieee(text: str):
    """lldptool -V PFC -c enabled then -V APP -c app, as DcbReader reads them in IEEE mode."""
    pfc, _sep, app = text.partition('\n--\n')
    return DcbReader(_Tool({'PFC': pfc, 'APP': app})).lldpad_ieee('eth1')


def _app_entries(text: str) -> int:
    return fcoe_priorities_from_app(text.splitlines())


def _qlgc_path(text: str):
    """One VNIC path's sysfs attributes, one per line, in the order below."""
    names = ('viport_state', 'heartbeat', 'ioc_guid', 'dgid', 'pkey', 'hca_info', 'ioc_string')
    directory = '/sys/fuzz/qlgc/path'
    shutil.rmtree(os.path.join(ROOT, directory.lstrip('/')), ignore_errors=True)
    for name, value in zip(names, text.split('\n')):
        _put('%s/%s' % (directory, name), raw(value))
    return read_path(os.path.join(ROOT, directory.lstrip('/')))


# -- binary (netlink) ------------------------------------------------------------------------
class _Socket:
    """What the kernel sends on a dump: the given bytes, then NLMSG_DONE."""

    def __init__(self, data: bytes):
        self.replies = [data, rtnl._HEADER.pack(20, rtnl.NLMSG_DONE, 0, 1, 0) + b'\0' * 4]  # pylint: disable=protected-access

    def sendto(self, *_args):
        return 0

    def recv(self, _size):
        return self.replies.pop(0)


def _dump(data: bytes) -> list:
    return rtnl.dump_links(_Socket(data), netnsid=True)


def _frame(body: bytes, kind: int = rtnl.RTM_NEWLINK) -> bytes:
    return rtnl._HEADER.pack(rtnl._HEADER.size + len(body), kind, 2, 1, 0) + body  # pylint: disable=protected-access


BINARY = {
    # name: (parser of bytes, allowed errors, covers, known bugs)
    'rtnetlink RTM_NEWLINK': (lambda data: rtnl.parse_link(data, 0, len(data)), (struct.error,),
                              ('module_utils/_iofabric/host/rtnl.py:parse_link', 'module_utils/_iofabric/host/rtnl.py:attrs',
                               'module_utils/_iofabric/host/rtnl.py:all_attrs'), ()),
    'rtnetlink dump stream': (_dump, (rtnl.RtnlError,),
                              ('module_utils/_iofabric/host/rtnl.py:dump_links',), ()),
    'dcbnl attributes': (dcbnl._attrs, (), ('module_utils/_iofabric/host/dcb/dcbnl.py:_attr_list',), ()),  # pylint: disable=protected-access
}


def binary_seeds(bodies: list) -> dict:
    """Seeds per binary target, from real RTM_NEWLINK bodies of this host."""
    stream = b''.join(_frame(body) for body in bodies)
    return {'rtnetlink RTM_NEWLINK': bodies, 'rtnetlink dump stream': [stream],
            'dcbnl attributes': [body[16:] for body in bodies]}


def text_targets(sim: dict, fixtures) -> dict:
    """name -> Target. ``sim``: the simulator's renderings; ``fixtures(pattern)``: the reference samples."""
    mountinfo = ('22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n'
                 '30 22 8:1 / /boot rw,relatime shared:7 - ext4 /dev/sda1 rw\n'
                 '41 22 8:17 / /data\\040disk rw,nodev - xfs /dev/sdb1 rw,attr2\n')
    swaps = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sdc1   partition\t8388604\t\t0\t\t-2\n'
    fcoe_cfg = ('## Type:       yes/no\n## Default:    no\n# Enable/Disable FCoE service at the Ethernet port\n'
                'FCOE_ENABLE="yes"\nDCB_REQUIRED="yes"\nAUTO_VLAN="no"\nMODE="fabric"\nFIP_RESP="no"\n')
    vendor = 'mlx4_vnic_confd enable\nmlx4_vnicd=yes gc_enable=yes interval=5 vif_detect=yes log_level=info\n'
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import parse_cmd, parse_info
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg as fcoe_cfg_mod
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import cfg as qlgc_cfg
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import parse as parse_query
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.dcbtool import parse_lldptool_config
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import SdiKind
    mu = 'module_utils/_iofabric/'
    return {
        'ib_qlgc_vnic_query': Target(parse_query, fixtures('query_*.txt'), (ParseError,),
                                     (mu + 'kinds/qlgc/query.py:parse', mu + 'kinds/qlgc/query.py:dm_field_of'), tool=True),
        'qlgc_vnic.cfg': Target(qlgc_cfg.parse, fixtures('qlgc_vnic.cfg.sample'), (ParseError,), (mu + 'kinds/qlgc/cfg.py:parse',)),
        'qlgc state=parsed': Target(QlgcKind(None, None).parse, fixtures('qlgc_vnic.cfg.sample'), (ParseError,),
                                    (mu + 'kinds/qlgc/kind.py:QlgcKind.parse',)),
        'qlgc path sysfs attributes': Target(_qlgc_path, ['VIPORT_CONNECTED\n12\n66a0130000105\n' + 'fe80' + '0' * 12 +
                                                          '00066a0198000105\nffff\nvnic-mlx4_0-1\nChassis 0x00066A00010001CE, Slot 1'],
                                             (ParseError,), (mu + 'kinds/qlgc/live.py:read_path', mu + 'kinds/qlgc/live.py:read_vnic')),
        'fcoe cfg-<if>': Target(fcoe_cfg_mod.parse, [fcoe_cfg, fcoe_cfg_mod.merge_text('', {
            'interface': 'eth2', 'enabled': True, 'dcb_required': True, 'auto_vlan': False, 'mode': 'vn2vn',
            'fip_resp': True})], (ParseError,), (mu + 'kinds/fcoe/cfg.py:parse',)),
        # What fcoe_interface writes is what fcoemon then reads, whatever the admin's file held before.
        'fcoe cfg-<if> merge': Target(_fcoe_merge, [fcoe_cfg, '#' * 300 + '\nMODE= "fabric"\n'], (), (mu + 'kinds/fcoe/cfg.py:merge_text',),
                                      check=_fcoe_merge_check),
        'fcoe state=parsed': Target(FcoeKind(None, None).parse, [fcoe_cfg], (ParseError,), (mu + 'kinds/fcoe/kind.py:FcoeKind.parse',)),
        'fcoe fc_host symbolic_name': Target(interface_of, ['fcoe v0.1 over eth2.101', 'fcoe v0.1 over eth2 : npiv'], (),
                                             (mu + 'kinds/fcoe/live.py:interface_of', mu + 'kinds/fcoe/live.py:read_instances'),
                                             check=lambda value, text: value is None or value == text.split()[-1]),
        'lldpad clif reply': Target(_lldpad_clif_reply, list(CLIF_REPLIES), (ParseError,),
                                    (mu + 'host/dcb/clif.py:parse_reply', mu + 'host/dcb/clif.py:dcb_state',
                                     mu + 'host/dcb/clif.py:config', mu + 'host/dcb/clif.py:oper'), check=_lldpad_clif_check),
        'dcbtool': Target(parse_dcbtool, sim['dcbtool'], (ParseError,), (mu + 'host/dcb/dcbtool.py:parse_dcbtool',), tool=True),
        'dcbtool reply fields': Target(_dcbtool_reply, [sim['dcbtool'][1] + sim['dcbtool'][3], sim['dcbtool'][2] + sim['dcbtool'][4]], (ParseError,),
                                       (mu + 'host/dcb/reader.py:_feature', mu + 'host/dcb/reader.py:DcbReader.lldpad'), tool=True),
        'lldptool': Target(parse_lldptool_config, sim['lldptool'], (ParseError,), (mu + 'host/dcb/dcbtool.py:parse_lldptool_config',), tool=True),
        'lldptool IEEE PFC and APP': Target(_lldpad_ieee, ['\n--\n'.join(sim['lldptool'])], (ParseError,),
                                            (mu + 'host/dcb/reader.py:DcbReader.lldpad_ieee',),
                                            tool=True),
        'lldptool APP entries': Target(_app_entries, ['0:(3,1,0x8906) local hw (set)\n1:(4,2,3260) local hw (set)'], (ParseError,),
                                       (mu + 'host/dcb/dcbtool.py:fcoe_priorities_from_app',),
                                       tool=True),
        'mlx4_vnic vnic<N>-info': Target(parse_info, sim['info'], (ParseError,), (mu + 'kinds/eoib/live.py:parse_info',
                                                                                  mu + 'kinds/eoib/live.py:read_parents')),
        'mlx4_vnic vnic-<if>-cmd': Target(parse_cmd, sim['cmd'], (ParseError,), (mu + 'kinds/eoib/live.py:parse_cmd',)),
        'child MAC text (cmd, info, xenstore)': Target(normal_mac, ['52:54:00:A1:0:1', 'fe:54:00:a1:00:01\n'], (),
                                                       (mu + 'kinds/eoib/guests/xenstore.py:read_key',), check=_mac_check),
        # The vendor file may also hold two mlx4_vnicd= lines, which its daemon refuses: a ValidationError
        # that names vendor_daemon, so that the task says what to fix.
        'mlx4_vnic.conf': Target(lambda text: mlx4_vnicd.current(text, mlx4_vnicd.CONFIG), [vendor], (ParseError, ValidationError),
                                 (mu + 'kinds/eoib/mlx4_vnicd.py:parse_line',)),
        'mlx4_vnicd argv (/proc)': Target(_vendor_daemon, ['/usr/bin/python3\0/sbin/mlx4_vnicd\0gc_enable=yes\0interval=5\0'], (),
                                          (mu + 'host/procs.py:processes',)),
        # Unreadable guest XML is a guest source that cannot be read: the collector fails closed on it.
        'libvirt domain XML': Target(lambda text: glibvirt.nics_from_xml('vm1', text), [LIBVIRT_XML],
                                     (ParseError, glibvirt.GuestSourceError), (mu + 'kinds/eoib/guests/libvirt_domains.py:nics_from_xml',), tool=True),
        'virsh list --uuid': Target(_virsh, ['1c2d3e4f-0000-4000-8000-0123456789ab\n\n'], (glibvirt.GuestSourceError,),
                                    (mu + 'kinds/eoib/guests/libvirt_domains.py:_nics_virsh',), tool=True),
        'virsh stderr (libxml)': Target(glibvirt.split_libxml, ['error: failed to get domain \'x\'\nparser error : '
                                                                'Start tag expected\nI/O warning : failed to load\n'], (),
                                        (mu + 'kinds/eoib/guests/libvirt_domains.py:split_libxml',), tool=True),
        'libvirt.conf uri_default': Target(_uri_default, ['#uri_default = "qemu:///session"\nuri_default = "qemu:///system"\n',
                                                          "uri_default = 'test:///default'   # the test driver\n"],
                                           (ValidationError, IofabricError), (mu + 'kinds/eoib/guests/libvirt_domains.py:configured_uri',),
                                           check=_uri_check),
        'mountinfo': Target(_accounted(sdi_use.parse_mountinfo), [mountinfo], (ParseError,), (mu + 'kinds/sdi/use.py:parse_mountinfo',),
                            check=_mountinfo_check),
        'swaps': Target(_accounted(sdi_use.parse_swaps), [swaps], (ParseError,), (mu + 'kinds/sdi/use.py:parse_swaps',), check=_swaps_check),
        'sdi holders dev (major:minor)': Target(sdi_use._dev_pair, ['8:16\n', '253:4'], (),  # pylint: disable=protected-access
                                                (mu + 'kinds/sdi/use.py:_walk',), check=_dev_pair_check),
        'sdi device_busy and inflight': Target(_counters, ['0\n       0        0\n', '3\n       1        2\n'], (),
                                               (mu + 'kinds/sdi/live.py:device_counters', mu + 'host/sysfs.py:read_attr', mu + 'host/sysfs.py:read_attr_or'),
                                               check=_counters_check),
        'sdi vpd_pg80': Target(_serial, [raw('\0\x80\0\x08SER12345').decode('utf-8', 'surrogateescape')], (), (mu + 'kinds/sdi/live.py:_serial',),
                               check=lambda value, text: isinstance(value, str)),
        'sdi fdinfo mnt_id': Target(_nodev, ['pos:\t0\nflags:\t0100000\nmnt_id:\t25\nino:\t7\n'], (),
                                    (mu + 'kinds/sdi/use.py:_read_openers',),
                                    check=lambda value, text: value in (True, False)),
        # sdi_device state=parsed: /proc/scsi/scsi as fabricsim renders it (scsi_proc.c's format).
        '/proc/scsi/scsi': Target(SdiKind(None, None).parse, [sim['proc_scsi']], (ParseError,), (mu + 'kinds/sdi/kind.py:SdiKind.parse',)),
        'store document (JSON)': Target(_store, [_store_seed()], (StoreError,),
                                        (mu + 'state/store.py:StateStore.load', mu + 'state/store.py:_parse', mu + 'state/store.py:_read_text'),
                                        check=_store_check),
        'lock holder (JSON)': Target(_holder, ['{"owner": "iofabric", "pid": 42, "since": "2026-12-01T10:00:00Z"}'], (),
                                     (mu + 'state/lock.py:HostLock.holder',), check=lambda value, text: isinstance(value, str)),
        'vendor config file bytes': Target(_cfgfile, ['FCOE_ENABLE="yes"\r\nMODE="fabric"\r\n', '# caf\udce9\nX=1\n'],
                                           (IofabricError,), (mu + 'state/cfgfile.py:read',), check=_cfgfile_check),
        'store stamps (status_since)': Target(parse_stamp, ['2026-12-01T10:00:00Z'], (),
                                              (mu + 'reconciler/metrics.py:parse_stamp', mu + 'core/utc.py:parse'),
                                              check=lambda value, text: value is None or isinstance(value, float)),
        '/etc/machine-id': Target(_machine_id, ['0123456789abcdef0123456789abcdef\n'], (), (mu + 'kinds/macvlan/kind.py:MacvlanKind.machine_id',),
                                  check=lambda value, text: isinstance(value, str) and value),
    }


# -- lldpad's client socket (host/dcb/clif.py): a reply datagram, read against the request it echoes ----------------------
def _lldpad_clif_reply(text: str):
    """Read as the reader reads it: against the one of fcoemon's five requests whose header the reply echoes (the DCB
    state request when it echoes none); a reply that is not that request's raises ParseError, counted as refused."""
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb import clif
    data = text.encode('utf-8', 'surrogateescape')
    asked = [(command, feature, clif.request(command, feature, clif.SUBTYPE_FCOE, 'eth2'))
             for command, feature in ((clif.CMD_GET_CONFIG, clif.FEATURE_DCB), (clif.CMD_GET_CONFIG, clif.FEATURE_PFC),
                                      (clif.CMD_GET_CONFIG, clif.FEATURE_APP), (clif.CMD_GET_OPER, clif.FEATURE_PFC),
                                      (clif.CMD_GET_OPER, clif.FEATURE_APP))]
    command, feature, sent = next((item for item in asked if data[3:].startswith(item[2])), asked[0])
    reply = clif.parse_reply(sent, data)
    if reply.status != 0:
        return reply.status
    if feature == clif.FEATURE_DCB:
        return clif.dcb_state(reply)
    return clif.config(reply) if command == clif.CMD_GET_CONFIG else clif.oper(reply, feature)


def _lldpad_clif_check(value, text: str) -> None:
    assert isinstance(value, (bool, int, tuple)) or 0 <= value.priorities <= 0xff, value


CLIF_REPLIES = ['R00C301010004eth21', 'R00C301030004eth2111000100008', 'R00C301050004eth21110208',
                'R00C303030004eth20000001100010000x', 'R00C303050004eth2000000110208', 'R08C301010004eth2',
                'R09C303030004eth2']
