"""What runs processes, and how: only the runner, with argv lists, never a shell."""

import ast
import glob
import os

from tests.lib.ansible_run import REPO

SHIPPED = sorted(glob.glob(os.path.join(REPO, 'plugins', '**', '*.py'), recursive=True))
RUNNER = os.path.join(REPO, 'plugins', 'module_utils', '_iofabric', 'host', 'runner.py')


def calls(path: str):
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def dotted(node) -> str:
    if isinstance(node, ast.Attribute):
        return dotted(node.value) + '.' + node.attr
    return node.id if isinstance(node, ast.Name) else ''


def test_nothing_shipped_asks_for_a_shell():
    found = [(os.path.relpath(path, REPO), call.lineno) for path in SHIPPED for call in calls(path)
             for keyword in call.keywords
             if keyword.arg == 'shell' and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)]
    assert found == []


def test_no_os_system_popen_or_exec_of_a_command_line():
    banned = {'os.system', 'os.popen', 'os.execl', 'os.execlp', 'os.spawnl', 'os.spawnlp', 'subprocess.getoutput',
              'subprocess.getstatusoutput'}
    found = [(os.path.relpath(path, REPO), call.lineno, dotted(call.func)) for path in SHIPPED for call in calls(path)
             if dotted(call.func) in banned]
    assert found == []


def test_only_the_runner_starts_processes():
    starters = {'subprocess.run', 'subprocess.Popen', 'subprocess.call', 'subprocess.check_call',
                'subprocess.check_output'}
    found = sorted({os.path.relpath(path, REPO) for path in SHIPPED for call in calls(path)
                    if dotted(call.func) in starters})
    assert found == [os.path.relpath(RUNNER, REPO)]
