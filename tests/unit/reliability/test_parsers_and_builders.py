"""Every parser of tool output, kernel text, configuration files, store documents and netlink messages
(the registry in fuzz_targets.py), under property-based tests, a corpus of hostile inputs and a bounded
mutation fuzzer: each one either returns what it documents or raises the project's error, never anything
else. And the create-string builder, with values from the whole character space: it refuses the value, or
the kernel's own parsing (fabricsim's copy of vnic_parse_options) reads back exactly what was meant.

The hostile corpus transforms every real sample: CRLF line ends, Latin-1 bytes, NULs, truncation, a
200 KB repetition, 100,000 spaces or newlines, negative and 40-digit numbers, digits int() refuses ('²')
or reads ('٣'), a byte-order mark. The fuzzer mutates real samples (the reference's outputs, and the
simulator's renderings of the formats the reference gives byte for byte): flips, inserts, deletions,
repeats, splices and cuts. IOFABRIC_FUZZ_ITERATIONS sets the inputs per parser (300; make soak,
100,000); the counts go to build/reliability/fuzz.json and are asserted.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import random
import re
import socket
import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host import rtnl
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.createstr import CreateParams, build
from fabricsim.clock import ManualClock
from fabricsim.drivers.qlgc_parser import CreateStringError, parse as kernel_parse
from fabricsim.fabric import Fabric
from fabricsim.scenario import load
from tests.lib.ansible_run import REPO
from tests.unit.reliability import fuzz_targets

ITERATIONS = int(os.environ.get('IOFABRIC_FUZZ_ITERATIONS', '300'))
FIXTURES = os.path.join(REPO, 'tests', 'fixtures')


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
    return {'dcbtool': dcbtool, 'lldptool': lldptool, 'info': info, 'cmd': cmd, 'proc_scsi': _proc_scsi_scsi()}


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


PARSERS = fuzz_targets.text_targets(_simulated_outputs(), _fixture)
BODIES = _dump_bytes()
BINARY_SEEDS = fuzz_targets.binary_seeds(BODIES)
SPICE = ['"', ',', '=', '\n', '\r', '\t', '\0', '\\', ' ', '{', '}', ';', ':', '0x', 'ffff', '\u00e9', '\ufffd',
         '\x1b[31m', 'Status:', 'HCA No = ', '<', '>', '&', 'mlx4_vnicd=', ' - ', '\r\n', '-1', '-', '\u00b2', '\u0663',
         '9' * 25, '\udce9', '\udcff', '\ufeff', "'", '#', '[', ']']


def hostile(seed: str):
    """The messy-host transforms of one real sample, deterministic."""
    yield seed.replace('\n', '\r\n')                                               # CRLF
    yield seed.replace('e', '\udce9').replace('a', '\udce4')                          # Latin-1 bytes é, ä
    yield seed.replace(' ', '\0', 3) + '\0'                                          # NULs
    for cut in range(1, len(seed), max(1, len(seed) // 8)):                         # truncated
        yield seed[:cut]
    yield seed * (200_000 // max(len(seed), 1) + 1)                                 # huge
    yield re.sub(r'[0-9]+', lambda match: '-' + match.group(0), seed)               # negative numbers
    yield re.sub(r'[0-9]+', '9' * 40, seed)                                         # numbers past any field
    yield re.sub(r'[0-9]', '\u00b2', seed)                                          # digits int() refuses
    yield re.sub(r'[0-9]', '\u0663', seed)                                          # digits int() reads
    yield '\ufeff' + seed                                                           # a byte-order mark
    yield from ('', '\n', ' ' * 100_000, '\n' * 100_000, '\0' * 1000, '\udcff' * 64)


def outcome(name: str, target, text) -> str:
    """'parsed', 'refused', or 'known bug' (one already reported in a file this suite's owner does not own);
    anything else fails, naming the parser and the input."""
    text = target.text_of(text)
    try:
        value = target.call(text)
    except target.allowed:
        return 'refused'
    except Exception as exc:  # noqa: BLE001 - the point: anything else is a bug, with its input
        if target.known(exc):
            return 'known bug'
        raise AssertionError('%s raised %s: %s on %r' % (name, type(exc).__name__, exc, text[:300])) from exc
    if target.check is not None:
        try:
            target.check(value, text)
        except AssertionError as exc:
            raise AssertionError('%s returned %r for %r, not what it documents' % (name, value, text[:300])) from exc
    return 'parsed'


@pytest.mark.parametrize('name', sorted(PARSERS))
def test_each_parser_parses_its_real_samples(name):
    target = PARSERS[name]
    assert target.seeds
    for text in target.seeds:
        assert outcome(name, target, text) == 'parsed'


@pytest.mark.parametrize('name', sorted(PARSERS))
def test_hostile_inputs_parse_or_raise_the_projects_error(name):
    target = PARSERS[name]
    hits = [text for seed in target.seeds for text in hostile(seed) if outcome(name, target, text) == 'known bug']
    if hits:
        pytest.xfail('%d hostile input(s) hit a reported bug: %s' % (len(hits), target.known_bugs[0][2]))


@pytest.mark.parametrize('name', sorted(PARSERS))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_arbitrary_text_parses_or_raises_the_projects_error(name, text):
    outcome(name, PARSERS[name], text)


@pytest.mark.parametrize('name', sorted(fuzz_targets.BINARY))
@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_parse_or_raise_the_projects_error(name, data):
    binary_outcome(name, data)


def binary_outcome(name: str, data: bytes) -> str:
    parser, allowed, _covers, known_bugs = fuzz_targets.BINARY[name]
    try:
        parser(data)
    except allowed:
        return 'refused'
    except Exception as exc:  # noqa: BLE001
        if any(isinstance(exc, kind) and words in str(exc) for kind, words, _report in known_bugs):
            return 'known bug'
        raise AssertionError('%s raised %s: %s on %r' % (name, type(exc).__name__, exc, data[:200])) from exc
    return 'parsed'


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


def _mutate_bytes(rng: random.Random, seeds: list) -> bytes:
    frame = bytearray(rng.choice(seeds))
    for _step in range(rng.randint(1, 6)):
        if frame and rng.random() < 0.7:
            frame[rng.randrange(len(frame))] = rng.randrange(256)
        else:
            frame = frame[:rng.randint(16, max(16, len(frame)))]
    return bytes(frame)


def test_bounded_mutation_fuzzing_of_every_parser():
    rng = random.Random(20261201)
    counts = {}
    for name in sorted(PARSERS):
        tally = {'parsed': 0, 'refused': 0, 'known bug': 0}
        for _number in range(ITERATIONS):
            tally[outcome(name, PARSERS[name], mutate(rng, PARSERS[name].seeds))] += 1
        counts[name] = tally
    for name in sorted(fuzz_targets.BINARY):
        tally = {'parsed': 0, 'refused': 0, 'known bug': 0}
        for _number in range(ITERATIONS):
            tally[binary_outcome(name, _mutate_bytes(rng, BINARY_SEEDS[name]))] += 1
        counts[name] = tally
    # fuzz.json keeps parsed/refused per parser (what scripts/reliability_summary.py tabulates) and, apart,
    # the inputs that hit a reported bug in a file this suite's owner does not own.
    known = {name: tally.pop('known bug') for name, tally in counts.items() if tally.get('known bug')}
    for tally in counts.values():
        tally.pop('known bug', None)
    os.makedirs(os.path.join(REPO, 'build', 'reliability'), exist_ok=True)
    with open(os.path.join(REPO, 'build', 'reliability', 'fuzz.json'), 'w', encoding='utf-8') as handle:
        json.dump({'iterations_per_parser': ITERATIONS, 'parsers': counts, 'known_bug_inputs': known,
                   'inputs': ITERATIONS * len(counts)}, handle, indent=1)
    # The tallies are claims: every input was judged, and every parser got past its refusals on some of them
    # (a fuzzer that only ever feeds a parser what it refuses on the first line tests nothing).
    for name, tally in counts.items():
        assert tally['parsed'] + tally['refused'] + known.get(name, 0) == ITERATIONS, name
        assert tally['parsed'] > 0, '%s parsed none of %d mutated samples' % (name, ITERATIONS)


# Reported by the fuzz suite and fixed since: each input is judged like any other (refused with the
# parser's own error, or parsed), never an exception of another type.
FIXED_BUG_INPUTS = [
    ('lldptool IEEE PFC and APP', 'enabled=three\n--\nAPP=(prio,sel,proto)\n'),
    ('lldptool APP entries', '0:(3,1,035078) local hw (set)'),
    ('lldptool APP entries', '0:(3999999999,1,0x8906) local hw (set)'),   # never 1 << 3999999999
    ('qlgc_vnic.cfg', '{CREATE; NAME="caf\udce9"; DGID=0xfe8000000000000000066a0258000001; IOCGUID=0x66a0130000001;\n}\n'),
    ('/etc/machine-id', 'caf\udce9\n'),
]


@pytest.mark.parametrize('name,text', FIXED_BUG_INPUTS)
def test_fixed_bugs_stay_fixed(name, text):
    assert outcome(name, PARSERS[name], text) in ('parsed', 'refused')


@pytest.mark.parametrize('message', [
    struct.pack('=IHHII', 16, rtnl.NLMSG_ERROR, 0, 1, 0),                 # the errno that should follow is cut off
    struct.pack('=IHHII', 20, rtnl.RTM_NEWLINK, 2, 1, 0) + b'\0' * 4,     # shorter than an ifinfomsg
    struct.pack('=IHHII', 64, rtnl.RTM_NEWLINK, 2, 1, 0) + b'\0' * 16,    # says 64 bytes, 32 came
], ids=['truncated error', 'short link', 'length past the data'])
def test_a_truncated_dump_message_is_a_protocol_error(message):
    with pytest.raises(rtnl.RtnlError, match='malformed netlink message'):
        fuzz_targets.BINARY['rtnetlink dump stream'][0](message)


# -- the registry is complete ----------------------------------------------------------------------
_PARSER_NAME = re.compile(r'_?(parse|read)(_|$)')
# Functions named parse*/read* that no target fuzzes directly, each with the reason.
EXEMPT = {
    'module_utils/_iofabric/core/kind.py:Kind.parse': 'the abstract contract',
    'module_utils/_iofabric/core/kind.py:Kind.read_live': 'the abstract contract',
    'module_utils/_iofabric/kinds/eoib/kind.py:EoibKind.parse': 'returns [] (no offline text for eoib_gc)',
    'module_utils/_iofabric/kinds/macvlan/kind.py:MacvlanKind.parse': 'returns [] (no offline text for macvlan)',
    'module_utils/_iofabric/kinds/eoib/kind.py:EoibKind.read_live': 'composes targets (info, cmd, vendor, libvirt, netlink)',
    'module_utils/_iofabric/kinds/fcoe/kind.py:FcoeKind.read_live': 'composes targets: symbolic_name, netlink, dcb',
    'module_utils/_iofabric/kinds/fcoe/kind.py:FcoeKind._read_view': 'composes targets: cfg-<if>, fcoemon argv',
    'module_utils/_iofabric/kinds/macvlan/kind.py:MacvlanKind.read_live': 'netlink (the rtnetlink targets), /etc/machine-id',
    'module_utils/_iofabric/kinds/qlgc/kind.py:QlgcKind.read_live': 'composes targets: path sysfs attributes, query',
    'module_utils/_iofabric/kinds/sdi/kind.py:SdiKind.read_live': 'read_devices: the sysfs attributes below',
    'module_utils/_iofabric/host/dcb/reader.py:DcbReader.read': 'composes targets (dcbtool, lldptool, dcbnl)',
    'module_utils/_iofabric/host/sysfs.py:read_link_name': 'basename of a readlink: no parsing',
    'module_utils/_iofabric/kinds/eoib/guests/libvirt_domains.py:_read_binding': 'libvirt-python objects; XML: nics_from_xml',
    'module_utils/_iofabric/kinds/eoib/guests/topology.py:Topology.read': 'the rtnetlink targets and pyroute2 fdb dump',
    'module_utils/_iofabric/kinds/fcoe/live.py:read_links': "pyroute2-free: host/netlink's links() is dump_links",
    'module_utils/_iofabric/kinds/qlgc/live.py:read_vnics': 'composes read_vnic (the path sysfs attributes target)',
    'module_utils/_iofabric/kinds/qlgc/live.py:read_port_dirs': 'directory names the driver makes (vnic-<ibdev>-<port>)',
    'module_utils/_iofabric/kinds/sdi/live.py:read_devices': 'composes read_device',
    'module_utils/_iofabric/kinds/sdi/live.py:read_device': 'strings kept; type through is_number (regressions)',
    'module_utils/_iofabric/kinds/sdi/live.py:read_host': 'strings kept as read; scan by stat',
    'module_utils/_iofabric/kinds/sdi/live.py:read_hosts': 'hostN names through is_number (test_parser_regressions.py)',
    'module_utils/_iofabric/kinds/sdi/use.py:read_host_use': 'composes targets: mountinfo, swaps, fdinfo',
    'module_utils/_iofabric/kinds/sdi/use.py:_read_btrfs': 'directory names only',
    'module_utils/_iofabric/kinds/sdi/use.py:_read_loops': 'backing_file is stat\'ed; unreadable is "unseen"',
}


def _defined_functions() -> set:
    found = set()
    plugins = os.path.join(REPO, 'plugins')
    for directory, _dirs, files in os.walk(plugins):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = os.path.join(directory, name)
            with open(path, encoding='utf-8') as handle:
                tree = ast.parse(handle.read())
            relative = os.path.relpath(path, plugins)
            pending = [(tree, '')]
            while pending:
                node, prefix = pending.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.ClassDef):
                        pending.append((child, prefix + child.name + '.'))
                    elif isinstance(child, ast.FunctionDef):
                        found.add('%s:%s%s' % (relative, prefix, child.name))
    return found


def test_every_parser_is_fuzzed_or_exempt_with_a_reason():
    """A new parse*/read* function fails this until it has a target in fuzz_targets.py (or an EXEMPT reason)."""
    defined = _defined_functions()
    covered = {name for target in PARSERS.values() for name in target.covers}
    covered |= {name for entry in fuzz_targets.BINARY.values() for name in entry[2]}
    parsers = {name for name in defined if _PARSER_NAME.match(name.rsplit(':', 1)[1].rsplit('.', 1)[-1])}
    assert sorted(parsers - covered - set(EXEMPT)) == []
    assert sorted((covered | set(EXEMPT)) - defined) == []   # no stale names
    assert sorted(covered & set(EXEMPT)) == []


# -- the builder ---------------------------------------------------------------------------------
anything = st.text(min_size=0, max_size=70)
hex16 = st.integers(min_value=0, max_value=2 ** 64 - 1).map(lambda n: '%016x' % n)
hex32 = st.integers(min_value=0, max_value=2 ** 128 - 1).map(lambda n: '%032x' % n)


@settings(max_examples=600, deadline=None)
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
