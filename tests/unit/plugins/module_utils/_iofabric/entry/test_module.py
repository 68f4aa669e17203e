"""The modules' entry point: the minimum library versions, one set in three places."""

import os
import re

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
