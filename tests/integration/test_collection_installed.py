"""What a new user meets, with the collection built and installed from its tarball (not the checkout)."""

import json
import os
import subprocess

import pytest
import yaml

from tests.lib.tarball import built_collection
from tests.lib.ansible_run import CALLBACKS, VENV_BIN

SYSTEM_PYTHON = '/usr/bin/python3'   # Debian's, with python3-pyroute2 0.7.2 (scripts/debian-packages.txt)


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    return built_collection(tmp_path_factory)[1]


def play(installed: str, tmp_path, tasks: list, interpreter: str = '{{ ansible_playbook_python }}',
         check: bool = False) -> list:
    """Run tasks on localhost with the installed collection; [(status, result)] of the tasks, in order."""
    path = os.path.join(str(tmp_path), 'play.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'connection': 'local',
                         'vars': {'ansible_python_interpreter': interpreter}, 'tasks': tasks}], handle)
    record = os.path.join(str(tmp_path), 'record.jsonl')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=installed, ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
               ANSIBLE_CALLBACKS_ENABLED='record', IOFABRIC_RECORD=record, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', path] + (['--check'] if check else []),
                          capture_output=True,
                          text=True, env=env, check=False, timeout=300, cwd=str(tmp_path))
    assert os.path.exists(record), proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(record, encoding='utf-8') as handle:
        return [(line['status'], line['result']) for line in map(json.loads, handle)]


@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason='needs the system Python')
def test_every_module_refuses_debians_old_pyroute2_with_the_standard_message_naming_the_interpreter(installed, tmp_path):
    version = subprocess.run([SYSTEM_PYTHON, '-c', 'from importlib import metadata; print(metadata.version("pyroute2"))'],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == '0.7.2'   # Debian 12's python3-pyroute2, which cannot enter a network namespace
    tasks = [{'name': module, 'iofabric.core.' + module: args, 'ignore_errors': True} for module, args in (
        ('vnic_interface', {'state': 'gathered'}), ('fcoe_interface', {'state': 'gathered'}),
        ('sdi_device', {'state': 'gathered'}), ('eoib_gc', {'parents': ['all']}), ('fabric_info', {}))]
    results = play(installed, tmp_path, tasks, interpreter=SYSTEM_PYTHON)
    assert len(results) == 5
    for status, result in results:
        assert status == 'failed', result
        assert result['msg'].startswith('Failed to import the required Python library (pyroute2>=0.9.1) on ')
        assert "Python %s" % SYSTEM_PYTHON in result['msg'] and 'pyroute2 0.7.2 is installed' in result['msg']


@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason='needs the system Python')
def test_the_reconciler_role_refuses_a_python_whose_pyroute2_is_too_old_before_installing_anything(installed, tmp_path):
    # Check mode on this machine's own root: nothing would be installed even if the check let it through.
    results = play(installed, tmp_path, [{'name': 'reconciler', 'ansible.builtin.include_role': {
        'name': 'iofabric.core.reconciler'}, 'vars': {'reconciler_python': SYSTEM_PYTHON,
                                                      'reconciler_dependencies': 'none'}}], check=True)
    status, result = results[-1]
    assert status == 'failed', results
    assert '/usr/bin/python3 lacks or has too old: {"pyroute2": "0.7.2"}' in result['msg']
    assert 'pyroute2>=0.9.1' in result['msg']


def test_an_unquoted_scsi_address_or_mac_fails_saying_quote_it_before_anything_changes(installed, tmp_path):
    # Written as a user would, unquoted: YAML 1.1 reads both as base-60 numbers.
    path = os.path.join(str(tmp_path), 'unquoted.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write("""- hosts: localhost
  gather_facts: false
  connection: local
  vars: {ansible_python_interpreter: "{{ ansible_playbook_python }}"}
  tasks:
    - name: lun
      iofabric.core.sdi_device:
        sysroot: %(root)s
        config:
          - address: 1:0:3:0
      ignore_errors: true
    - name: vnic
      iofabric.core.vnic_interface:
        sysroot: %(root)s
        config:
          - {type: macvlan, name: bkup0, lower: eth3, mac: 52:54:00:12:34:56}
      ignore_errors: true
""" % {'root': str(tmp_path / 'nothing-here')})
    record = os.path.join(str(tmp_path), 'record.jsonl')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=installed, ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
               ANSIBLE_CALLBACKS_ENABLED='record', IOFABRIC_RECORD=record, ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', path], capture_output=True,
                   text=True, env=env, check=False, timeout=300, cwd=str(tmp_path))
    with open(record, encoding='utf-8') as handle:
        results = {line['task']: (line['status'], line['result']) for line in map(json.loads, handle)}
    status, lun = results['lun']
    assert status == 'failed' and lun['msg'].startswith('config[0].address: the number 216180 arrived where a string')
    assert 'quote it' in lun['msg']
    status, vnic = results['vnic']
    assert status == 'failed' and vnic['msg'].startswith('config[0].mac: the number 41135085296 arrived')
    assert not (tmp_path / 'nothing-here').exists()
