"""fabricsim mounted over FUSE, driven with plain shell tools."""

import json
import os
import signal
import stat
import subprocess
import sys

CLASS = '/sys/class/infiniband_qlgc_vnic'
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
GOOD = ('ioc_guid=00066a01de000070,dgid=fe8000000000000000066a11de000070,pkey=ffff,ioc_string="%s",name=veth1' % S1)


def sh(command, **env):
    return subprocess.run(['bash', '-c', command], capture_output=True, text=True,
                          env=dict(os.environ, **env), check=False)


def fabricsim(*args):
    return subprocess.run([sys.executable, '-m', 'fabricsim'] + list(args), capture_output=True, text=True,
                          check=False)


def test_kernel_layout_and_modes(sim):
    assert sorted(os.listdir(sim.path(CLASS))) == ['interfaces', 'vnic-mlx4_0-1', 'vnic-mlx4_0-2', 'vnic-mlx4_1-1',
                                                   'vnic-mlx4_1-2']
    assert sorted(os.listdir(sim.path(CLASS + '/interfaces'))) == ['delete_vnic', 'force_failover', 'unfailover']
    mode = stat.S_IMODE(os.stat(sim.path(CLASS + '/vnic-mlx4_0-1/create_primary')).st_mode)
    assert mode == 0o200
    assert os.path.ismount(sim.path('/sys')) and os.path.ismount(sim.path('/proc'))
    assert os.path.isdir(sim.path('/etc')) and not os.path.ismount(sim.path('/etc'))


def test_shell_tools(sim):
    create = sim.path(CLASS + '/vnic-mlx4_0-1/create_primary')
    bad = sh('printf "name=x" > "$F"', F=create)
    assert bad.returncode != 0 and 'Invalid argument' in bad.stderr
    assert 'Permission denied' in sh('cat "$F"', F=create).stderr
    assert sh('printf \'%s\' "$S" > "$F"', S=GOOD, F=create).returncode == 0
    assert 'veth1' in os.listdir(sim.path(CLASS + '/interfaces'))
    assert sh('cat "$D"/primary_path/ioc_string', D=sim.path(CLASS + '/interfaces/veth1')).stdout == S1 + '\n'
    newline = sh('echo veth1 > "$F"', F=sim.path(CLASS + '/interfaces/delete_vnic'))
    assert newline.returncode != 0  # echo adds a newline: the driver compares raw bytes


def test_hot_swap_event_changes_the_query_and_drops_the_path(sim):
    with open(sim.path(CLASS + '/vnic-mlx4_0-1/create_primary'), 'wb', buffering=0) as handle:
        handle.write(GOOD.encode())
    state = sim.path(CLASS + '/interfaces/veth1/primary_path/viport_state')
    sh('for i in $(seq 100); do grep -q CONNECTED "$F" && grep -qv DIS "$F" && exit 0; sleep 0.05; done', F=state)
    assert open(state).read() == 'VIPORT_CONNECTED\n'
    before = sim.tool('ib_qlgc_vnic_query', '-es').stdout
    swap = fabricsim('event', sim.root, 'hot-swap', 'ioc=ioc1')
    assert swap.returncode == 0, swap.stderr
    new = json.loads(swap.stdout)['new']
    after = sim.tool('ib_qlgc_vnic_query', '-es').stdout
    assert before != after and 'ioc_guid=%s,dgid=%s' % (new['guid'], new['dgid']) in after
    assert open(state).read() == 'VIPORT_CONNECTED\n'  # not noticed until 64 heartbeats go unanswered
    advance = fabricsim('event', sim.root, 'clock-advance', 'seconds=64')
    assert advance.returncode == 0, advance.stderr
    assert open(state).read() == 'VIPORT_DISCONNECTED\n'  # read through the kernel's cache
    assert S1 in after


def test_stand_in_tool_exit_status(sim):
    assert sim.tool('ib_qlgc_vnic_query', '-e').returncode == 0
    assert sim.tool('ib_qlgc_vnic_query', '--nope').returncode == 1


def test_lifecycle_up_is_idempotent_and_down_always_cleans_up(tmp_path):
    root = str(tmp_path / 'host')
    os.makedirs(root)
    try:
        assert fabricsim('up', root, '--scenario', 'demo').returncode == 0
        again = fabricsim('up', root, '--scenario', 'demo')
        assert again.returncode == 0 and 'already up' in again.stdout
        status = json.loads(fabricsim('status', root).stdout)
        assert status['running'] and status['mounts'] == {'sys': True, 'proc': True}
        # A crash: the daemon dies without unmounting; the next up must still work.
        os.kill(status['pid'], signal.SIGKILL)
        assert fabricsim('up', root, '--scenario', 'demo').returncode == 0
        assert os.path.exists(os.path.join(root, CLASS.lstrip('/'), 'interfaces'))
    finally:
        down = fabricsim('down', root)
    assert down.returncode == 0
    assert not os.path.ismount(os.path.join(root, 'sys')) and not os.path.ismount(os.path.join(root, 'proc'))
    assert json.loads(fabricsim('status', root).stdout)['running'] is False
    assert fabricsim('down', root).returncode == 0  # down twice is fine
