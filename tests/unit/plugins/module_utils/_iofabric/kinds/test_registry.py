"""kinds/registry.py is the one table of kinds: every static copy of the list agrees with it, and every
kind it names has its folder (and nothing else has one)."""

import ast
import os
import re

import yaml

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import schema
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state import store
from ansible_collections.iofabric.core.plugins.plugin_utils import _drift_report_schema

REPO = os.path.dirname(os.path.abspath(__file__)).split(os.sep + 'tests' + os.sep)[0]
KINDS_DIR = os.path.join(REPO, 'plugins', 'module_utils', '_iofabric', 'kinds')
NAMES = list(registry.NAMES)


def load_yaml(*path):
    with open(os.path.join(REPO, *path), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def module_doc(module):
    """A module's DOCUMENTATION, parsed, without importing the module."""
    with open(os.path.join(REPO, 'plugins', 'modules', module + '.py'), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == 'DOCUMENTATION':
            return yaml.safe_load(node.value.value)
    raise AssertionError('%s has no DOCUMENTATION' % module)


def test_every_kind_is_a_folder_with_its_kind_and_spec():
    folders = sorted(name for name in os.listdir(KINDS_DIR) if os.path.isdir(os.path.join(KINDS_DIR, name))
                     and not name.startswith('__'))
    assert folders == sorted(NAMES)
    for name in NAMES:
        for part in ('__init__.py', 'kind.py', 'spec.py'):
            assert os.path.isfile(os.path.join(KINDS_DIR, name, part)), (name, part)


def test_every_kind_is_built_by_its_entry():
    class Context:
        sysroot, netns, check = '/nonexistent', None, True

        def runner(self):
            return None

    document = store.StoreDocument('eoib', {'objects': {}})
    for entry in registry.KINDS:
        kind = entry.build(Context(), document)
        assert kind.store_kind == entry.name


def test_the_store_and_its_schema_know_exactly_the_registered_kinds():
    assert list(store.KINDS) == NAMES
    assert sorted(schema._SPEC_REQUIRED) == sorted(NAMES)
    for entry in registry.KINDS:
        assert entry.id_key in schema._SPEC_REQUIRED[entry.name] or entry.name == 'macvlan'


def test_the_action_group_holds_every_declaring_module():
    group = load_yaml('meta', 'runtime.yml')['action_groups']['fabric']
    assert set(registry.DECLARING_MODULES) | {'fabric_info'} == set(group)
    for module in registry.DECLARING_MODULES:
        assert os.path.isfile(os.path.join(REPO, 'plugins', 'modules', module + '.py'))


def test_the_reconciler_role_defaults_and_argument_specs():
    assert load_yaml('roles', 'reconciler', 'defaults', 'main.yml')['reconciler_kinds'] == NAMES
    option = load_yaml('roles', 'reconciler', 'meta', 'argument_specs.yml')['argument_specs']['main']['options'][
        'reconciler_kinds']
    assert option['choices'] == NAMES and option['default'] == NAMES


def test_the_fabric_role_runs_every_declaring_module():
    tasks = ''.join(open(os.path.join(REPO, 'roles', 'fabric', 'tasks', name), encoding='utf-8').read()
                    for name in os.listdir(os.path.join(REPO, 'roles', 'fabric', 'tasks')))
    for module in registry.DECLARING_MODULES:
        assert 'iofabric.core.%s:' % module in tasks, module


def test_the_drift_report_schema():
    text = repr(_drift_report_schema.__dict__)
    enums = re.findall(r"'kind': \{'enum': \[([^\]]*)\]", text)
    assert enums and all([name.strip(" '") for name in enum.split(',')] == NAMES for enum in enums)


def test_fabric_info_documents_every_kind():
    option = module_doc('fabric_info')['options']['kinds']
    assert option['choices'] == NAMES and option['default'] == NAMES


def test_each_declaring_module_documents_its_kinds():
    vnic_types = module_doc('vnic_interface')['options']['config']['suboptions']['type']['choices']
    assert vnic_types == [entry.name for entry in registry.KINDS if entry.module == 'vnic_interface']


def test_the_reconciler_docs_name_every_kind():
    with open(os.path.join(REPO, 'docs', 'reconciler.md'), encoding='utf-8') as handle:
        assert '--kinds %s]' % ','.join(NAMES) in handle.read()
