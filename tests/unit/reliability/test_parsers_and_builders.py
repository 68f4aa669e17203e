"""Every parser of tool output, kernel text and configuration files, under property-based tests and a
bounded mutation fuzzer: each one either parses or raises the project's error, never anything else.
And the create-string builder, with values from the whole character space: it refuses the value, or
the kernel's own parsing (fabricsim's copy of vnic_parse_options) reads back exactly what was meant.

The fuzzer mutates real samples (the reference's outputs, and the simulator's renderings of the
formats the reference gives byte for byte): flips, inserts, deletions, repeats, splices and cuts.
IOFABRIC_FUZZ_ITERATIONS sets the inputs per parser (4,000; make soak, 100,000); the counts
go to build/reliability/fuzz.json.
"""

from __future__ import annotations

import glob
import json
import os
import random
import socket
import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.fcoe import cfg as fcoe_cfg
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc import cfg as qlgc_cfg
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host import rtnl
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.dcbtool import parse_dcbtool, parse_lldptool_config
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.live import parse_cmd, parse_info
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ParseError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import GuestSourceError, nics_from_xml
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.mlx4_vnicd import current as vendor_line
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.createstr import CreateParams, build
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import parse as parse_query
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import parse_mountinfo, parse_swaps
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import SdiKind
from fabricsim.clock import ManualClock
from fabricsim.drivers.qlgc_parser import CreateStringError, parse as kernel_parse
from fabricsim.fabric import Fabric
from fabricsim.scenario import load
from tests.lib.ansible_run import REPO

ITERATIONS = int(os.environ.get('IOFABRIC_FUZZ_ITERATIONS', '4000'))
FIXTURES = os.path.join(REPO, 'tests', 'fixtures')
LIBVIRT_XML = """<domain type='test'><name>vm1</name><devices>
  <interface type='bridge'><mac address='52:54:00:a1:00:01'/><source bridge='br0'/><target dev='vnet0'/></interface>
  <interface type='direct'><mac address='52:54:00:a1:00:04'/><source dev='eth5' mode='bridge'/>
    <target dev='macvtap0'/></interface></devices></domain>"""
MOUNTINFO = ('22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n'
             '30 22 8:1 / /boot rw,relatime shared:7 - ext4 /dev/sda1 rw\n'
             '41 22 8:17 / /data rw - xfs /dev/sdb1 rw,attr2\n')
SWAPS = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sdc1   partition\t8388604\t\t0\t\t-2\n'
FCOE_CFG = ('## Type:       yes/no\n## Default:    no\n# Enable/Disable FCoE service at the Ethernet port\n'
            'FCOE_ENABLE="yes"\nDCB_REQUIRED="yes"\nAUTO_VLAN="no"\nMODE="fabric"\nFIP_RESP="no"\n')
VENDOR = 'mlx4_vnic_confd enable\nmlx4_vnicd=yes gc_enable=yes interval=5 vif_detect=yes log_level=info\n'


def _fixture(pattern: str) -> list:
    found = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, pattern))):
        with open(path, encoding='utf-8') as handle:
            found.append(handle.read())
    return found


def _simulated_outputs() -> dict:
    """What the simulator renders for the tools and kernel files (the reference's formats)."""
    fabric = Fabric(load('small'), ManualClock())
    dcbtool = [fabric.run_tool('dcbtool', args)['stdout'] for args in (
        ['gc', 'eth1', 'dcb'], ['gc', 'eth1', 'pfc'], ['gc', 'eth1', 'app:fcoe'], ['go', 'eth1', 'pfc'],
        ['go', 'eth2', 'app:fcoe'], ['gc', 'eth3', 'dcb'], ['gc', 'nosuch', 'pfc'])]
    lldptool = [fabric.run_tool('lldptool', ['-t', '-i', 'eth1', '-V', name, '-c', item])['stdout']
                for name, item in (('PFC', 'enabled'), ('APP', 'app'))]
    flat = '/sys/module/mlx4_vnic'
    names = fabric.node(flat).list()
    info = [fabric.read('%s/%s' % (flat, name)).decode() for name in names if name.endswith('-info')]
    cmd = [fabric.read('%s/%s' % (flat, name)).decode() for name in names if name.endswith('-cmd')]
    return {'dcbtool': dcbtool, 'lldptool': lldptool, 'info': info, 'cmd': cmd}


def _dump_bytes() -> list:
    """Real RTM_NEWLINK bodies from this host's namespace."""
    sock = rtnl.open_socket(None)
    try:
        request = rtnl._IFINFO.pack(socket.AF_UNSPEC, 0, 0, 0, 0)  # pylint: disable=protected-access
        header = rtnl._HEADER  # pylint: disable=protected-access
        sock.sendto(header.pack(header.size + len(request), rtnl.RTM_GETLINK, rtnl.NLM_F_REQUEST | rtnl.NLM_F_DUMP,
                                9, 0) + request, (0, 0))
        bodies, done = [], False
        while not done:
            data = sock.recv(1 << 20)
            offset = 0
            while offset + header.size <= len(data):
                length, kind = struct.unpack_from('=IH', data, offset)
                if kind == rtnl.NLMSG_DONE:
                    done = True
                    break
                if kind == rtnl.RTM_NEWLINK:
                    bodies.append(data[offset + header.size:offset + length])
                offset += (length + 3) & ~3
        return bodies
    finally:
        sock.close()


def _proc_scsi_scsi() -> str:
    """/proc/scsi/scsi as fabricsim renders it (scsi_proc.c's format), from a kernel built with CONFIG_SCSI_PROC_FS."""
    scenario = load('small')
    scenario['scsi'] = dict(scenario['scsi'], proc_fs=True)
    return Fabric(scenario, ManualClock()).read('/proc/scsi/scsi').decode()


SIM = _simulated_outputs()
# name: (the parser as the engine calls it, its seeds, the errors it may raise)
PARSERS = {
    'ib_qlgc_vnic_query': (parse_query, _fixture('query_*.txt'), (ParseError,)),
    'qlgc_vnic.cfg': (qlgc_cfg.parse, _fixture('qlgc_vnic.cfg.sample'), (ParseError,)),
    'fcoe cfg-<if>': (fcoe_cfg.parse, [FCOE_CFG, fcoe_cfg.merge_text('', {
        'interface': 'eth2', 'enabled': True, 'dcb_required': True, 'auto_vlan': False, 'mode': 'vn2vn',
        'fip_resp': True})], (ParseError,)),
    'dcbtool': (parse_dcbtool, SIM['dcbtool'], (ParseError,)),
    'lldptool': (parse_lldptool_config, SIM['lldptool'], (ParseError,)),
    'mlx4_vnic vnic<N>-info': (parse_info, SIM['info'], (ParseError,)),
    'mlx4_vnic vnic-<if>-cmd': (parse_cmd, SIM['cmd'], (ParseError,)),
    # The vendor file may also hold two mlx4_vnicd= lines, which its daemon refuses: a ValidationError
    # that names vendor_daemon, so that the task says what to fix.
    'mlx4_vnic.conf': (lambda text: vendor_line(text, '/etc/infiniband/mlx4_vnic.conf'), [VENDOR],
                       (ParseError, ValidationError)),
    # Unreadable guest XML is a guest source that cannot be read: the collector fails closed on it.
    'libvirt domain XML': (lambda text: nics_from_xml('vm1', text), [LIBVIRT_XML], (ParseError, GuestSourceError)),
    'mountinfo': (parse_mountinfo, [MOUNTINFO], (ParseError,)),
    'swaps': (parse_swaps, [SWAPS], (ParseError,)),
    # sdi_device state=parsed: /proc/scsi/scsi as fabricsim renders it (scsi_proc.c's format).
    '/proc/scsi/scsi': (SdiKind(None, None).parse, [_proc_scsi_scsi()], (ParseError,)),
}
SPICE = ['"', ',', '=', '\n', '\r', '\t', '\0', '\\', ' ', '{', '}', ';', ':', '0x', 'ffff', '\u00e9', '\ufffd',
         '\x1b[31m', 'Status:', 'HCA No = ', '<', '>', '&', 'mlx4_vnicd=', ' - ']


def mutate(rng: random.Random, seeds: list) -> str:
    text = rng.choice(seeds)
    for _step in range(rng.randint(1, 4)):
        where = rng.randint(0, len(text))
        kind = rng.randrange(7)
        if kind == 0:     # replace a character
            text = text[:where] + chr(rng.choice((rng.randrange(0, 0x80), rng.randrange(0x80, 0x3000)))) + \
                text[where + 1:]
        elif kind == 1:   # insert something that means something to some parser
            text = text[:where] + rng.choice(SPICE) + text[where:]
        elif kind == 2:   # delete a span
            text = text[:where] + text[where + rng.randint(1, 40):]
        elif kind == 3:   # repeat a span
            span = text[where:where + rng.randint(1, 80)]
            text = text[:where] + span * rng.randint(2, 5) + text[where:]
        elif kind == 4:   # splice in a piece of another sample
            other = rng.choice(seeds)
            start = rng.randint(0, len(other))
            text = text[:where] + other[start:start + rng.randint(1, 120)] + text[where:]
        elif kind == 5:   # cut
            text = text[:where]
        else:             # swap two lines
            lines = text.split('\n')
            if len(lines) > 1:
                a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[a], lines[b] = lines[b], lines[a]
            text = '\n'.join(lines)
    return text


def outcome(parser, allowed: tuple, text) -> str:
    try:
        parser(text)
    except allowed:
        return 'refused'
    return 'parsed'


@pytest.mark.parametrize('name', sorted(PARSERS))
def test_each_parser_parses_its_real_samples(name):
    parser, seeds, _allowed = PARSERS[name]
    assert seeds
    for text in seeds:
        parser(text)


@pytest.mark.parametrize('name', sorted(PARSERS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_arbitrary_text_parses_or_raises_the_projects_error(name, text):
    parser, _seeds, allowed = PARSERS[name]
    outcome(parser, allowed, text)


def test_bounded_mutation_fuzzing_of_every_parser():
    rng = random.Random(20261201)
    counts = {}
    for name in sorted(PARSERS):
        parser, seeds, allowed = PARSERS[name]
        tally = {'parsed': 0, 'refused': 0}
        for _number in range(ITERATIONS):
            text = mutate(rng, seeds)
            try:
                tally[outcome(parser, allowed, text)] += 1
            except Exception as exc:  # noqa: BLE001 - the point: anything else is a bug, with its input
                raise AssertionError('%s raised %s: %s on %r' % (name, type(exc).__name__, exc, text[:300])) from exc
        counts[name] = tally
    frames = _dump_bytes()
    tally = {'parsed': 0, 'refused': 0}
    for _number in range(ITERATIONS):
        frame = bytearray(rng.choice(frames))
        for _step in range(rng.randint(1, 6)):
            if frame and rng.random() < 0.7:
                frame[rng.randrange(len(frame))] = rng.randrange(256)
            else:
                frame = frame[:rng.randint(16, max(16, len(frame)))]
        try:
            rtnl.parse_link(bytes(frame), 0, len(frame))
            tally['parsed'] += 1
        except struct.error:
            tally['refused'] += 1   # shorter than an ifinfomsg: the dump loop never hands those over
    counts['rtnetlink RTM_NEWLINK'] = tally
    os.makedirs(os.path.join(REPO, 'build', 'reliability'), exist_ok=True)
    with open(os.path.join(REPO, 'build', 'reliability', 'fuzz.json'), 'w', encoding='utf-8') as handle:
        json.dump({'iterations_per_parser': ITERATIONS, 'parsers': counts,
                   'inputs': sum(sum(tally.values()) for tally in counts.values())}, handle, indent=1)


# -- the builder ---------------------------------------------------------------------------------
anything = st.text(min_size=0, max_size=70)
hex16 = st.integers(min_value=0, max_value=2 ** 64 - 1).map(lambda n: '%016x' % n)
hex32 = st.integers(min_value=0, max_value=2 ** 128 - 1).map(lambda n: '%032x' % n)


@settings(max_examples=1500, deadline=None)
@given(name=anything, ioc_string=st.none() | anything, guid=hex16, dgid=hex32,
       pkey=st.integers(min_value=-1, max_value=0x10000), instance=st.integers(min_value=-1, max_value=256))
def test_the_builder_refuses_or_the_kernel_reads_exactly_what_was_meant(name, ioc_string, guid, dgid, pkey, instance):
    try:
        data = build(CreateParams(name, guid, dgid, pkey, ioc_string, instance))
    except ValidationError:
        return
    try:
        parsed = kernel_parse(data)
    except CreateStringError as exc:   # the kernel would refuse it: EINVAL, never another meaning
        raise AssertionError('built a string the kernel refuses: %r (%s)' % (data, exc)) from exc
    assert parsed == {'ioc_guid': int(guid, 16), 'dgid': dgid, 'pkey': pkey, 'name': name, 'instance': instance,
                      'ioc_string': ioc_string or ''}
    assert isinstance(parsed, dict) and not issubclass(type(parsed), IofabricError)
