# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a SCSI disk in use? The checks UnixWare's SDI made and Linux does not, over the whole stack.

PRIVATE to the collection. Linux removes a device that is mounted, open or busy without a
word. The stack above the disk is walked first: holders/ of the disk and of each partition,
recursively (device-mapper: LVM, multipath, crypt; md; bcache), and loop devices whose
backing file lives on a file system of the stack. Every use anywhere up the stack is then
attributed to the disk, matched by device number (major:minor), never by name: mounts
(mountinfo field 3, and the mount source for btrfs's anonymous 0:NN), swap (/proc/swaps
resolved to st_rdev, or st_dev for a swap file), open file descriptors (st_rdev of
/proc/<pid>/fd/*, so an open through any alias node counts), btrfs members
(/sys/fs/btrfs/<fsid>/devices) and, on the real root, exclusive claims probed with O_EXCL.

What carries /, /boot, /usr or /var, or active swap, anywhere up the stack is protected:
never removed, force or not. What cannot be read fails closed (kind ``unseen``). ``force``
overrides only what an admin can judge: a holder, a mount elsewhere, an open, I/O.
The checks are advisory (a process can open the disk right after them), which is why the
removal takes the device offline and checks again.
"""

from __future__ import annotations

import errno
import fcntl
import os
import posixpath
import stat
import struct
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ParseError, SysfsError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.live import BLOCK, device_counters, is_number
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import list_dir, read_attr_or

PROTECTED_MOUNTS = ('/', '/boot', '/boot/efi', '/usr', '/var')
OVERRIDABLE = ('holder', 'mount', 'open', 'btrfs', 'io')   # force may override these; never protected/unseen/exclusive
MAX_DEPTH = 16   # holders nest a few levels in practice (dm over dm over md); deeper is a loop or garbage


@dataclass
class Evidence:
    kind: str      # protected, unseen, exclusive, holder, mount, swap, open, btrfs, io
    detail: str

    @property
    def overridable(self) -> bool:
        return self.kind in OVERRIDABLE

    def __str__(self) -> str:
        return '%s: %s' % (self.kind, self.detail)


@dataclass
class Mount:
    dev: tuple | None     # (major, minor) of mountinfo field 3; btrfs shows an anonymous (0, N)
    source: str
    target: str
    fstype: str
    mount_id: int = -1
    nodev: bool = False   # a device node on this mount cannot be opened as a device (fs/namei.c may_open)


@dataclass
class HostUse:
    """What is read once per run: mounts, swaps, open descriptors, btrfs members, loops of the whole host."""

    mounts: list = field(default_factory=list)    # Mount
    swaps: list = field(default_factory=list)     # (filename, type, dev number or None)
    openers: dict = field(default_factory=dict)   # (major, minor) -> [(pid, comm, fd, link text)]
    btrfs: dict = field(default_factory=dict)     # fsid -> [member block device names]
    loops: list = field(default_factory=list)     # (loop name, backing file, st_dev of the backing file or None)
    unseen: list = field(default_factory=list)    # what could not be read, for every device
    real_root: bool = False


@dataclass
class Member:
    """One block device of the stack: the disk, a partition, or something above them."""

    name: str
    dev: tuple | None
    chain: str


def _unescape(text: str) -> str:
    """seq_file escapes (space, tab, newline, backslash as \\ooo) in mountinfo and /proc/swaps."""
    if '\\' not in text:
        return text
    out, index = [], 0
    while index < len(text):
        chunk = text[index:index + 4]
        if len(chunk) == 4 and chunk[0] == '\\' and all(c in '01234567' for c in chunk[1:]):
            out.append(chr(int(chunk[1:], 8)))
            index += 4
        else:
            out.append(text[index])
            index += 1
    return ''.join(out)


def _dev_pair(text: str) -> tuple | None:
    major, sep, minor = (text or '').strip().partition(':')
    if sep and is_number(major) and is_number(minor):
        return int(major), int(minor)
    return None


def parse_mountinfo(text: str, malformed: list | None = None) -> list:
    """proc(5) mountinfo: a Mount for each well-formed line (optional fields end at ' - '). Each other
    non-blank line is appended to ``malformed`` as (line number, text): a mount that cannot be read may be
    on any disk, so the caller fails closed on it."""
    if not isinstance(text, str):
        raise ParseError('/proc/self/mountinfo', 'must be text')
    mounts = []
    for number, line in enumerate(text.splitlines(), 1):
        head, sep, tail = line.partition(' - ')
        fields, after = head.split(), tail.split()
        if not sep or len(fields) < 6 or len(after) < 2:
            if line.strip() and malformed is not None:
                malformed.append((number, line))
            continue
        mounts.append(Mount(_dev_pair(fields[2]), _unescape(after[1]), _unescape(fields[4]), after[0],
                            int(fields[0]) if is_number(fields[0]) else -1, 'nodev' in fields[5].split(',')))
    return mounts


def parse_swaps(text: str, malformed: list | None = None) -> list:
    """/proc/swaps: (filename, type) of each row after the header (swap_show in mm/swapfile.c). Each other
    non-blank row is appended to ``malformed`` as (line number, text): an active swap that cannot be read
    may be on any disk."""
    if not isinstance(text, str):
        raise ParseError('/proc/swaps', 'must be text')
    rows = []
    for number, line in enumerate(text.splitlines()[1:], 2):
        words = line.split()
        if len(words) >= 2:
            rows.append((_unescape(words[0]), words[1]))
        elif line.strip() and malformed is not None:
            malformed.append((number, line))
    return rows


def _note_malformed(use: HostUse, what: str, malformed: list) -> None:
    if malformed:
        number, line = malformed[0]
        use.unseen.append('%d line(s) of %s could not be read (line %d: %r)' % (len(malformed), what, number, line[:120]))


class _Reader:
    """Paths as the system names them, resolved under the sysroot; failures become 'unseen' notes."""

    def __init__(self, sysroot, unseen: list):
        self.sysroot, self.unseen = sysroot, unseen

    def node(self, path: str) -> str:
        clean = posixpath.normpath(path)
        if not clean.startswith('/') or '..' in clean.split('/'):
            raise IofabricError('%r is not an absolute path' % path)
        return clean if self.sysroot.is_host_root else self.sysroot.path(clean)

    def stat(self, path: str, what: str) -> os.stat_result | None:
        try:
            return os.stat(self.node(path))
        except (OSError, IofabricError) as exc:
            self.unseen.append('could not stat %s (%s): %s' % (path, what, getattr(exc, 'strerror', None) or exc))
            return None

    def text(self, path: str, what: str) -> str | None:
        try:
            return read_attr_or(path)
        except (SysfsError, IofabricError) as exc:
            self.unseen.append('could not read %s: %s' % (what, exc))
            return None

    def entries(self, path: str, what: str) -> list:
        try:
            return list_dir(path)
        except (SysfsError, IofabricError) as exc:
            self.unseen.append('could not list %s: %s' % (what, exc))
            return []


def _rdev(st) -> tuple | None:
    return (os.major(st.st_rdev), os.minor(st.st_rdev)) if st is not None and stat.S_ISBLK(st.st_mode) else None


def _stdev(st) -> tuple | None:
    return (os.major(st.st_dev), os.minor(st.st_dev)) if st is not None else None


def is_fuse(fstype: str) -> bool:
    """A FUSE file system as mountinfo names it: fuse, fuseblk, or fuse.<subtype> (not fusectl, the control fs)."""
    return fstype in ('fuse', 'fuseblk') or fstype.startswith(('fuse.', 'fuseblk.'))


def _on_skipped_mount(fdinfo: str, skipped_mounts: set) -> bool:
    """fdinfo's mnt_id names the mount the file is on. Files of nodev FUSE mounts are not stat'ed: their daemon
    may not answer, and no device node can be opened there. Other nodev mounts are stat'ed like any other:
    nodev is checked at open(2) (fs/namei.c may_open), so a node opened before its mount was remounted nodev
    stays an open device (seen: a tmpfs). The one case this leaves unseen is that remount on a FUSE mount."""
    try:
        text = read_attr_or(fdinfo) or ''
    except SysfsError:
        return False
    for line in text.splitlines():
        if line.startswith('mnt_id:'):
            value = line.split(':', 1)[1].strip()
            return is_number(value) and int(value) in skipped_mounts
    return False


def _read_openers(sysroot, reader: _Reader, use: HostUse) -> None:
    """Every open block device, by st_rdev: an open through /dev/oracleasm/disks/DATA1 is an open of its disk."""
    skipped_mounts = {mount.mount_id for mount in use.mounts if mount.nodev and is_fuse(mount.fstype)}
    proc = sysroot.path('/proc')
    for pid in reader.entries(proc, '/proc'):
        if not is_number(pid):
            continue
        fd_dir = '%s/%s/fd' % (proc, pid)
        try:
            fds = list_dir(fd_dir)
        except SysfsError as exc:
            if exc.errno in (errno.ESRCH, errno.ENOENT):
                continue   # exited meanwhile: not a use
            reader.unseen.append('could not list /proc/%s/fd: %s' % (pid, os.strerror(exc.errno)))
            continue
        comm = None
        for fd in fds:
            entry = '%s/%s' % (fd_dir, fd)
            try:
                target = os.readlink(entry)
                if sysroot.is_host_root and (not target.startswith('/')
                                             or _on_skipped_mount('%s/%s/fdinfo/%s' % (proc, pid, fd), skipped_mounts)):
                    continue   # a socket, pipe or anon inode, or a file of a nodev FUSE mount
                # On the real root the magic link itself is stat'ed (works for a deleted or renamed node);
                # under a sysroot the link text names a node of that root.
                st = os.stat(entry) if sysroot.is_host_root else None
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ESRCH):
                    continue   # closed or exited meanwhile
                # One line per process: a process we cannot see into may hold any disk open.
                reader.unseen.append('could not read the open files of pid %s (%s): %s' % (
                    pid, (reader.text('%s/%s/comm' % (proc, pid), '/proc/%s/comm' % pid) or '?').strip(), exc.strerror))
                break
            if not sysroot.is_host_root:
                if not target.startswith('/dev/'):
                    continue   # a file, socket, pipe or anon inode: not a block device node
                st = reader.stat(target, 'opened by pid %s' % pid)
            dev = _rdev(st)
            if dev is None:
                continue
            if comm is None:
                comm = (reader.text('%s/%s/comm' % (proc, pid), '/proc/%s/comm' % pid) or '?').strip()
            use.openers.setdefault(dev, []).append((int(pid), comm, int(fd) if is_number(fd) else fd, target))


def _read_btrfs(sysroot, reader: _Reader, use: HostUse) -> None:
    """fs/btrfs/sysfs.c: /sys/fs/btrfs/<fsid>/devices/<name> links to each member (only while mounted)."""
    base = sysroot.path('/sys/fs/btrfs')
    for fsid in reader.entries(base, '/sys/fs/btrfs'):
        devices = '%s/%s/devices' % (base, fsid)
        if os.path.isdir(devices):
            use.btrfs[fsid] = reader.entries(devices, '/sys/fs/btrfs/%s/devices' % fsid)


LOOP_GET_STATUS64 = 0x4C05   # include/uapi/linux/loop.h; struct loop_info64 starts with __u64 lo_device


def _loop_device_number(name: str) -> tuple | None:
    """st_dev of a loop's backing file as the kernel keeps it (lo_device), for a file that was deleted or renamed."""
    try:
        fd = os.open('/dev/' + name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = fcntl.ioctl(fd, LOOP_GET_STATUS64, bytes(232))
    except OSError:
        return None
    finally:
        os.close(fd)
    number = struct.unpack_from('=Q', info)[0]
    return os.major(number), os.minor(number)


def _read_loops(sysroot, reader: _Reader, use: HostUse) -> None:
    """Bound loop devices and the st_dev of their backing file (drivers/block/loop.c loop/backing_file)."""
    for name in reader.entries(sysroot.path(BLOCK), '/sys/block'):
        if not name.startswith('loop'):
            continue
        backing = reader.text(sysroot.path(BLOCK, name) + '/loop/backing_file', '/sys/block/%s/loop/backing_file' % name)
        if not backing:
            continue   # unbound
        backing = backing.strip()
        try:
            dev = _stdev(os.stat(reader.node(backing)))
        except (OSError, IofabricError) as exc:
            # "<path> (deleted)", or renamed since: the real root asks the loop driver itself.
            dev = _loop_device_number(name) if sysroot.is_host_root else None
            if dev is None:
                reader.unseen.append('could not tell where the backing file of %s (%s) lives: %s'
                                     % (name, backing, getattr(exc, 'strerror', None) or exc))
        use.loops.append((name, backing, dev))


def read_host_use(sysroot) -> HostUse:
    use = HostUse(real_root=sysroot.is_host_root)
    reader = _Reader(sysroot, use.unseen)
    malformed: list = []
    use.mounts.extend(parse_mountinfo(reader.text(sysroot.path('/proc/self', 'mountinfo'), '/proc/self/mountinfo')
                                      or '', malformed))
    _note_malformed(use, '/proc/self/mountinfo', malformed)
    swaps_text = reader.text(sysroot.path('/proc', 'swaps'), '/proc/swaps')
    malformed = []
    swaps = parse_swaps(swaps_text or '', malformed)
    _note_malformed(use, '/proc/swaps', malformed)
    for filename, kind in swaps:
        st = reader.stat(filename, 'active swap')
        use.swaps.append((filename, kind, _rdev(st) if kind == 'partition' else _stdev(st)))
    _read_openers(sysroot, reader, use)
    _read_btrfs(sysroot, reader, use)
    _read_loops(sysroot, reader, use)
    return use


# -- the stack ----------------------------------------------------------------------------
def _label(sysroot, reader: _Reader, name: str) -> str:
    """dm-4 (vg0-pv): device-mapper devices are known by their dm/name (drivers/md/dm-sysfs.c)."""
    dm_name = reader.text(sysroot.path(BLOCK, name) + '/dm/name', '/sys/block/%s/dm/name' % name)
    return '%s (%s)' % (name, dm_name.strip()) if dm_name else name


def _walk(sysroot, reader: _Reader, name: str, directory: str, chain: str, members: list, seen: set,
          depth: int = 0) -> None:
    """The device and everything holding it (block/holder.c: holders/<name> links to each holder)."""
    if name in seen:
        return
    seen.add(name)
    dev_text = reader.text(directory + '/dev', '/sys/block/.../%s/dev' % name)
    dev = _dev_pair(dev_text or '')
    if dev is None:
        reader.unseen.append('the device number of %s (%s) could not be read' % (name, chain))
    members.append(Member(name, dev, chain))
    if depth >= MAX_DEPTH:
        reader.unseen.append('holders of %s nest deeper than %d levels' % (chain, MAX_DEPTH))
        return
    for holder in reader.entries(directory + '/holders', 'holders of %s' % name):
        holder_dir = sysroot.path(BLOCK, holder)
        if not os.path.isdir(holder_dir):
            reader.unseen.append('%s is held by %s, which has vanished or cannot be read' % (chain, holder))
            continue
        _walk(sysroot, reader, holder, holder_dir, '%s -> %s' % (chain, _label(sysroot, reader, holder)), members, seen,
              depth + 1)


def _subject(chain: str) -> str:
    return chain if ' -> ' in chain else chain + ' is'


def _mount_dev(mount: Mount, reader: _Reader, by_name: dict, devs: dict) -> Member | None:
    """The stack member a mount is of: by mountinfo major:minor, else by its source (btrfs's anonymous 0:NN)."""
    if mount.dev in devs:
        return devs[mount.dev]
    if not mount.source.startswith('/dev/'):
        return None
    if posixpath.basename(mount.source) in by_name:
        return by_name[posixpath.basename(mount.source)]
    try:
        st = os.stat(reader.node(mount.source))
    except (OSError, IofabricError):
        return None   # a source that is not a node here (tmpfs, overlay, a node of another namespace)
    return devs.get(_rdev(st))


def evidence(sysroot, device, use: HostUse, probe_exclusive: bool = True) -> list:
    """Every reason the device is in use; empty when it may be removed. ``probe_exclusive=False`` skips the
    O_EXCL open (an offline device answers every open with ENXIO)."""
    if not device.disk:
        return []
    unseen: list = list(use.unseen)
    reader = _Reader(sysroot, unseen)
    members: list = []
    seen: set = set()
    disk_dir = sysroot.path(BLOCK, device.disk)
    _walk(sysroot, reader, device.disk, disk_dir, device.disk, members, seen)
    for part in device.partitions:
        _walk(sysroot, reader, part, disk_dir + '/' + part, part, members, seen)
    found: list = []
    fs_devs: dict = {}    # file system device numbers on the stack -> description (for loops and swap files)
    _attribute(sysroot, reader, members, use, found, fs_devs)
    if probe_exclusive and use.real_root and not found:   # nothing seen explains a claim: ask the kernel
        _probe_exclusive(members, device, found)
    for item in unseen:
        found.append(Evidence('unseen', item))
    busy, inflight, problem = device_counters(sysroot, device)
    if problem:
        found.append(Evidence('unseen', problem))
    if busy or any(inflight):
        found.append(Evidence('io', '%d command(s) at the HBA, %d read(s) and %d write(s) in flight'
                              % (busy, inflight[0], inflight[1])))
    return found


def _attribute(sysroot, reader: _Reader, members: list, use: HostUse, found: list, fs_devs: dict) -> None:
    """Attribute every use to the stack; loops backed by a file on it join the stack until nothing changes."""
    done = 0
    added_loops: set = set()
    while done < len(members):
        batch = members[done:]
        done = len(members)
        devs = {m.dev: m for m in members if m.dev is not None}
        by_name = {m.name: m for m in members}
        for mount in use.mounts:
            member = _mount_dev(mount, reader, by_name, devs)
            if member is None or member not in batch:
                continue
            protected = mount.target in PROTECTED_MOUNTS
            text = '%s mounted on %s' % (_subject(member.chain), mount.target)
            found.append(Evidence('protected' if protected else 'mount', text))
            if mount.dev is not None:
                fs_devs[mount.dev] = '%s mounted on %s' % (member.chain, mount.target)
        for fsid, names in use.btrfs.items():
            inside = [m for m in batch if m.name in names]
            if not inside:
                continue
            targets = sorted({mount.target for mount in use.mounts if mount.fstype == 'btrfs'
                              and _btrfs_mount_of(mount, reader, names)})
            for member in inside:
                text = '%s a member of btrfs %s (devices %s)' % (_subject(member.chain), fsid, ', '.join(names))
                if not targets:
                    found.append(Evidence('unseen', text + ', mounted where this host cannot see'))
                for target in targets:
                    found.append(Evidence('protected' if target in PROTECTED_MOUNTS else 'btrfs',
                                          '%s mounted on %s' % (text, target)))
            for mount in use.mounts:
                if mount.fstype == 'btrfs' and mount.dev is not None and _btrfs_mount_of(mount, reader, names):
                    fs_devs[mount.dev] = 'btrfs %s mounted on %s' % (fsid, mount.target)
        for filename, kind, dev in use.swaps:
            member = devs.get(dev) if kind == 'partition' else None
            if member is not None and member in batch:
                found.append(Evidence('protected', '%s active swap (%s)' % (_subject(member.chain), filename)))
        for member in batch:
            for pid, comm, fd, target in use.openers.get(member.dev, []):
                found.append(Evidence('open', '%s open by pid %d (%s) fd %s through %s'
                                      % (_subject(member.chain), pid, comm, fd, target)))
            if member.chain != member.name and not _has_holders(sysroot, reader, member):
                found.append(Evidence('holder', '%s holds it' % member.chain))
        for filename, kind, dev in use.swaps:
            if kind != 'partition' and dev in fs_devs:
                found.append(Evidence('protected', 'active swap file %s on %s' % (filename, fs_devs[dev])))
        for name, backing, dev in use.loops:
            if name in added_loops or dev not in fs_devs:
                continue
            added_loops.add(name)
            seen = {m.name for m in members}
            _walk(sysroot, reader, name, sysroot.path(BLOCK, name), '%s -> %s (backing file %s)' % (
                fs_devs[dev], name, backing), members, seen)


def _has_holders(sysroot, reader: _Reader, member: Member) -> bool:
    try:
        return bool(list_dir(sysroot.path(BLOCK, member.name) + '/holders'))
    except (SysfsError, IofabricError):
        return False   # already noted as unseen by the walk


def _btrfs_mount_of(mount: Mount, reader: _Reader, names: list) -> bool:
    """A btrfs mount's source is one of the file system's devices (the one given to mount)."""
    return mount.source.startswith('/dev/') and (posixpath.basename(mount.source) in names
                                                 or _source_name(mount.source, reader) in names)


def _source_name(source: str, reader: _Reader) -> str | None:
    try:
        return posixpath.basename(os.path.realpath(reader.node(source)))
    except (OSError, IofabricError):
        return None


def _probe_exclusive(members: list, device, found: list) -> None:
    """open(2): O_EXCL on a block device fails with EBUSY while anything claims it (mount, swap, md, dm, ...)."""
    for member in members:
        if member.name != device.disk and member.name not in device.partitions or member.dev is None:
            continue
        node = '/dev/block/%d:%d' % member.dev
        if not os.path.exists(node):
            node = '/dev/' + member.name
        try:
            fd = os.open(node, os.O_RDONLY | os.O_EXCL | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                found.append(Evidence('exclusive', '%s is claimed exclusively by something this host does not show '
                                                   '(a mount in another namespace, md, dm, or an O_EXCL opener)'
                                      % member.name))
            else:
                found.append(Evidence('unseen', 'could not probe %s for exclusive use through %s: %s'
                                      % (member.name, node, exc.strerror)))
            continue
        try:
            if _rdev(os.fstat(fd)) != member.dev:
                found.append(Evidence('unseen', '%s is not the node of %s (%d:%d)' % (node, member.name, *member.dev)))
        finally:
            os.close(fd)


def blocking(found: list, force: bool) -> list:
    """The evidence that stops a removal: all of it without force; with force what force cannot override."""
    return [item for item in found if not force or not item.overridable]


def describe(found: list) -> str:
    return '; '.join(str(item) for item in found)
