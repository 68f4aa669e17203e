"""The counts of the reliability suites, from build/reliability/*.json, as the tables of docs/reliability.md.

    .venv/bin/python scripts/reliability_summary.py [DIRECTORY]
"""

from __future__ import annotations

import glob
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(directory: str, pattern: str) -> list:
    found = []
    for path in sorted(glob.glob(os.path.join(directory, pattern))):
        with open(path, encoding='utf-8') as handle:
            found.append(json.load(handle))
    return found


def main(argv: list) -> int:
    directory = argv[1] if len(argv) > 1 else os.path.join(REPO, 'build', 'reliability')
    out = []
    bad = load(directory, 'bad-input-*.json')
    if bad:
        by_module: dict = {}
        for entry in bad:
            total = by_module.setdefault(entry['module'], [0, 0, 0])
            total[0] += entry['cases']
            total[1] += entry['refused_naming_the_field']
            total[2] += entry['sysfs_writes']
        out += ['| Bad input: module | Cases | Refused, naming the field | sysfs writes |', '|---|---|---|---|']
        out += ['| %s | %d | %d | %d |' % (module, *totals) for module, totals in sorted(by_module.items())]
        out.append('| **all** | **%d** | **%d** | **%d** |' % tuple(sum(t[i] for t in by_module.values()) for i in range(3)))
        out.append('')
    faults = load(directory, 'fault-*.json')
    if faults:
        kinds: dict = {}
        for entry in faults:
            kinds.setdefault(entry['kind'], []).append(entry)
        out += ['| Faults: module | Cases | Faults injected | Reported on their object | Recovered afterwards |',
                '|---|---|---|---|---|']
        for kind, entries in sorted(kinds.items()):
            injected = sum(entry['faults_injected'] for entry in entries)
            reported = sum(1 for entry in entries if entry['reported'])
            recovered = sum(1 for entry in entries if entry['recovered'])
            out.append('| %s | %d | %d | %d | %d |' % (kind, len(entries), injected, reported, recovered))
        out.append('')
    for entry in load(directory, 'crashes.json'):
        out += ['| Crashes | Count |', '|---|---|']
        for key in ('iterations', 'killed_mid_run', 'finished_before_kill', 'real_processes', 'store_checks',
                    'converged_checks', 'temp_files_left'):
            out.append('| %s | %s |' % (key.replace('_', ' '), entry[key]))
        out.append('| victims (pass / module) | %d / %d |' % (entry['by_victim']['pass'], entry['by_victim']['module']))
        out.append('')
    for entry in load(directory, 'concurrency.json'):
        out += ['| Concurrency | Count |', '|---|---|']
        for key in ('seconds', 'lock_holds', 'exclusive_holds', 'overlapping_holds', 'playbook_runs', 'timer_passes',
                    'timer_passes_busy', 'watch_passes', 'longest_wait_s'):
            out.append('| %s | %s |' % (key.replace('_', ' '), entry[key]))
        out.append('')
    for entry in load(directory, 'fuzz.json'):
        out += ['| Fuzzed parser | Inputs | Parsed | Refused with the project\'s error |', '|---|---|---|---|']
        for name, tally in sorted(entry['parsers'].items()):
            total = tally['parsed'] + tally['refused']
            out.append('| %s | %d | %d | %d |' % (name, total, tally['parsed'], tally['refused']))
        out.append('| **all** | **%d** | | |' % entry['inputs'])
    print('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
