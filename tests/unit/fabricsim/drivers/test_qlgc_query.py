"""ib_qlgc_vnic_query from the simulator, compared with the vendor README's samples."""

import os

import pytest

from fabricsim.clock import ManualClock
from fabricsim.fabric import Fabric
from fabricsim.scenario import load

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def sample(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        return handle.read()


@pytest.fixture
def fabric():
    return Fabric(load('reference'), ManualClock())


def query(fabric, *argv):
    result = fabric.run_tool('ib_qlgc_vnic_query', list(argv))
    return result['rc'], result['stdout'], result['stderr']


def test_full_output_matches_the_readme(fabric):
    rc, out, _err = query(fabric)
    assert rc == 0
    assert out.startswith(sample('query_full.txt'))
    assert sample('query_down.txt') in out


def test_extended_output_matches_the_readme(fabric):
    _rc, out, _err = query(fabric, '-e')
    assert out.startswith(sample('query_e.txt'))
    assert sample('query_e_down.txt') in out


def test_string_and_combined_output(fabric):
    assert query(fabric, '-s')[1].startswith(sample('query_s.txt'))
    assert sample('query_es_line.txt') in query(fabric, '-es')[1]
    assert query(fabric, '-e', '-s')[1] == query(fabric, '-es')[1]


def test_local_ports(fabric):
    out = query(fabric, '-L')[1]
    assert out.splitlines()[0] == sample('query_L_line.txt').strip()
    assert len(out.splitlines()) == 4


def test_device_and_port_selection(fabric):
    out = query(fabric, '-e', '-d', '/dev/infiniband/umad0')[1]
    assert '\nHCA No = 0, HCA = mlx4_0, Port = 1\n\n        ioc_guid=' in out and 'Port GUID' not in out
    headerless = query(fabric, '-e', '-C', 'mlx4_0', '-P', '2')[1]
    assert headerless.startswith('\tioc_guid=00066a01de000070') and 'HCA No' not in headerless
    assert query(fabric, '-e', '-P', '1')[1] == query(fabric, '-e', '-C', 'mlx4_0')[1]
    assert query(fabric, '-e', '-G', '0x0002c90300000786')[1].startswith('\tioc_guid=')


def test_errors(fabric):
    assert query(fabric, '-x')[0] == 1
    assert query(fabric, '-d', '/dev/infiniband/umad9')[0] == 1
    assert query(fabric, '-C', 'mlx4_7')[0] == 1


def test_the_engine_parser_reads_the_simulator(fabric):
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.query import parse
    ports = parse(query(fabric, '-es')[1])
    assert [(p.key, p.state, len(p.iocs)) for p in ports] == [
        ('mlx4_0:1', 'Active', 2), ('mlx4_0:2', 'Active', 2), ('mlx4_1:1', 'Down', 0), ('mlx4_1:2', 'Active', 2)]
    full = parse(query(fabric)[1])
    assert [(i.ioc_guid, i.dgid) for i in full[0].iocs] == [(i.ioc_guid, i.dgid) for i in ports[0].iocs]
