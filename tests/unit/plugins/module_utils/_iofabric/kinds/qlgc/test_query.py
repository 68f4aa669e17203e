import os
import re

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import dm_field_of, parse

FIXTURES = os.path.join(os.path.dirname(__file__).split(os.sep + 'unit' + os.sep)[0], 'fixtures')  # tests/fixtures
IOC1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
IOC2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        return handle.read()


def test_full_output_yields_controllers_with_their_unit_gid():
    ports = parse(fixture('query_full.txt').replace('            port LID:        0009\n', ''))
    assert len(ports) == 1
    port = ports[0]
    assert (port.hca_no, port.hca, port.port, port.port_guid, port.state) == (0, 'mlx4_0', 1, '0002c903000010f5', 'Active')
    assert [(i.ioc_guid, i.dgid, i.ioc_string) for i in port.iocs] == [
        ('00066a01de000070', 'fe8000000000000000066a11de000070', IOC1)]
    assert port.iocs[0].pkey is None  # the DM listing has no P_Key


def test_down_ports_are_reported_down():
    ports = parse(fixture('query_down.txt'))
    assert [(p.key, p.state, p.active) for p in ports] == [('mlx4_1:1', 'Down', False), ('mlx4_1:2', 'Active', True)]
    assert ports[0].iocs == []


def test_extended_lines():
    ports = parse(fixture('query_e.txt'))
    assert [p.key for p in ports] == ['mlx4_0:1', 'mlx4_0:2']
    assert [(i.ioc_guid, i.dgid, i.pkey, i.ioc_string) for i in ports[0].iocs] == [
        ('00066a01de000070', 'fe8000000000000000066a11de000070', 0xffff, None),
        ('00066a02de000070', 'fe8000000000000000066a21de000070', 0xffff, None)]
    assert parse(fixture('query_e_down.txt'))[0].state == 'Down'


def test_strings_only():
    ports = parse(fixture('query_s.txt'))
    assert [i.ioc_string for i in ports[0].iocs] == [IOC1, IOC2]


def test_extended_with_string_keeps_the_commas():
    ioc = parse(fixture('query_es_line.txt'))[0].iocs[0]
    assert (ioc.ioc_guid, ioc.pkey, ioc.ioc_string) == ('00066a01de000070', 0xffff, IOC1)


def test_headerless_tab_indented_output_of_C_and_P():
    ports = parse('\tioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff\n')
    assert ports[0].hca is None and ports[0].iocs[0].ioc_guid == '00066a01de000070'


def test_short_header_of_d():
    ports = parse('HCA No = 0, HCA = mlx4_0, Port = 1\n\n        ioc_guid=00066a01de000070,'
                  'dgid=fe8000000000000000066a11de000070,pkey=7fff\n')
    assert (ports[0].key, ports[0].port_guid, ports[0].state, ports[0].active) == ('mlx4_0:1', None, None, True)
    assert ports[0].iocs[0].pkey == 0x7fff


def test_local_port_listing():
    ports = parse(fixture('query_L_line.txt') + '1,mlx4_1,2,0x0002c90300000786\n')
    assert [(p.hca_no, p.key, p.port_guid) for p in ports] == [(0, 'mlx4_0:1', '0002c903000010f5'),
                                                               (1, 'mlx4_1:2', '0002c90300000786')]


@pytest.mark.parametrize('text, line', [
    ('Segmentation fault\n', 1),
    ('HCA No = 0, HCA = mlx4_0, Port = 1\n\n        ioc_guid=zz,dgid=1,pkey=ffff\n', 3),
    ('        IO Unit Info:\n            port GID:        nothex\n', 2),
    ('            controller[  1]\n                GUID:      00066a01de000070\n', 1),
])
def test_garbage_raises_parse_error_with_line(text, line):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.line == line


def test_empty_output_is_no_ports():
    assert parse('') == [] and parse('\n\n') == []


# The pattern the DM-field parse used before it became linear; kept here only as the reference
# its replacement must agree with on real and edge lines (short ones, where it is fast).
_OLD_DM_FIELD = re.compile(r'^([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$')


def _old_dm_field(line):
    match = _OLD_DM_FIELD.match(line)
    return (match.group(1).strip(), match.group(2).strip()) if match else None


@pytest.mark.parametrize('name', sorted(name for name in os.listdir(FIXTURES) if name.startswith('query_')))
def test_the_linear_dm_field_parse_agrees_with_the_old_pattern_on_every_sample(name):
    for line in fixture(name).splitlines():
        assert dm_field_of(line.strip()) == _old_dm_field(line.strip()), line


@pytest.mark.parametrize('line', [
    'port GID:  fe80', 'port GID\t:\tfe80', 'GUID :', 'ID: a: b : c', 'port\tGID: x', '1ID: x', 'ID x',
    'A' + ' ' * 50 + 'x', 'ID' + ' ' * 50 + ':' + ' ' * 50 + 'v' + ' ' * 3, ': x', 'a:', 'Ab c  d :e',
])
def test_the_linear_dm_field_parse_agrees_with_the_old_pattern_on_edges(line):
    assert dm_field_of(line) == _old_dm_field(line)


def test_a_hostile_line_of_80000_spaces_is_an_unexpected_line():
    # The old pattern needed ~11 s here (every split of the run between two quantifiers);
    # dm_field_of is one partition and one single-class fullmatch, linear by construction
    # (test_regex_linear.py checks that no module pattern has such a pair).
    hostile = 'A' + ' ' * 80000 + 'x'
    assert dm_field_of(hostile) is None
    with pytest.raises(ParseError) as info:
        parse('HCA No = 0, HCA = mlx4_0, Port = 1\n' + hostile + '\n')
    assert info.value.line == 2
