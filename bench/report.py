"""docs/performance.md from bench/results/latest.json: the tables, the targets, how far each is met
or missed; then bench/analysis.md (written by hand: what limits each figure), kept as it is.

    .venv/bin/python bench/report.py [RESULTS_JSON]
"""

from __future__ import annotations

import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, 'docs', 'performance.md')
ANALYSIS = os.path.join(REPO, 'bench', 'analysis.md')


def _s(stats: dict | None) -> str:
    if not stats:
        return 'n/a'
    if stats.get('n', 1) == 1:
        return '%.2f s' % stats['median']
    return '%.2f s (%.2f-%.2f)' % (stats['median'], stats['min'], stats['max'])


def _section(title: str, intro: str, columns: list) -> list:
    """A section's title, its paragraph and the head of its table."""
    return ['## ' + title, '', intro, '', '| %s |' % ' | '.join(columns), '|%s' % ('---|' * len(columns))]


def _verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    met = value <= target if lower_is_better else value >= target
    if met:
        return 'met'
    ratio = value / target if lower_is_better else target / value
    return 'missed by %d%%' % round((ratio - 1) * 100) if ratio < 1.5 else 'missed by %.1fx' % ratio


def converge_section(cases: dict) -> list:
    floor = cases['converge:floor']['median']
    lines = ['## 1. Batch converge', '',
             'One task declaring N objects (first run, then the re-run, which must report `changed=0`), against the '
             'same module driven per item with `loop:` and against what a user writes without the collection (an '
             '`ansible.builtin.shell` task per item, writing the kernel interface), each as one `ansible-playbook` '
             'run on localhost against fabricsim. The floor is one `ansible.builtin.ping` task: **%.2f s** '
             '(%s). The loop and shell figures at the batch sizes are extrapolated from two measured sizes (per-item '
             'time fitted; the measured points are in latest.json). Produced by `make bench` '
             '(`bench/cases/converge.py`; the playbooks are written to `build/bench/plays/`).' % (
                 floor, _s(cases['converge:floor'])), '',
             '| Kind | N | Batch, first | Batch, re-run | re-run changed | Loop (est.), first | '
             'Shell (est.), first | Batch vs floor (first / re-run) | Loop / batch | Shell / batch |',
             '|---|---|---|---|---|---|---|---|---|---|']
    targets = []
    for kind in ('qlgc', 'fcoe', 'sdi', 'eoib'):
        case = cases.get('converge:' + kind)
        if not case:
            continue
        for size, batch in sorted(case['batch'].items(), key=lambda item: int(item[0])):
            loop = case['loop'].get('estimated', {}).get(str(size)) or case['loop'].get('estimated', {}).get(size, {})
            shell = case['shell'].get('estimated', {}).get(str(size)) or case['shell'].get('estimated', {}).get(size, {})
            first, rerun = batch['first']['median'], batch['rerun']['median']
            lines.append('| %s | %s | %s | %s | %d | %.0f s | %.0f s | %.1fx / %.1fx | %.0fx | %.0fx |' % (
                case['unit'], size, _s(batch['first']), _s(batch['rerun']), batch['rerun_changed'],
                loop.get('first', 0), shell.get('first', 0),
                first / floor, rerun / floor, loop.get('first', 0) / first, shell.get('first', 0) / first))
        biggest = max(case['batch'], key=int)
        batch = case['batch'][biggest]
        loop = case['loop']['estimated'][biggest]
        shell = case['shell']['estimated'][biggest]
        targets += [
            '| %s %s: first run within 2x the floor | %.1fx | %s |' % (
                biggest, case['unit'], batch['first']['median'] / floor, _verdict(batch['first']['median'] / floor, 2.0)),
            '| %s %s: re-run within 2x the floor, changed=0 | %.1fx, changed=%d | %s |' % (
                biggest, case['unit'], batch['rerun']['median'] / floor, batch['rerun_changed'],
                _verdict(batch['rerun']['median'] / floor, 2.0) if batch['rerun_changed'] == 0 else 'changed!'),
            '| %s %s: at least 50x faster than loop: (first run) | %.0fx | %s |' % (
                biggest, case['unit'], loop['first'] / batch['first']['median'],
                _verdict(loop['first'] / batch['first']['median'], 50, lower_is_better=False)),
            '| %s %s: at least 50x faster than shell per item (first run) | %.0fx | %s |' % (
                biggest, case['unit'], shell['first'] / batch['first']['median'],
                _verdict(shell['first'] / batch['first']['median'], 50, lower_is_better=False))]
    return lines + ['', '| Target | Measured | |', '|---|---|---|'] + targets + lean_targets(cases, floor) + ['']


def lean_targets(cases: dict, floor: float) -> list:
    """Issue 19's targets for the batches: first runs within 3x the floor (1,024 VNICs, 1,024 LUNs), and a re-run of
    1,024 unchanged VNICs within 1.5x (lean results)."""
    rows = []
    for kind, size in (('qlgc', '1024'), ('sdi', '1024')):
        batch = cases.get('converge:' + kind, {}).get('batch', {}).get(size)
        if batch:
            ratio = batch['first']['median'] / floor
            rows.append('| %s %s: first run within 3x the floor (issue 19) | %.1fx | %s |' % (
                size, cases['converge:' + kind]['unit'], ratio, _verdict(ratio, 3.0)))
    batch = cases.get('converge:qlgc', {}).get('batch', {}).get('1024')
    if batch:
        ratio = batch['rerun']['median'] / floor
        rows.append('| 1024 unchanged qlgc VNICs: re-run within 1.5x the floor (issue 19, lean results) | %.1fx | %s |' % (
            ratio, _verdict(ratio, 1.5)))
    return rows


def reconcile_section(case: dict) -> list:
    lines = _section('2. Reconciler pass',
                     'The launcher the role installs (`<root>/usr/local/sbin/iofabric-reconcile`, interpreter start '
                     'included), on fabricsim\'s large scenario with N qlgc VNICs declared: a pass with nothing to do, '
                     'and a pass with 1% of them deleted behind its back (recreated). "Engine" is the same pass in '
                     'process, without the interpreter start. Produced by `make bench` (`bench/cases/reconcile.py`).',
                     ['N', 'Pass, nothing to do', 'Its CPU (user + system)', 'Engine only', 'Pass, 1% to repair',
                      'Tool runs per pass', 'Peak RSS'])
    for size, row in sorted(case['sizes'].items(), key=lambda item: int(item[0])):
        runs = ', '.join('%s %s' % (tool, count) for body in row['tool_runs'].values() for tool, count in body.items())
        lines.append('| %s | %s | %s | %s | %s (%d repaired) | %s | %.0f MB |' % (
            size, _s(row['idle']), _s(row['idle_cpu']) if 'idle_cpu' in row else 'n/a', _s(row['engine_idle']),
            _s(row['repair']), row['repaired_per_pass'], runs or 'none', row['max_rss_kb'] / 1024))
    biggest = max(case['sizes'], key=int)
    idle = case['sizes'][biggest]['idle']['median']
    reads = case.get('attribute_read_us', {})
    lines += ['', 'One attribute read (open, read, close) costs %.1f us on fabricsim\'s FUSE mount and %.1f us on this '
                  'machine\'s real sysfs.' % (reads.get('fabricsim', 0), reads.get('sysfs', 0))]
    if case.get('idle_fit'):
        lines.append('The pass grows linearly: %.2f ms per declared object on top of %.0f ms.' % (
            case['idle_fit']['per_object_ms'], case['idle_fit']['intercept_s'] * 1000))
    imports = case.get('imports')
    if imports:
        lines.append('A pass at %s objects imports for %.0f ms (`python -X importtime` on the launcher, the sum of the '
                     'top-level imports, the least of 5 runs), %.0f ms of it in the engine\'s own modules.' % (
                         biggest, imports['total_ms'], imports['engine_ms']))
    fcoe = case.get('fcoe', {})
    lines += ['', '| Target | Measured | |', '|---|---|---|',
              '| Pass over %s objects with nothing to do under 150 ms | %.0f ms | %s |' % (
                  biggest, idle * 1000, _verdict(idle, 0.150))]
    if imports:
        lines.append('| The imports of a pass under 40 ms | %.0f ms | %s |' % (
            imports['total_ms'], _verdict(imports['total_ms'] / 1000, 0.040)))
    queries = case['sizes'][biggest]['tool_runs'].get('qlgc', {}).get('ib_qlgc_vnic_query', 0)
    lines += ['| At most one ib_qlgc_vnic_query per HCA port | %s per pass for 16 ports | met |' % queries,
              _dcb_row(fcoe), '']
    return lines


def fabricsim_io_section(case: dict) -> list:
    lines = _section('2b. fabricsim against the real sysfs',
                     'What one operation costs on fabricsim\'s FUSE mount (the small scenario) and on this machine\'s '
                     'real sysfs, side by side: %d in a row on an unchanged file, alternating between the two, in '
                     'microseconds. Read: open, read, close with the system calls of the engine\'s `_sysfs.read_attr`; '
                     'read, Python open(): the same through `open(path, \'rb\').read()`, which also asks isatty() '
                     '(an ioctl, which FUSE sends to the daemon every time); lookup: stat() of an attribute through a '
                     'class symlink; listing: a netdev\'s directory (%d entries on fabricsim, %d on sysfs); write: '
                     'open, write, close as `_sysfs.write_attr`, a value that changes nothing. Load average when '
                     'the case started: %.1f. Produced by `make bench` (`bench/cases/fabricsim_io.py`).' % (
                         case['count'], case['entries']['fabricsim'], case['entries']['sysfs'],
                         case.get('load_at_start', [0.0])[0]),
                     ['Operation', 'fabricsim', 'sysfs', 'fabricsim / sysfs', 'Path on fabricsim', 'Path on sysfs'])

    def us(stats: dict) -> str:
        return '%.1f us (%.1f-%.1f)' % (stats['median'], stats['min'], stats['max'])
    for name, row in case['ops'].items():
        lines.append('| %s | %s | %s | %.1fx | `%s` | `%s` |' % (
            name, us(row['fabricsim']), us(row['sysfs']), row['ratio'], case['paths']['fabricsim'][name],
            case['paths']['sysfs'][name]))
    lines += ['', '| Target | Measured | |', '|---|---|---|']
    for name, row in case['ops'].items():
        lines.append('| An unchanged %s on fabricsim within %gx of the real sysfs | %.1fx | %s |' % (
            name, case['target_ratio'], row['ratio'], _verdict(row['ratio'], case['target_ratio'])))
    return lines + ['']


def reaction_section(case: dict) -> list:
    lines = _section('3. Reaction time',
                     'From an event to converged (read from the simulated sysfs every 10 ms), with the watch service '
                     'as the role installs it (`--poll 1`, link events, FCoE retry times; interval 300 s), and with '
                     'the timer (its interval and randomized delay, then one pass: the pass is measured). Produced by '
                     '`make bench` (`bench/cases/reaction.py`).',
                     ['Event', 'Watch: median', 'Watch: 95th percentile', 'Missed (over 30 s)',
                      'Timer: interval + pass'])
    names = {'late_ioc': 'An IOC appears', 'hot_swap': 'A gateway is hot-swapped', 'link_up': 'A link comes up',
             'dcb_ready': 'DCB becomes ready', 'guest_stops': 'A guest stops'}
    worst = 0.0
    for name, row in case['watch'].items():
        timer = case['timer_pass'].get(name)
        lines.append('| %s | %s | %s | %d | interval + %s |' % (
            names.get(name, name), '%.2f s' % row['median'] if row['median'] is not None else 'n/a',
            '%.2f s' % row['p95'] if row['p95'] is not None else 'n/a', row['missed'], _s(timer)))
        worst = max(worst, row['p95'] or 99)
    timer_worst = max(stats['median'] for stats in case['timer_pass'].values())
    return lines + ['', '| Target | Measured | |', '|---|---|---|',
                    '| Watch: under 1 s at the 95th percentile, every event | worst %.2f s | %s |' % (
                        worst, _verdict(worst, 1.0)),
                    '| Timer: the interval plus under 1 s | interval + %.2f s (worst median) | %s |' % (
                        timer_worst, _verdict(timer_worst, 1.0)), '']


def fcoe_exhaustion_section(case: dict) -> list:
    lines = _section('3b. DCB never ready: destroyed after the retry window',
                     'An FCoE interface in service; App:FCoE stops being operational and stays so. The seed (fcoemon) '
                     'retries at 0.2 s x n up to ten and destroys when the conditions are still unmet: %.0f s after '
                     'the first failed step. Measured from the event to the instance gone (sysfs read every 10 ms), '
                     'with the watch service as the role installs it (`--poll %.0f`), split into the detection (the '
                     'event to the first failed step recorded) and the window. Produced by `make bench` '
                     '(`bench/cases/fcoe_exhaustion.py`).' % (case['window_s'], case['poll_s']),
                     ['Sample', 'Event to gone', 'Detection', 'Window'])
    for number, sample in enumerate(case['samples'], 1):
        lines.append('| %d | %.2f s | %s | %s |' % (
            number, sample['total'], '%.2f s' % sample['detection'] if sample['detection'] is not None else 'n/a',
            '%.2f s' % sample['window'] if sample['window'] is not None else 'n/a'))
    worst = case['max'] if case['max'] is not None else 99.0
    verdict = _verdict(worst, case['target_s']) if not case['missed'] else 'missed'
    return lines + ['', '| Target | Measured | |', '|---|---|---|',
                    '| Gone within 1 s after the seed\'s window (%.0f s), every sample, none missed | worst %.2f s, '
                    '%d missed | %s |' % (case['target_s'], worst, case['missed'], verdict), '']


def _ms(stats: dict) -> str:
    if stats.get('n', 1) == 1:
        return '%.0f ms' % (stats['median'] * 1000)
    return '%.0f ms (%.0f-%.0f)' % (stats['median'] * 1000, stats['min'] * 1000, stats['max'] * 1000)


def _dcb_row(fcoe: dict) -> str:
    if 'lldpad_requests_per_interface' not in fcoe:   # measured before DCB went over lldpad's socket
        return '| One DCB query per DCB-gated interface | %s dcbtool runs per interface per pass | met |' % (
            fcoe.get('dcbtool_runs_per_interface', 'n/a'))
    return ('| One DCB query per DCB-gated interface | %s requests on lldpad\'s socket per interface per pass, %d processes: '
            'one query sequence (DCB state, PFC and App:FCoE configuration and operation, the order fcoemon uses) | %s |' % (
                fcoe['lldpad_requests_per_interface'], fcoe['dcb_tool_runs'],
                'met' if fcoe['lldpad_requests_per_interface'] == 5 and fcoe['dcb_tool_runs'] == 0 else 'missed'))


def fleet_section(case: dict) -> list:
    if 'plays' not in case:   # a result of the earlier wall-time case: nothing honest to show from it
        return ['## 4. Fleet', '', 'Not measured by this run (`bench/run.py --only fleet --merge` measures it).', '']
    plays = case['plays']
    ping = plays['ping']['controller_per_host']['median']
    lines = ['## 4. Fleet', '',
             'What one more host costs: %d simulated hosts (each its own fabricsim root and network namespace, '
             '`ansible_connection: local`, forks %d) run a `ping` task, then the VNIC declaration of '
             '`docs/examples/inventory/group_vars/iofabric_hosts.yml` (first run and re-run). CPU is split between the '
             'controller (the ansible-playbook tree) and the module processes (each timed by GNU time in an interpreter '
             'wrapper). Produced by `make bench` (`bench/cases/fleet.py`).' % (case['hosts'], case['forks']), '',
             '| Play | Controller CPU per host | Module CPU per host | Controller vs `ping` | Wall, %d hosts on %d cores |'
             % (case['hosts'], case['cores']), '|---|---|---|---|---|']
    for name, label in (('ping', '`ping`'), ('first', 'declaration, first run'), ('rerun', 'declaration, re-run')):
        row = plays[name]
        lines.append('| %s | %s | %s | %.2fx | %s |' % (
            label, _ms(row['controller_per_host']), _ms(row['module_per_host']),
            row['controller_per_host']['median'] / ping, _s(row['wall'])))
    ratio = max(plays[name]['controller_per_host']['median'] for name in ('first', 'rerun')) / ping
    module = plays['rerun']['module_per_host']['median']
    return lines + ['', '| Target | Measured | |', '|---|---|---|',
                    '| Controller CPU per host for one declaration task within 1.5x of a `ping` task | %.2fx | %s |'
                    % (ratio, _verdict(ratio, 1.5)), '',
                    'On a fleet each host runs its own module, in parallel: a run over N hosts costs the controller about '
                    'N x the controller CPU per host above (spread over its forks), and each host its module CPU once '
                    '(%.0f ms for a re-run of this declaration here, of which fabricsim\'s FUSE reads are part). So with F '
                    'forks and C controller cores, the wall time of a large fleet tends to N x controller CPU per host / '
                    'min(F, C), plus one host\'s module time; the 2-core wall times above only show %d modules queueing '
                    'for 2 cores.' % (module * 1000, case['hosts']), '']


# The module's re-run result for 1,024 unchanged VNICs before lean results (2026-12-03, issue 19's baseline,
# the same measure: the bytes of the JSON the module prints).
RESULT_BEFORE_LEAN = 1172919


def memory_section(case: dict) -> list:
    return ['## 5. Memory', '',
            'Peak resident set size (GNU time, `%%M`), N = %d qlgc VNICs. Produced by `make bench` (`bench/cases/memory.py`).'
            % case['objects'], '', '| Process | Peak RSS |', '|---|---|',
            '| The module process, first run | %.0f MB |' % (case['module_first_kb'] / 1024),
            '| The module process, re-run | %.0f MB (its result: %.1f MB of JSON) |' % (
                case['module_rerun_kb'] / 1024, case['module_result_bytes'] / 1e6),
            '| A reconciler pass (the installed launcher) | %.0f MB |' % (case['pass_kb'] / 1024),
            '| For scale: `python -c pass` | %.0f MB |' % (case['floor_python_kb'] / 1024), '',
            '| Target | Measured | |', '|---|---|---|',
            '| The re-run result of %d unchanged VNICs at least 4x smaller than before lean results (%s bytes) | '
            '%.2fx smaller (%s bytes) | %s |' % (
                case['objects'], format(RESULT_BEFORE_LEAN, ','), RESULT_BEFORE_LEAN / case['module_result_bytes'],
                format(case['module_result_bytes'], ','), _verdict(RESULT_BEFORE_LEAN / case['module_result_bytes'], 4.0,
                                                                   lower_is_better=False)), '']


def render(results: dict) -> str:
    cases = results['cases']
    machine = results['machine']
    lines = ['# Performance', '',
             'Generated by `make bench` (`bench/run.py`, then `bench/report.py`) from `bench/results/latest.json`, '
             'started %s, %.0f s in all, on %d CPUs (%s, Python %s, %s; load average at start %.1f). Every ratio is '
             'between figures of this one run; times are medians, with the range of the repeats in brackets.' % (
                 results['started'], results['seconds'], machine['cpus'], machine['kernel'], machine['python'],
                 machine['ansible_core'], machine['load_at_start'][0]), '']
    for again in results.get('remeasured', []):
        lines += ['Re-measured on their own (`bench/run.py --only %s --merge`), started %s, %.0f s: %s.' % (
            ','.join(again['cases']), again['started'], again['seconds'], ', '.join(again['cases'])), '']
    if 'converge:floor' in cases:
        lines += converge_section(cases)
    if 'reconcile' in cases:
        lines += reconcile_section(cases['reconcile'])
    if 'fabricsim_io' in cases:
        lines += fabricsim_io_section(cases['fabricsim_io'])
    if 'reaction' in cases:
        lines += reaction_section(cases['reaction'])
    if 'fcoe_exhaustion' in cases:
        lines += fcoe_exhaustion_section(cases['fcoe_exhaustion'])
    if 'fleet' in cases:
        lines += fleet_section(cases['fleet'])
    if 'memory' in cases:
        lines += memory_section(cases['memory'])
    if os.path.exists(ANALYSIS):
        with open(ANALYSIS, encoding='utf-8') as handle:
            lines += [handle.read().rstrip(), '']
    return '\n'.join(lines)


def write(results: dict) -> None:
    with open(DOC, 'w', encoding='utf-8') as handle:
        handle.write(render(results))


if __name__ == '__main__':
    with open(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, 'bench', 'results', 'latest.json'),
              encoding='utf-8') as source:
        write(json.load(source))
