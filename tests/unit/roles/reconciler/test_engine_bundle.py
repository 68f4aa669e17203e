"""The reconciler role's engine bundle (roles/reconciler/templates/engine.py.j2) takes every engine file:
fileglob does not recurse, so the template has one pattern per folder depth, and no engine file may sit
deeper than the deepest pattern (it would be left out of the bundle and fail to import on the host)."""

import glob
import os
import re

REPO = os.path.dirname(os.path.abspath(__file__)).split(os.sep + 'tests' + os.sep)[0]
MODULE_UTILS = os.path.join(REPO, 'plugins', 'module_utils')
TEMPLATE = os.path.join(REPO, 'roles', 'reconciler', 'templates', 'engine.py.j2')


def template_patterns():
    with open(TEMPLATE, encoding='utf-8') as handle:
        return re.findall(r"base ~ '(/[^']*\.py)'", handle.read())


def test_the_patterns_cover_every_engine_file():
    patterns = template_patterns()
    assert patterns, 'no fileglob pattern found in the template'
    covered = {os.path.normpath(path) for pattern in patterns for path in glob.glob(MODULE_UTILS + pattern)}
    engine = {os.path.normpath(path) for path in glob.glob(os.path.join(MODULE_UTILS, '**', '*.py'), recursive=True)}
    assert engine and engine <= covered, sorted(os.path.relpath(path, MODULE_UTILS) for path in engine - covered)


def test_every_engine_package_has_its_init_so_the_launcher_serves_it_as_a_package():
    for root, dirs, files in os.walk(MODULE_UTILS):
        dirs[:] = [name for name in dirs if name != '__pycache__']
        if root != MODULE_UTILS and any(name.endswith('.py') for name in files):
            assert '__init__.py' in files, os.path.relpath(root, MODULE_UTILS)
