"""Fleet: what one more host costs. 16 simulated hosts (each its own fabricsim root and network
namespace, `ansible_connection: local`, forks 16) run a `ping` task, then the VNIC declaration of
docs/examples (first run and re-run). For each play: the controller's CPU per host and the module's
CPU per host, apart.

On this 2-core machine every host's module runs on the same two cores, so a wall time for many hosts
only shows them queueing (an earlier version of this case measured that: 64 hosts 14.9x one host).
CPU per host is what holds on a real fleet: the controller's share is spent once per host on the
controller, the module's on each host, in parallel.

How it is split: every module runs under an interpreter wrapper (GNU time, which writes the module
process's user+system CPU to a log); the controller's share is the CPU of the whole ansible-playbook
tree (RUSAGE_CHILDREN of this process) minus the modules'. The local connection's shell commands
(mkdir, chmod, rm of the module's temp dir) count on the controller's side here; over SSH they run on
the host. Both plays pay them alike, so the ratio is fair.
"""

from __future__ import annotations

import os
import resource
from concurrent.futures import ThreadPoolExecutor

import yaml

from bench.lib.fabric import SimHost
from bench.lib.measure import TIME, Stats
from bench.lib.paths import BUILD, REPO, VENV_BIN
from bench.lib.plays import inventory, playbook, write

HOSTS = 16
FORKS = 16


def declaration() -> list:
    with open(os.path.join(REPO, 'docs', 'examples', 'inventory', 'group_vars', 'iofabric_hosts.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['fabric_vnics']


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_interpreter(log: str) -> str:
    """An interpreter wrapper that logs each module process's CPU (user and system seconds, one line each)."""
    path = os.path.join(BUILD, 'plays', 'cpu-python')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\nexec %s -q -a -o %s -f "%%U %%S" %s "$@"\n' % (TIME, log, os.path.join(VENV_BIN, 'python')))
    os.chmod(path, 0o755)
    return path


def module_cpu(log: str) -> tuple:
    """(seconds, processes) logged since the log was emptied."""
    with open(log, encoding='utf-8') as handle:
        rows = [line.split() for line in handle if line.strip()]
    return sum(float(user) + float(system) for user, system in rows), len(rows)


def timed_play(path: str, inv: str, log: str) -> dict:
    open(log, 'w', encoding='utf-8').close()
    before = children_cpu()
    done = playbook(path, inv, forks=FORKS)
    total = children_cpu() - before
    modules, processes = module_cpu(log)
    assert processes == done['hosts'] == HOSTS, (processes, done)
    return {'seconds': done['seconds'], 'changed': done['changed'], 'controller_per_host': (total - modules) / HOSTS,
            'module_per_host': modules / HOSTS}


def measure(repeats: int, quick: bool = False) -> dict:
    hosts = [SimHost('fleet%d' % number, 'demo') for number in range(HOSTS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(SimHost.up, hosts))
    log = os.path.join(BUILD, 'plays', 'module-cpu.log')
    python = cpu_interpreter(log)
    members = {host.name: {'iofabric_sysroot': host.root, 'iofabric_netns': host.netns, 'ansible_connection': 'local'}
               for host in hosts}
    inv = inventory('fleet', members)
    ping = write('fleet-ping', [{'name': 'ping', 'ansible.builtin.ping': {}}], hosts='fleet', interpreter=python)
    declare = write('fleet', [{'name': 'VNICs', 'iofabric.core.vnic_interface': {'config': declaration()}}],
                    hosts='fleet', defaults={'sysroot': '{{ iofabric_sysroot }}', 'netns': '{{ iofabric_netns }}'},
                    interpreter=python)
    plays = {name: {'controller_per_host': Stats(), 'module_per_host': Stats(), 'wall': Stats()}
             for name in ('ping', 'first', 'rerun')}
    try:
        for _number in range(1 if quick else repeats):
            for host in hosts:
                host.reset()
            for name, path in (('ping', ping), ('first', declare), ('rerun', declare)):
                figures = timed_play(path, inv, log)
                assert name != 'rerun' or figures['changed'] == 0, figures
                for key in ('controller_per_host', 'module_per_host'):
                    plays[name][key].add(figures[key])
                plays[name]['wall'].add(figures['seconds'])
    finally:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(SimHost.down, hosts))
    return {'hosts': HOSTS, 'forks': FORKS, 'cores': os.cpu_count(),
            'plays': {name: {key: stats.as_dict() for key, stats in figures.items()} for name, figures in plays.items()}}
