"""Issue 21's breaks, each checked to fail at least one test (`make breaks`; tests/mutation/breaks.toml).

Each break is a hand-written edit (`old` -> `new`) that removes exactly one promise the docs make. The
checkout is copied once into tests/output/breaks/tree (scripts/mutation.py's copy_tree: the copy has its own
collection path, so `ansible_collections.iofabric.core...` imports the copy's files); a baseline run of every
listed test must pass there first. Then, for each break: apply it to the copy's file (refused when `old` is
not found exactly once: the code moved and the break must be rewritten), check that the copy imports the
copy's file, run `pytest -x -q -p no:randomly <tests>` in the copy, restore the file. pytest's status 1
(a test failed) = caught; 0 = SURVIVED; anything else = error (its output's tail is printed).

Usage: scripts/breaks.py [--only SUBSTRING] [--no-baseline]
Output: a table on stdout and tests/output/breaks/summary.json. Exit status 1 if any break survived or errored.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutation  # noqa: E402  (scripts/mutation.py: copy_tree, environment)

REPO = mutation.REPO
BREAKS = os.path.join(REPO, 'tests', 'mutation', 'breaks.toml')
OUT = os.path.join(REPO, 'tests', 'output', 'breaks')
TREE = os.path.join(OUT, 'tree')
TIMEOUT = 1800   # seconds for one pytest run; an integration file that hangs must not hang the whole check
VENV_PARTS = ('bin', 'lib', 'lib64', 'include', 'pyvenv.cfg')
# pytest -q -ra: 'FAILED <node id> - <message>'; a node id's parameters may hold spaces.
FAILED = re.compile(r'^FAILED (.+?)(?: - .*)?$', re.MULTILINE)
ERROR = re.compile(r'^ERROR (.+?)(?: - .*)?$', re.MULTILINE)


class BreakMoved(Exception):
    """A break's `old` text is not in its file exactly once: the code changed; rewrite the break."""


def load_breaks(path: str = BREAKS) -> list:
    with open(path, 'rb') as handle:
        data = tomllib.load(handle)
    breaks = data.get('break')
    if not isinstance(breaks, list) or not breaks:
        raise ValueError('%s: no [[break]] entries' % path)
    for number, entry in enumerate(breaks, 1):
        for key, kind in (('name', str), ('file', str), ('old', str), ('new', str), ('tests', list)):
            if not isinstance(entry.get(key), kind) or not entry[key]:
                raise ValueError('%s: break %d (%s): %r must be a non-empty %s'
                                 % (path, number, entry.get('name', '?'), key, kind.__name__))
        if entry['old'] == entry['new']:
            raise ValueError('%s: break %r: new is the same as old' % (path, entry['name']))
        if not all(isinstance(test, str) and test.startswith('tests/') for test in entry['tests']):
            raise ValueError('%s: break %r: every test must be a path or node id under tests/' % (path, entry['name']))
    names = [entry['name'] for entry in breaks]
    if len(set(names)) != len(names):
        raise ValueError('%s: break names must be unique' % path)
    return breaks


def apply_break(text: str, entry: dict) -> str:
    """The file's text with the break applied; BreakMoved unless `old` occurs exactly once."""
    count = text.count(entry['old'])
    if count != 1:
        raise BreakMoved('break %r: its old text is found %d times in %s, not once: the code moved; rewrite the break '
                         'in tests/mutation/breaks.toml' % (entry['name'], count, entry['file']))
    return text.replace(entry['old'], entry['new'])


def caught_by(output: str) -> str:
    """The first test pytest reports as FAILED (or, failing that, ERROR) in its -q summary."""
    for pattern in (FAILED, ERROR):
        found = pattern.search(output)
        if found:
            return found.group(1)
    return ''


def verdict(returncode: int) -> str:
    return {0: 'SURVIVED', 1: 'caught'}.get(returncode, 'error')


def import_name(rel: str) -> str:
    """plugins/module_utils/_iofabric/state/store.py -> ansible_collections.iofabric.core.plugins.module_utils..."""
    return 'ansible_collections.iofabric.core.' + rel[:-len('.py')].replace('/', '.')


def unique_tests(breaks: list) -> list:
    seen: list = []
    for entry in breaks:
        seen.extend(test for test in entry['tests'] if test not in seen)
    return seen


def make_tree() -> None:
    """The scratch copy, with the checkout's venv linked in: the integration tests run `.venv/bin/...` of their
    own checkout (tests/lib/ansible_run.py), and the copy's collection path must point at the copy."""
    mutation.copy_tree(TREE)
    for part in VENV_PARTS:
        source = os.path.join(REPO, '.venv', part)
        if os.path.lexists(source):
            os.symlink(source, os.path.join(TREE, '.venv', part))


def environment(tests: list) -> dict:
    env = mutation.environment(TREE)
    env['PATH'] = os.path.join(TREE, '.venv', 'bin') + os.pathsep + env['PATH']
    if any(test.startswith('tests/integration/') for test in tests):
        env.pop('PYTEST_DISABLE_PLUGIN_AUTOLOAD', None)   # integration tests may rely on plugins (timeout, xdist...)
    return env


def check_isolation(rel: str) -> None:
    """The file pytest imports in the copy must be the copy's, or a 'survived' means nothing."""
    probe = ('import sys; sys.path[:0] = [%r, %r]; import importlib; print(importlib.import_module(%r).__file__)'
             % (TREE, os.path.join(TREE, '.venv', 'collections'), import_name(rel)))
    where = subprocess.run([mutation.PYTHON, '-c', probe], cwd=TREE, env=environment([]), check=True,
                           capture_output=True, text=True).stdout.strip()
    if os.path.realpath(where) != os.path.realpath(os.path.join(TREE, rel)):
        sys.exit('breaks: %s is imported from %s, not from the scratch copy %s' % (rel, where, TREE))


def run_pytest(tests: list, stop_first: bool = True) -> tuple:
    """(returncode, output, seconds) of pytest in the copy; a run past TIMEOUT is killed (returncode -9)."""
    argv = [os.path.join(TREE, '.venv', 'bin', 'python'), '-m', 'pytest'] + (['-x'] if stop_first else []) + \
        ['-q', '-p', 'no:randomly'] + tests
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=TREE, env=environment(tests), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _unused = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _unused = proc.communicate()
        output += '\nbreaks: killed after %d s' % TIMEOUT
    return proc.returncode, output, time.monotonic() - start


def tail(output: str, lines: int = 30) -> str:
    return '\n'.join(output.rstrip().splitlines()[-lines:])


def run_break(entry: dict) -> dict:
    path = os.path.join(TREE, entry['file'])
    with open(path, encoding='utf-8') as handle:
        original = handle.read()
    broken = apply_break(original, entry)
    try:
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(broken)
        check_isolation(entry['file'])
        returncode, output, seconds = run_pytest(entry['tests'])
    finally:
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(original)
    result = {'name': entry['name'], 'file': entry['file'], 'verdict': verdict(returncode), 'returncode': returncode,
              'caught_by': caught_by(output) if returncode == 1 else '', 'seconds': round(seconds, 1),
              'tests': entry['tests']}
    if result['verdict'] != 'caught':
        result['output_tail'] = tail(output)
    return result


def table(results: list) -> str:
    lines = ['%-9s %7s  %-70s %s' % ('verdict', 'seconds', 'break', 'caught by')]
    for result in results:
        lines.append('%-9s %7.1f  %-70s %s' % (result['verdict'], result['seconds'], result['name'][:70],
                                               result['caught_by'] or '-'))
    return '\n'.join(lines)


def main(argv: list) -> int:
    only = ''
    baseline = True
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == '--only' and args:
            only = args.pop(0)
        elif arg.startswith('--only='):
            only = arg.split('=', 1)[1]
        elif arg == '--no-baseline':
            baseline = False
        else:
            print(__doc__.strip())
            return 2
    breaks = [entry for entry in load_breaks() if only.lower() in entry['name'].lower()]
    if not breaks:
        print('breaks: no break matches %r' % only)
        return 2
    for entry in breaks:   # every break must still fit today's code before anything runs
        with open(os.path.join(REPO, entry['file']), encoding='utf-8') as handle:
            try:
                apply_break(handle.read(), entry)
            except BreakMoved as exc:
                print('breaks: %s' % exc)
                return 2
    os.makedirs(OUT, exist_ok=True)
    make_tree()
    for rel in sorted({entry['file'] for entry in breaks}):
        check_isolation(rel)
    summary: dict = {'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'only': only, 'breaks': []}
    if baseline:
        tests = unique_tests(breaks)
        print('baseline: %d test file(s) on the unbroken copy...' % len(tests), flush=True)
        returncode, output, seconds = run_pytest(tests, stop_first=False)
        summary['baseline'] = {'returncode': returncode, 'seconds': round(seconds, 1), 'summary': tail(output, 1)}
        print('baseline: rc %d in %.0f s: %s' % (returncode, seconds, tail(output, 1)), flush=True)
        if returncode != 0:
            print(tail(output, 40))
            print('breaks: the baseline must pass before any break means anything')
            return 1
    for entry in breaks:
        result = run_break(entry)
        summary['breaks'].append(result)
        print('%-9s %6.1f s  %s  %s' % (result['verdict'], result['seconds'], entry['name'], result['caught_by']),
              flush=True)
        if result['verdict'] == 'error':
            print(result['output_tail'])
    summary['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    with open(os.path.join(OUT, 'summary.json'), 'w', encoding='utf-8') as handle:
        json.dump(summary, handle, indent=1)
    print()
    print(table(summary['breaks']))
    bad = [r for r in summary['breaks'] if r['verdict'] != 'caught']
    print('\n%d break(s): %d caught, %d survived, %d error(s)' % (
        len(summary['breaks']), len(summary['breaks']) - len(bad),
        sum(r['verdict'] == 'SURVIVED' for r in bad), sum(r['verdict'] == 'error' for r in bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
