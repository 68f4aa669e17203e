"""Crashes, on purpose: kill -9 reconciler passes and module runs at random points, a thousand times.

Each iteration disturbs the simulated fabric (a hot swap, a DCB flap, a guest stopping or
starting, a VNIC's MTU changed behind our back) so that the next run has real work to do:
sysfs writes, netlink changes, state-store and config-file rewrites. The victim, a reconciler
pass or a module run whose declaration alternates, is forked from this process (the engine is
already imported, so a victim costs no interpreter start) and killed with SIGKILL at a random
moment within its measured run time; one in fifty is a real process instead: the reconciler
command, or a module run as Ansible runs it.

After every kill: every store document parses and validates, with every declared object still
declared. Every 20 kills: nothing exists twice (a macvlan per declaration, an FCoE instance per
interface). Every 100: an undisturbed pass converges without error. Every victim's exit status is
read: a victim that finished before its kill exited normally (no exception), a killed one died of
SIGKILL. At the end, after one pass, no temp file is left anywhere iofabric writes.

IOFABRIC_CRASH_ITERATIONS sets the least count of victims (1,000; make soak runs 10,000), and half
of it is the number of kills that must land mid-run: the suite runs until both are reached, bounded
by IOFABRIC_CRASH_SECONDS (a bound reached first fails the test, with the counts), instead of
trusting that a delay calibrated once lands mid-run often enough.

Where the kills land is calibrated from the runs themselves (KillWindow): one undisturbed run of
each victim gives a first window, then every run moves it (a kill that came after the victim had
finished shortens it, one that landed mid-run lengthens it a little) so that a sixth of the kills
come after the end. The window so follows the runs' real length as the simulator gets faster, the
machine's load changes or a disturbance leaves more work, and kills keep landing all along a run.
"""

from __future__ import annotations

import glob
import importlib
import json
import math
import os
import random
import select
import signal
import statistics
import subprocess
import sys
import time
import traceback

import jsonschema

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.atomic import TEMP_SUFFIX
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import Netlink
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import ERROR, run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.sdi_device import run_sdi
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import KINDS
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.schema import document_schema
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic
from tests.lib.ansible_run import COLLECTIONS, REPO, VENV_BIN

ITERATIONS = int(os.environ.get('IOFABRIC_CRASH_ITERATIONS', '1000'))
MID_RUN_KILLS = ITERATIONS // 2
TIME_BOUND = float(os.environ.get('IOFABRIC_CRASH_SECONDS', str(max(600, ITERATIONS * 2))))
VICTIM_EXCEPTION = 99   # a forked victim's exit status when its run raised
# Where iofabric writes with temp files: the store, and the vendor config files.
TEMP_DIRS = ('/var/lib/iofabric', '/etc/infiniband', '/etc/fcoe')
RESULTS = os.path.join(REPO, 'build', 'reliability')
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'


def vnics(variant: int) -> list:
    """Two declarations that differ in what the kernel must change: a heartbeat and an MTU."""
    return [{'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'hca': 'mlx4_0', 'port': 1}},
            {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': S2, 'hca': 'mlx4_0', 'port': 2},
             'heartbeat': 100 + 100 * variant},
            {'type': 'macvlan', 'name': 'vnic5', 'lower': 'eth1', 'mtu': 1400 + 100 * variant},
            {'type': 'macvlan', 'lower': 'eth1'}]


def params(module: str, sim, **values) -> dict:
    spec = importlib.import_module('ansible_collections.iofabric.core.plugins.modules.' + module).ARGUMENT_SPEC
    return dict({name: option.get('default') for name, option in spec.items()}, sysroot=sim.root, netns=sim.netns,
                **values)


def declare_everything(sim) -> None:
    for call, module, values in ((run_vnic, 'vnic_interface', {'config': vnics(0), 'connect_timeout': 1.0}),
                                 (run_fcoe, 'fcoe_interface', {'config': [{'interface': 'eth1'}, {'interface': 'eth2'}]}),
                                 (run_sdi, 'sdi_device', {'config': [{'address': '1:0:3:0'},
                                                                     {'address': '1:0:4:0', 'readd': True}]}),
                                 (run_eoib, 'eoib_gc', {'parents': ['eth4'],
                                                        'grace': {'seconds': 0, 'observations': 2}})):
        assert not call(params(module, sim, **values), False).get('failures'), module


class Disturbance:
    """What happens to the fabric between two victims; each call changes something."""

    def __init__(self, sim, rng: random.Random):
        self.sim, self.rng = sim, rng
        self.dcb_off = self.guest_stopped = False

    def __call__(self) -> str:
        choice = self.rng.randrange(4)
        if choice == 0:
            self.sim.event('hot-swap', ioc='ioc1')
            return 'hot-swap'
        if choice == 1:
            self.dcb_off = not self.dcb_off
            self.sim.event('dcb-set', iface='eth2', dcb='off' if self.dcb_off else 'on')
            return 'dcb-flap'
        if choice == 2:
            self.guest_stopped = not self.guest_stopped
            self.sim.event('guest-stop' if self.guest_stopped else 'guest-start', name='vm2')
            return 'guest'
        subprocess.run(['ip', '-n', self.sim.netns, 'link', 'set', 'vnic5', 'mtu', str(self.rng.choice((1300, 1450)))],
                       capture_output=True, check=False)
        return 'mtu'


def fork_victim(sim, victim: str, variant: int) -> int:
    pid = os.fork()
    if pid == 0:  # the victim: the engine's own code path, nothing but it
        code = VICTIM_EXCEPTION
        try:
            if victim == 'pass':
                run_pass(sim.root, sim.netns)
            else:
                run_vnic(params('vnic_interface', sim, config=vnics(variant), connect_timeout=0.5), False)
            code = 0
        except BaseException:  # noqa: BLE001 - reported through the exit status, read by the parent
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def describe_status(status: int) -> str:
    """A waitpid status as 'exit N' or 'signal NAME'."""
    if os.WIFSIGNALED(status):
        return 'signal ' + signal.Signals(os.WTERMSIG(status)).name
    return 'exit %d' % os.waitstatus_to_exitcode(status)


def check_status(victim: str, finished: bool, status: str) -> None:
    """Killed: died of SIGKILL. Finished: exited on its own, without an exception (a module run as
    Ansible runs it exits 0 or 1 with its JSON; a real pass exits with its status bits, below 32)."""
    if not finished:
        assert status == 'signal SIGKILL', '%s killed mid-run ended with %s' % (victim, status)
        return
    assert status.startswith('exit '), '%s ended with %s' % (victim, status)
    code = int(status.split()[1])
    assert code != VICTIM_EXCEPTION and code < 32, '%s finished with %s (an exception or a crash)' % (victim, status)


def spawn_real(sim, victim: str, variant: int, tmp_path) -> subprocess.Popen:
    if victim == 'pass':
        argv = [os.path.join(VENV_BIN, 'iofabric-reconcile'), '--sysroot', sim.root, '--netns', sim.netns]
    else:  # the module file itself, with its arguments as Ansible hands them over
        path = os.path.join(str(tmp_path), 'args.json')
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': {'config': vnics(variant), 'sysroot': sim.root, 'netns': sim.netns,
                                               'connect_timeout': 0.5}}, handle)
        argv = [sys.executable, '-m', 'ansible_collections.iofabric.core.plugins.modules.vnic_interface', path]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONPATH=COLLECTIONS))


VALIDATORS = {kind: jsonschema.validators.validator_for(document_schema(kind))(document_schema(kind)) for kind in KINDS}


def store_is_whole(sim, baseline: dict) -> None:
    directory = sim.path('/var/lib/iofabric')
    assert not glob.glob(os.path.join(directory, '*.corrupt-*')), 'a store document was found corrupt'
    for kind in KINDS:
        path = os.path.join(directory, kind + '.json')
        if not os.path.exists(path):
            assert not baseline.get(kind), '%s.json disappeared' % kind
            continue
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)   # a torn write would fail here
        VALIDATORS[kind].validate(data)
        missing = set(baseline.get(kind, ())) - set(data['objects'])
        assert not missing, 'declarations lost from %s: %s' % (kind, sorted(missing))


def nothing_twice(sim) -> None:
    with Netlink(sim.netns) as netlink:
        links = netlink.links()
    tags = [name for link in links if link.kind == 'macvlan' for name in link.altnames if name.startswith('iofabric-')]
    assert len(tags) == len(set(tags)), 'a macvlan was created twice: %s' % sorted(tags)
    assert sum(1 for link in links if link.kind == 'macvlan') <= 2, [link.name for link in links if link.kind == 'macvlan']
    hosts = sim.path('/sys/class/fc_host')
    over = [sim.read('/sys/class/fc_host/%s/symbolic_name' % host).split(' over ')[-1].strip()
            for host in os.listdir(hosts)]
    assert len(over) == len(set(over)), 'an FCoE instance was created twice: %s' % sorted(over)


def temp_files(sim) -> list:
    return [path for directory in TEMP_DIRS for path in glob.glob(sim.path(directory) + '/.*' + TEMP_SUFFIX)]


def measure(sim) -> dict:
    """How long each victim runs undisturbed: the kill windows' starting point."""
    spans = {}
    for victim in ('pass', 'module'):
        started = time.monotonic()
        pid = fork_victim(sim, victim, 1)
        os.waitpid(pid, 0)
        spans[victim] = max(time.monotonic() - started, 0.05)
    return spans


class KillWindow:
    """Kills land uniformly within [0, seconds) after the victim starts; every run moves the window.

    A kill that came after the victim finished multiplies it by exp(-step * 5/6), one that landed
    mid-run by exp(step / 6): it settles where a sixth of the kills come after the end, which is
    1.2 times the runs' length when they all take as long, and follows them when they change.
    """

    FINISHED_SHARE = 1 / 6
    SHORTEST = 0.002

    def __init__(self, seconds: float, step: float):
        self.seconds = self.initial = seconds
        self.step = step
        self.ran_for: list = []   # how long the victims that finished before their kill ran

    def delay(self, rng: random.Random) -> float:
        return rng.uniform(0, self.seconds)

    def record(self, finished: bool, ran_for: float | None) -> None:
        late = 1.0 if finished else 0.0
        self.seconds = max(self.seconds * math.exp(self.step * (self.FINISHED_SHARE - late)), self.SHORTEST)
        if ran_for is not None:
            self.ran_for.append(ran_for)

    def as_dict(self) -> dict:
        return {'initial_s': round(self.initial, 4), 'final_s': round(self.seconds, 4),
                'finished_runs': len(self.ran_for),
                'finished_run_median_s': round(statistics.median(self.ran_for), 4) if self.ran_for else None}


def exited_within(pid: int, started: float, delay: float) -> float | None:
    """Wait until `delay` after `started` or until the child exits, whichever comes first; how long it
    ran if it exited (it is not reaped), else None."""
    pidfd = os.pidfd_open(pid)
    try:
        remaining = started + delay - time.monotonic()
        readable, _w, _x = select.select([pidfd], [], [], max(remaining, 0))
        return time.monotonic() - started if readable else None
    finally:
        os.close(pidfd)


def test_kill_9_at_random_points_loses_and_duplicates_nothing(sim, tmp_path, monkeypatch):
    monkeypatch.setenv('IOFABRIC_TOOL_TIMEOUT', '2')
    rng = random.Random(20261201)
    declare_everything(sim)
    baseline = {kind: set(sim.store(kind)['objects']) for kind in KINDS
                if os.path.exists(sim.path('/var/lib/iofabric/%s.json' % kind))}
    disturb = Disturbance(sim, rng)
    spans = measure(sim)
    # A real process also spends an interpreter start: its window starts three times as long, and is
    # calibrated on its own (one run in fifty, so it moves in bigger steps).
    windows = {(victim, real): KillWindow(spans[victim] * (3 if real else 1) * 1.2, 0.3 if real else 0.1)
               for victim in spans for real in (False, True)}
    counts = {'iterations': 0, 'killed_mid_run': 0, 'finished_before_kill': 0, 'real_processes': 0,
              'by_victim': {'pass': 0, 'module': 0}, 'disturbances': {}, 'store_checks': 0, 'converged_checks': 0,
              'exit_statuses': {}}
    started = time.monotonic()
    iteration = 0
    while counts['iterations'] < ITERATIONS or counts['killed_mid_run'] < MID_RUN_KILLS:
        assert time.monotonic() - started < TIME_BOUND, 'time bound of %.0f s reached first: %s' % (TIME_BOUND, counts)
        kind = disturb()
        counts['disturbances'][kind] = counts['disturbances'].get(kind, 0) + 1
        victim = rng.choice(('pass', 'module'))
        real = iteration % 50 == 25
        window = windows[(victim, real)]
        delay = window.delay(rng)
        spawned = time.monotonic()
        if real:
            proc = spawn_real(sim, victim, iteration % 2, tmp_path)
            ran_for = exited_within(proc.pid, spawned, delay)
            proc.kill()
            code = proc.wait()
            finished = ran_for is not None or code != -signal.SIGKILL   # it exited between the wait and the kill
            status = 'signal SIGKILL' if code == -signal.SIGKILL else 'exit %d' % code
            counts['real_processes'] += 1
        else:
            pid = fork_victim(sim, victim, iteration % 2)
            ran_for = exited_within(pid, spawned, delay)
            if ran_for is None:
                os.kill(pid, signal.SIGKILL)
            _pid, wait_status = os.waitpid(pid, 0)
            finished = not os.WIFSIGNALED(wait_status)   # also when it exited between the wait and the kill
            status = describe_status(wait_status)
        window.record(finished, ran_for)
        check_status(victim, finished, status)
        key = '%s %s' % (victim, status)
        counts['exit_statuses'][key] = counts['exit_statuses'].get(key, 0) + 1
        counts['killed_mid_run' if not finished else 'finished_before_kill'] += 1
        counts['by_victim'][victim] += 1
        counts['iterations'] += 1
        store_is_whole(sim, baseline)
        counts['store_checks'] += 1
        if iteration % 20 == 19:
            nothing_twice(sim)
        if iteration % 100 == 99:
            report = run_pass(sim.root, sim.netns)
            assert not report.exit_code & ERROR, [line for _priority, line in report.lines()]
            store_is_whole(sim, baseline)
            counts['converged_checks'] += 1
        iteration += 1
    counts['seconds'] = round(time.monotonic() - started, 1)
    counts['temp_files_before_sweep'] = len(temp_files(sim))
    run_pass(sim.root, sim.netns)   # the next writer sweeps what a killed one left
    leftovers = temp_files(sim)
    counts['temp_files_left'] = len(leftovers)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'crashes.json'), 'w', encoding='utf-8') as handle:
        json.dump(dict(counts, spans={key: round(value, 3) for key, value in spans.items()},
                       kill_windows={'%s%s' % (victim, ' (real process)' if real else ''): window.as_dict()
                                     for (victim, real), window in windows.items()}), handle, indent=1)
    assert counts['killed_mid_run'] >= MID_RUN_KILLS, counts
    assert leftovers == [], 'temp files left after a pass swept: %s' % leftovers
