"""The VM lane: one Debian 12 guest (real 6.1 kernel, systemd, sshd) booted per session and shared by the tests."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time

import pytest

from tests.lib.vm import VM

RESET = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'guest_reset.sh')


@pytest.fixture(scope='session')
def vm():
    """The booted guest; killed at the end of the session, on a failure or on Ctrl-C (finalizers run then too).
    Its directory is its own, not pytest's: pytest prunes old session directories of other runs by age."""
    machine = VM(tempfile.mkdtemp(prefix='iofabric-vm-'))
    start = time.monotonic()
    try:
        machine.start()
        yield machine
    finally:
        machine.stop()
        shutil.rmtree(machine.workdir, ignore_errors=True)
        machine.figures['session_s'] = round(time.monotonic() - start, 1)
        figures = os.environ.get('IOFABRIC_VM_FIGURES')
        if figures:
            with open(figures, 'w', encoding='utf-8') as handle:
                json.dump(machine.figures, handle, indent=1)


@pytest.fixture
def clean_vm(vm):
    """The shared guest with what earlier tests left (scsi_debug, dm devices, FCoE, VLANs, ...) taken down first."""
    vm.check_alive()
    with open(RESET, encoding='utf-8') as handle:
        vm.sh(handle.read(), timeout=180)
    return vm


@pytest.fixture
def vm_inventory(vm, tmp_path):
    return vm.inventory(str(tmp_path / 'inventory.json'))


def pytest_collection_modifyitems(items):
    """Tests that may break the shared guest (on code that is being fixed) run after all the others."""
    items.sort(key=lambda item: item.get_closest_marker('vm_destructive') is not None)
