"""Mutation testing of the code that destroys or keeps state (`make mutation`; docs/mutation.md).

For each module in tests/mutation/targets.toml, cosmic-ray mutates the module in a scratch copy of
the checkout and runs that module's unit tests against every mutant, one at a time. The copy has its
own collection path (trees/<module>/.venv/collections/ansible_collections/iofabric/core -> trees/<module>), so that
`ansible_collections.iofabric.core...` imports the mutated file and never the checkout's; the script
checks that before a session starts. A surviving mutant that matches an entry of
tests/mutation/equivalent.toml (same module; operator and mutated line matching its regular expressions)
is counted as equivalent, not as a survivor; docs/mutation.md says why each one is.

Usage: scripts/mutation.py [--survivors] [--budget=SECONDS] [MODULE ...]   (default: every target)
  --survivors: re-test only the mutants that survived the module's last session, against today's tests
               (after adding tests that should kill them); refused if the module changed since that session.
               Mutants of an interrupted session that never ran stay pending (held back, then released).
  --budget=S:  stop each module's session after S seconds; what ran is counted, the rest stays pending
               (cosmic-ray runs pending mutants in random order, so what ran is a uniform random sample;
               --resume goes on with the rest).
  --resume:    go on with the module's interrupted session (only its pending mutants), same source required.
  --report:    run nothing; count the sessions as they stand (an interrupted one shows its pending mutants)
               with today's tests/mutation/equivalent.toml.
Output: tests/output/mutation/<module>.sqlite (cosmic-ray sessions) and <module>.json, summary.json (every
module measured so far) and a table of them on stdout.
Exit status: 1 if any module is below the bar (90 % of non-equivalent mutants detected) or has no unit tests.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, 'tests', 'output', 'mutation')
TREES = os.path.join(OUT, 'trees')
BIN = os.path.join(REPO, '.venv', 'bin')
PYTHON = os.path.join(BIN, 'python')
MODULE_DIR = 'plugins/module_utils'
BAR = 0.90
HELD = 'held back: not run yet (--survivors of an interrupted session)'
# Set in every test run of a scratch tree, so that the simulators those runs start can be found afterwards.
TREE_MARK = 'IOFABRIC_MUTATION_TREE'


def module_file(module: str) -> str:
    """A target's source file under plugins/module_utils: targets are dotted names (_iofabric.state.atomic)."""
    return module.replace('.', '/') + '.py'


def load(name: str) -> dict:
    with open(os.path.join(REPO, 'tests', 'mutation', name), 'rb') as handle:
        return tomllib.load(handle)


def copy_tree(tree: str) -> None:
    """The checkout's files as they are on disk (committed or not), without .venv and outputs."""
    shutil.rmtree(tree, ignore_errors=True)
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split('\0')
    for rel in filter(None, files):
        source = os.path.join(REPO, rel)
        if not os.path.lexists(source) or rel.startswith('tests/output/'):
            continue
        target = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    link = os.path.join(tree, '.venv', 'collections', 'ansible_collections', 'iofabric', 'core')
    os.makedirs(os.path.dirname(link))
    os.symlink(tree, link)


def environment(tree: str) -> dict:
    env = dict(os.environ)
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    env['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(tree, '.venv', 'collections')
    env['PYTHONDONTWRITEBYTECODE'] = '1'   # a stale .pyc of the un-mutated module must never be loaded
    env['PYTEST_DISABLE_PLUGIN_AUTOLOAD'] = '1'   # xdist, hypothesis's plugin...: 4 s of each mutant's 6 s on 2 cores
    env[TREE_MARK] = tree
    return env


def simulators_of(tree: str) -> list[tuple[int, str]]:
    """(pid, root) of each fabricsim daemon that a test run of this scratch tree started and left running.
    A mutant's tests that run past the timeout are killed by cosmic-ray, but the daemon a test started is in a
    session of its own (fabricsim up detaches it) and outlives them, its FUSE trees still mounted."""
    mark = ('%s=%s' % (TREE_MARK, tree)).encode()
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                argv = handle.read().split(b'\0')
            with open('/proc/%s/environ' % entry, 'rb') as handle:
                marked = mark in handle.read().split(b'\0')
        except OSError:   # gone meanwhile, or not ours to read
            continue
        if marked and argv[1:4] == [b'-m', b'fabricsim', b'_daemon'] and len(argv) > 4:
            found.append((int(entry), os.fsdecode(argv[4])))
    return found


def reap_simulators(tree: str) -> int:
    """End (fabricsim down: stop, unmount, remove the namespace) the daemons this tree's test runs left."""
    left = simulators_of(tree)
    for pid, root in left:
        subprocess.run([PYTHON, '-m', 'fabricsim', 'down', root], cwd=REPO, check=False,
                       capture_output=True)
        print('mutation: ended a fabricsim daemon left by a timed-out test run (pid %d, %s)' % (pid, root))
    return len(left)


def check_isolation(module: str, tree: str) -> None:
    """The module pytest imports in the copy must be the copy's file, or every verdict is false."""
    probe = ('import sys; sys.path[:0] = [%r, %r]; import importlib; '
             'print(importlib.import_module("ansible_collections.iofabric.core.plugins.module_utils.%s").__file__)'
             % (tree, os.path.join(tree, '.venv', 'collections'), module))
    where = subprocess.run([PYTHON, '-c', probe], cwd=tree, env=environment(tree), check=True,
                           capture_output=True, text=True).stdout.strip()
    if not os.path.realpath(where).startswith(os.path.realpath(tree) + os.sep):
        sys.exit('mutation: %s is imported from %s, not from the scratch copy %s' % (module, where, tree))


def source_digest(module: str) -> str:
    with open(os.path.join(REPO, MODULE_DIR, module_file(module)), 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def equivalent(module: str, operator: str, line: str, equivalents: list, diff: str = '') -> bool:
    """An entry matches the operator and the mutated line whole, and its optional `context` anywhere in the
    diff (for a line whose text alone is not enough, such as a bare `break`)."""
    return any(e['module'] == module and re.fullmatch(e['operator'], operator) and re.fullmatch(e['line'], line)
               and (not e.get('context') or re.search(e['context'], diff)) for e in equivalents)


def reopen(module: str, session: str, survivors: bool, equivalents: list) -> None:
    """Go on with the module's last session: its pending mutants, and its survivors too if asked."""
    digest = os.path.join(OUT, module + '.sha256')
    if not os.path.exists(session) or not os.path.exists(digest) or open(digest).read() != source_digest(module):
        sys.exit('mutation: --survivors/--resume need a session of %s built on its current source; run it whole' % module)
    if survivors:
        with sqlite3.connect(session) as db:
            # Only the survivors not listed as equivalent: no test can kill those, re-running them costs minutes.
            rows = db.execute("SELECT r.job_id, s.operator_name, r.diff FROM work_results r JOIN mutation_specs s "
                              "ON r.job_id = s.job_id WHERE r.test_outcome = 'SURVIVED'").fetchall()
            survivors_ids = [job for job, operator, diff in rows
                             if not equivalent(module, operator, mutated_line(diff or ''), equivalents, diff or '')]
            db.executemany("DELETE FROM work_results WHERE job_id = ?", [(job,) for job in survivors_ids])
            # Mutants an interrupted session never ran are held back by a placeholder result, released after the run.
            db.execute("CREATE TEMP TABLE survivors (job_id VARCHAR PRIMARY KEY)")
            db.executemany("INSERT INTO survivors VALUES (?)", [(job,) for job in survivors_ids])
            db.execute("INSERT INTO work_results (job_id, worker_outcome, output) SELECT job_id, 'SKIPPED', ? FROM work_items "
                       "WHERE job_id NOT IN (SELECT job_id FROM work_results) AND job_id NOT IN (SELECT job_id FROM survivors)",
                       (HELD,))


def release_held(session: str) -> None:
    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE worker_outcome = 'SKIPPED' AND output = ?", (HELD,))


def execute(command: list, cwd: str, env: dict, budget: float | None) -> None:
    """cosmic-ray exec, stopped (its whole process group: the pytest of the mutant in hand too) after budget seconds.
    The mutant in hand gets no result and stays pending; the scratch copy it mutated is rebuilt by the next run."""
    proc = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)
    try:
        code = proc.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        print('mutation: budget of %d s spent; the mutants not run yet stay pending' % budget)
        return
    if code != 0:
        sys.exit('mutation: cosmic-ray exec exited with %d' % code)


def run_session(module: str, tree: str, target: dict, defaults: dict, equivalents: list, survivors_only: bool = False,
                resume: bool = False, budget: float | None = None) -> str:
    tests = sorted({os.path.relpath(path, tree) for pattern in target['tests'] for path in glob.glob(os.path.join(tree, pattern))})
    if not tests:
        print('mutation: no unit tests exist for %s (%s): not measured' % (module, ', '.join(target['tests'])))
        return ''
    config = os.path.join(OUT, module + '.toml')
    session = os.path.join(OUT, module + '.sqlite')
    command = '%s -m pytest -x -q -p no:cacheprovider -p no:randomly %s' % (PYTHON, ' '.join(tests))
    with open(config, 'w') as handle:
        handle.write('[cosmic-ray]\nmodule-path = "%s/%s"\ntimeout = %s\nexcluded-modules = []\n'
                     'test-command = "%s"\n\n[cosmic-ray.distributor]\nname = "local"\n\n'
                     '[cosmic-ray.filters.operators-filter]\nexclude-operators = %s\n'
                     % (MODULE_DIR, module_file(module), float(target.get('timeout', defaults['timeout'])), command,
                        json.dumps(target.get('exclude-operators', defaults['exclude-operators']))))
    env = environment(tree)
    cosmic = os.path.join(BIN, 'cosmic-ray')
    if survivors_only or resume:
        reopen(module, session, survivors_only, equivalents)
    else:
        if os.path.exists(session):
            os.unlink(session)
        subprocess.run([cosmic, 'init', config, session], cwd=tree, env=env, check=True)
        subprocess.run([os.path.join(BIN, 'cr-filter-operators'), session, config], cwd=tree, env=env, check=True)
        with open(os.path.join(OUT, module + '.sha256'), 'w') as handle:
            handle.write(source_digest(module))
    try:
        baseline = subprocess.run([cosmic, 'baseline', config], cwd=tree, env=env, check=False)
        if baseline.returncode != 0:
            sys.exit('mutation: the unit tests of %s fail on the unmutated code; fix them first' % module)
        execute([cosmic, 'exec', config, session], tree, env, budget)
    finally:
        release_held(session)
        reap_simulators(tree)
    return session


def load_json(path: str) -> dict:
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


def mutated_line(diff: str) -> str:
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith('+') and not line.startswith('+++')]
    return added[0] if added else ''


def tally(module: str, tree: str, session: str, equivalents: list) -> dict:
    dump = subprocess.run([os.path.join(BIN, 'cosmic-ray'), 'dump', session], cwd=tree, env=environment(tree),
                          check=True, capture_output=True, text=True).stdout
    counts = {'killed': 0, 'timeout': 0, 'survived': 0, 'equivalent': 0, 'incompetent': 0, 'skipped': 0, 'pending': 0}
    survivors = []
    for row in filter(None, dump.splitlines()):
        item, result = json.loads(row)
        mutation = item['mutations'][0]
        if result is None:
            counts['pending'] += 1
            continue
        if result['worker_outcome'] == 'skipped' and result.get('output') == HELD:
            counts['pending'] += 1
            continue
        if result['worker_outcome'] == 'skipped':
            counts['skipped'] += 1
            continue
        outcome = result.get('test_outcome')
        line = mutated_line(result.get('diff') or '')
        where = {'operator': mutation['operator_name'], 'line_no': mutation['start_pos'][0], 'line': line,
                 'occurrence': mutation['occurrence']}
        if outcome == 'killed' and (result.get('output') or '').strip() == 'timeout':
            counts['timeout'] += 1
        elif outcome == 'killed':
            counts['killed'] += 1
        elif outcome == 'incompetent' or result['worker_outcome'] in ('exception', 'abnormal'):
            counts['incompetent'] += 1
        elif equivalent(module, where['operator'], line, equivalents, result.get('diff') or ''):
            counts['equivalent'] += 1
        else:
            counts['survived'] += 1
            survivors.append(dict(where, diff=result.get('diff')))
    counted = counts['killed'] + counts['timeout'] + counts['survived']
    counts['score'] = round((counts['killed'] + counts['timeout']) / counted, 4) if counted else None
    counts['survivors'] = survivors
    return counts


def main(argv: list) -> int:
    survivors_only = '--survivors' in argv
    report_only = '--report' in argv
    resume = '--resume' in argv
    budgets = [float(arg.split('=', 1)[1]) for arg in argv if arg.startswith('--budget=')]
    budget = budgets[-1] if budgets else None
    argv = [arg for arg in argv if arg not in ('--survivors', '--report', '--resume') and not arg.startswith('--budget=')]
    config = load('targets.toml')
    equivalents = load('equivalent.toml').get('equivalent', [])
    modules = argv or list(config['targets'])
    unknown = [m for m in modules if m not in config['targets']]
    if unknown:
        sys.exit('mutation: not a target in tests/mutation/targets.toml: %s' % ', '.join(unknown))
    os.makedirs(OUT, exist_ok=True)
    summary_path = os.path.join(OUT, 'summary.json')
    unmeasured = []
    for module in modules:
        tree = os.path.join(TREES, module)   # one copy per module: two `make mutation` runs can share the machine
        if report_only:
            session = os.path.join(OUT, module + '.sqlite')
            if not os.path.exists(session):
                continue
            result = tally(module, REPO, session, equivalents)
            result['seconds'] = load_json(os.path.join(OUT, module + '.json')).get('seconds', 0)
        else:
            reap_simulators(tree)   # an earlier session of this module stopped before its own reaping
            copy_tree(tree)
            check_isolation(module, tree)
            started = time.monotonic()
            session = run_session(module, tree, config['targets'][module], config['defaults'], equivalents, survivors_only, resume,
                                  budget)
            if not session:
                unmeasured.append(module)
                continue
            result = tally(module, tree, session, equivalents)
            result['seconds'] = round(time.monotonic() - started)
            if survivors_only or resume:   # the time of the whole session so far, not only of this part
                result['seconds'] += load_json(os.path.join(OUT, module + '.json')).get('seconds', 0)
        with open(os.path.join(OUT, module + '.json'), 'w') as handle:
            json.dump(result, handle, indent=1, sort_keys=True)
    summary = {}
    for module in config['targets']:   # every module measured so far, by this run or an earlier one
        if os.path.exists(os.path.join(OUT, module + '.json')):
            summary[module] = load_json(os.path.join(OUT, module + '.json'))
    with open(summary_path, 'w') as handle:
        json.dump(summary, handle, indent=1, sort_keys=True)
    print('%-36s %7s %7s %8s %10s %11s %7s %7s %7s' % ('module', 'killed', 'timeout', 'survived', 'equivalent',
                                                       'incompetent', 'pending', 'score', 'seconds'))
    below = []
    for module in summary:
        r = summary[module]
        score = '-' if r['score'] is None else '%.1f%%' % (100 * r['score'])
        print('%-36s %7d %7d %8d %10d %11d %7d %7s %7d' % (module, r['killed'], r['timeout'], r['survived'], r['equivalent'],
                                                           r['incompetent'], r['pending'], score, r['seconds']))
        if r['score'] is not None and r['score'] < BAR:
            below.append(module)
        if r['pending']:
            print('    partial: %d of %d mutants not run yet; the score is that of a uniform random sample (cosmic-ray runs '
                  'pending mutants in random order); --resume %s goes on' % (r['pending'], sum(
                      r[k] for k in ('killed', 'timeout', 'survived', 'equivalent', 'incompetent', 'skipped', 'pending')),
                      module))
        for s in r['survivors']:
            print('    survived: %s:%d %s -> %s' % (module, s['line_no'], s['operator'], s['line']))
    if below:
        print('mutation: below %d%% detected: %s' % (100 * BAR, ', '.join(below)))
    if unmeasured:
        print('mutation: not measured (no unit tests): %s' % ', '.join(unmeasured))
    return 1 if below or unmeasured else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
