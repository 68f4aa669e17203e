"""The collection as an execution environment sees it, built and installed from its tarball.

ansible-builder cannot build an image here (no container runtime), so the tests run what the
build would: `introspect` of the installed collection, `create` of a build context from the
example definition (docs/examples/execution-environment.yml), then the context's own galaxy
install and introspect steps, whose requirement files are checked.
"""

import os
import subprocess

import pytest
import yaml

from tests.lib.tarball import built_collection
from tests.lib.ansible_run import REPO, VENV_BIN

PYTHON_REQUIREMENTS = ['pyroute2>=0.9.1', 'jsonschema>=4.10.3']


def run(*argv, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=300, **kwargs)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """(tarball, collections path it is installed in)."""
    return built_collection(tmp_path_factory)


def requirement_lines(path: str) -> list:
    with open(path, encoding='utf-8') as handle:
        return [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]


def test_introspect_lists_the_python_and_system_requirements_of_the_installed_collection(built):
    _tarball, installed = built
    data = yaml.safe_load(run(os.path.join(VENV_BIN, 'ansible-builder'), 'introspect', installed).stdout)
    assert [line.split('#')[0].strip() for line in data['python']] == PYTHON_REQUIREMENTS
    assert 'iproute2 [platform:dpkg]' in [line.split('#')[0].strip() for line in data['system']]


def test_create_makes_a_build_context_whose_steps_yield_the_collections_requirement_files(built, tmp_path):
    tarball, _installed = built
    with open(os.path.join(REPO, 'docs', 'examples', 'execution-environment.yml'), encoding='utf-8') as handle:
        definition = yaml.safe_load(handle)
    assert definition['dependencies']['galaxy']['collections'][0]['name'] == 'iofabric.core'
    # The example names the collection on Galaxy; here it is the tarball just built.
    definition['dependencies']['galaxy'] = {'collections': [{'name': tarball, 'type': 'file'}]}
    ee_file, context = str(tmp_path / 'execution-environment.yml'), str(tmp_path / 'context')
    with open(ee_file, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(definition, handle)
    run(os.path.join(VENV_BIN, 'ansible-builder'), 'create', '-f', ee_file, '-c', context)
    build = os.path.join(context, '_build')
    with open(os.path.join(context, 'Dockerfile'), encoding='utf-8') as handle:
        recipe = handle.read()
    assert 'introspect.py introspect' in recipe and 'ansible-galaxy collection install' in recipe
    # The galaxy stage: install what the context's requirements.yml names.
    collections = str(tmp_path / 'collections')
    run(os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-r',
        os.path.join(build, 'requirements.yml'), '-p', collections)
    assert os.path.exists(os.path.join(collections, 'ansible_collections', 'iofabric', 'core', 'meta',
                                       'execution-environment.yml'))
    # The builder stage: the context's own introspect script writes the files pip and bindep install from.
    pip_file, bindep_file = str(tmp_path / 'requirements.txt'), str(tmp_path / 'bindep.txt')
    run(os.path.join(VENV_BIN, 'python'), os.path.join(build, 'scripts', 'introspect.py'), 'introspect',
        '--write-pip', pip_file, '--write-bindep', bindep_file, collections)
    assert requirement_lines(pip_file) == PYTHON_REQUIREMENTS
    assert {'iproute2 [platform:dpkg]', 'iproute [platform:rpm]'} <= set(requirement_lines(bindep_file))
