"""The guest itself: reachable by ansible over real SSH, / on LVM on a partition of a SCSI disk."""

from __future__ import annotations

import os
import subprocess

from tests.lib.ansible_run import VENV_BIN, PlaybookRunner


def test_ansible_ping_over_ssh(vm, vm_inventory, tmp_path):
    runner = PlaybookRunner(tmp_path)
    env = runner.environment(str(tmp_path / 'record.jsonl'))
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible'), '-i', vm_inventory, 'fabric', '-m', 'ansible.builtin.ping'],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"ping": "pong"' in proc.stdout


def test_root_sits_on_lvm_on_a_scsi_partition(vm):
    tree = vm.ssh(['lsblk', '-no', 'NAME,TYPE,MOUNTPOINT', '-s', '/dev/mapper/vg0-root'], sudo=False).stdout.split('\n')
    kinds = [line.split()[1] for line in tree if line.strip()]
    assert kinds[:3] == ['lvm', 'part', 'disk'], tree
    assert vm.ssh(['findmnt', '-no', 'SOURCE', '/'], sudo=False).stdout.strip() == '/dev/mapper/vg0-root'
    assert vm.ssh(['uname', '-r'], sudo=False).stdout.startswith('6.1.')
