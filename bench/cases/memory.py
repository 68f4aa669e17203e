"""Memory: the peak RSS of the module process at N = 1,024 qlgc VNICs (the module file run as
Ansible runs it, first run and re-run), and of a reconciler pass over them (the installed launcher)."""

from __future__ import annotations

import json
import os
import sys

from bench.lib import declare
from bench.lib.fabric import SimHost
from bench.lib.measure import run
from bench.lib.paths import BUILD, COLLECTIONS
from bench.cases.reconcile import install_role


def measure(repeats: int, quick: bool = False) -> dict:
    size = 128 if quick else 1024
    host = SimHost('memory', 'large').up()
    try:
        args = os.path.join(BUILD, 'memory-args.json')
        with open(args, 'w', encoding='utf-8') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': {'config': declare.qlgc(size), 'sysroot': host.root,
                                               'netns': host.netns, '_ansible_check_mode': False}}, handle)
        module = [sys.executable, '-m', 'ansible_collections.iofabric.core.plugins.modules.vnic_interface', args]
        env = dict(os.environ, PYTHONPATH=COLLECTIONS)
        first, rerun = run(module, env=env), run(module, env=env)
        assert first.rc == 0 and rerun.rc == 0, (first.stdout[-500:], rerun.stdout[-500:])
        launcher = install_role(host)
        passes = [run([launcher, '--sysroot', host.root, '--netns', host.netns]) for _number in range(2)]
        return {'objects': size, 'module_first_kb': first.max_rss_kb, 'module_rerun_kb': rerun.max_rss_kb,
                'module_result_bytes': len(rerun.stdout), 'pass_kb': max(done.max_rss_kb for done in passes),
                'floor_python_kb': run([sys.executable, '-c', 'pass']).max_rss_kb}
    finally:
        host.down()
