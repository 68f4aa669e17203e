"""A reconciler pass over N declared objects, as the role's timer runs it: the installed launcher,
interpreter start included. With nothing to do, and with 1% to repair (VNICs deleted behind its
back). Also the engine's share of a pass (in process), the tool runs per pass, and what one
attribute read costs on the simulator against the real sysfs, to say what a pass would cost on a
host.
"""

from __future__ import annotations

import importlib
import json
import resource
import subprocess
import time

from bench.lib import declare
from bench.lib.fabric import SimHost
from bench.lib.measure import Stats, linear_fit, run
from bench.lib.plays import playbook, write
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.reconciler.reconcile import run_pass
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

QLGC = '/sys/class/infiniband_qlgc_vnic'


def install_role(host: SimHost) -> str:
    """The reconciler role into the simulated host's root; returns the launcher."""
    path = write('role-' + host.name, [{'name': 'reconciler', 'ansible.builtin.include_role': {
        'name': 'iofabric.core.reconciler'}, 'vars': {
            'reconciler_root': host.root, 'reconciler_sysroot': host.root, 'reconciler_netns': host.netns,
            'reconciler_python': '{{ ansible_playbook_python }}', 'reconciler_dependencies': 'none'}}])
    playbook(path)
    return host.path('/usr/local/sbin/iofabric-reconcile')


def module_params(host: SimHost, **values) -> dict:
    spec = importlib.import_module('ansible_collections.iofabric.core.plugins.modules.vnic_interface').ARGUMENT_SPEC
    params = {name: option.get('default') for name, option in spec.items()}
    params.update(sysroot=host.root, netns=host.netns, **values)
    return params


def read_cost(path: str, count: int = 5000) -> float:
    """Microseconds per open-read-close of one attribute."""
    started = time.perf_counter()
    for _number in range(count):
        with open(path, 'rb') as handle:
            handle.read()
    return (time.perf_counter() - started) / count * 1e6


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_ms(argv: list, repeats: int = 5) -> dict:
    """What a pass spends importing (`python -X importtime` on the launcher: the top-level imports'
    cumulative times add up to every import), the least of `repeats` runs, the one least disturbed
    by other load; `engine`: the self times of the engine's own modules within it."""
    with open(argv[0], encoding='utf-8') as handle:
        interpreter = handle.readline()[2:].strip()
    best: dict = {}
    for _number in range(repeats):
        err = subprocess.run([interpreter, '-X', 'importtime'] + argv, capture_output=True, text=True,
                             check=False).stderr
        total = engine = 0
        for line in err.splitlines():
            parts = line.split('|')
            if not line.startswith('import time:') or len(parts) != 3 or not parts[1].strip().isdigit():
                continue
            own, cumulative, name = int(parts[0].split(':')[1]), int(parts[1]), parts[2]
            if len(name) - len(name.lstrip(' ')) == 1:   # a top-level import
                total += cumulative
            if name.strip().startswith('ansible_collections.'):
                engine += own
        if not best or total < best['total_ms'] * 1000:
            best = {'total_ms': round(total / 1000, 1), 'engine_ms': round(engine / 1000, 1)}
    return best


def measure(repeats: int, quick: bool = False) -> dict:
    sizes = (128,) if quick else (128, 256, 512, 1024)
    host = SimHost('reconcile', 'large').up()
    result = {'sizes': {}, 'scenario': 'large'}
    try:
        launcher = install_role(host)
        argv = [launcher, '--sysroot', host.root, '--netns', host.netns]
        for size in sizes:
            host.reset()
            declared = run_vnic(module_params(host, config=declare.qlgc(size)), False)
            assert not declared['failures'], declared['failures'][:3]
            idle, engine, repair, cpu = Stats(), Stats(), Stats(), Stats()
            for _number in range(repeats):
                before = children_cpu()
                done = run(argv)
                cpu.add(children_cpu() - before)
                assert done.rc == 0, (done.rc, done.stdout[-500:])
                idle.add(done.seconds)
                started = time.monotonic()
                assert run_pass(host.root, host.netns).exit_code == 0
                engine.add(time.monotonic() - started)
            report = json.loads(run(argv + ['--check', '--json']).stdout)
            tool_runs = {kind: body.get('tool_runs', {}) for kind, body in report['kinds'].items()}
            broken = max(1, size // 100)
            for _number in range(repeats):
                for number in range(broken):
                    with open(host.path(QLGC + '/interfaces/delete_vnic'), 'wb') as handle:
                        handle.write(b'qv%d' % (number * (size // broken)))
                done = run(argv)
                assert done.rc & 1 and not done.rc & 8, (done.rc, done.stdout[-800:])
                repair.add(done.seconds)
            rss = max(run(argv).max_rss_kb for _number in range(2))
            result['sizes'][size] = {'idle': idle.as_dict(), 'idle_cpu': cpu.as_dict(), 'engine_idle': engine.as_dict(),
                                     'repair': repair.as_dict(), 'repaired_per_pass': broken,
                                     'tool_runs': tool_runs, 'max_rss_kb': rss}
        if len(sizes) > 1:
            points = [(size, result['sizes'][size]['idle']['median']) for size in sizes]
            intercept, slope = linear_fit(points)
            result['idle_fit'] = {'intercept_s': round(intercept, 4), 'per_object_ms': round(slope * 1000, 4)}
        result['imports'] = import_ms(argv)
        attribute = host.path(QLGC + '/interfaces/qv0/primary_path/viport_state')
        result['attribute_read_us'] = {'fabricsim': round(read_cost(attribute), 2),
                                       'sysfs': round(read_cost('/sys/class/net/lo/mtu'), 2)}
    finally:
        host.down()
    result['fcoe'] = measure_dcb_queries()
    return result


def measure_dcb_queries() -> dict:
    """DCB queries per pass over FCoE interfaces: one query sequence per interface, never per object."""
    host = SimHost('reconcile-fcoe', 'small').up()
    try:
        install_role(host)
        from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
        spec = importlib.import_module('ansible_collections.iofabric.core.plugins.modules.fcoe_interface').ARGUMENT_SPEC
        params = {name: option.get('default') for name, option in spec.items()}
        params.update(sysroot=host.root, netns=host.netns, config=[{'interface': 'eth1'}, {'interface': 'eth2'}])
        run_fcoe(params, False)
        before, requests = host.tool_runs(), host.clif_requests()
        done = run([host.path('/usr/local/sbin/iofabric-reconcile'), '--sysroot', host.root, '--netns', host.netns,
                    '--kinds', 'fcoe'])
        after, requests = host.tool_runs(), host.clif_requests() - requests
        forks = sum(after.get(tool, 0) - before.get(tool, 0) for tool in ('dcbtool', 'lldptool'))
        return {'interfaces': 2, 'lldpad_requests': requests, 'lldpad_requests_per_interface': requests / 2,
                'dcb_tool_runs': forks, 'exit_code': done.rc}
    finally:
        host.down()
