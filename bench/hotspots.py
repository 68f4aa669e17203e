"""Where a batch converge spends its time: one kind's engine run in process under cProfile, on the
bench scenario, first run and re-run, the top functions by own time.

    .venv/bin/python bench/hotspots.py {qlgc,sdi,fcoe,eoib} [N]

This is the engine without Ansible around it; the difference to the batch figures of
docs/performance.md is what ansible-playbook adds (templating the arguments, AnsiballZ, the
result's round trip through the controller).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (REPO, os.path.join(REPO, '.venv', 'collections')):
    if path not in sys.path:
        sys.path.insert(0, path)

from bench.cases.converge import KINDS  # noqa: E402
from bench.lib.fabric import SimHost  # noqa: E402

ENGINE = {'qlgc': ('_iofabric.entry.vnic_interface', 'run_vnic', 'vnic_interface'), 'fcoe': ('_iofabric.entry.fcoe_interface', 'run_fcoe', 'fcoe_interface'),
          'sdi': ('_iofabric.entry.sdi_device', 'run_sdi', 'sdi_device'), 'eoib': ('_iofabric.entry.eoib_gc', 'run_eoib', 'eoib_gc')}
PACKAGE = 'ansible_collections.iofabric.core.plugins.'


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('kind', choices=sorted(ENGINE))
    parser.add_argument('count', nargs='?', type=int)
    parser.add_argument('--top', type=int, default=12)
    args = parser.parse_args(argv)
    kind = KINDS[args.kind]
    count = args.count or kind['sizes'][-1]
    module, function, plugin = ENGINE[args.kind]
    run = getattr(importlib.import_module(PACKAGE + 'module_utils.' + module), function)
    spec = importlib.import_module(PACKAGE + 'modules.' + plugin).ARGUMENT_SPEC
    host = SimHost('profile-' + args.kind, kind['scenario']).up()
    try:
        params = {name: option.get('default') for name, option in spec.items()}
        params.update(kind['batch'](count), sysroot=host.root, netns=host.netns)
        for label in ('first run', 're-run'):
            profile = cProfile.Profile()
            started = time.monotonic()
            profile.enable()
            result = run(dict(params), False)
            profile.disable()
            print('%s %s x%d, %s: %.2f s under cProfile, changed=%s, %d pending, %d failed' % (
                args.kind, kind['unit'], count, label, time.monotonic() - started, result['changed'],
                len(result.get('pending', [])), len(result.get('failures', []))))
            pstats.Stats(profile).sort_stats('tottime').print_stats(args.top)
    finally:
        host.down()
    return 0


if __name__ == '__main__':
    sys.exit(main())
