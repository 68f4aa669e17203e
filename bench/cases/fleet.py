"""Fleet: the same declaration on 1, 16 and 64 simulated hosts, each its own fabricsim root and
network namespace, with forks 16: how wall time grows. On one 2-core machine every host's module
runs on the same two cores, so the report also gives the CPU-bound floor (hosts x one host's
module time / cores) that no fan-out can beat here; on a real fleet each host runs its own.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import yaml

from bench.lib.fabric import SimHost
from bench.lib.measure import Stats
from bench.lib.paths import REPO
from bench.lib.plays import inventory, playbook, write


def declaration() -> list:
    with open(os.path.join(REPO, 'docs', 'examples', 'inventory', 'group_vars', 'iofabric_hosts.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['fabric_vnics']


def measure(repeats: int, quick: bool = False) -> dict:
    sizes = (1, 4) if quick else (1, 16, 64)
    hosts = [SimHost('fleet%d' % number, 'demo') for number in range(max(sizes))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(SimHost.up, hosts))
    result = {'forks': 16, 'cores': os.cpu_count(), 'hosts': {}}
    try:
        path = write('fleet', [{'name': 'VNICs', 'iofabric.core.vnic_interface': {'config': declaration()}}],
                     hosts='fleet', defaults={'sysroot': '{{ iofabric_sysroot }}', 'netns': '{{ iofabric_netns }}'})
        for size in sizes:
            members = {host.name: {'iofabric_sysroot': host.root, 'iofabric_netns': host.netns,
                                   'ansible_connection': 'local',
                                   'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
                       for host in hosts[:size]}
            inv = inventory('fleet-%d' % size, members)
            first, rerun = Stats(), Stats()
            for _number in range(repeats if size == min(sizes) else 1):   # the big ones once: 15 minutes in all
                for host in hosts[:size]:
                    host.reset()
                first.add(playbook(path, inv, forks=16)['seconds'])
                again = playbook(path, inv, forks=16)
                assert again['changed'] == 0, again
                rerun.add(again['seconds'])
            result['hosts'][size] = {'first': first.as_dict(), 'rerun': rerun.as_dict()}
    finally:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(SimHost.down, hosts))
    return result
