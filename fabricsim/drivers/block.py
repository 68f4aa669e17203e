"""Block device stacks above the SCSI disks: device-mapper, md, swap, mounts, btrfs, opens through any node.

Follows the real kernel (torvalds/linux):
- drivers/md/dm-sysfs.c: /sys/block/dm-N/dm/{name,uuid,suspended,use_blk_mq,rq_based_seq_io_merge_deadline},
  each "%s\n" or "%d\n"; block/genhd.c: dev is "MAJ:MIN", dm's
  major is dynamic (253 on common distributions; guessed here), md's is 9 (MD_MAJOR), loop's 7.
- block/holder.c bd_link_disk_holder(): a holder (dm, md) adds holders/<holder> under the slave (disk or
  partition) and slaves/<slave> under itself, both symlinks; virtual disks live in /sys/devices/virtual/block
  and /sys/block/<name> links there.
- fs/btrfs/sysfs.c btrfs_sysfs_add_device(): sysfs_create_link(devices_kobj, disk_kobj, disk_kobj->name), so
  /sys/fs/btrfs/<fsid>/devices/<name> is named after the member's block device kobject (bdev_kobj: a
  partition's own name, sdb1), only while the file system is mounted. mountinfo shows btrfs with an anonymous 0:NN device
  (fs/super.c get_anon_bdev / set_anon_super); the mount source is the device given to mount.
- mm/swapfile.c swap_show(): /proc/swaps names the node path swapon was given.
Device nodes are real: the simulated root's /dev gets mknod'ed block nodes with the model's numbers (the
simulator runs as root), so st_rdev of /dev/<alias> resolves as udev's alias nodes do on a real host.
The mount and swap tables are the SCSI driver's (/proc/self/mountinfo and /proc/swaps come from there).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

from fabricsim import vfs

DM_MAJOR = 253   # dynamic in the kernel; 253 on common distributions (a guess the model makes)
MD_MAJOR = 9
ANON_FIRST = 40  # anonymous device minors for btrfs mounts (get_anon_bdev hands out small numbers)


class VirtualDisk:
    """A dm or md device: what the model needs of its gendisk."""

    def __init__(self, name: str, major: int, minor: int, slaves: list, dm_name: str = '', uuid: str = '',
                 level: str = ''):
        self.name, self.major, self.minor, self.slaves = name, major, minor, list(slaves)
        self.dm_name, self.uuid, self.level = dm_name, uuid, level
        self.inflight = [0, 0]


class BlockDriver:
    name = 'block'

    def __init__(self, fabric, config: dict):
        self.fabric = fabric
        self.scsi = fabric.drivers['scsi']
        self.processes = fabric.drivers['processes']
        self.disks: dict = {}     # name -> VirtualDisk
        self.btrfs: dict = {}     # fsid -> member names
        self.aliases: dict = {}   # extra node path -> device name
        self._anon = ANON_FIRST
        sys = fabric.root.get('sys')
        sys.mount('devices/virtual/block', vfs.Dir(names=lambda: sorted(self.disks), child=self._disk_dir))
        sys.get('block').provide(lambda: sorted(self.disks), self._block_link)
        sys.mount('fs/btrfs', vfs.Dir(names=lambda: sorted(self.btrfs), child=self._btrfs_dir))
        self._reset_nodes()
        for conf in config.get('dm', []):
            self.ev_dm_create(dict(conf))
        for conf in config.get('md', []):
            self.ev_md_create(dict(conf))
        for conf in config.get('btrfs', []):
            self.ev_btrfs_create(dict(conf))
        for conf in config.get('mounts', []):
            self.ev_mount(dict(conf))
        for device in config.get('swaps', []):
            self.ev_swapon({'device': device})
        for conf in config.get('opens', []):
            self.ev_open(dict(conf))

    # -- the model's device numbers and names ------------------------------------------------
    def number(self, name: str) -> tuple:
        """(major, minor) of an sd disk or partition, or of a dm/md device."""
        name = name.replace('/dev/', '')
        if name in self.disks:
            return self.disks[name].major, self.disks[name].minor
        sdev = self.scsi.by_disk(name)
        if sdev is None:
            raise ValueError('no block device %s' % name)
        major, minor = sdev.major_minor
        return major, minor + (sdev.partition_names().index(name) + 1 if name != sdev.disk else 0)

    def _resolve(self, name: str) -> str:
        """A kernel name from dm-N, sdb1, /dev/sdb1 or /dev/mapper/<dm name>."""
        if name.startswith('/dev/mapper/'):
            for disk in self.disks.values():
                if disk.dm_name == name[len('/dev/mapper/'):]:
                    return disk.name
            raise ValueError('no dm device named %s' % name)
        return name.replace('/dev/', '')

    def _holders_of(self, name: str) -> list:
        return sorted(disk.name for disk in self.disks.values() if name in disk.slaves)

    # -- sysfs ---------------------------------------------------------------------------
    def _disk_dir(self, name: str):
        disk = self.disks.get(name)
        if disk is None:
            return None
        entries = {
            'dev': vfs.text_attr(lambda: '%d:%d' % (disk.major, disk.minor)),
            'size': vfs.text_attr(lambda: 2097152),
            'inflight': vfs.Attr(read=lambda: '%8u %8u\n' % tuple(disk.inflight)),
            'slaves': vfs.Dir(names=lambda: list(disk.slaves), child=lambda slave: vfs.Link(
                self._slave_target(slave)) if slave in disk.slaves else None),
            'holders': vfs.Dir(names=lambda: self._holders_of(name), child=lambda holder: vfs.Link(
                '../../' + holder) if holder in self._holders_of(name) else None),
        }
        if disk.major == DM_MAJOR:
            entries['dm'] = vfs.Dir({'name': vfs.text_attr(lambda: disk.dm_name),
                                     'uuid': vfs.text_attr(lambda: disk.uuid),
                                     'suspended': vfs.text_attr(lambda: 0),
                                     'use_blk_mq': vfs.text_attr(lambda: 1),
                                     'rq_based_seq_io_merge_deadline': vfs.text_attr(lambda: 0)})
        else:
            entries['md'] = vfs.Dir({'level': vfs.text_attr(lambda: disk.level),
                                     'array_state': vfs.text_attr(lambda: 'clean')})
        return vfs.Dir(entries)

    def _slave_target(self, slave: str) -> str:
        if slave in self.disks:
            return '../../' + slave
        sdev = self.scsi.by_disk(slave)
        path = '../../../../' + self.scsi._device_path(sdev) + '/block/' + sdev.disk if sdev else '../../' + slave
        return path + ('/' + slave if sdev and slave != sdev.disk else '')

    def _block_link(self, name: str):
        return vfs.Link('../devices/virtual/block/' + name) if name in self.disks else None

    def _btrfs_dir(self, fsid: str):
        members = self.btrfs.get(fsid)
        if members is None:
            return None
        return vfs.Dir({
            'devices': vfs.Dir(names=lambda: list(members), child=lambda name: vfs.Link(
                '../../../../block/' + name) if name in members else None),
            'label': vfs.text_attr(lambda: ''),
        })

    # -- device nodes ----------------------------------------------------------------------
    def _dev_dir(self) -> str | None:
        return os.path.join(self.fabric.root_dir, 'dev') if self.fabric.root_dir else None

    def _reset_nodes(self) -> None:
        directory = self._dev_dir()
        if directory is None:
            return
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        self.sync_nodes()

    def _mknod(self, path: str, number: tuple) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        if st is not None:
            if stat.S_ISBLK(st.st_mode) and (os.major(st.st_rdev), os.minor(st.st_rdev)) == number:
                return
            os.unlink(path)
        try:
            os.mknod(path, stat.S_IFBLK | 0o660, os.makedev(*number))
        except PermissionError:
            pass   # not root: no nodes; an open then cannot be resolved and the module fails closed

    def sync_nodes(self) -> None:
        """What udev would have made: /dev/<kernel name> for every disk and partition, /dev/mapper/<dm name>."""
        directory = self._dev_dir()
        if directory is None:
            return
        for sdev in list(self.scsi.devices.values()):
            if sdev.disk:
                for name in [sdev.disk] + sdev.partition_names():
                    self._mknod(os.path.join(directory, name), self.number(name))
        for disk in self.disks.values():
            self._mknod(os.path.join(directory, disk.name), (disk.major, disk.minor))
            if disk.dm_name:
                link = os.path.join(directory, 'mapper', disk.dm_name)
                os.makedirs(os.path.dirname(link), exist_ok=True)
                if not os.path.islink(link):
                    os.symlink('../' + disk.name, link)
        for path, name in self.aliases.items():
            self._mknod(os.path.join(directory, path.lstrip('/')[len('dev/'):]), self.number(name))

    # -- events ---------------------------------------------------------------------------
    def events(self) -> dict:
        return {'dm-create': self.ev_dm_create, 'md-create': self.ev_md_create, 'block-remove': self.ev_remove,
                'block-mount': self.ev_mount, 'block-swapon': self.ev_swapon, 'block-open': self.ev_open,
                'btrfs-create': self.ev_btrfs_create, 'io-queue': self.ev_io_queue, 'udev-settle': self.ev_settle}

    def _link_slaves(self, holder: str, slaves: list) -> None:
        for slave in slaves:
            sdev = self.scsi.by_disk(slave)
            if sdev is not None:   # holders/ of an sd disk or partition is the SCSI driver's directory
                self.scsi.dm.setdefault(holder, []).append((sdev.disk, None if slave == sdev.disk else slave))
                self.scsi._dirty(sdev)
            elif slave not in self.disks:
                raise ValueError('no block device %s to hold' % slave)
            self.fabric.mark_dirty('/sys/devices/virtual/block/' + slave)

    def _slaves(self, args: dict) -> list:
        slaves = [self._resolve(s) for s in str(args.get('slaves', '')).replace(',', ' ').split()]
        if not slaves:
            raise ValueError('slaves= names the devices it holds')
        return slaves

    def ev_dm_create(self, args: dict) -> dict:
        """dm-create name=vg0-root slaves=sda2 [uuid=LVM-...]: a dm device (LVM LV, multipath, crypt) over them."""
        slaves = self._slaves(args)
        used = {d.minor for d in self.disks.values() if d.major == DM_MAJOR}
        minor = min(set(range(len(used) + 1)) - used)
        disk = VirtualDisk('dm-%d' % minor, DM_MAJOR, minor, slaves, dm_name=str(args['name']),
                           uuid=str(args.get('uuid', 'LVM-' + str(args['name']))))
        self.disks[disk.name] = disk
        self._link_slaves(disk.name, slaves)
        self.sync_nodes()
        return {'dm': disk.name, 'name': disk.dm_name}

    def ev_md_create(self, args: dict) -> dict:
        """md-create name=md127 slaves=sdb1,sdc1 [level=raid1]."""
        slaves = self._slaves(args)
        name = str(args.get('name', 'md127'))
        disk = VirtualDisk(name, MD_MAJOR, int(name[2:]) if name[2:].isdigit() else 127, slaves,
                           level=str(args.get('level', 'raid1')))
        self.disks[name] = disk
        self._link_slaves(name, slaves)
        self.sync_nodes()
        return {'md': name}

    def ev_remove(self, args: dict) -> dict:
        name = self._resolve(str(args['name']))
        if self._holders_of(name):
            raise OSError(errno.EBUSY, '%s is held by %s' % (name, ', '.join(self._holders_of(name))))
        self.disks.pop(name, None)
        self.scsi.dm.pop(name, None)
        for sdev in self.scsi.devices.values():
            self.scsi._dirty(sdev)
        self.fabric.mark_dirty('/sys/devices/virtual/block')
        return {'removed': name}

    def ev_mount(self, args: dict) -> dict:
        """block-mount device=dm-1|/dev/mapper/vg0-root|sdb1 target=/ [fstype=xfs]: mountinfo by major:minor."""
        name = self._resolve(str(args['device']))
        major, minor = self.number(name)
        source = str(args['device']) if str(args['device']).startswith('/dev/') else '/dev/' + name
        self.scsi.mounts.append({'source': source, 'target': str(args['target']), 'fstype': str(args.get('fstype', 'xfs')),
                                 'major': major, 'minor': minor})
        self.fabric.mark_dirty('/proc/self/mountinfo')
        return {'mounted': source, 'on': args['target'], 'dev': '%d:%d' % (major, minor)}

    def ev_swapon(self, args: dict) -> dict:
        name = self._resolve(str(args['device']))
        self.number(name)   # it must exist
        self.scsi.swaps.append('/dev/' + name)
        self.fabric.mark_dirty('/proc/swaps')
        return {'swaps': self.scsi.swaps}

    def ev_open(self, args: dict) -> dict:
        """block-open device=sdb1 [node=/dev/oracleasm/disks/DATA1] [name=oracle]: a process opens the device
        through the node (an alias node is created with the device's numbers, as a udev rule would)."""
        name = self._resolve(str(args['device']))
        self.number(name)
        node = str(args.get('node') or '/dev/' + name)
        if not node.startswith('/dev/') or '..' in node.split('/'):
            raise ValueError('node must be a path under /dev')
        if node != '/dev/' + name:
            self.aliases[node] = name
        self.sync_nodes()
        process_name = str(args.get('name', 'dd'))
        found = self.processes.find(process_name)
        process = found[0] if found else self.processes.start(process_name)
        fd = process.open(node)
        self.fabric.mark_dirty('/proc/%d' % process.pid)
        return {'pid': process.pid, 'fd': fd, 'node': node}

    def ev_btrfs_create(self, args: dict) -> dict:
        """btrfs-create fsid=<uuid> devices=sdb,sdc target=/srv: a mounted multi-device btrfs."""
        members = [self._resolve(s) for s in str(args['devices']).replace(',', ' ').split()]
        for member in members:
            self.number(member)
        fsid = str(args.get('fsid', '5f6e3d2c-0000-4000-8000-%012d' % len(self.btrfs)))
        self.btrfs[fsid] = members
        minor, self._anon = self._anon, self._anon + 1
        self.scsi.mounts.append({'source': '/dev/' + members[0], 'target': str(args['target']), 'fstype': 'btrfs',
                                 'major': 0, 'minor': minor})
        self.fabric.mark_dirty('/proc/self/mountinfo')
        self.fabric.mark_dirty('/sys/fs/btrfs')
        return {'fsid': fsid, 'dev': '0:%d' % minor}

    def ev_io_queue(self, args: dict) -> dict:
        """io-queue device=sdb counter=inflight|device_busy [count=N]: only that counter rises (a request queued in
        the block layer and not yet dispatched shows in inflight only; a command the LLD holds while the block
        request completed (a passthrough, an abort in progress) in device_busy only)."""
        sdev = self.scsi._device(args)
        count = int(args.get('count', 1))
        counter = str(args.get('counter', 'inflight'))
        if counter == 'inflight':
            sdev.inflight[1 if args.get('dir') == 'write' else 0] += count
        elif counter == 'device_busy':
            sdev.busy += count
        else:
            raise ValueError('counter is inflight or device_busy')
        self.scsi._dirty(sdev)
        # The cached pages live at the device's real path (/sys/block/sdX is a link to it); ScsiDriver._dirty
        # marks it without the /sys prefix, so a page read before this event would stay stale.
        self.fabric.mark_dirty('/sys/' + self.scsi._device_path(sdev))
        return {'address': sdev.address, 'inflight': sdev.inflight, 'busy': sdev.busy}

    def ev_settle(self, args: dict) -> dict:
        """udev-settle: nodes for disks attached since (sd probes asynchronously)."""
        self.sync_nodes()
        return {'settled': True}

    # -- tools and state -------------------------------------------------------------------
    def tools(self) -> dict:
        return {}

    def state(self) -> dict:
        return {'disks': {name: {'dev': '%d:%d' % (d.major, d.minor), 'slaves': d.slaves, 'dm_name': d.dm_name,
                                 'holders': self._holders_of(name)} for name, d in sorted(self.disks.items())},
                'btrfs': self.btrfs, 'aliases': self.aliases}
