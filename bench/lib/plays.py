"""Playbooks for the benchmarks, written to build/bench/ and run with ansible-playbook."""

from __future__ import annotations

import os
import re

import yaml

from bench.lib.measure import run
from bench.lib.paths import BUILD, COLLECTIONS, REPO, VENV_BIN

_RECAP = re.compile(r'ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)')


def environment(forks: int = 5) -> dict:
    env = dict(os.environ)
    env.update({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': '0',
                'ANSIBLE_FORKS': str(forks), 'ANSIBLE_LOCAL_TEMP': os.path.join(BUILD, 'ansible-tmp'),
                'ANSIBLE_HOME': os.path.join(BUILD, 'ansible-home'), 'ANSIBLE_LOCALHOST_WARNING': '0',
                'PATH': VENV_BIN + os.pathsep + env.get('PATH', '')})
    return env


def write(name: str, tasks: list, hosts: str = 'localhost', defaults: dict | None = None,
          interpreter: str = '{{ ansible_playbook_python }}') -> str:
    play = {'name': name, 'hosts': hosts, 'gather_facts': False, 'connection': 'local',
            'vars': {'ansible_python_interpreter': interpreter}, 'tasks': tasks}
    if defaults:
        play['module_defaults'] = {'group/iofabric.core.fabric': defaults}
    path = os.path.join(BUILD, 'plays', name + '.yml')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([play], handle, sort_keys=False, width=1000)
    return path


def inventory(name: str, hosts: dict) -> str:
    path = os.path.join(BUILD, 'plays', name + '.inventory.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'fleet': {'hosts': hosts}}, handle, sort_keys=False)
    return path


def playbook(path: str, inventory_path: str = 'localhost,', forks: int = 5) -> dict:
    """Run it; the wall time and the recap's counts summed over hosts. Fails loudly if a host failed."""
    done = run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory_path, path], env=environment(forks),
               cwd=REPO)
    counts = [tuple(map(int, match)) for match in _RECAP.findall(done.stdout)]
    if done.rc != 0 or not counts:
        raise RuntimeError('%s failed (rc %d):\n%s%s' % (path, done.rc, done.stdout[-3000:], done.stderr[-2000:]))
    return {'seconds': done.seconds, 'changed': sum(c[1] for c in counts), 'hosts': len(counts)}
