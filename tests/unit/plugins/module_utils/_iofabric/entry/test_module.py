"""The modules' entry point: the minimum library versions, one set in three places; the libraries a state needs."""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry import module as entry
from tests.lib.ansible_run import REPO


def test_version_tuples_compare_release_numbers():
    assert entry.version_tuple('0.7.2') < entry.version_tuple('0.9.1') <= entry.version_tuple('0.9.1.post1')
    assert entry.version_tuple('4.10.3') > entry.version_tuple('4.9.99')
    assert entry.version_tuple('garbage') == ()


def test_the_test_environments_libraries_are_recent_enough():
    assert entry.installed_version('pyroute2') and entry.too_old() == []
    assert entry.installed_version('no_such_library_here') is None


def test_requirements_txt_the_modules_and_the_role_declare_the_same_minimums():
    with open(os.path.join(REPO, 'requirements.txt'), encoding='utf-8') as handle:
        declared = dict(re.findall(r'^([A-Za-z0-9_.-]+)>=([0-9.]+)\s*$', handle.read(), re.M))
    with open(os.path.join(REPO, 'roles', 'reconciler', 'vars', 'main.yml'), encoding='utf-8') as handle:
        role = {name: str(version) for name, version in yaml.safe_load(handle)['__reconciler_minimum_versions'].items()}
    modules = {name: minimum for name, (minimum, _purpose) in entry.MINIMUM_VERSIONS.items()}
    assert declared == role == modules == {'pyroute2': '0.9.1', 'jsonschema': '4.10.3'}


# A module run as Ansible runs it (its arguments in a file), with some libraries made unimportable.
RUN_MODULE = r'''
import runpy, sys
module, args, absent = sys.argv[1:4]
for name in filter(None, absent.split(',')):
    sys.modules[name] = None   # import fails, find_spec answers None: as if not installed
sys.argv = [module, args]
runpy.run_module('ansible_collections.iofabric.core.plugins.modules.' + module, run_name='__main__')
'''


def run_module(tmp_path, module: str, args: dict, absent: str) -> dict:
    path = tmp_path / 'args.json'
    path.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    proc = subprocess.run([sys.executable, '-c', RUN_MODULE, module, str(path), absent], capture_output=True,
                          text=True, check=False, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    return json.loads(proc.stdout)


@pytest.mark.parametrize('module, args, absent', [
    ('sdi_device', {'config': [{'address': '1:0:3:1'}]}, 'jsonschema'),
    ('vnic_interface', {'state': 'gathered'}, 'jsonschema'),
    ('fcoe_interface', {'config': [{'interface': 'eth1'}]}, 'pyroute2'),
    ('fcoe_interface', {'state': 'deleted', 'config': [{'interface': 'eth1'}]}, 'jsonschema'),
    ('eoib_gc', {}, 'pyroute2'),
    ('fabric_info', {}, 'jsonschema'),
])
def test_a_state_that_touches_the_host_names_the_missing_library(tmp_path, module, args, absent):
    result = run_module(tmp_path, module, dict(args, sysroot=str(tmp_path)), absent)
    assert result['failed'] and 'Failed to import the required Python library (%s)' % absent in result['msg']


@pytest.mark.parametrize('module, args', [
    ('sdi_device', {'state': 'parsed', 'running_config': 'Attached devices:\n'}),
    ('fcoe_interface', {'state': 'rendered', 'config': [{'interface': 'eth1'}]}),
])
def test_an_offline_state_needs_none_of_the_hosts_libraries(tmp_path, module, args):
    result = run_module(tmp_path, module, dict(args, sysroot=str(tmp_path)), 'jsonschema,pyroute2')
    assert not result.get('failed'), result.get('msg')
