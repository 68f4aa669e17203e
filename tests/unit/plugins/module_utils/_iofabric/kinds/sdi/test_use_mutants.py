"""The in-use evidence of SCSI removal, each kind of it on the disk and on a partition (issue 21; docs/mutation.md).

test_use.py drives the host's real kernel with loop devices; what this kernel cannot make is built here as a
sysfs/proc tree laid out as the kernel lays it out: device-mapper and md holders (this kernel has neither),
I/O held in flight (inflight, block/genhd.c; device_busy, scsi_sysfs.c), another process's open descriptors
(/proc/<pid>/fd links to device nodes made with mknod), and the files the kernel would never show broken.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import LiveDevice
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import (
    MAX_DEPTH,
    Evidence,
    blocking,
    describe,
    evidence,
    parse_mountinfo,
    read_host_use,
)

LUN = '1:0:3:0'
SWAPS_HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n'


class Tree:
    """sysfs and proc of one SCSI disk sdb (8:16) with a partition sdb1 (8:17), idle until a test adds a use."""

    def __init__(self, root: str):
        self.root = root
        self.sysroot = Sysroot(root)
        self.put('/proc/self/mountinfo', '22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n')
        self.put('/proc/swaps', SWAPS_HEADER)
        self.put('/sys/class/scsi_device/%s/device/device_busy' % LUN, '0\n')
        self.block('sdb', '8:16')
        self.put('/sys/block/sdb/inflight', '       0        0\n')
        self.block('sdb/sdb1', '8:17')
        self.device = LiveDevice(LUN, disk='sdb', partitions=['sdb1'])

    def path(self, system_path: str) -> str:
        return os.path.join(self.root, system_path.lstrip('/'))

    def put(self, system_path: str, text: str) -> None:
        path = self.path(system_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='ascii') as handle:
            handle.write(text)

    def block(self, name: str, number: str) -> None:
        """/sys/block/<name> (a partition: <disk>/<part>) with its dev and an empty holders/."""
        self.put('/sys/block/%s/dev' % name, number + '\n')
        os.makedirs(self.path('/sys/block/%s/holders' % name), exist_ok=True)

    def holder(self, held: str, name: str, number: str, dm_name: str | None = None) -> None:
        """name (dm-N, mdN) holds held: holders/<name> links to it (block/holder.c)."""
        self.block(name, number)
        if dm_name:
            self.put('/sys/block/%s/dm/name' % name, dm_name + '\n')
        os.symlink('../../%s' % name, self.path('/sys/block/%s/holders/%s' % (held, name)))

    def mount(self, number: str, source: str, target: str, fstype: str = 'xfs') -> None:
        with open(self.path('/proc/self/mountinfo'), 'a', encoding='ascii') as handle:
            handle.write('90 22 %s / %s rw,relatime shared:9 - %s %s rw\n' % (number, target, fstype, source))

    def node(self, system_path: str, major: int, minor: int) -> str:
        path = self.path(system_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(major, minor))
        return system_path

    def opener(self, pid: int, comm: str, fds: dict) -> None:
        """/proc/<pid>/fd/<n> -> link text, as the kernel shows a process's open files."""
        self.put('/proc/%d/comm' % pid, comm + '\n')
        os.makedirs(self.path('/proc/%d/fd' % pid))
        for fd, target in fds.items():
            os.symlink(target, self.path('/proc/%d/fd/%d' % (pid, fd)))

    def found(self) -> list:
        return [str(item) for item in evidence(self.sysroot, self.device, read_host_use(self.sysroot))]

    def items(self) -> list:
        return evidence(self.sysroot, self.device, read_host_use(self.sysroot))


@pytest.fixture
def tree(tmp_path):
    return Tree(str(tmp_path))


def test_an_idle_disk_and_partition_give_no_evidence(tree):
    assert tree.found() == []


def test_a_device_without_a_disk_gives_no_evidence(tree):
    assert evidence(tree.sysroot, LiveDevice(LUN), read_host_use(tree.sysroot)) == []


@pytest.mark.parametrize('target', ['/', '/boot', '/boot/efi', '/usr', '/var'])
@pytest.mark.parametrize('member, number', [('sdb', '8:16'), ('sdb1', '8:17')])
def test_each_system_mount_alone_is_protected_even_with_force(tree, target, member, number):
    tree.mount(number, '/dev/' + member, target)
    items = tree.items()
    assert [str(item) for item in items] == ['protected: %s is mounted on %s' % (member, target)]
    assert blocking(items, force=True) == items


@pytest.mark.parametrize('target', ['/srv', '/boot2', '/var/lib/data', '/usr/local'])
def test_a_mount_elsewhere_blocks_without_force_only(tree, target):
    tree.mount('8:17', '/dev/sdb1', target)
    items = tree.items()
    assert [str(item) for item in items] == ['mount: sdb1 is mounted on %s' % target]
    assert blocking(items, force=False) == items and blocking(items, force=True) == []


def test_a_btrfs_mount_shows_an_anonymous_number_and_is_found_by_its_source(tree):
    tree.mount('0:52', '/dev/sdb1', '/srv', 'btrfs')
    assert tree.found() == ['mount: sdb1 is mounted on /srv']


def test_a_mount_source_through_an_alias_node_is_found_by_the_nodes_numbers(tree):
    # btrfs's 0:NN names no member and the source's name is none of the stack's: its node's st_rdev does.
    tree.mount('0:53', tree.node('/dev/disk/by-label/data', 8, 17), '/data', 'btrfs')
    tree.mount('0:54', tree.node('/dev/disk/by-label/other', 8, 33), '/other', 'btrfs')
    tree.mount('0:55', '/dev/missing-node', '/gone', 'btrfs')
    assert tree.found() == ['mount: sdb1 is mounted on /data']


@pytest.mark.parametrize('held, subject', [('sdb', 'sdb'), ('sdb/sdb1', 'sdb1')])
def test_a_device_mapper_holder_is_named_with_its_dm_name(tree, held, subject):
    tree.holder(held, 'dm-0', '253:0', 'vg0-data')
    items = tree.items()
    assert [str(item) for item in items] == ['holder: %s -> dm-0 (vg0-data) holds it' % subject]
    assert blocking(items, force=True) == []


def test_only_the_top_of_a_holder_stack_is_reported_and_its_mount_is_attributed(tree):
    tree.holder('sdb/sdb1', 'md0', '9:0')
    tree.holder('md0', 'dm-1', '253:1', 'vg0-root')
    tree.mount('253:1', '/dev/mapper/vg0-root', '/')
    assert tree.found() == ['protected: sdb1 -> md0 -> dm-1 (vg0-root) mounted on /',
                            'holder: sdb1 -> md0 -> dm-1 (vg0-root) holds it']


def test_a_holder_that_vanished_fails_closed(tree):
    os.symlink('../../dm-9', tree.path('/sys/block/sdb/sdb1/holders/dm-9'))
    items = tree.items()
    assert [str(item) for item in items] == ['unseen: sdb1 is held by dm-9, which has vanished or cannot be read']
    assert blocking(items, force=True) == items


def test_a_holder_whose_holders_cannot_be_listed_fails_closed(tree):
    tree.holder('sdb', 'dm-0', '253:0')
    os.rmdir(tree.path('/sys/block/dm-0/holders'))
    tree.put('/sys/block/dm-0/holders', 'not a directory\n')
    found = tree.found()
    assert 'holder: sdb -> dm-0 holds it' in found
    assert [line for line in found if line.startswith('unseen: could not list holders of dm-0')] != []


def test_holders_nested_past_the_limit_fail_closed(tree):
    held = 'sdb'
    for level in range(MAX_DEPTH + 1):
        tree.holder(held, 'dm-%d' % level, '253:%d' % level)
        held = 'dm-%d' % level
    found = tree.found()
    assert ['unseen: holders of sdb -> %s nest deeper than %d levels' % (
        ' -> '.join('dm-%d' % level for level in range(MAX_DEPTH)), MAX_DEPTH)] == [
        line for line in found if line.startswith('unseen: ')]
    assert len([line for line in found if line.startswith('holder: ')]) == 0   # the top is past the limit: unseen


@pytest.mark.parametrize('held', ['sdb', 'sdb/sdb1'])
def test_a_device_number_that_cannot_be_read_fails_closed(tree, held):
    os.unlink(tree.path('/sys/block/%s/dev' % held))
    name = os.path.basename(held)
    assert tree.found() == ['unseen: the device number of %s (%s) could not be read' % (name, name)]


@pytest.mark.parametrize('node, numbers, subject', [('/dev/sdb', (8, 16), 'sdb'), ('/dev/sdb1', (8, 17), 'sdb1'),
                                                    ('/dev/oracleasm/disks/DATA1', (8, 17), 'sdb1')])
def test_a_process_holding_the_disk_or_a_partition_open_is_named(tree, node, numbers, subject):
    tree.node(node, *numbers)
    os.mknod(tree.path('/dev/null'), stat.S_IFCHR | 0o666, os.makedev(1, 3))   # a character device: not a disk
    tree.opener(4242, 'postgres', {0: '/dev/null', 3: node, 4: 'socket:[1234]', 5: '/var/log/pg.log'})
    items = tree.items()
    assert [str(item) for item in items] == ['open: %s is open by pid 4242 (postgres) fd 3 through %s' % (subject, node)]
    assert blocking(items, force=True) == []


def test_a_process_whose_open_files_cannot_be_listed_fails_closed_by_pid(tree):
    tree.put('/proc/4243/comm', 'hidden\n')
    tree.put('/proc/4243/fd', 'not a directory\n')
    items = tree.items()
    assert [str(item) for item in items] == ['unseen: could not list /proc/4243/fd: Not a directory']
    assert blocking(items, force=True) == items


def test_a_process_whose_open_files_cannot_be_read_is_reported_once(tree):
    tree.opener(4244, 'agent', {})
    for fd in (5, 6, 7):   # entries that are not links: readlink fails with EINVAL, as for a process we cannot read
        tree.put('/proc/4244/fd/%d' % fd, '')
    assert tree.found() == ['unseen: could not read the open files of pid 4244 (agent): Invalid argument']


def test_a_process_that_exited_meanwhile_is_no_use(tree):
    os.makedirs(tree.path('/proc/4245'))   # its fd/ already gone
    assert tree.found() == []


@pytest.mark.parametrize('busy, inflight, text', [
    ('0', '       0        3', '0 command(s) at the HBA, 0 read(s) and 3 write(s) in flight'),
    ('0', '       2        0', '0 command(s) at the HBA, 2 read(s) and 0 write(s) in flight'),
    ('4', '       0        0', '4 command(s) at the HBA, 0 read(s) and 0 write(s) in flight'),
    ('1', '       5        6', '1 command(s) at the HBA, 5 read(s) and 6 write(s) in flight')])
def test_io_in_flight_by_either_counter_alone_blocks_without_force_only(tree, busy, inflight, text):
    tree.put('/sys/class/scsi_device/%s/device/device_busy' % LUN, busy + '\n')
    tree.put('/sys/block/sdb/inflight', inflight + '\n')
    items = tree.items()
    assert [str(item) for item in items] == ['io: ' + text]
    assert blocking(items, force=False) == items and blocking(items, force=True) == []


@pytest.mark.parametrize('path, text, problem', [
    ('/sys/class/scsi_device/%s/device/device_busy' % LUN, 'busy\n', "device_busy of %s is 'busy', not a count" % LUN),
    ('/sys/block/sdb/inflight', '       1\n', "inflight of sdb is '       1', not two counts")])
def test_a_counter_that_is_not_a_count_fails_closed(tree, path, text, problem):
    tree.put(path, text)
    items = tree.items()
    assert [str(item) for item in items] == ['unseen: ' + problem]
    assert blocking(items, force=True) == items


def test_swap_on_a_partition_is_protected_even_with_force(tree):
    tree.put('/proc/swaps', SWAPS_HEADER + '%s\tpartition\t8388604\t0\t-2\n' % tree.node('/dev/sdb1', 8, 17))
    items = tree.items()
    assert [str(item) for item in items] == ['protected: sdb1 is active swap (/dev/sdb1)']
    assert blocking(items, force=True) == items


def test_a_swap_file_on_a_file_system_of_the_disk_is_protected(tree):
    tree.put('/srv/swapfile', '')
    st = os.stat(tree.path('/srv/swapfile'))
    # The file system the swap file lives on is the partition's: mountinfo names it by the same st_dev.
    tree.mount('%d:%d' % (os.major(st.st_dev), os.minor(st.st_dev)), '/dev/sdb1', '/srv', 'btrfs')
    tree.put('/proc/swaps', SWAPS_HEADER + '/srv/swapfile\tfile\t1048572\t0\t-3\n')
    assert tree.found() == ['mount: sdb1 is mounted on /srv', 'protected: active swap file /srv/swapfile on sdb1 mounted on /srv']


def test_a_swap_elsewhere_is_no_use(tree):
    tree.put('/proc/swaps', SWAPS_HEADER + '%s\tpartition\t8388604\t0\t-2\n' % tree.node('/dev/sdc1', 8, 33))
    assert tree.found() == []


def test_blocking_with_force_keeps_only_what_force_cannot_override():
    kinds = ('protected', 'unseen', 'exclusive', 'swap', 'holder', 'mount', 'open', 'btrfs', 'io')
    items = [Evidence(kind, 'x') for kind in kinds]
    assert [item.kind for item in blocking(items, force=True)] == ['protected', 'unseen', 'exclusive', 'swap']
    assert blocking(items, force=False) == items
    assert describe(items[:2]) == 'protected: x; unseen: x'


def test_a_loop_whose_backing_file_cannot_be_found_fails_closed(tree):
    # Under a sysroot nobody asks the loop driver: a backing file that is not there cannot be placed.
    tree.block('loop0', '7:0')   # unbound: no loop/backing_file; the loops after it are still read
    tree.block('loop1', '7:1')
    tree.put('/sys/block/loop1/loop/backing_file', '/images/gone.img\n')
    items = tree.items()
    assert [str(item) for item in items] == [
        'unseen: could not tell where the backing file of loop1 (/images/gone.img) lives: No such file or directory']
    assert blocking(items, force=True) == items


FSID = '0b4a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c'


def test_a_partition_in_a_btrfs_mounted_from_another_disk_is_found_with_its_swap_file(tree):
    # fs/btrfs/sysfs.c lists every member; the mount names only the device given to mount(8).
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb1' % FSID))
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdc' % FSID))
    tree.put('/srv/swapfile', '')
    st = os.stat(tree.path('/srv/swapfile'))
    tree.mount('%d:%d' % (os.major(st.st_dev), os.minor(st.st_dev)), '/dev/sdc', '/srv', 'btrfs')
    tree.put('/proc/swaps', SWAPS_HEADER + '/srv/swapfile\tfile\t1048572\t0\t-3\n')
    items = tree.items()
    assert [str(item) for item in items] == [
        'btrfs: sdb1 is a member of btrfs %s (devices sdb1, sdc) mounted on /srv' % FSID,
        'protected: active swap file /srv/swapfile on btrfs %s mounted on /srv' % FSID]
    assert [str(item) for item in blocking(items, force=True)] == [str(items[1])]


def test_a_btrfs_member_mounted_nowhere_this_host_sees_fails_closed(tree):
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb' % FSID))
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdd' % FSID))
    items = tree.items()
    assert [str(item) for item in items] == [
        'unseen: sdb is a member of btrfs %s (devices sdb, sdd), mounted where this host cannot see' % FSID]
    assert blocking(items, force=True) == items


def test_a_btrfs_mounted_through_a_by_uuid_link_is_found_by_what_the_link_names(tree):
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb1' % FSID))
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdc' % FSID))
    tree.node('/dev/sdc', 8, 32)
    os.makedirs(tree.path('/dev/disk/by-uuid'))
    os.symlink('../../sdc', tree.path('/dev/disk/by-uuid/%s' % FSID))
    tree.mount('0:56', '/dev/disk/by-uuid/%s' % FSID, '/srv', 'btrfs')
    assert tree.found() == ['btrfs: sdb1 is a member of btrfs %s (devices sdb1, sdc) mounted on /srv' % FSID]


def test_a_swaps_file_that_cannot_be_read_fails_closed(tree):
    os.unlink(tree.path('/proc/swaps'))
    os.makedirs(tree.path('/proc/swaps'))   # read(2) fails with EISDIR
    items = tree.items()
    assert [str(item) for item in items] == ['unseen: could not read /proc/swaps: read of %s failed: Is a directory (EISDIR)'
                                             % tree.path('/proc/swaps')]
    assert blocking(items, force=True) == items


def test_a_mount_whose_id_is_not_a_number_is_never_taken_for_a_real_mount():
    # fdinfo's mnt_id is never negative: an unreadable id must not match a real mount (and its nodev flag).
    line = 'x1 35 0:40 / /srv/sim rw,nosuid,nodev,relatime - fuse fabricsim-sys rw\n'
    assert parse_mountinfo(line)[0].mount_id < 0


def test_a_swap_file_on_another_btrfs_is_no_use_of_this_one(tree):
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb1' % FSID))
    other = 'f0e1d2c3-b4a5-4968-8776-655443322110'
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdd' % other))
    tree.put('/home/swapfile', '')
    st = os.stat(tree.path('/home/swapfile'))
    tree.mount('0:56', '/dev/sdb1', '/srv', 'btrfs')
    tree.mount('%d:%d' % (os.major(st.st_dev), os.minor(st.st_dev)), '/dev/sdd', '/home', 'btrfs')
    tree.put('/proc/swaps', SWAPS_HEADER + '/home/swapfile\tfile\t1048572\t0\t-3\n')
    assert tree.found() == ['mount: sdb1 is mounted on /srv',
                            'btrfs: sdb1 is a member of btrfs %s (devices sdb1) mounted on /srv' % FSID]


def test_a_swap_name_that_is_no_absolute_path_fails_closed(tree):
    tree.put('/proc/swaps', SWAPS_HEADER + 'swapfile\tfile\t1048572\t0\t-3\n')
    items = tree.items()
    assert [str(item) for item in items] == ["unseen: could not stat swapfile (active swap): 'swapfile' is not an absolute path"]
    assert blocking(items, force=True) == items


def test_truncated_mountinfo_lines_are_skipped_and_the_rest_read():
    text = ('36 35 98:0 / - ext3 /dev/root rw\n'        # too few fields before the separator
            '37 35 98:1 / /a rw,relatime - ext3\n'        # no source after it
            '38 35 98:2 / /b rw,relatime shared:2 ext3 /dev/b rw\n'   # no separator at all
            '39 35 98:3 / /c rw,relatime - ext4 /dev/c\n')   # no super options: still a mount of /dev/c
    assert [(m.dev, m.source, m.target) for m in parse_mountinfo(text)] == [((98, 3), '/dev/c', '/c')]


def test_a_swap_partition_whose_node_is_gone_fails_closed(tree):
    tree.put('/proc/swaps', SWAPS_HEADER + '/dev/sdz1\tpartition\t8388604\t0\t-2\n')
    items = tree.items()
    assert [str(item) for item in items] == ['unseen: could not stat /dev/sdz1 (active swap): No such file or directory']
    assert blocking(items, force=True) == items


def test_every_escape_the_kernel_writes_in_mountinfo_is_read_back():
    # seq_file's mangle of " \t\n\\" (fs/proc_namespace.c): octal \040, \011, \012, \134.
    line = '40 35 8:17 / /srv/a\\134b\\011c\\012d\\040e rw,relatime - xfs /dev/sdb1 rw\n'
    assert parse_mountinfo(line)[0].target == '/srv/a\\b\tc\nd e'


def test_a_device_number_that_is_not_two_numbers_is_no_number():
    line = '41 35 x:y / /d rw,relatime - xfs /dev/d rw\n'
    assert parse_mountinfo(line)[0].dev is None


def test_an_opened_node_that_cannot_be_stated_fails_closed_naming_the_pid(tree):
    tree.opener(4246, 'dd', {3: '/dev/sdq'})   # the node is gone from this root
    items = tree.items()
    assert [str(item) for item in items] == ['unseen: could not stat /dev/sdq (opened by pid 4246): No such file or directory']
    assert blocking(items, force=True) == items


# -- session 6 (today's code) ------------------------------------------------------------------------------------
def _fs_number(tree: Tree, system_path: str) -> str:
    """major:minor of the file system a file of the tree lives on, as mountinfo's field 3 would name it."""
    st = os.stat(tree.path(system_path))
    return '%d:%d' % (os.major(st.st_dev), os.minor(st.st_dev))


def test_a_loop_backed_by_a_file_on_the_disk_joins_the_stack_and_every_use_is_reported_once(tree):
    # Three passes of the attribution: the disk's partitions, then loop1 (its backing file is on sdb1's mount),
    # then nothing new. A use found in one pass is never reported again in the next.
    device = LiveDevice(LUN, disk='sdb', partitions=['sdb1', 'sdb2'])
    tree.block('sdb/sdb2', '8:18')
    tree.put('/srv/images/disk.img', '')
    tree.mount(_fs_number(tree, '/srv/images/disk.img'), '/dev/sdb1', '/srv')
    tree.put('/proc/swaps', SWAPS_HEADER + '%s\tpartition\t8388604\t0\t-2\n' % tree.node('/dev/sdb2', 8, 18))
    # loop0, listed first, is backed by a file on another file system (a link to /dev/null: devtmpfs): not on the stack.
    os.makedirs(tree.path('/other'))
    os.symlink('/dev/null', tree.path('/other/img'))
    tree.block('dm-0', '253:0')   # a device listed before the loops, of another stack
    tree.block('loop0', '7:0')
    tree.put('/sys/block/loop0/loop/backing_file', '/other/img\n')
    tree.block('loop1', '7:1')
    tree.put('/sys/block/loop1/loop/backing_file', '/srv/images/disk.img\n')
    tree.mount('7:1', '/dev/loop1', '/srv/nested')
    tree.opener(4250, 'qemu', {7: tree.node('/dev/loop1', 7, 1)})
    items = evidence(tree.sysroot, device, read_host_use(tree.sysroot))
    loop = 'sdb1 mounted on /srv -> loop1 (backing file /srv/images/disk.img)'
    assert [str(item) for item in items] == [
        'mount: sdb1 is mounted on /srv',
        'protected: sdb2 is active swap (/dev/sdb2)',
        'mount: %s mounted on /srv/nested' % loop,
        'open: %s open by pid 4250 (qemu) fd 7 through /dev/loop1' % loop,
        'holder: %s holds it' % loop]
    assert [str(item) for item in blocking(items, force=True)] == ['protected: sdb2 is active swap (/dev/sdb2)']


def test_a_swap_file_on_a_file_system_of_a_loop_of_the_stack_is_protected(tree):
    # The loop's file system is known only in the second pass: a btrfs on loop3 shows an anonymous number (here
    # devtmpfs's, that of /dev/null, which the swap file links to) and is found by its source.
    tree.put('/srv/images/disk.img', '')
    tree.mount(_fs_number(tree, '/srv/images/disk.img'), '/dev/sdb1', '/srv')
    tree.block('loop3', '7:3')
    tree.put('/sys/block/loop3/loop/backing_file', '/srv/images/disk.img\n')
    os.makedirs(tree.path('/srv/nested'))
    os.symlink('/dev/null', tree.path('/srv/nested/swapfile'))
    tree.mount(_fs_number(tree, '/srv/nested/swapfile'), '/dev/loop3', '/srv/nested', 'btrfs')
    tree.put('/proc/swaps', SWAPS_HEADER + '/srv/nested/swapfile\tfile\t1048572\t0\t-3\n')
    loop = 'sdb1 mounted on /srv -> loop3 (backing file /srv/images/disk.img)'
    items = tree.items()
    assert [str(item) for item in items] == [
        'mount: sdb1 is mounted on /srv',
        'mount: %s mounted on /srv/nested' % loop,
        'holder: %s holds it' % loop,
        'protected: active swap file /srv/nested/swapfile on %s mounted on /srv/nested' % loop]
    assert blocking(items, force=True) == items[3:]


def test_a_stack_sixteen_holders_deep_fails_closed_and_fifteen_deep_is_read(tree):
    # MAX_DEPTH is 16: the sixteenth holder above the disk is where the walk stops and says so (fail closed).
    held = 'sdb'
    for level in range(15):
        tree.holder(held, 'dm-%d' % level, '253:%d' % level)
        held = 'dm-%d' % level
    chain = 'sdb -> ' + ' -> '.join('dm-%d' % level for level in range(15))
    assert tree.found() == ['holder: %s holds it' % chain]
    tree.holder(held, 'dm-15', '253:15')
    chain += ' -> dm-15'
    assert tree.found() == ['holder: %s holds it' % chain, 'unseen: holders of %s nest deeper than 16 levels' % chain]


def test_the_host_use_is_kept_as_numbers_names_and_links(tree):
    tree.opener(4242, 'postgres', {3: tree.node('/dev/sdb1', 8, 17), 12: tree.node('/dev/sdb', 8, 16)})
    tree.put('/proc/swaps', SWAPS_HEADER + '/dev/sdb1\tpartition\t8388604\t0\t-2\n')
    tree.block('loop2', '7:2')
    tree.put('/sys/block/loop2/loop/backing_file', '/images/gone.img\n')
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb1' % FSID))
    use = read_host_use(tree.sysroot)
    assert use.openers == {(8, 16): [(4242, 'postgres', 12, '/dev/sdb')], (8, 17): [(4242, 'postgres', 3, '/dev/sdb1')]}
    assert use.swaps == [('/dev/sdb1', 'partition', (8, 17))]
    assert use.loops == [('loop2', '/images/gone.img', None)]
    assert use.btrfs == {FSID: ['sdb1']}
    assert use.real_root is False


def test_malformed_lines_are_counted_and_the_first_is_quoted_up_to_120_characters(tree):
    first = '30 22 8:17 /' + 'x' * 200
    tree.put('/proc/self/mountinfo', '22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n%s\n31 22 8:18\n' % first)
    tree.put('/proc/swaps', SWAPS_HEADER + '/dev/sdc1\n\n/dev/sdc2\n/dev/sdc3\n')
    items = tree.items()
    assert [str(item) for item in items] == [
        'unseen: 2 line(s) of /proc/self/mountinfo could not be read (line 2: %r)' % first[:120],
        "unseen: 3 line(s) of /proc/swaps could not be read (line 2: '/dev/sdc1')"]
    assert blocking(items, force=True) == items


def test_a_swaps_row_is_read_from_its_first_two_columns():
    from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import parse_swaps
    malformed: list = []
    assert parse_swaps(SWAPS_HEADER + '/dev/sdb1 partition\n/swap\\040file file 10 0 -3\n', malformed) == [
        ('/dev/sdb1', 'partition'), ('/swap file', 'file')]
    assert malformed == []


def test_a_vanished_holder_listed_first_leaves_the_next_holder_read(tree):
    os.symlink('../../dm-0', tree.path('/sys/block/sdb/sdb1/holders/dm-0'))   # gone: no /sys/block/dm-0
    tree.holder('sdb/sdb1', 'dm-1', '253:1', 'vg0-data')
    assert tree.found() == ['holder: sdb1 -> dm-1 (vg0-data) holds it',
                            'unseen: sdb1 is held by dm-0, which has vanished or cannot be read']


def test_a_mountinfo_line_without_its_mount_options_is_malformed():
    malformed: list = []
    line = '37 35 98:1 / /a - ext3 /dev/a rw'   # five fields before the separator: no mount options
    assert parse_mountinfo(line + '\n', malformed) == [] and malformed == [(1, line)]


NOBODY = 65534
HOST_USE_AS = r'''
import sys
sys.path[:0] = sys.argv[2].split(":")
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import read_host_use
print("\n".join(read_host_use(Sysroot(sys.argv[1])).unseen))
'''


def test_btrfs_members_that_cannot_be_listed_are_named_with_their_file_system():
    """As a user other than root (root lists any directory): /sys/fs/btrfs/<fsid>/devices is there but unreadable."""
    if os.geteuid() != 0:
        pytest.skip('needs root to run a process as another user')
    python = next((path for path in ('/usr/bin/python3.11', '/usr/bin/python3') if os.access(path, os.X_OK)), None)
    if python is None:
        pytest.skip('no system python3 another user can run')
    root = tempfile.mkdtemp(prefix='iofabric-use-')
    try:
        os.chmod(root, 0o755)
        devices = os.path.join(root, 'sys/fs/btrfs', FSID, 'devices')
        os.makedirs(os.path.join(devices, 'sdb1'))
        for path in (os.path.join(root, 'sys'), os.path.join(root, 'sys/fs'), os.path.join(root, 'sys/fs/btrfs'),
                     os.path.dirname(devices)):
            os.chmod(path, 0o755)
        os.chmod(devices, 0o700)   # root's alone
        paths = [p for p in sys.path if p and not p.startswith('/root')]
        unseen = subprocess.run([python, '-c', HOST_USE_AS, root, ':'.join(paths)], user=NOBODY, group=NOBODY,
                                extra_groups=[], capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    finally:
        shutil.rmtree(root)
    assert unseen == ['could not list /sys/fs/btrfs/%s/devices: list of %s failed: Permission denied (EACCES)'
                      % (FSID, devices)]


def test_a_btrfs_of_other_disks_listed_first_leaves_this_disks_btrfs_read(tree):
    other = '00c0ffee-0000-4000-8000-000000000001'   # sorts before FSID: read first
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdd' % other))
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb1' % FSID))
    tree.mount('0:61', '/dev/sdd', '/home', 'btrfs')
    tree.mount('0:62', '/dev/sdb1', '/srv', 'btrfs')
    assert tree.found() == ['mount: sdb1 is mounted on /srv',
                            'btrfs: sdb1 is a member of btrfs %s (devices sdb1) mounted on /srv' % FSID]


def test_an_escaped_mount_point_longer_than_256_characters_is_read_back():
    target = '/srv/' + 'a' * 300 + '\\040b'
    assert parse_mountinfo('40 35 8:17 / %s rw,relatime - xfs /dev/sdb1 rw\n' % target)[0].target == '/srv/' + 'a' * 300 + ' b'


def test_under_a_sysroot_an_open_is_found_whatever_fdinfo_says(tree):
    """The skip of files on nodev mounts (read from fdinfo) is the real root's: under a sysroot the link text
    names a node of that root, and is stat'ed there."""
    tree.put('/proc/self/mountinfo', '22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n'
             '23 22 0:5 / /dev rw,nosuid,nodev shared:2 - devtmpfs udev rw\n')
    tree.opener(4242, 'postgres', {3: tree.node('/dev/sdb1', 8, 17)})
    tree.put('/proc/4242/fdinfo/3', 'pos:\t0\nflags:\t0100000\nmnt_id:\t23\n')   # the nodev /dev of this root
    assert tree.found() == ['open: sdb1 is open by pid 4242 (postgres) fd 3 through /dev/sdb1']


def test_a_process_whose_name_cannot_be_read_is_named_by_its_pid(tree):
    tree.opener(4242, 'postgres', {3: tree.node('/dev/sdb1', 8, 17)})
    os.unlink(tree.path('/proc/4242/comm'))
    os.makedirs(tree.path('/proc/4242/comm'))   # read(2) fails with EISDIR
    items = tree.items()
    assert [str(item) for item in items] == [
        'open: sdb1 is open by pid 4242 (?) fd 3 through /dev/sdb1',
        'unseen: could not read /proc/4242/comm: read of %s failed: Is a directory (EISDIR)' % tree.path('/proc/4242/comm')]


def test_a_device_number_that_cannot_be_read_is_named_with_the_reason(tree):
    os.unlink(tree.path('/sys/block/sdb/sdb1/dev'))
    os.makedirs(tree.path('/sys/block/sdb/sdb1/dev'))   # read(2) fails with EISDIR
    assert tree.found() == [
        'unseen: could not read /sys/block/.../sdb1/dev: read of %s failed: Is a directory (EISDIR)'
        % tree.path('/sys/block/sdb/sdb1/dev'),
        'unseen: the device number of sdb1 (sdb1) could not be read']


def test_a_partition_holding_three_hundred_logical_volumes_has_each_reported(tree):
    # LVM on one PV: each LV is a dm device holding the partition. More members than CPython caches small ints.
    for number in range(300):
        tree.holder('sdb/sdb1', 'dm-%d' % number, '253:%d' % number, 'vg0-lv%d' % number)
    found = tree.found()
    assert len(found) == 300 and 'holder: sdb1 -> dm-299 (vg0-lv299) holds it' in found
    assert all(line.startswith('holder: sdb1 -> dm-') for line in found)


def test_a_swap_file_on_a_file_system_mounted_from_a_partition_is_one_swap_not_two(tree):
    # ext4 on sdb1: the files on it have st_dev == sdb1's number. The swap is a file, not the partition.
    tree.put('/srv/swapfile', '')
    number = _fs_number(tree, '/srv/swapfile')
    tree.put('/sys/block/sdb/sdb1/dev', number + '\n')
    tree.mount(number, '/dev/sdb1', '/srv', 'ext4')
    tree.put('/proc/swaps', SWAPS_HEADER + '/srv/swapfile\tfile\t1048572\t0\t-3\n')
    assert tree.found() == ['mount: sdb1 is mounted on /srv', 'protected: active swap file /srv/swapfile on sdb1 mounted on /srv']


def test_an_open_listed_after_a_pipe_and_a_file_of_the_same_process_is_found(tree):
    tree.opener(4242, 'postgres', {1: 'pipe:[77]', 2: '/var/log/pg.log', 3: tree.node('/dev/sdb1', 8, 17)})
    assert tree.found() == ['open: sdb1 is open by pid 4242 (postgres) fd 3 through /dev/sdb1']


def test_a_btrfs_mount_source_that_leads_out_of_the_sysroot_is_no_source_here(tree, tmp_path_factory):
    # /dev/disk of this root links outside it: the source is not followed there (SysrootError), so the file system
    # the partition is a member of is mounted where this root cannot see.
    outside = tmp_path_factory.mktemp('outside')
    os.makedirs(tree.path('/dev'), exist_ok=True)
    os.symlink(str(outside), tree.path('/dev/disk'))
    os.makedirs(tree.path('/sys/fs/btrfs/%s/devices/sdb1' % FSID))
    tree.mount('0:63', '/dev/disk/by-uuid/%s' % FSID, '/srv', 'btrfs')
    items = tree.items()
    assert [str(item) for item in items] == [
        'unseen: sdb1 is a member of btrfs %s (devices sdb1), mounted where this host cannot see' % FSID]


def test_digits_after_an_escape_are_kept_as_they_are():
    # Only a backslash starts an escape: '2017' after '\040' is four characters, not chr(0o017) and more.
    line = '40 35 8:17 / /srv/backup\\0402017 rw,relatime - xfs /dev/sdb1 rw\n'
    assert parse_mountinfo(line)[0].target == '/srv/backup 2017'


def test_a_process_whose_open_files_cannot_be_listed_leaves_the_next_process_read(tree):
    tree.put('/proc/4243/comm', 'hidden\n')
    tree.put('/proc/4243/fd', 'not a directory\n')
    tree.opener(4244, 'postgres', {3: tree.node('/dev/sdb1', 8, 17)})
    assert tree.found() == ['open: sdb1 is open by pid 4244 (postgres) fd 3 through /dev/sdb1',
                            'unseen: could not list /proc/4243/fd: Not a directory']


def test_a_loops_backing_file_that_cannot_be_read_is_named_with_the_reason(tree):
    tree.block('loop1', '7:1')
    os.makedirs(tree.path('/sys/block/loop1/loop/backing_file'))   # read(2) fails with EISDIR
    assert tree.found() == ['unseen: could not read /sys/block/loop1/loop/backing_file: read of %s failed: Is a directory '
                            '(EISDIR)' % tree.path('/sys/block/loop1/loop/backing_file')]


def test_a_device_mapper_name_that_cannot_be_read_is_named_with_the_reason(tree):
    tree.holder('sdb', 'dm-0', '253:0')
    os.makedirs(tree.path('/sys/block/dm-0/dm/name'))   # read(2) fails with EISDIR
    assert tree.found() == ['holder: sdb -> dm-0 holds it',
                            'unseen: could not read /sys/block/dm-0/dm/name: read of %s failed: Is a directory (EISDIR)'
                            % tree.path('/sys/block/dm-0/dm/name')]


def test_a_process_whose_open_files_and_name_cannot_be_read_is_reported_by_pid(tree):
    tree.opener(4244, 'agent', {})
    tree.put('/proc/4244/fd/5', '')   # not a link: readlink fails with EINVAL
    os.unlink(tree.path('/proc/4244/comm'))
    os.makedirs(tree.path('/proc/4244/comm'))   # read(2) fails with EISDIR
    assert tree.found() == [
        'unseen: could not read /proc/4244/comm: read of %s failed: Is a directory (EISDIR)' % tree.path('/proc/4244/comm'),
        'unseen: could not read the open files of pid 4244 (?): Invalid argument']


@pytest.mark.parametrize('written, read', [('/srv/a\\040b\\812', '/srv/a b\\812'),   # not octal: no escape
                                           ('/srv/a\\040b\\12', '/srv/a b\\12'),     # cut short: no escape
                                           ('/srv/data\\040v100', '/srv/data v100')])    # only a backslash starts one
def test_a_backslash_that_starts_no_escape_is_kept_as_it_is(written, read):
    # The kernel writes every backslash as \\134; a line made otherwise (garbage, another tool) must not crash the
    # parser or be read as what it does not say.
    assert parse_mountinfo('40 35 8:17 / %s rw,relatime - xfs /dev/sdb1 rw\n' % written)[0].target == read
