"""Run real ansible-playbook processes against the collection and collect every task result."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
COLLECTIONS = os.path.join(REPO, '.venv', 'collections')
CALLBACKS = os.path.join(REPO, 'tests', 'lib', 'callback')


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list = field(default_factory=list)

    def task(self, name: str) -> dict:
        """The result of the (last) task with that name."""
        found = [item for item in self.results if item['task'] == name]
        if not found:
            ran = [item['task'] for item in self.results]
            raise AssertionError('no task %r ran; tasks: %s\n%s' % (name, ran, self.stdout[-3000:]))
        return found[-1]['result']

    def status(self, name: str) -> str:
        """ok, failed or skipped, as the callback saw the (last) task with that name."""
        self.task(name)
        return [item for item in self.results if item['task'] == name][-1]['status']

    @property
    def recap(self) -> dict:
        match = re.search(r'ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', self.stdout)
        if not match:
            raise AssertionError('no play recap in:\n' + self.stdout[-3000:] + self.stderr[-3000:])
        return dict(zip(('ok', 'changed', 'unreachable', 'failed'), map(int, match.groups())))


class PlaybookRunner:
    def __init__(self, tmp_path):
        self.tmp = str(tmp_path)
        self.count = 0

    def environment(self, record: str) -> dict:
        env = dict(os.environ)
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
            'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS,
            'ANSIBLE_CALLBACKS_ENABLED': 'record',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_LOCAL_TEMP': os.path.join(self.tmp, 'ansible-local'),
            'ANSIBLE_HOME': os.path.join(self.tmp, 'ansible-home'),
            'IOFABRIC_RECORD': record,
            'PATH': VENV_BIN + os.pathsep + env.get('PATH', ''),
        })
        return env

    def run(self, tasks: list, sim=None, check: bool = False, diff: bool = False, defaults: dict | None = None,
            extra_args: list | None = None, play_vars: dict | None = None) -> PlaybookRun:
        """Run one play on localhost with ``tasks``; module_defaults point the group at the simulator."""
        self.count += 1
        group_defaults = dict(defaults or {})
        if sim is not None:
            group_defaults.setdefault('sysroot', sim.root)
            if sim.netns:
                group_defaults.setdefault('netns', sim.netns)
        play = {
            'name': 'test play', 'hosts': 'localhost', 'gather_facts': False, 'connection': 'local',
            'vars': dict({'ansible_python_interpreter': '{{ ansible_playbook_python }}'}, **(play_vars or {})),
            'module_defaults': {'group/iofabric.core.fabric': group_defaults} if group_defaults else {},
            'tasks': tasks,
        }
        path = os.path.join(self.tmp, 'play%d.yml' % self.count)
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump([play], handle, sort_keys=False)
        return self.run_file(path, check=check, diff=diff, extra_args=extra_args)

    def run_file(self, path: str, inventory: str = 'localhost,', check: bool = False, diff: bool = False,
                 extra_args: list | None = None) -> PlaybookRun:
        record = os.path.join(self.tmp, 'record%d.jsonl' % self.count)
        if os.path.exists(record):
            os.unlink(record)
        argv = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, path]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        argv += extra_args or []
        proc = subprocess.run(argv, capture_output=True, text=True, env=self.environment(record), check=False,
                              cwd=self.tmp)
        results = []
        if os.path.exists(record):
            with open(record, encoding='utf-8') as handle:
                results = [json.loads(line) for line in handle]
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)
