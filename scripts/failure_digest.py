"""Say in a few lines why a step of scripts/test.sh failed.

CI pages often show only the tail of `make test`: this digest comes last, after the summary, and names
the failing tests (pytest's short summary), sanity errors, or for molecule the scenario, the action and
the task that failed with its message. Usage: failure_digest.py STEP LOG
"""
from __future__ import annotations

import pathlib
import re
import sys

MAX_LINES = 12
MAX_WIDTH = 240

PYTEST_LINE = re.compile(r'^(FAILED|ERROR) ')
SANITY_LINE = re.compile(r'^ERROR: ')
MOLECULE_FAILED = re.compile(r'^molecule scenario (\S+) FAILED')
MOLECULE_ACTION = re.compile(r'^INFO\s+\[(\S+) > (\S+)\] Executing')
TASK_LINE = re.compile(r'^TASK \[(.*)\]')
FAILURE_LINE = re.compile(r'^(fatal: |failed: |\S+ \| FAILED|ERROR! )')


def short(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH - 3] + '...'


def read_lines(path: pathlib.Path) -> list[str]:
    try:
        return path.read_text(encoding='utf-8', errors='replace').splitlines()
    except OSError as exc:
        return ['(cannot read %s: %s)' % (path, exc.strerror)]


def whole_result(lines: list[str], number: int) -> tuple[str, int]:
    """A failure line with the result Ansible printed as indented JSON below it, on one line; and its last line's index."""
    line = lines[number].rstrip()
    if not line.endswith('{'):
        return line, number
    parts, last = [line], number
    for last in range(number + 1, min(number + 60, len(lines))):
        parts.append(lines[last].strip())
        if lines[last].rstrip() == '}':
            break
    return ' '.join(parts), last


def molecule_digest(scenario: str, lines: list[str]) -> list[str]:
    """The action running, the task and its failure message, for each failure in one scenario's log."""
    action, task, found = '?', '?', []
    for number, line in enumerate(lines):
        if m := MOLECULE_ACTION.match(line):
            action = m.group(2)
        elif m := TASK_LINE.match(line):
            task = m.group(1)
        elif FAILURE_LINE.match(line):
            result, last = whole_result(lines, number)
            if lines[last + 1:last + 2] != ['...ignoring']:   # ignore_errors: Ansible says so below the result
                found.append('molecule %s, action %s, task [%s]: %s' % (scenario, action, task, short(result)))
    return found or ['molecule %s: no failed task found; see build/molecule-%s.log' % (scenario, scenario)]


def digest(step: str, lines: list[str], build: pathlib.Path) -> list[str]:
    if step == 'molecule':
        out = []
        for line in lines:
            if m := MOLECULE_FAILED.match(line):
                name = m.group(1)
                out += molecule_digest(name, read_lines(build / ('molecule-%s.log' % name)))
        return out
    pattern = SANITY_LINE if step == 'sanity' else PYTEST_LINE
    picked = [short(line) for line in lines if pattern.match(line)]
    return picked or [short(line) for line in lines[-6:]]


def main(argv: list[str]) -> int:
    step, log = argv[1], pathlib.Path(argv[2])
    lines = digest(step, read_lines(log), log.parent)
    print('=== why %s failed (%s)' % (step, log))
    for line in lines[:MAX_LINES]:
        print('  ' + line)
    if len(lines) > MAX_LINES:
        print('  ... %d more in %s' % (len(lines) - MAX_LINES, log))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
