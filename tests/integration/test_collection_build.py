"""The built collection: what it ships, that it installs, that its docs render."""

import os
import subprocess
import tarfile

import pytest

from tests.lib.tarball import built_collection
from tests.lib.ansible_run import VENV_BIN

NOT_SHIPPED = ('fabricsim/', 'bench/', 'tests/output/', '.venv/', 'build/', '.git/', 'scripts/', '.ci/')


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    return built_collection(tmp_path_factory)[0]


def test_ships_the_collection_and_nothing_else(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert 'plugins/modules/vnic_interface.py' in names and 'meta/runtime.yml' in names
    assert 'plugins/module_utils/_iofabric/core/pipeline.py' in names and 'LICENSE' in names
    leaked = [name for name in names if name.startswith(NOT_SHIPPED) or name in ('fabricsim', 'bench')]
    assert leaked == []


def test_installs_and_documents_itself(tarball, tmp_path):
    install = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-p', str(tmp_path),
                              tarball], capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stderr
    installed = tmp_path / 'ansible_collections' / 'iofabric' / 'core'
    assert (installed / 'plugins' / 'modules' / 'vnic_interface.py').exists()
    assert not (installed / 'fabricsim').exists()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path))
    doc = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), 'iofabric.core.vnic_interface'], capture_output=True,
                         text=True, env=env, check=False)
    assert doc.returncode == 0, doc.stderr
    assert 'EXAMPLES:' in doc.stdout and 'type: qlgc' in doc.stdout and 'type: macvlan' in doc.stdout
    fcoe = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), 'iofabric.core.fcoe_interface'], capture_output=True,
                          text=True, env=env, check=False)
    assert fcoe.returncode == 0 and 'EXAMPLES:' in fcoe.stdout and 'interface: eth3.101' in fcoe.stdout
    sdi = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), 'iofabric.core.sdi_device'], capture_output=True,
                         text=True, env=env, check=False)
    assert sdi.returncode == 0 and 'EXAMPLES:' in sdi.stdout and 'state: deleted' in sdi.stdout
    eoib = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), 'iofabric.core.eoib_gc'], capture_output=True,
                          text=True, env=env, check=False)
    assert eoib.returncode == 0 and 'EXAMPLES:' in eoib.stdout and 'state: collector_off' in eoib.stdout
    listing = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), '-l', 'iofabric.core'], capture_output=True,
                             text=True, env=env, check=False)
    for module in ('vnic_interface', 'fcoe_interface', 'sdi_device', 'eoib_gc'):
        assert 'iofabric.core.' + module in listing.stdout
