"""Bad input, tried on purpose: every malformed declaration fails its task with a message that names
the field, and fabricsim records zero writes (sysfs) and no file under the root changes.

Cases: bad_input_cases.py. One playbook per chunk of cases (each task ignore_errors, the role
cases each in a block whose rescue reports the failure), so that one ansible-playbook run
tries many; the counts go to build/reliability/ for docs/reliability.md.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.reliability.bad_input_cases import MODULES, role_cases
from tests.lib.ansible_run import REPO

RESULTS = os.path.join(REPO, 'build', 'reliability')
CHUNKS = [('vnic_interface', 0, 2), ('vnic_interface', 1, 2), ('fcoe_interface', 0, 1), ('sdi_device', 0, 1),
          ('eoib_gc', 0, 1), ('fabric_info', 0, 1), ('role', 0, 1)]


def tree(root: str) -> dict:
    """Every file under the root's plain directories, with its size and modification time."""
    found = {}
    for top in ('etc', 'var', 'usr/local'):
        for directory, _dirs, files in os.walk(os.path.join(root, top)):
            for name in files:
                path = os.path.join(directory, name)
                info = os.lstat(path)
                found[os.path.relpath(path, root)] = (info.st_size, info.st_mtime_ns)
    return found


def module_tasks(module: str, cases: list) -> list:
    return [{'name': 'case %s' % case, 'iofabric.core.%s' % module: args, 'ignore_errors': True}
            for case, args, _field in cases]


def role_tasks(sim, cases: list) -> list:
    # Into the simulator's root, so that a value the role failed to refuse could not touch this host.
    base = {'reconciler_root': sim.root, 'reconciler_sysroot': sim.root, 'reconciler_netns': sim.netns,
            'reconciler_python': '{{ ansible_playbook_python }}', 'reconciler_dependencies': 'none'}
    messages = ("{{ ansible_failed_result.msg }} {{ ansible_failed_result.results | default([]) "
                "| selectattr('failed', 'defined') | selectattr('failed') | map(attribute='msg') | join('; ') }}")
    return [{'name': 'try %s' % case, 'block': [
        {'name': 'install %s' % case, 'ansible.builtin.include_role': {'name': 'iofabric.core.reconciler'},
         'vars': dict(base, **variables)}],
        'rescue': [{'name': 'case %s' % case, 'ansible.builtin.debug': {'msg': messages}}]}
        for case, variables, _field in cases]


@pytest.mark.parametrize('module, chunk, chunks', CHUNKS, ids=['%s-%d' % (m, c) for m, c, _n in CHUNKS])
def test_malformed_declarations_name_the_field_and_change_nothing(sim, playbook, module, chunk, chunks):
    every = role_cases() if module == 'role' else MODULES[module]()
    cases = every[chunk::chunks]
    tasks = role_tasks(sim, cases) if module == 'role' else module_tasks(module, cases)
    writes, files = sim.write_count(), tree(sim.root)
    run = playbook.run(tasks, sim=sim)
    assert sim.write_count() == writes, [w for w in sim.writes() if w][-5:]
    assert tree(sim.root) == files
    outcomes = {item['task']: item for item in run.results if item['task'].startswith('case ')}
    wrong = []
    for case, _args, field in cases:
        item = outcomes.get('case ' + case)
        if item is None:
            wrong.append((case, 'did not fail (the role ran to the end)' if module == 'role' else 'did not run'))
            continue
        message = str(item['result'].get('msg', ''))
        failed = item['status'] == ('ok' if module == 'role' else 'failed')
        if not failed or field not in message:
            wrong.append((case, item['status'], field, message[:300]))
    assert wrong == [], '\n'.join(map(str, wrong))
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'bad-input-%s-%d.json' % (module, chunk)), 'w', encoding='utf-8') as handle:
        json.dump({'module': module, 'cases': len(cases), 'refused_naming_the_field': len(cases) - len(wrong),
                   'sysfs_writes': sim.write_count() - writes}, handle)


def test_the_catalogue_is_large_enough_and_its_ids_unique():
    ids = [('role', case) for case, _v, _f in role_cases()]
    ids += [(module, case) for module, cases in MODULES.items() for case, _a, _f in cases()]
    assert len(ids) == len(set(ids)) >= 200
