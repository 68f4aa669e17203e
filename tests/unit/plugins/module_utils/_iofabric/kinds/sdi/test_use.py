"""_scsi_use on the host's real kernel: loop devices stand in for the SCSI disk (the evidence is block-layer
evidence: holders/, mountinfo, /proc/swaps, /proc/*/fd, /sys/fs/btrfs, O_EXCL), with real partitions
(losetup -P), real mounts, real swap, a real open through a mknod'ed alias node and a real two-device btrfs.
device-mapper and md are not in this host's kernel: those stacks are tested on fabricsim
(tests/integration/modules/test_sdi_stacks.py) and on the VM lane (tests/vm/test_sdi_device.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import LiveDevice
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import (
    Mount,
    blocking,
    evidence,
    is_fuse,
    parse_mountinfo,
    parse_swaps,
    read_host_use,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from tests.lib import fusefs

MB = 1 << 20
ROOT = Sysroot('/')


def _need(condition: bool, reason: str) -> None:
    if not condition:
        pytest.skip(reason)


def _run(*argv: str) -> str:
    return subprocess.run(list(argv), check=True, capture_output=True, text=True, timeout=60).stdout.strip()


def _kernel_has(fstype: str) -> bool:
    with open('/proc/filesystems', encoding='ascii') as handle:
        return any(line.split()[-1] == fstype for line in handle if line.strip())


class Loops:
    """Loop devices made for one test and always torn down (mounts, swap, loops, in reverse order)."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.undo: list = []

    def disk(self, name: str, size_mb: int = 64, partition: bool = False) -> LiveDevice:
        image = self.tmp / (name + '.img')
        with open(image, 'wb') as handle:
            handle.truncate(size_mb * MB)
            if partition:   # one MBR partition (type 0x83) from sector 2048 to the end
                entry = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0x83, b'\0\0\0', 2048, size_mb * 2048 - 2048)
                handle.seek(446)
                handle.write(entry)
                handle.seek(510)
                handle.write(b'\x55\xaa')
        node = _run('losetup', '--find', '--show', '--partscan', str(image))
        self.undo.append(('losetup', '-d', node))
        disk = os.path.basename(node)
        partitions = []
        if partition:
            if not os.path.exists('/sys/block/%s/%sp1' % (disk, disk)):
                # A kernel built without MBR parsing (this host's) still adds partitions through BLKPG.
                _run('addpart', node, '1', '2048', str(size_mb * 2048 - 2048))
            for _attempt in range(100):   # the partition exists at once; its node comes with the uevent
                if os.path.exists(node + 'p1'):
                    break
                time.sleep(0.05)
            partitions = ['%sp1' % disk]
        return LiveDevice('99:0:0:0', disk=disk, partitions=partitions)

    def mkfs(self, node: str, fstype: str = 'ext4') -> None:
        _run('mkfs.%s' % fstype, '-q', *(['-F'] if fstype == 'ext4' else ['-f']), node)

    def mount(self, source: str, name: str, *options: str) -> str:
        target = self.tmp / name
        target.mkdir(exist_ok=True)
        _run('mount', *options, source, str(target))
        self.undo.append(('umount', '-l', str(target)))
        return str(target)

    def swapon(self, node: str) -> None:
        _run('mkswap', node)
        _run('swapon', '--priority', '-2', node)
        self.undo.append(('swapoff', node))

    def alias(self, name: str, of: str) -> str:
        """A block node with another name and the same numbers, as a udev rule makes (/dev/oracleasm/disks/...)."""
        path = str(self.tmp / name)
        os.mknod(path, stat.S_IFBLK | 0o600, os.stat(of).st_rdev)
        return path

    def close(self) -> None:
        for argv in reversed(self.undo):
            subprocess.run(list(argv), capture_output=True, timeout=60, check=False)


@pytest.fixture
def loops(tmp_path):
    _need(os.geteuid() == 0 and shutil.which('losetup') is not None and os.path.exists('/dev/loop-control'),
          'needs root and loop devices')
    made = Loops(tmp_path)
    yield made
    made.close()


def unreadable_processes() -> set:
    """Pids whose open files this test process cannot read, found without the code under test (here: pid 1 of
    the sandbox, outside this user namespace). The module must fail closed on them; tests then compare the rest."""
    pids = set()
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            for fd in os.listdir('/proc/%s/fd' % pid):
                os.stat('/proc/%s/fd/%s' % (pid, fd))
        except PermissionError:
            pids.add(pid)
        except OSError:
            continue
    return pids


def seen(device, use=None) -> list:
    """The evidence, less the fail-closed lines about processes this host does not let root see into (asserted)."""
    items = evidence(ROOT, device, use or read_host_use(ROOT))
    hidden = unreadable_processes()
    unseen = [item for item in items if str(item).startswith('unseen: could not read the open files of pid ')]
    assert {str(item).split()[9] for item in unseen} >= hidden
    assert all(not item.overridable for item in unseen)   # fails closed, force or not
    return [item for item in items if item not in unseen]


def found(device, use=None) -> list:
    return [str(item) for item in seen(device, use)]


def test_an_idle_disk_with_a_partition_has_no_evidence(loops):
    disk = loops.disk('idle', partition=True)
    assert found(disk) == []


def test_a_mounted_partition_is_found_by_its_number(loops):
    disk = loops.disk('data', partition=True)
    loops.mkfs('/dev/%s' % disk.partitions[0])
    # Mounted through an alias node: mountinfo's source names the alias, its major:minor names the partition.
    target = loops.mount(loops.alias('data-alias', '/dev/%s' % disk.partitions[0]), 'mnt')
    assert found(disk) == ['mount: %s is mounted on %s' % (disk.partitions[0], target)]


def test_an_open_through_an_alias_node_is_found_by_st_rdev(loops):
    disk = loops.disk('asm', partition=True)
    alias = loops.alias('DATA1', '/dev/%s' % disk.partitions[0])
    fd = os.open(alias, os.O_RDONLY)
    try:
        with open('/proc/self/comm', encoding='utf-8') as handle:
            comm = handle.read().strip()
        assert found(disk) == ['open: %s is open by pid %d (%s) fd %d through %s'
                               % (disk.partitions[0], os.getpid(), comm, fd, alias)]
    finally:
        os.close(fd)
    assert found(disk) == []


def test_swap_on_a_partition_through_an_alias_is_protected_even_with_force(loops):
    disk = loops.disk('swap', partition=True)
    alias = loops.alias('swap-alias', '/dev/%s' % disk.partitions[0])
    try:
        loops.swapon(alias)
    except subprocess.CalledProcessError as exc:
        pytest.skip('swapon refused on this host: %s' % exc.stderr)
    items = seen(disk)
    assert [str(item) for item in items] == ['protected: %s is active swap (%s)' % (disk.partitions[0], alias)]
    assert [str(item) for item in blocking(items, force=True)] == [str(items[0])]


def test_every_member_of_a_two_device_btrfs_is_found(loops):
    _need(_kernel_has('btrfs'), 'the host kernel has no btrfs (/proc/filesystems)')
    _need(shutil.which('mkfs.btrfs') is not None, 'mkfs.btrfs (btrfs-progs) is not installed')
    first, second = loops.disk('btrfs-a', size_mb=128), loops.disk('btrfs-b', size_mb=128)
    _run('mkfs.btrfs', '-q', '-f', '-d', 'single', '-m', 'single', '/dev/' + first.disk, '/dev/' + second.disk)
    _run('btrfs', 'device', 'scan', '/dev/' + first.disk, '/dev/' + second.disk)
    target = loops.mount('/dev/' + first.disk, 'srv')
    fsid = _run('blkid', '-o', 'value', '-s', 'UUID', '/dev/' + first.disk) if shutil.which('blkid') else None
    use = read_host_use(ROOT)
    mount = [m for m in use.mounts if m.target == target][0]
    assert mount.dev[0] == 0   # btrfs shows an anonymous 0:NN: the number names no member
    members = ', '.join(sorted([first.disk, second.disk]))
    second_found = found(second, use)
    assert len(second_found) == 1 and second_found[0].startswith('btrfs: %s is a member of btrfs ' % second.disk)
    assert second_found[0].endswith('(devices %s) mounted on %s' % (members, target))
    if fsid:
        assert fsid in second_found[0]
    first_found = found(first, use)
    assert 'mount: %s is mounted on %s' % (first.disk, target) in first_found   # by the mount source


def test_a_loop_device_backed_by_a_file_on_the_disk_joins_the_stack(loops):
    disk = loops.disk('host', partition=True)
    loops.mkfs('/dev/%s' % disk.partitions[0])
    outer = loops.mount('/dev/%s' % disk.partitions[0], 'outer')
    inner_disk = Loops(loops.tmp / 'outer')
    try:
        inner = inner_disk.disk('inner', size_mb=16)
        loops.undo.extend(inner_disk.undo)
        inner_disk.undo = []
        loops.mkfs('/dev/' + inner.disk)
        nested = loops.mount('/dev/' + inner.disk, 'nested')
        assert found(disk) == [
            'mount: %s is mounted on %s' % (disk.partitions[0], outer),
            'mount: %s mounted on %s -> %s (backing file %s/inner.img) mounted on %s'
            % (disk.partitions[0], outer, inner.disk, outer, nested),
            'holder: %s mounted on %s -> %s (backing file %s/inner.img) holds it'
            % (disk.partitions[0], outer, inner.disk, outer),
        ]
    finally:
        inner_disk.close()


def test_a_loop_whose_backing_file_was_deleted_still_joins_the_stack(loops):
    disk = loops.disk('gone', partition=True)
    loops.mkfs('/dev/%s' % disk.partitions[0])
    outer = loops.mount('/dev/%s' % disk.partitions[0], 'outer')
    image = os.path.join(outer, 'scratch.img')
    with open(image, 'wb') as handle:
        handle.truncate(16 * MB)
    node = _run('losetup', '--find', '--show', image)
    loops.undo.append(('losetup', '-d', node))
    os.unlink(image)   # backing_file now reads "<path> (deleted)": only the loop driver knows where it lived
    assert found(disk) == [
        'mount: %s is mounted on %s' % (disk.partitions[0], outer),
        'holder: %s mounted on %s -> %s (backing file %s (deleted)) holds it'
        % (disk.partitions[0], outer, os.path.basename(node), image),
    ]


def test_a_mount_this_namespace_cannot_see_is_found_by_o_excl(loops):
    _need(shutil.which('unshare') is not None, 'needs unshare(1)')
    disk = loops.disk('hidden', partition=True)
    loops.mkfs('/dev/%s' % disk.partitions[0])
    target = loops.tmp / 'hidden-mnt'
    target.mkdir()
    holder = subprocess.Popen(['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                               'mount /dev/%s %s && echo mounted && exec sleep 600' % (disk.partitions[0], target)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'mounted'
        items = seen(disk)
        assert [item.kind for item in items] == ['exclusive', 'exclusive']   # the partition, and its disk
        assert str(items[0]).startswith('exclusive: %s is claimed exclusively by something' % disk.disk)
        assert blocking(items, force=True) == items
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=30)


def test_parse_mountinfo_unescapes_and_keeps_numbers():
    line = '36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n'
    assert parse_mountinfo(line + 'garbage\n') == [Mount((98, 0), '/dev/root', '/mnt two', 'ext3', 36, False)]
    nodev = '48 27 0:40 / /srv/sim rw,nosuid,nodev,relatime - fuse fabricsim-sys rw\n'
    assert parse_mountinfo(nodev)[0].nodev is True
    with pytest.raises(IofabricError):
        parse_mountinfo(None)


def test_parse_swaps_reads_the_kernel_format():
    text = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-1                               partition\t8388604\t0\t-2\n'
    assert parse_swaps(text) == [('/dev/dm-1', 'partition')]


def test_an_open_listed_after_a_socket_and_a_pipe_of_the_same_process_is_found(loops):
    # Another process: fd 3 a socket, fd 4 a pipe (link texts that are no path), fd 5 the partition.
    disk = loops.disk('sock', partition=True)
    child = subprocess.Popen(['python3', '-c', 'import os, socket, sys, time\n'
                              's = socket.socket(); r, w = os.pipe(); fd = os.open(sys.argv[1], os.O_RDONLY)\n'
                              'print(s.fileno(), r, fd, flush=True); time.sleep(600)', '/dev/' + disk.partitions[0]],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        sock, pipe, fd = child.stdout.readline().split()
        assert (sock, pipe, fd) == ('3', '4', '6')   # the order the test needs: both ahead of the disk's fd
        with open('/proc/%d/comm' % child.pid, encoding='utf-8') as handle:
            comm = handle.read().strip()
        assert found(disk) == ['open: %s is open by pid %d (%s) fd 6 through /dev/%s'
                               % (disk.partitions[0], child.pid, comm, disk.partitions[0])]
    finally:
        child.kill()
        child.wait(timeout=30)


# -- session 6 of the mutation measure (docs/mutation.md) ------------------------------------------------------------
def test_a_disk_whose_number_cannot_be_read_fails_closed_and_is_not_probed():
    # On the real root the O_EXCL probe runs when nothing else was found; a member without a device number
    # has no node to probe: it is reported unseen, never probed through a node built from nothing.
    _need(os.geteuid() == 0, 'needs root')
    assert not os.path.exists('/sys/block/sdzz9')
    assert found(LiveDevice('99:0:0:0', disk='sdzz9')) == ['unseen: the device number of sdzz9 (sdzz9) could not be read']


PROBE = '''
import json, sys
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import LiveDevice
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import evidence, read_host_use
root = Sysroot('/')
use = read_host_use(root)
# Each argument: a disk and its partitions, comma-separated.
print(json.dumps({arg: [str(item) for item in evidence(root, LiveDevice('99:0:0:0', disk=arg.split(',')[0],
                                                                        partitions=arg.split(',')[1:]), use)]
                  for arg in sys.argv[1:]}))
'''


def test_the_exclusive_probe_fails_closed_on_a_node_that_is_missing_or_names_another_device(loops, tmp_path):
    """A real root whose /dev lacks a member's node, or whose node has another device's numbers: made in a
    private mount namespace (a tmpfs over /dev) so that the host's /dev is never touched."""
    _need(shutil.which('unshare') is not None, 'needs unshare(1)')
    first, second, third, fourth = (loops.disk(name, size_mb=8).disk for name in ('probe-a', 'probe-b', 'probe-c', 'probe-d'))
    numbers = {name: _run('cat', '/sys/block/%s/dev' % name) for name in (first, second, third)}
    script = tmp_path / 'probe.py'
    script.write_text(PROBE)
    major_minor = {name: numbers[name].split(':') for name in numbers}
    # first: /dev/<first> has second's numbers; second: /dev/block/<its numbers> has first's; third: no node at all;
    # fourth: a link to itself (ELOOP, an errno above EBUSY's).
    setup = ('mount -t tmpfs none /dev && mkdir /dev/block && mknod /dev/%s b %s %s && mknod /dev/block/%s b %s %s'
             ' && ln -s %s /dev/%s' % (first, *major_minor[second], numbers[second], *major_minor[first], fourth, fourth))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    out = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', setup + ' && exec "$@"', 'sh',
                          sys.executable, str(script), first, second, third, fourth],
                         check=True, capture_output=True, text=True, timeout=120, env=env).stdout
    # Processes this host does not let root see into are reported too (see seen()); the rest is compared.
    result = {name: [line for line in lines if not line.startswith('unseen: could not read the open files of pid ')]
              for name, lines in json.loads(out).items()}
    assert result == {
        first: ['unseen: /dev/%s is not the node of %s (%s)' % (first, first, numbers[first])],
        second: ['unseen: /dev/block/%s is not the node of %s (%s)' % (numbers[second], second, numbers[second])],
        third: ['unseen: could not probe %s for exclusive use through /dev/%s: No such file or directory' % (third, third)],
        fourth: ['unseen: could not probe %s for exclusive use through /dev/%s: Too many levels of symbolic links'
                 % (fourth, fourth)]}


UNSEEN = '''
import sys
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysroot import Sysroot
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.use import read_host_use
print("\\n".join(read_host_use(Sysroot('/')).unseen))
'''


def test_a_deleted_backing_file_the_loop_driver_cannot_place_fails_closed(loops, tmp_path):
    """The loop driver is asked where a deleted backing file lived: through /dev/<loop>. A node that is missing, or
    that is no loop device (here /dev/null's numbers), cannot tell: made in a private mount namespace."""
    _need(shutil.which('unshare') is not None, 'needs unshare(1)')
    names = []
    for name in ('placed-a', 'placed-b'):
        image = tmp_path / (name + '.img')
        image.write_bytes(b'\0' * MB)
        node = _run('losetup', '--find', '--show', str(image))
        loops.undo.append(('losetup', '-d', node))
        image.unlink()   # backing_file now reads "<path> (deleted)"
        names.append((os.path.basename(node), str(image)))
    script = tmp_path / 'unseen.py'
    script.write_text(UNSEEN)
    setup = 'mount -t tmpfs none /dev && mknod /dev/%s c 1 3' % names[0][0]   # the second has no node at all
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    out = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', setup + ' && exec "$@"', 'sh',
                          sys.executable, str(script)], check=True, capture_output=True, text=True, timeout=120, env=env).stdout
    for name, image in names:
        assert ('could not tell where the backing file of %s (%s (deleted)) lives: No such file or directory'
                % (name, image)) in out.splitlines()


def test_a_disk_whose_number_cannot_be_read_still_has_its_partitions_probed(loops, tmp_path):
    """The disk's dev attribute hidden (an empty file bound over it, in a private mount namespace) and its partition
    mounted in another namespace: the disk is unseen, and the partition is still probed and found claimed."""
    _need(shutil.which('unshare') is not None, 'needs unshare(1)')
    disk = loops.disk('hidden-dev', partition=True)
    part = disk.partitions[0]
    loops.mkfs('/dev/' + part)
    target = tmp_path / 'hidden-mnt'
    target.mkdir()
    empty = tmp_path / 'empty'
    empty.write_text('')
    script = tmp_path / 'probe.py'
    script.write_text(PROBE)
    holder = subprocess.Popen(['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                               'mount /dev/%s %s && echo mounted && exec sleep 600' % (part, target)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'mounted'
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        setup = 'mount --bind %s /sys/block/%s/dev' % (empty, disk.disk)
        out = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', setup + ' && exec "$@"', 'sh',
                              sys.executable, str(script), '%s,%s' % (disk.disk, part)],
                             check=True, capture_output=True, text=True, timeout=120, env=env).stdout
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=30)
    lines = [line for line in json.loads(out)['%s,%s' % (disk.disk, part)]
             if not line.startswith('unseen: could not read the open files of pid ')]
    assert lines == ['exclusive: %s is claimed exclusively by something this host does not show (a mount in another '
                     'namespace, md, dm, or an O_EXCL opener)' % part,
                     'unseen: the device number of %s (%s) could not be read' % (disk.disk, disk.disk)]


def test_a_process_whose_fdinfo_cannot_be_read_is_still_looked_into(loops, tmp_path):
    """fdinfo only spares a stat of files on nodev mounts: when it cannot be read (here a directory bound over a
    process's fdinfo/, in a private mount namespace: fdinfo/0 a directory, so that reading it fails with EISDIR, and
    fdinfo/3 empty, naming no mount) the file is stat'ed, and the process's opens of the partition found."""
    _need(shutil.which('unshare') is not None, 'needs unshare(1)')
    disk = loops.disk('fdinfo', partition=True)
    part = disk.partitions[0]
    script = tmp_path / 'probe.py'
    script.write_text(PROBE)
    for fd in ('0', '1', '2'):
        (tmp_path / 'fdinfo' / fd).mkdir(parents=True)
    (tmp_path / 'fdinfo' / '3').write_text('')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    setup = ('(exec sleep 600 </dev/{part} >/dev/null 2>&1 3</dev/{part}) & pid=$!; sleep 0.5; mount --bind {fdinfo} /proc/$pid/fdinfo && '
             'echo $pid && {python} {script} {disk},{part}; status=$?; kill $pid; exit $status').format(
                 part=part, fdinfo=tmp_path / 'fdinfo', python=sys.executable, script=script, disk=disk.disk)
    out = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', setup],
                         check=True, capture_output=True, text=True, timeout=120, env=env).stdout.splitlines()
    lines = [line for line in json.loads(out[1])['%s,%s' % (disk.disk, part)]
             if not line.startswith('unseen: could not read the open files of pid ')]
    assert lines == ['open: %s is open by pid %s (sleep) fd %d through /dev/%s' % (part, out[0], fd, part) for fd in (0, 3)]


def test_an_open_through_a_node_on_a_mount_remounted_nodev_is_found(loops, tmp_path):
    """nodev is checked at open(2): a node opened before its mount was remounted nodev is still an open disk
    (found by the mutation session of 2026-12-03: such files were skipped, a removal would have gone ahead)."""
    _need(shutil.which('unshare') is not None, 'needs unshare(1)')
    disk = loops.disk('nodev', partition=True)
    part = disk.partitions[0]
    numbers = _run('cat', '/sys/block/%s/%s/dev' % (disk.disk, part)).split(':')
    script = tmp_path / 'probe.py'
    script.write_text(PROBE)
    nodes = tmp_path / 'nodes'
    nodes.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    # In a private mount namespace: a tmpfs holding a node of the partition, opened by sleep, then remounted nodev.
    setup = ('mount -t tmpfs none {d} && mknod {d}/DATA b {major} {minor} && (exec sleep 600 <{d}/DATA) & pid=$!; '
             'sleep 0.5; mount -o remount,nodev {d} && echo $pid && {python} {script} {disk},{part}; status=$?; kill $pid; '
             'exit $status').format(d=nodes, major=numbers[0], minor=numbers[1], python=sys.executable, script=script,
                                    disk=disk.disk, part=part)
    out = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', setup],
                         check=True, capture_output=True, text=True, timeout=120, env=env).stdout.splitlines()
    pid = out[0]
    lines = [line for line in json.loads(out[1])['%s,%s' % (disk.disk, part)]
             if not line.startswith('unseen: could not read the open files of pid ')]
    assert lines == ['open: %s is open by pid %s (sleep) fd 0 through %s/DATA' % (part, pid, nodes)]


def test_only_fuse_file_systems_are_fuse():
    # Files of nodev FUSE mounts are the only ones not stat'ed (their daemon may not answer): names as mountinfo gives them.
    names = ('fuse', 'fuseblk', 'fuse.sshfs', 'fuse.gvfsd-fuse', 'fuseblk.ntfs', 'fusectl', 'tmpfs', 'fuse3', 'ext4', '')
    assert [name for name in names if is_fuse(name)] == ['fuse', 'fuseblk', 'fuse.sshfs', 'fuse.gvfsd-fuse', 'fuseblk.ntfs']


def test_a_file_open_on_a_nodev_fuse_mount_is_never_stated(loops, tmp_path):
    """Files of nodev FUSE mounts are not stat'ed on the real root (their daemon may not answer; no device can be
    opened through them): a FUSE file system counts every getattr of its one file, held open by a process."""
    disk = loops.disk('fuse-held')
    mountpoint, log = tmp_path / 'mnt', tmp_path / 'getattr.log'
    mountpoint.mkdir()
    log.write_text('')
    script = tmp_path / 'probe.py'
    script.write_text(PROBE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    with fusefs.serving(mountpoint, 'DATA', log=log):
        with open('/proc/self/mountinfo', encoding='utf-8') as handle:
            mount = [m for m in parse_mountinfo(handle.read()) if m.target == str(mountpoint)]
        assert len(mount) == 1 and mount[0].nodev and is_fuse(mount[0].fstype), mount   # what the skip keys on
        with open(mountpoint / 'DATA', 'rb') as data:
            holder = subprocess.Popen(['sleep', '600'], stdin=data)
        try:
            # Counted by the probe's pid: other processes on the host (a mutation session's tests) may stat it too.
            probe = subprocess.Popen([sys.executable, str(script), disk.disk], stdout=subprocess.PIPE, text=True, env=env)
            out = probe.communicate(timeout=120)[0]
            assert probe.returncode == 0
            assert str(probe.pid) not in log.read_text().split()
            assert [line for line in json.loads(out)[disk.disk]
                    if not line.startswith('unseen: could not read the open files of pid ')] == []
            # The file is really held open (so the probe met it): its fd is still there.
            assert os.readlink('/proc/%d/fd/0' % holder.pid) == str(mountpoint / 'DATA')
        finally:
            holder.kill()
            holder.wait()
