"""The reconciler role's engine bundle (roles/reconciler/templates/engine.py.j2) takes every engine file.
The fileglob lookup neither recurses nor expands a wildcard in a folder name, so the role names each folder
(__reconciler_engine_dirs in its vars); a folder left out would be missing from the bundle on the host,
and the launcher would fail to import it. Rendering the role for real is tested in
tests/integration/roles/test_reconciler_role.py."""

import os

import yaml

REPO = os.path.dirname(os.path.abspath(__file__)).split(os.sep + 'tests' + os.sep)[0]
MODULE_UTILS = os.path.join(REPO, 'plugins', 'module_utils')


def engine_folders():
    found = set()
    for root, dirs, files in os.walk(MODULE_UTILS):
        dirs[:] = [name for name in dirs if name != '__pycache__']
        if any(name.endswith('.py') for name in files):
            found.add(os.path.relpath(root, MODULE_UTILS))
    return found


def test_the_role_names_every_engine_folder_and_no_other():
    with open(os.path.join(REPO, 'roles', 'reconciler', 'vars', 'main.yml'), encoding='utf-8') as handle:
        listed = yaml.safe_load(handle)['__reconciler_engine_dirs']
    assert sorted(listed) == sorted(engine_folders())


def test_every_engine_package_has_its_init_so_the_launcher_serves_it_as_a_package():
    for folder in engine_folders():
        assert os.path.isfile(os.path.join(MODULE_UTILS, folder, '__init__.py')), folder
