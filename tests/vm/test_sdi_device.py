"""sdi_device on the real 6.1 kernel, through ansible-playbook over SSH: scsi_debug disks, a LUN hot-plugged by
QEMU as a SAN would present it, and every kind of use the removal must see (mount, dm, swap on dm, an open through
another device node, the disk under /)."""

from __future__ import annotations

import time

import pytest

from tests.lib.vm import ROOT_WWN, run_play

# Four scsi_debug hosts, each with its own RAM store and one 64 MiB disk (a partition table on one stays on it).
SCSI_DEBUG = ['modprobe', 'scsi_debug', 'add_host=4', 'per_host_store=1', 'num_tgts=1', 'max_luns=1',
              'dev_size_mb=64']


def scsi_debug_disks(vm) -> list[tuple[str, str]]:
    """(H:C:T:L, sdX) of every scsi_debug disk, loading the driver first."""
    vm.ssh(SCSI_DEBUG)
    vm.ssh(['udevadm', 'settle'])
    listing = vm.sh('for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*:*:*:*; do '
                    'echo "$(basename $d) $(ls $d/block)"; done').stdout
    disks = sorted(tuple(line.split()) for line in listing.splitlines() if line.strip())
    assert len(disks) == 4, listing
    return disks


def exists(vm, address: str) -> bool:
    return vm.ssh(['test', '-e', '/sys/class/scsi_device/' + address], check=False, sudo=False).returncode == 0


def sdi(vm, tmp_path, config: list, state: str = 'merged'):
    """One sdi_device task with become; returns its result (failures do not stop the play)."""
    run = run_play(vm, tmp_path, [{'name': 'sdi', 'iofabric.core.sdi_device': {
        'config': config, 'state': state, 'attach_timeout': 20, 'remove_timeout': 20}, 'ignore_errors': True}])
    result = run.task('sdi')
    assert 'failures' in result, 'the module did not run to its end: %s\n%s' % (result, run.stdout[-2000:])
    return result


def refused_evidence(result: dict, address: str) -> list[str]:
    failure = [f for f in result.get('failures', []) if f['object'] == address]
    assert failure, result
    assert failure[0]['error'].startswith('refused to remove %s' % address), failure
    return failure[0]['details']['evidence']


def partition(vm, disk: str) -> str:
    vm.sh('printf "label: dos\\nstart=2048, type=83\\n" | sfdisk --quiet /dev/%s\nudevadm settle\n' % disk)
    return disk + '1'


def test_hot_add_by_scan(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[0]
    clean_vm.sh('echo 1 > /sys/class/scsi_device/%s/device/delete' % address)
    assert not exists(clean_vm, address)
    result = sdi(clean_vm, tmp_path, [{'address': address, 'vendor': 'Linux', 'model': 'scsi_debug'}])
    assert result['changed'] is True and result['failures'] == [], result
    assert [a['action'] for a in result['actions']] == ['add']
    assert exists(clean_vm, address)
    again = sdi(clean_vm, tmp_path, [{'address': address, 'vendor': 'Linux', 'model': 'scsi_debug'}])
    assert again['changed'] is False and again['failures'] == [], again


def test_a_lun_presented_from_outside_is_recognised_then_removed(clean_vm, tmp_path):
    """QEMU's monitor adds a LUN to the virtio-scsi bus, as a SAN presents one; the kernel attaches it by itself."""
    wwn = '0x5000c50015ea7200'
    clean_vm.qmp('blockdev-add', driver='null-co', **{'node-name': 'iofsan1', 'size': 64 << 20, 'read-zeroes': True})
    clean_vm.qmp('device_add', driver='scsi-hd', id='iofsan1', drive='iofsan1', bus='scsi0.0', **{
        'scsi-id': 1, 'lun': 0, 'wwn': wwn, 'serial': 'IOFSAN1'})
    try:
        host = root_address(clean_vm).split(':')[0]  # the virtio-scsi HBA
        address = '%s:0:1:0' % host
        for _attempt in range(60):  # the guest's answer to the hot-plug event (a poll, not a timed assertion)
            if exists(clean_vm, address):
                break
            time.sleep(1)
        wwid = clean_vm.read('/sys/class/scsi_device/%s/device/wwid' % address).strip()
        assert wwid == 'naa.' + wwn[2:]
        result = sdi(clean_vm, tmp_path, [{'address': address, 'wwid': wwid}])
        assert result['changed'] is False and result['failures'] == [], result
        removed = sdi(clean_vm, tmp_path, [{'address': address}], state='deleted')
        assert removed['changed'] is True and removed['failures'] == [], removed
        assert [a['action'] for a in removed['actions']] == ['flush', 'offline', 'delete']
        assert not exists(clean_vm, address)
    finally:
        clean_vm.qmp('device_del', id='iofsan1')
        for _attempt in range(30):
            try:
                clean_vm.qmp('blockdev-del', **{'node-name': 'iofsan1'})
                break
            except AssertionError:
                time.sleep(1)  # device_del completes when the guest has let go of the device


def test_hot_remove_of_an_idle_disk(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[1]
    result = sdi(clean_vm, tmp_path, [{'address': address}], state='deleted')
    assert result['changed'] is True and result['failures'] == [], result
    assert not exists(clean_vm, address)
    assert clean_vm.ssh(['test', '-e', '/dev/' + disk], check=False, sudo=False).returncode != 0


def test_a_mounted_partition_is_refused(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[0]
    part = partition(clean_vm, disk)
    clean_vm.sh('mkfs.ext4 -q /dev/%s\nmkdir -p /mnt/iofdata\nmount /dev/%s /mnt/iofdata\n' % (part, part))
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    assert 'mount: %s is mounted on /mnt/iofdata' % part in evidence
    assert exists(clean_vm, address)


def dm_linear(vm, name: str, source: str) -> str:
    """A dm linear device over the whole of source; returns its dm-N name."""
    vm.sh('dmsetup create %s --table "0 $(blockdev --getsz /dev/%s) linear /dev/%s 0"\nudevadm settle\n'
          % (name, source, source))
    return vm.ssh(['readlink', '-f', '/dev/mapper/' + name]).stdout.strip().rsplit('/', 1)[1]


def test_a_dm_linear_device_over_a_partition_is_refused(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[0]
    part = partition(clean_vm, disk)
    dm = dm_linear(clean_vm, 'iofdata', part)
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    assert 'holder: %s -> %s (iofdata) holds it' % (part, dm) in evidence
    assert exists(clean_vm, address)


def test_a_dm_refusal_names_the_chain(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[0]
    part = partition(clean_vm, disk)
    dm_linear(clean_vm, 'iofdata', part)
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    assert any('iofdata' in line for line in evidence), evidence


def test_swap_on_dm_is_refused(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[2]
    part = partition(clean_vm, disk)
    dm = dm_linear(clean_vm, 'iofswap', part)
    clean_vm.sh('mkswap -q /dev/mapper/iofswap >/dev/null\nswapon /dev/mapper/iofswap\n')
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    # /proc/swaps names the dm node (the kernel resolves /dev/mapper/iofswap to /dev/dm-N)
    assert 'protected: %s -> %s (iofswap) active swap (/dev/%s)' % (part, dm, dm) in evidence, evidence
    assert exists(clean_vm, address)


def test_swap_on_dm_is_named_as_swap(clean_vm, tmp_path):
    address, disk = scsi_debug_disks(clean_vm)[2]
    part = partition(clean_vm, disk)
    dm_linear(clean_vm, 'iofswap', part)
    clean_vm.sh('mkswap -q /dev/mapper/iofswap >/dev/null\nswapon /dev/mapper/iofswap\n')
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    assert any(line.startswith('protected: ') and 'active swap' in line for line in evidence), evidence


def test_an_open_through_an_alias_node_is_refused(clean_vm, tmp_path):
    """A udev-style alias (/dev/oracleasm/disks/DATA1 and the like): same major:minor, another name, held open."""
    address, disk = scsi_debug_disks(clean_vm)[3]
    numbers = clean_vm.read('/sys/block/%s/dev' % disk).strip().split(':')
    clean_vm.sh('mknod /dev/iofalias b %s %s\n'
                'systemd-run --quiet --unit iofhold sh -c "exec 3</dev/iofalias; exec sleep 3600"\n'
                'for i in $(seq 50); do ls -l /proc/$(systemctl show -P MainPID iofhold)/fd 2>/dev/null | '
                'grep -q iofalias && exit 0; sleep 0.2; done; exit 1\n' % tuple(numbers))
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    assert any(line.startswith('open: ') for line in evidence), evidence
    assert exists(clean_vm, address)


def root_address(vm) -> str:
    found = vm.sh('for d in /sys/class/scsi_device/*; do '
                  '[ "$(cat $d/device/wwid 2>/dev/null)" = "naa.%s" ] && basename $d; done; true' % ROOT_WWN[2:])
    return found.stdout.split()[0]


def test_the_root_disk_is_refused_without_force(clean_vm, tmp_path):
    address = root_address(clean_vm)
    evidence = refused_evidence(sdi(clean_vm, tmp_path, [{'address': address}], state='deleted'), address)
    assert any(line.startswith('protected: sda1 -> dm-') and line.endswith(' mounted on /') for line in evidence), evidence
    assert any(line.startswith('holder: sda1 -> dm-') for line in evidence), evidence
    assert exists(clean_vm, address)


def test_the_root_disk_refusal_says_it_holds_root(clean_vm, tmp_path):
    address = root_address(clean_vm)
    result = sdi(clean_vm, tmp_path, [{'address': address}], state='deleted')
    assert result['failures'] and 'never removed, even with force' in result['failures'][0]['error'], result


@pytest.mark.vm_destructive
def test_the_root_disk_is_never_removed_even_with_force(clean_vm, tmp_path):
    """Runs last in the session (vm_destructive): on today's code it takes the guest's root disk away."""
    address = root_address(clean_vm)
    result = sdi(clean_vm, tmp_path, [{'address': address, 'force': True}], state='deleted')
    assert result['failures'] and 'never removed, even with force' in result['failures'][0]['error'], result
    assert exists(clean_vm, address)


def test_a_lun_without_a_designator_does_not_stop_the_others(clean_vm, tmp_path):
    address, _disk = scsi_debug_disks(clean_vm)[0]
    host = root_address(clean_vm).split(':')[0]  # the virtio-scsi HBA
    clean_vm.qmp('blockdev-add', driver='null-co', **{'node-name': 'iofnowwn', 'size': 64 << 20, 'read-zeroes': True})
    clean_vm.qmp('device_add', driver='scsi-hd', id='iofnowwn', drive='iofnowwn', bus='scsi0.0', **{'scsi-id': 2, 'lun': 0})
    try:
        for _attempt in range(60):  # the guest's answer to the hot-plug event (a poll, not a timed assertion)
            if exists(clean_vm, '%s:0:2:0' % host):
                break
            time.sleep(1)
        if clean_vm.ssh(['cat', '/sys/class/scsi_device/%s:0:2:0/device/wwid' % host], check=False).returncode == 0:
            raise RuntimeError('precondition: this LUN has a wwid, so it proves nothing here')  # not an xfail's failure
        result = sdi(clean_vm, tmp_path, [{'address': address, 'vendor': 'Linux', 'model': 'scsi_debug'}])
        assert result['failures'] == [], result
    finally:
        clean_vm.sh('echo 1 > /sys/class/scsi_device/%s:0:2:0/device/delete || true' % host)
        clean_vm.qmp('device_del', id='iofnowwn')
        for _attempt in range(30):
            try:
                clean_vm.qmp('blockdev-del', **{'node-name': 'iofnowwn'})
                break
            except AssertionError:
                time.sleep(1)
