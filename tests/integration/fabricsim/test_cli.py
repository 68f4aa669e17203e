"""Faults and events through the fabricsim command."""

import errno
import json
import os
import subprocess
import sys
import time

CLASS = '/sys/class/infiniband_qlgc_vnic'
GOOD = 'ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff,name=veth1'


def fabricsim(*args):
    proc = subprocess.run([sys.executable, '-m', 'fabricsim'] + list(args), capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def write(sim, path, text):
    fd = os.open(sim.path(path), os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def test_write_fault_then_clear(sim):
    fault = json.loads(fabricsim('fault', sim.root, 'write', CLASS + '/vnic-mlx4_0-1/create_primary', 'EBUSY'))
    try:
        write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD)
        raise AssertionError('the fault did not fire')
    except OSError as exc:
        assert exc.errno == errno.EBUSY
    assert json.loads(fabricsim('fault', sim.root, 'list'))[0]['id'] == fault['id']
    fabricsim('fault', sim.root, 'clear', str(fault['id']))
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD)


def test_read_fault_with_count(sim):
    fabricsim('fault', sim.root, 'read', CLASS + '/interfaces/*/primary_path/viport_state', 'EIO', '--count', '1')
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD)
    path = sim.path(CLASS + '/interfaces/veth1/primary_path/viport_state')
    try:
        open(path).read()
        raise AssertionError('the fault did not fire')
    except OSError as exc:
        assert exc.errno == errno.EIO
    assert open(path).read().startswith('VIPORT_')


def test_tool_faults(sim):
    fabricsim('fault', sim.root, 'tool', 'ib_qlgc_vnic_query', 'rc=3', '--count', '1')
    assert sim.tool('ib_qlgc_vnic_query', '-es').returncode == 3
    fabricsim('fault', sim.root, 'tool', 'ib_qlgc_vnic_query', 'garbage', '--count', '1')
    assert 'garbage' in sim.tool('ib_qlgc_vnic_query', '-es').stdout
    fabricsim('fault', sim.root, 'tool', 'ib_qlgc_vnic_query', 'timeout=30', '--count', '1')
    start = time.monotonic()
    try:
        subprocess.run([sim.path('/usr/sbin/ib_qlgc_vnic_query'), '-es'], timeout=0.5, capture_output=True,
                       check=False)
        raise AssertionError('the tool did not hang')
    except subprocess.TimeoutExpired:
        assert time.monotonic() - start < 5
    assert sim.tool('ib_qlgc_vnic_query', '-es').returncode == 0


def test_async_fault_and_events(sim):
    fabricsim('fault', sim.root, 'async', 'qlgc-connect', 'never')
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD)
    time.sleep(0.3)
    assert open(sim.path(CLASS + '/interfaces/veth1/primary_path/viport_state')).read() == 'VIPORT_DISCONNECTED\n'
    fabricsim('fault', sim.root, 'clear')
    fabricsim('event', sim.root, 'port-down', 'port=mlx4_0:1')
    fabricsim('event', sim.root, 'port-up', 'port=mlx4_0:1')
    state = json.loads(fabricsim('state', sim.root))
    assert state['drivers']['qlgc']['ports'][0]['state'] == 'Active'
    assert state['tool_runs'] == {} and state['writes'] == 1


def test_writes_log(sim):
    write(sim, CLASS + '/vnic-mlx4_0-1/create_primary', GOOD)
    log = json.loads(fabricsim('writes', sim.root))
    assert log['count'] == 1 and log['writes'][0]['data'] == GOOD and log['writes'][0]['result'] == 'ok'


def test_link_events_are_real_netlink_changes(sim):
    fabricsim('event', sim.root, 'link-down', 'name=eth1')
    out = subprocess.run(['ip', '-n', sim.netns, '-o', 'link', 'show', 'eth1'], capture_output=True, text=True, check=False)
    assert 'state DOWN' in out.stdout or ',UP' not in out.stdout.split('>')[0]
    fabricsim('event', sim.root, 'link-rename', 'name=eth2', 'to=data0')
    names = subprocess.run(['ip', '-n', sim.netns, '-o', 'link'], capture_output=True, text=True, check=False).stdout
    assert ': data0@' in names and ': eth2@' not in names
