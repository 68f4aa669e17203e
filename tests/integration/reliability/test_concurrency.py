"""Concurrency, for a bounded soak: playbook runs, timer passes and the watch service at once, while
the fabric keeps changing. The lock serialises them, which the lock trace shows hold by hold;
contention is reported clearly (a skipped pass names the holder); nothing is created twice; the
store stays whole; the fabric still converges at the end.

IOFABRIC_SOAK_SECONDS sets the length (40 s here; make soak runs 900 s).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time

import yaml

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import Netlink
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import BUSY, ERROR, run_pass
from tests.lib.ansible_run import REPO, VENV_BIN

SECONDS = float(os.environ.get('IOFABRIC_SOAK_SECONDS', '40'))
RESULTS = os.path.join(REPO, 'build', 'reliability')
S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
S2 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2'


def play(sim, variant: int) -> list:
    config = [{'type': 'qlgc', 'name': 'veth1', 'primary': {'ioc_string': S1, 'hca': 'mlx4_0', 'port': 1}},
              {'type': 'qlgc', 'name': 'veth3', 'primary': {'ioc_string': S2, 'hca': 'mlx4_0', 'port': 2},
               'heartbeat': 100 + 100 * variant},
              {'type': 'macvlan', 'lower': 'eth1'}, {'type': 'macvlan', 'name': 'vnic5', 'lower': 'eth1'}]
    return [{'hosts': 'localhost', 'gather_facts': False, 'connection': 'local',
             'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
             'module_defaults': {'group/iofabric.core.fabric': {'sysroot': sim.root, 'netns': sim.netns,
                                                                'lock_timeout': 60}},
             'tasks': [{'name': 'vnics', 'iofabric.core.vnic_interface': {'config': config, 'connect_timeout': 1}},
                       {'name': 'fcoe', 'iofabric.core.fcoe_interface': {
                           'config': [{'interface': 'eth1'}, {'interface': 'eth2'}]}}]}]


class Actor(threading.Thread):
    def __init__(self, name: str, body, stop: threading.Event):
        super().__init__(name=name, daemon=True)
        self.body, self.stop, self.runs, self.problems = body, stop, [], []

    def run(self):
        while not self.stop.is_set():
            try:
                self.runs.append(self.body())
            except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
                self.problems.append(repr(exc))
                return


def overlaps(holds: list) -> list:
    """Pairs of holds that overlap in time where at least one is exclusive: there must be none."""
    holds = sorted(holds, key=lambda hold: hold['acquired'])
    bad = []
    for number, first in enumerate(holds):
        for second in holds[number + 1:]:
            if second['acquired'] >= first['released']:
                break
            if first['exclusive'] or second['exclusive']:
                bad.append((first, second))
    return bad


def test_playbooks_timer_and_watch_at_once_are_serialised(sim, tmp_path):
    trace = str(tmp_path / 'lock-trace.jsonl')
    env = dict(os.environ, IOFABRIC_LOCK_TRACE=trace, IOFABRIC_TOOL_TIMEOUT='5', ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.venv', 'collections'),
               PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
               ANSIBLE_HOME=str(tmp_path / 'home'))
    reconcile = [os.path.join(VENV_BIN, 'iofabric-reconcile'), '--sysroot', sim.root, '--netns', sim.netns]
    books = []
    for variant in (0, 1):
        path = str(tmp_path / ('play%d.yml' % variant))
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(play(sim, variant), handle)
        books.append(path)
    first = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', books[0]], env=env,
                           capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout[-2000:]
    stop = threading.Event()
    rng = random.Random(7)
    counter = iter(range(10 ** 6))

    def playbook_run():
        proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,',
                               books[next(counter) % 2]], env=env, capture_output=True, text=True, check=False)
        return (proc.returncode, proc.stdout[-1500:])

    def timer_pass():
        proc = subprocess.run(reconcile + ['--lock-timeout', '0.05'], env=env, capture_output=True, text=True,
                              check=False)
        time.sleep(rng.uniform(0.1, 0.4))
        return (proc.returncode, proc.stdout)

    def disturb():
        event = rng.choice((('hot-swap', {'ioc': 'ioc1'}), ('dcb-set', {'iface': 'eth2', 'dcb': 'off'}),
                            ('dcb-set', {'iface': 'eth2', 'dcb': 'on'})))
        sim.event(event[0], **event[1])
        time.sleep(rng.uniform(0.3, 0.8))
        return event[0]

    watch = subprocess.Popen(reconcile + ['--watch', '--interval', '1', '--poll', '0.5', '--lock-timeout', '2'],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    actors = [Actor('playbook', playbook_run, stop), Actor('playbook-2', playbook_run, stop),
              Actor('timer', timer_pass, stop), Actor('disturb', disturb, stop)]
    for actor in actors:
        actor.start()
    time.sleep(SECONDS)
    stop.set()
    for actor in actors:
        actor.join(timeout=120)
    watch.terminate()
    watch_output = watch.communicate(timeout=60)[0]
    assert watch.returncode == 0, watch_output[-2000:]
    assert all(not actor.problems for actor in actors), [actor.problems for actor in actors]

    playbooks = actors[0].runs + actors[1].runs
    assert playbooks and all(rc == 0 for rc, _out in playbooks), [out for rc, out in playbooks if rc][:1]
    timers = actors[2].runs
    assert not any(rc & ERROR for rc, _out in timers), [out for rc, out in timers if rc & ERROR][:1]
    busy = [out for rc, out in timers if rc & BUSY]
    # Contention is reported clearly, naming who holds the lock, and is not an error.
    assert busy and all('busy: the iofabric lock' in out and 'is held by' in out and '(pid ' in out for out in busy)
    assert ' error' not in watch_output

    with open(trace, encoding='utf-8') as handle:
        holds = [json.loads(line) for line in handle]
    owners = {hold['owner'].split(' (pid')[0] for hold in holds}
    assert {'iofabric.core.vnic_interface', 'iofabric.core.fcoe_interface', 'iofabric-reconcile'} <= owners
    assert overlaps(holds) == []

    with Netlink(sim.netns) as netlink:
        links = netlink.links()
    tags = [name for link in links if link.kind == 'macvlan' for name in link.altnames if name.startswith('iofabric-')]
    assert len(tags) == len(set(tags)) == 2, tags
    over = [sim.read('/sys/class/fc_host/%s/symbolic_name' % host).split(' over ')[-1].strip()
            for host in os.listdir(sim.path('/sys/class/fc_host'))]
    assert len(over) == len(set(over))
    for kind in ('qlgc', 'macvlan', 'fcoe'):
        assert sim.store(kind)['objects']   # whole, and still declaring
    sim.event('dcb-set', iface='eth2', dcb='on')
    final = run_pass(sim.root, sim.netns)
    assert not final.exit_code & (ERROR | BUSY), [line for _priority, line in final.lines()]

    os.makedirs(RESULTS, exist_ok=True)
    waits = sorted(hold['waited'] for hold in holds)
    with open(os.path.join(RESULTS, 'concurrency.json'), 'w', encoding='utf-8') as handle:
        json.dump({'seconds': SECONDS, 'lock_holds': len(holds),
                   'holds_by_owner': {owner: sum(1 for hold in holds if hold['owner'].startswith(owner))
                                      for owner in sorted(owners)},
                   'exclusive_holds': sum(1 for hold in holds if hold['exclusive']), 'overlapping_holds': 0,
                   'playbook_runs': len(playbooks), 'timer_passes': len(timers), 'timer_passes_busy': len(busy),
                   'watch_passes': watch_output.count('pass done'), 'longest_wait_s': round(waits[-1], 3),
                   'macvlans_per_declaration': 1}, handle, indent=1)
