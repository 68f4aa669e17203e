"""make bench: speed and scale of iofabric.core on fabricsim, against the baselines a user would
otherwise pick, every ratio measured within this one run.

    .venv/bin/python bench/run.py [--quick] [--only converge,fabricsim_io,reconcile,reaction,fcoe_exhaustion,fleet,memory]

Writes bench/results/latest.json (and a copy per run under bench/results/runs/), and regenerates
docs/performance.md from it (bench/report.py). --quick runs every case at its smallest size, once,
to check the harness; its figures are not the product's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (REPO, os.path.join(REPO, '.venv', 'collections')):
    if path not in sys.path:
        sys.path.insert(0, path)

from bench import report  # noqa: E402
from bench.cases import converge, fabricsim_io, fcoe_exhaustion, fleet, memory, reaction, reconcile  # noqa: E402
from bench.lib.measure import quiesce  # noqa: E402
from bench.lib.paths import BUILD, RESULTS  # noqa: E402

CASES = ('converge', 'fabricsim_io', 'reconcile', 'reaction', 'fcoe_exhaustion', 'fleet', 'memory')


def machine() -> dict:
    perf = shutil.which('perf')
    return {'cpus': os.cpu_count(), 'kernel': platform.release(), 'python': platform.python_version(),
            'ansible_core': subprocess.run([os.path.join(REPO, '.venv', 'bin', 'ansible'), '--version'],
                                           capture_output=True, text=True, check=False).stdout.split('\n')[0],
            'perf': bool(perf), 'load_at_start': os.getloadavg()}


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='smallest sizes, once: checks the harness')
    parser.add_argument('--only', default=','.join(CASES), help='comma-separated subset of %s' % ','.join(CASES))
    parser.add_argument('--output', default=os.path.join(RESULTS, 'latest.json'))
    parser.add_argument('--no-docs', action='store_true', help='do not regenerate docs/performance.md')
    parser.add_argument('--merge', action='store_true',
                        help='keep the other cases of the output file: re-measure only --only (the run says so)')
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print('make bench needs root: fabricsim mounts FUSE filesystems and creates network namespaces.',
              file=sys.stderr)
        return 1
    only = [name for name in args.only.split(',') if name]
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        parser.error('--only: unknown case %s' % ', '.join(unknown))
    os.makedirs(BUILD, exist_ok=True)
    repeats = 1 if args.quick else 3
    started = time.monotonic()
    results = {'format': 'iofabric.core/bench', 'version': 1, 'quick': args.quick,
               'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'machine': machine(),
               'command': 'make bench' if not args.quick else 'bench/run.py --quick', 'cases': {}}
    failed: list = []

    def step(name: str, call) -> None:
        if name.split(':')[0] not in only:
            return
        waited = quiesce()
        began = time.monotonic()
        print('bench: %s ...%s' % (name, ' (after %.1f s for the machine to be quiet)' % waited if waited > 1 else ''),
              flush=True)
        try:
            results['cases'][name] = call()
        except Exception as exc:  # pylint: disable=broad-except  # one broken case must not lose the others
            results['cases'][name] = {'error': '%s: %s' % (type(exc).__name__, exc)}
            failed.append(name)
            print('bench: %s FAILED: %s' % (name, exc), file=sys.stderr, flush=True)
        results['cases'][name]['case_seconds'] = round(time.monotonic() - began, 1)
        print('bench: %s done in %.0f s' % (name, time.monotonic() - began), flush=True)

    step('converge:floor', lambda: converge.floor(3 if not args.quick else 1))
    # FCoE last: tearing down its 256 veths keeps the kernel busy for a while after `fabricsim down`.
    for kind in ('qlgc', 'sdi', 'eoib', 'fcoe'):
        step('converge:' + kind, lambda kind=kind: converge.measure_kind(
            kind, repeats if kind == 'qlgc' else max(1, repeats - 1), args.quick))
    step('fabricsim_io', lambda: fabricsim_io.measure(3 if not args.quick else 1, args.quick))
    step('reconcile', lambda: reconcile.measure(3 if not args.quick else 1, args.quick))
    step('reaction', lambda: reaction.measure(6 if not args.quick else 1, args.quick))
    step('fcoe_exhaustion', lambda: fcoe_exhaustion.measure(5 if not args.quick else 1))
    step('fleet', lambda: fleet.measure(2 if not args.quick else 1, args.quick))
    step('memory', lambda: memory.measure(1, args.quick))
    results['seconds'] = round(time.monotonic() - started, 1)
    if args.merge and os.path.exists(args.output):
        with open(args.output, encoding='utf-8') as handle:
            earlier = json.load(handle)
        remeasured = {'cases': sorted(results['cases']), 'started': results['started'],
                      'seconds': results['seconds']}
        earlier['cases'].update(results['cases'])
        earlier.setdefault('remeasured', []).append(remeasured)
        results = earlier
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    text = json.dumps(results, indent=1, sort_keys=True) + '\n'
    with open(args.output, 'w', encoding='utf-8') as handle:
        handle.write(text)
    runs = os.path.join(RESULTS, 'runs')
    os.makedirs(runs, exist_ok=True)
    with open(os.path.join(runs, results['started'].replace(':', '') + '.json'), 'w', encoding='utf-8') as handle:
        handle.write(text)
    if not args.no_docs and not args.quick:
        report.write(json.loads(text))   # as a later `bench/report.py` reads it back
    verdict = '; FAILED: ' + ', '.join(failed) if failed else ''
    print('bench: all done in %.0f s; %s%s' % (results['seconds'], args.output, verdict))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
