"""The collection as a user gets it: built with `ansible-galaxy collection build` and installed from the tarball
into a collections path of its own, once per test session (per xdist worker); and the environment that points
Ansible at that path only."""

from __future__ import annotations

import fcntl
import os
import subprocess

import yaml

from tests.lib.ansible_run import REPO, VENV_BIN


def built_collection(tmp_path_factory) -> tuple:
    """(tarball, collections path it is installed in), built and installed once per session (per xdist worker):
    the first caller builds under a lock, the others reuse it."""
    with open(os.path.join(REPO, 'galaxy.yml'), encoding='utf-8') as handle:
        version = yaml.safe_load(handle)['version']
    base = tmp_path_factory.getbasetemp() / 'iofabric-tarball'
    base.mkdir(exist_ok=True)
    tarball, collections = base / ('iofabric-core-%s.tar.gz' % version), base / 'collections'
    with open(base / '.lock', 'w', encoding='ascii') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (collections / 'ansible_collections' / 'iofabric' / 'core' / 'MANIFEST.json').exists():
            # --force on install: the test environment's collections path already holds iofabric.core (the
            # checkout), and without it ansible-galaxy installs nothing ('already installed').
            for argv in (['collection', 'build', '--force', '--output-path', str(base), REPO],
                         ['collection', 'install', '--force', '-p', str(collections), str(tarball)]):
                proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy')] + argv, capture_output=True, text=True,
                                      check=False, timeout=300)
                assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return str(tarball), str(collections)


def installed_env(collections: str, **extra) -> dict:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    env.pop('PYTHONPATH', None)
    env.update(extra)
    return env
