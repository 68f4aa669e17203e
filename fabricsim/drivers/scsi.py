"""The SCSI mid layer: hosts, what answers a scan, scsi_devices, sd disks, and the evidence of use.

Facts: ../shared/reference/scsi_hotplug_link_identity.md part A. A scan of an address that
is already attached or where nothing answers succeeds and does nothing; only out-of-range
addresses are EINVAL. delete never refuses, whatever uses the device. The state attribute
takes only "running\\n" and "offline\\n". Evidence of use (mounts, swaps, holders, open file
descriptors, I/O in flight) is modelled so that the module's checks have something to find.
"""

from __future__ import annotations

import errno
import string

from fabricsim import kparse, vfs
from fabricsim.drivers import scsi_proc

TYPE_NAMES = ['Direct-Access    ', 'Sequential-Access', 'Printer          ', 'Processor        ',
              'WORM             ', 'CD-ROM           ', 'Scanner          ', 'Optical Device   ',
              'Medium Changer   ', 'Communications   ', 'ASC IT8          ', 'ASC IT8          ',
              'RAID             ', 'Enclosure        ', 'Direct-Access-RBC', 'Optical card     ',
              'Bridge controller', 'Object storage   ', 'Automation/Drive ', 'Security Manager ',
              'Direct-Access-ZBC']
WILD = None
SCAN_WILD_CARD = 0xffffffff   # ~0: a value that reads as it after truncation to unsigned int is a wildcard too
PLATFORM = 'devices/platform'
ATTACH_DELAY = 0.02
HOST_TRANSITIONS = {'running': {'created', 'recovery'}, 'recovery': {'running'},
                    'cancel': {'created', 'running', 'cancel/recovery'}, 'deleted': {'cancel', 'deleted/recovery'},
                    'cancel/recovery': {'cancel', 'recovery'}, 'deleted/recovery': {'cancel/recovery'}}


def einval(message: str) -> OSError:
    return OSError(errno.EINVAL, 'scsi: ' + message)


def disk_name(index: int) -> str:
    """sd's names: sda..sdz, sdaa.. (index 0 is sda)."""
    letters = ''
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = string.ascii_lowercase[rest] + letters
    return 'sd' + letters


class Lu:
    """A logical unit a target presents (it answers INQUIRY when present)."""

    def __init__(self, conf: dict):
        self.channel, self.target, self.lun = (int(part) for part in str(conf['address']).split(':'))
        self.vendor = str(conf.get('vendor', 'LIO-ORG'))
        self.model = str(conf.get('model', 'disk'))
        self.rev = str(conf.get('rev', '4.0'))
        self.type = int(conf.get('type', 0))
        self.wwid = str(conf.get('wwid', ''))
        self.serial = str(conf.get('serial', ''))
        self.size_mb = int(conf.get('size_mb', 1024))
        self.partitions = int(conf.get('partitions', 0))
        self.present = bool(conf.get('present', True))
        self.scsi_level = int(conf.get('scsi_level', 7))
        # VPD page 0x83 as the LU reports it: 'none' (no NAA/EUI/T10 designator: a QEMU disk without a
        # WWN, many older arrays) or 'no-vpd' (no page 0x83 at all); a wwid read then fails.
        # ``wwid: null`` in a scenario is shorthand for 'none'.
        self.designator = str(conf.get('designator', 'none' if 'wwid' in conf and conf['wwid'] is None else 'yes'))


class Sdev:
    def __init__(self, host, lu: Lu, disk: str | None, sg: str, index: int):
        self.host, self.lu, self.disk, self.sg, self.index = host, lu, disk, sg, index
        self.state = 'running'
        self.busy = 0
        self.inflight = [0, 0]
        self.iorequest = self.iodone = self.ioerr = 0
        self.block_ready = False
        self.holders: dict = {}  # name -> None (whole disk) or partition name
        self.timeout, self.eh_timeout, self.queue_depth = 30, 10, 32

    @property
    def address(self) -> str:
        return '%d:%d:%d:%d' % (self.host.number, self.lu.channel, self.lu.target, self.lu.lun)

    @property
    def major_minor(self) -> tuple:
        return 8, self.index * 16

    def partition_names(self) -> list:
        return ['%s%d' % (self.disk, n) for n in range(1, self.lu.partitions + 1)] if self.disk else []


class Host:
    def __init__(self, number: int, conf: dict, parent: str = PLATFORM):
        self.number = number
        self.parent = parent   # the sysfs directory the host device sits in (an FCoE host: its ctlr)
        self.transport = conf.get('transport', '')   # 'fc': fc_user_scan() does the range checks
        self.proc_name = conf.get('proc_name', 'scsi_debug')
        self.state = conf.get('state', 'running')
        self.max_channel = int(conf.get('max_channel', 0))
        self.max_id = int(conf.get('max_id', 16))
        self.max_lun = int(conf.get('max_lun', 256))
        self.this_id = int(conf.get('this_id', 7))
        self.hotplug = bool(conf.get('hotplug', True))  # False: no writable scan attribute
        self.can_queue = int(conf.get('can_queue', 1024))
        self.lus = [Lu(lu) for lu in conf.get('luns', [])]

    @property
    def path(self) -> str:
        return '%s/host%d' % (self.parent, self.number)

    def lu(self, channel: int, target: int, lun: int) -> Lu | None:
        for lu in self.lus:
            if (lu.channel, lu.target, lu.lun) == (channel, target, lun):
                return lu
        return None


class ScsiDriver:
    name = 'scsi'

    def __init__(self, fabric, config: dict):
        self.fabric = fabric
        self.attach_delay = float(config.get('attach_delay', ATTACH_DELAY))
        self.hosts = {}
        for conf in config.get('hosts', []):
            host = Host(fabric.next_host(), conf)
            self.hosts[host.number] = host
        self.devices: dict = {}        # address -> Sdev
        self.mounts: list = []         # dicts: source, target, fstype, major, minor
        self.swaps: list = []          # device paths
        self.dm: dict = {}             # dm name -> list of (disk, partition or None) it holds
        self.processes = fabric.drivers['processes']
        self.flushes = 0
        self.deleted_swaps: set = set()   # swap areas whose device node went with a removed disk
        for device in config.get('attached', []):
            self._attach(*self._locate(device)).block_ready = True  # attached at boot
        for mount in config.get('mounts', []):
            self.ev_mount(dict(mount))
        sys = fabric.root.get('sys')
        sys.mount('class/scsi_host', vfs.Dir(names=lambda: ['host%d' % n for n in sorted(self.hosts)],
                                             child=self._host_link))
        sys.mount('class/scsi_device', vfs.Dir(names=lambda: sorted(self.devices, key=_sort_key),
                                               child=self._class_device))
        sys.mount('bus/scsi/devices', vfs.Dir(names=self._bus_names, child=self._bus_link))
        sys.mount('block', vfs.Dir(names=self._block_names, child=self._block_link))
        sys.mount(PLATFORM, vfs.Dir(names=lambda: ['host%d' % n for n, h in sorted(self.hosts.items())
                                                   if h.parent == PLATFORM], child=self._platform_host))
        # Debian's 6.1 kernel is built without CONFIG_SCSI_PROC_FS: no /proc/scsi/scsi unless asked for.
        scsi_proc.mount(self, fabric.root.get('proc'), scsi_file=bool(config.get('proc_fs', False)))

    # -- lookups ---------------------------------------------------------------------
    def _locate(self, address: str) -> tuple:
        h, c, t, lun = (int(part) for part in address.split(':'))
        host = self.hosts[h]
        return host, host.lu(c, t, lun)

    def by_disk(self, name: str) -> Sdev | None:
        for sdev in self.devices.values():
            if sdev.disk == name or name in sdev.partition_names():
                return sdev
        return None

    # -- hosts other drivers add (FCoE) -------------------------------------------------
    def add_host(self, conf: dict, parent: str) -> Host:
        """scsi_host_alloc() + scsi_add_host() for another driver: the lowest free number."""
        host = Host(self.fabric.next_host(), conf, parent)
        self.hosts[host.number] = host
        self.fabric.mark_dirty('/sys/class/scsi_host/host%d' % host.number)
        return host

    def remove_host(self, host: Host) -> None:
        """scsi_remove_host(), then the release that frees the number for the next host."""
        if self.hosts.get(host.number) is host:
            del self.hosts[host.number]
            self.fabric.release_host(host.number)
            for path in ('/sys/class/scsi_host/host%d' % host.number, '/sys/bus/scsi/devices/host%d' % host.number,
                         '/sys/' + host.path):
                self.fabric.mark_dirty(path)

    # -- attach / detach ---------------------------------------------------------------
    def _attach(self, host: Host, lu: Lu) -> Sdev:
        index = min(set(range(len(self.devices) + 1)) - {s.index for s in self.devices.values()})
        sg_used = {int(s.sg[2:]) for s in self.devices.values()}
        sg = 'sg%d' % min(set(range(len(self.devices) + 1)) - sg_used)
        sdev = Sdev(host, lu, disk_name(index) if lu.type == 0 else None, sg, index)
        self.devices[sdev.address] = sdev
        self._dirty(sdev)
        if sdev.disk:
            # sd probes asynchronously: the block device appears a moment after the scsi_device.
            delay = self.fabric.completion_delay('scsi-attach', self.attach_delay)
            self.fabric.schedule(delay, lambda: self._block_ready(sdev))
        return sdev

    def _block_ready(self, sdev: Sdev) -> None:
        if self.devices.get(sdev.address) is sdev:
            sdev.block_ready = True
            self._dirty(sdev)

    def scan(self, host: Host, channel, target, lun) -> None:
        """scsi_scan_host_selected(): range checks, then attach what answers and is not attached."""
        if channel is not WILD and channel > host.max_channel:
            raise einval('channel %d > max_channel %d' % (channel, host.max_channel))
        if target is not WILD and target >= host.max_id:
            raise einval('id %d >= max_id %d' % (target, host.max_id))
        # fc_user_scan() compares lun > max_lun; scsi_scan_host_selected() lun >= max_lun.
        if lun is not WILD and (lun > host.max_lun if host.transport == 'fc' else lun >= host.max_lun):
            raise einval('lun %d out of range (max_lun %d)' % (lun, host.max_lun))
        if host.state not in ('running', 'recovery'):
            return  # scsi_host_scan_allowed() is false: success, no scan
        for lu in host.lus:
            if not lu.present or lu.target == host.this_id:
                continue
            if (channel is not WILD and lu.channel != channel) or (target is not WILD and lu.target != target) \
                    or (lun is not WILD and lu.lun != lun):
                continue
            address = '%d:%d:%d:%d' % (host.number, lu.channel, lu.target, lu.lun)
            if address not in self.devices:
                self._attach(host, lu)

    def remove(self, sdev: Sdev) -> None:
        """scsi_remove_device(): never refuses; in-flight I/O is failed, holders lose their slave."""
        if sdev.state in ('cancel', 'deleted'):
            raise OSError(errno.ENODEV, 'scsi: device is being deleted')
        sdev.state = 'deleted'
        sdev.ioerr += sum(sdev.inflight) + sdev.busy
        sdev.inflight, sdev.busy = [0, 0], 0
        del self.devices[sdev.address]
        self._dirty(sdev)
        self._swap_nodes_deleted(sdev)

    def _swap_nodes_deleted(self, sdev: Sdev) -> None:
        """devtmpfs removes the disk's nodes; a swap area on one now prints as '<path> (deleted)'."""
        if sdev.disk:
            gone = {'/dev/' + name for name in [sdev.disk] + sdev.partition_names()}
            self.deleted_swaps |= gone & set(self.swaps)
            self.fabric.mark_dirty('/proc/swaps')

    def _dirty(self, sdev: Sdev) -> None:
        # The device's own directory and its host's attributes (host_busy), not the whole host: a dirty
        # path invalidates everything cached below it, and at 1,024 LUNs a disk probe completing
        # invalidated every other device's files. Directory listings are never cached (opendir is
        # answered), so a device appearing needs no parent invalidated.
        for path in ('/sys/class/scsi_device/' + sdev.address, '/sys/bus/scsi/devices/' + sdev.address,
                     '/sys/bus/scsi/devices/' + _target_name(sdev), '/sys/' + self._device_path(sdev),
                     '/sys/%s/scsi_host' % sdev.host.path, '/proc/scsi/scsi'):
            self.fabric.mark_dirty(path)
        if self.devices.get(sdev.address) is not sdev:   # removed: its target directory may be gone too
            self.fabric.mark_dirty('/sys/' + self._device_path(sdev).rsplit('/', 1)[0])
        if sdev.disk:
            self.fabric.mark_dirty('/sys/block/' + sdev.disk)

    # -- sysfs writes ------------------------------------------------------------------
    def write_scan(self, host: Host, data: bytes) -> None:
        """scsi_scan() (scsi_sysfs.c): sscanf(buf, "%10s %10s %16s %c") must convert exactly three
        tokens; each is "-" or a whole simple_strtoull(.., 0) number: no sign, 0x hex, 0 octal."""
        tokens = kparse.sscanf_strings(data.decode('latin-1'), [10, 10, 16])
        if len(tokens) != 3:
            raise einval('scan takes exactly "C T L"')
        values = []
        for token in tokens:
            if token == '-':
                values.append(WILD)
                continue
            value, rest = kparse.simple_strtoull(token)
            if rest:
                raise einval('bad scan token %r' % token)
            values.append(value)
        channel, target, lun = values
        self.scan(host, _as_uint(channel), _as_uint(target), lun)

    def write_host_state(self, host: Host, data: bytes) -> None:
        """store_shost_state(): a state name followed by a newline; what follows is ignored."""
        text = data.decode('latin-1')
        for name in HOST_TRANSITIONS:
            if text.startswith(name + '\n'):
                if host.state != name and host.state not in HOST_TRANSITIONS[name]:
                    raise einval('illegal host state transition %s -> %s' % (host.state, name))
                host.state = name
                self.fabric.mark_dirty('/sys/' + host.path)
                return
        raise einval('unknown host state %r (a name followed by a newline)' % text)

    def write_state(self, sdev: Sdev, data: bytes) -> None:
        """store_state_field(): strncmp(name, buf, len) and buf[len] == '\\n'; trailing bytes are ignored."""
        text = data.decode('latin-1')
        wanted = next((name for name in ('running', 'offline') if text.startswith(name + '\n')), None)
        if wanted is None:
            raise einval('state takes "running\\n" or "offline\\n"')
        if sdev.state not in ('running', 'offline'):
            raise einval('cannot leave state %s' % sdev.state)
        sdev.state = wanted
        self._dirty(sdev)

    def write_delete(self, sdev: Sdev, data: bytes) -> None:
        self.remove(sdev)

    def write_timeout(self, sdev: Sdev, data: bytes) -> None:
        """sdev_store_timeout(): sscanf("%d\\n") and never an error. Guess: text that is no number leaves
        the timeout as it was (the kernel then uses an uninitialised int)."""
        text = data.decode('latin-1').lstrip(kparse.SPACES)
        sign = -1 if text[:1] == '-' else 1
        digits = text[1:] if text[:1] in '+-' else text
        count = len(digits) - len(digits.lstrip('0123456789'))
        if count:
            sdev.timeout = sign * int(digits[:count])
            self._dirty(sdev)

    def write_eh_timeout(self, sdev: Sdev, data: bytes) -> None:
        """sdev_store_eh_timeout(): kstrtouint(buf, 10) (EINVAL, ERANGE)."""
        sdev.eh_timeout = kparse.kstrtouint(data.decode('latin-1'), 10)
        self._dirty(sdev)

    def write_queue_depth(self, sdev: Sdev, data: bytes) -> None:
        """sdev_store_queue_depth(): simple_strtoul(buf, NULL, 0), EINVAL outside 1..can_queue."""
        depth, _rest = kparse.simple_strtoull(data.decode('latin-1'))
        if depth < 1 or depth > sdev.host.can_queue:
            raise einval('queue_depth must be 1..%d' % sdev.host.can_queue)
        sdev.queue_depth = depth
        self._dirty(sdev)

    def read_wwid(self, lu: Lu) -> str:
        """sdev_show_wwid(): scsi_vpd_lun_id() is ENXIO without VPD page 0x83, EINVAL without a designator."""
        if lu.designator == 'no-vpd':
            raise OSError(errno.ENXIO, 'No such device or address')
        if lu.designator == 'none':
            raise OSError(errno.EINVAL, 'Invalid argument')
        return lu.wwid + '\n'

    # -- the sysfs tree ----------------------------------------------------------------
    def _named_host(self, name: str) -> Host | None:
        if name.startswith('host') and name[4:].isdigit():
            return self.hosts.get(int(name[4:]))
        return None

    def _host_link(self, name: str):
        host = self._named_host(name)
        return vfs.Link('../../%s/scsi_host/%s' % (host.path, name)) if host else None

    def _platform_host(self, name: str):
        host = self._named_host(name)
        return self.host_dir(host) if host is not None and host.parent == PLATFORM else None

    def host_dir(self, host: Host, extra: dict | None = None) -> vfs.Dir:
        """The hostN device directory (its scsi_host class directory and targets); ``extra`` adds what the
        transport puts there (an FC host's fc_host/)."""
        name = 'host%d' % host.number
        attrs = {
            'proc_name': vfs.text_attr(lambda: host.proc_name),
            'state': vfs.Attr(read=lambda: host.state + '\n', write=lambda data: self.write_host_state(host, data)),
            'unique_id': vfs.text_attr(lambda: host.number),
            'host_busy': vfs.text_attr(lambda: sum(s.busy for s in self.devices.values() if s.host is host)),
            'can_queue': vfs.text_attr(lambda: host.can_queue),
            'cmd_per_lun': vfs.text_attr(lambda: 32),
            'supported_mode': vfs.text_attr(lambda: 'Initiator'),
            'active_mode': vfs.text_attr(lambda: 'Initiator'),
        }
        if host.hotplug:
            attrs['scan'] = vfs.Attr(write=lambda data: self.write_scan(host, data))
        # Targets and devices are computed on lookup: a lookup then builds the one device directory
        # on its path, not every device's (which made reading a thousand LUNs quadratic).
        return vfs.Dir({'scsi_host': vfs.Dir({name: vfs.Dir(attrs)}), **(extra or {})},
                       names=lambda: self._target_names(host), child=lambda target: self._target_dir(host, target))

    def _target_names(self, host: Host) -> list:
        return sorted({'target%d:%d:%d' % (host.number, sdev.lu.channel, sdev.lu.target)
                       for sdev in self.devices.values() if sdev.host is host})

    def _target_dir(self, host: Host, name: str):
        # A device's address is '<target's h:c:t>:<lun>', so a lookup is one dict probe: scanning every
        # device per lookup made reading 1,024 LUNs quadratic (8 ms a lookup).
        prefix = name[len('target'):] + ':' if name.startswith('target') else None
        if prefix is None or not prefix.startswith('%d:' % host.number):
            return None

        def member(address: str):
            sdev = self.devices.get(address)
            return sdev if sdev is not None and sdev.host is host and address.startswith(prefix) else None

        if not any(member(address) for address in self._addresses_near(prefix)):
            return None
        return vfs.Dir(names=lambda: sorted(filter(member, list(self.devices)), key=_sort_key),
                       child=lambda address: self._device_dir(member(address)) if member(address) else None)

    def _addresses_near(self, prefix: str):
        """Addresses that may be in the target: LUN 0..7 probed first (the common case), then all."""
        for lun in range(8):
            if prefix + str(lun) in self.devices:
                yield prefix + str(lun)
                return
        yield from self.devices

    def _device_path(self, sdev: Sdev) -> str:
        return '%s/%s/%s' % (sdev.host.path, _target_name(sdev), sdev.address)

    def _bus_names(self) -> list:
        """The scsi bus holds hosts and targets as well as devices (scsi_sysfs.c: scsi_bus_type)."""
        return (['host%d' % n for n in sorted(self.hosts)]
                + sorted({_target_name(s) for s in self.devices.values()}, key=lambda t: _sort_key(t[6:]))
                + sorted(self.devices, key=_sort_key))

    def _bus_link(self, name: str):
        host = self._named_host(name)
        if host is not None:
            return vfs.Link('../../../' + host.path)
        if name.startswith('target'):
            for sdev in self.devices.values():
                if _target_name(sdev) == name:
                    return vfs.Link('../../../%s/%s' % (sdev.host.path, name))
            return None
        sdev = self.devices.get(name)
        return vfs.Link('../../../' + self._device_path(sdev)) if sdev else None

    def _class_device(self, name: str):
        """/sys/class/scsi_device/H:C:T:L is a link to the scsi_device class directory in the device."""
        sdev = self.devices.get(name)
        return vfs.Link('../../%s/scsi_device/%s' % (self._device_path(sdev), name)) if sdev else None

    def _device_dir(self, sdev: Sdev) -> vfs.Dir:
        lu = sdev.lu
        entries = {
            'delete': vfs.Attr(write=lambda data: self.write_delete(sdev, data)),
            'rescan': vfs.Attr(write=lambda data: None),
            'state': vfs.Attr(read=lambda: sdev.state + '\n', write=lambda data: self.write_state(sdev, data)),
            'device_busy': vfs.text_attr(lambda: sdev.busy),
            'device_blocked': vfs.text_attr(lambda: 0),
            # 0644 as in scsi_sysfs.c: queue_depth, timeout and eh_timeout are writable.
            'queue_depth': vfs.Attr(read=lambda: '%d\n' % sdev.queue_depth,
                                    write=lambda data: self.write_queue_depth(sdev, data)),
            'type': vfs.text_attr(lambda: lu.type),
            'scsi_level': vfs.text_attr(lambda: lu.scsi_level),
            'vendor': vfs.Attr(read=lambda: '%-8.8s\n' % lu.vendor),
            'model': vfs.Attr(read=lambda: '%-16.16s\n' % lu.model),
            'rev': vfs.Attr(read=lambda: '%-4.4s\n' % lu.rev),
            'wwid': vfs.Attr(read=lambda: self.read_wwid(lu)),
            'modalias': vfs.text_attr(lambda: 'scsi:t-0x%02x' % lu.type),
            'iorequest_cnt': vfs.text_attr(lambda: '0x%x' % sdev.iorequest),
            'iodone_cnt': vfs.text_attr(lambda: '0x%x' % sdev.iodone),
            'ioerr_cnt': vfs.text_attr(lambda: '0x%x' % sdev.ioerr),
            'iocounterbits': vfs.text_attr(lambda: 32),
            'timeout': vfs.Attr(read=lambda: '%d\n' % sdev.timeout, write=lambda data: self.write_timeout(sdev, data)),
            'eh_timeout': vfs.Attr(read=lambda: '%u\n' % sdev.eh_timeout,
                                   write=lambda data: self.write_eh_timeout(sdev, data)),
            'vpd_pg80': vfs.Attr(read=lambda: bytes([0, 0x80, 0, len(lu.serial)]) + lu.serial.encode('ascii')),
            'scsi_generic': vfs.Dir({sdev.sg: vfs.Dir({'dev': vfs.text_attr(lambda: '21:%s' % sdev.sg[2:])})}),
            'scsi_device': vfs.Dir({sdev.address: vfs.Dir({'device': vfs.Link('../../../' + sdev.address)})}),
        }
        if sdev.disk and sdev.block_ready:
            entries['block'] = vfs.Dir({sdev.disk: self._disk_dir(sdev)})
        return vfs.Dir(entries)

    def _disk_dir(self, sdev: Sdev) -> vfs.Dir:
        major, minor = sdev.major_minor
        entries = {
            'dev': vfs.text_attr(lambda: '%d:%d' % (major, minor)),
            'size': vfs.text_attr(lambda: sdev.lu.size_mb * 2048),
            'inflight': vfs.Attr(read=lambda: '%8u %8u\n' % tuple(sdev.inflight)),
            'holders': self._holders(sdev, None),
            'device': vfs.Link('../../../' + sdev.address),
        }
        for number, part in enumerate(sdev.partition_names(), 1):
            entries[part] = vfs.Dir({'dev': vfs.text_attr(lambda n=number: '%d:%d' % (major, minor + n)),
                                     'size': vfs.text_attr(lambda: sdev.lu.size_mb * 2048 // max(sdev.lu.partitions, 1)),
                                     'holders': self._holders(sdev, part)})
        return vfs.Dir(entries)

    def _holders(self, sdev: Sdev, partition: str | None) -> vfs.Dir:
        def names() -> list:
            return sorted(dm for dm, slaves in self.dm.items() if (sdev.disk, partition) in slaves)
        return vfs.Dir(names=names, child=lambda name: vfs.Link('../../../../../virtual/block/' + name)
                       if name in names() else None)

    def _block_names(self) -> list:
        return sorted(s.disk for s in self.devices.values() if s.disk and s.block_ready)

    def _block_link(self, name: str):
        for sdev in self.devices.values():
            if sdev.disk == name and sdev.block_ready:
                return vfs.Link('../%s/block/%s' % (self._device_path(sdev), name))
        return None

    # -- events ------------------------------------------------------------------------
    def events(self) -> dict:
        return {'lun-add': self.ev_lun_add, 'lun-remove': self.ev_lun_remove, 'device-open': self.ev_open,
                'device-close': self.ev_close, 'mount': self.ev_mount, 'umount': self.ev_umount,
                'io-start': self.ev_io_start, 'io-stop': self.ev_io_stop, 'swapon': self.ev_swapon,
                'swapoff': self.ev_swapoff, 'holder-add': self.ev_holder_add, 'holder-remove': self.ev_holder_remove,
                'host-state': self.ev_host_state}

    def _device(self, args: dict) -> Sdev:
        name = args.get('device', '').replace('/dev/', '')
        sdev = self.devices.get(args.get('address', '')) or self.by_disk(name)
        if sdev is None:
            raise ValueError('no attached device %s' % (args.get('address') or args.get('device')))
        return sdev

    def ev_lun_add(self, args: dict) -> dict:
        """A target presents a LU (it now answers a scan): lun-add address=H:C:T:L [vendor= model= wwid= ...]."""
        h, c, t, lun = (int(part) for part in args['address'].split(':'))
        host = self.hosts[h]
        lu = host.lu(c, t, lun)
        if lu is None:
            lu = Lu(dict(args, address='%d:%d:%d' % (c, t, lun)))
            host.lus.append(lu)
        lu.present = True
        return {'address': args['address'], 'present': True}

    def ev_lun_remove(self, args: dict) -> dict:
        """The target stops presenting it; with detach=yes the transport also removes the device."""
        h, c, t, lun = (int(part) for part in args['address'].split(':'))
        lu = self.hosts[h].lu(c, t, lun)
        if lu is not None:
            lu.present = False
        sdev = self.devices.get(args['address'])
        if sdev is not None and args.get('detach', 'no') in ('yes', 'true', '1'):
            self.remove(sdev)
        return {'address': args['address'], 'present': False}

    def ev_open(self, args: dict) -> dict:
        sdev = self._device(args)
        target = '/dev/' + (args.get('device', '').replace('/dev/', '') or sdev.disk or sdev.sg)
        name = args.get('name', 'dd')
        process = self.processes.find(name)[0] if self.processes.find(name) else self.processes.start(name)
        fd = process.open(target)
        self.fabric.mark_dirty('/proc/%d' % process.pid)
        return {'pid': process.pid, 'fd': fd, 'target': target}

    def ev_close(self, args: dict) -> dict:
        closed = []
        for process in list(self.processes.table.values()):
            if args.get('pid') and str(process.pid) != str(args['pid']):
                continue
            for fd, target in list(process.fds.items()):
                if not args.get('device') or target == '/dev/' + args['device'].replace('/dev/', ''):
                    del process.fds[fd]
                    closed.append((process.pid, fd))
            self.fabric.mark_dirty('/proc/%d' % process.pid)
        return {'closed': closed}

    def ev_mount(self, args: dict) -> dict:
        name = args['device'].replace('/dev/', '')
        sdev = self.by_disk(name)
        if sdev is None:
            raise ValueError('no disk %s' % name)
        major, minor = sdev.major_minor
        if name != sdev.disk:
            minor += sdev.partition_names().index(name) + 1
        self.mounts.append({'source': '/dev/' + name, 'target': args['target'], 'fstype': args.get('fstype', 'xfs'),
                            'major': major, 'minor': minor})
        self.fabric.mark_dirty('/proc/self/mountinfo')
        return {'mounted': '/dev/' + name, 'on': args['target']}

    def ev_umount(self, args: dict) -> dict:
        before = len(self.mounts)
        self.mounts = [m for m in self.mounts if m['target'] != args['target']]
        self.fabric.mark_dirty('/proc/self/mountinfo')
        return {'unmounted': before - len(self.mounts)}

    def ev_io_start(self, args: dict) -> dict:
        sdev = self._device(args)
        count = int(args.get('count', 1))
        sdev.inflight[1 if args.get('dir') == 'write' else 0] += count
        sdev.busy += count
        sdev.iorequest += count
        self._dirty(sdev)
        return {'address': sdev.address, 'inflight': sdev.inflight, 'busy': sdev.busy}

    def ev_io_stop(self, args: dict) -> dict:
        sdev = self._device(args)
        sdev.iodone += sdev.busy
        sdev.inflight, sdev.busy = [0, 0], 0
        self._dirty(sdev)
        return {'address': sdev.address}

    def ev_swapon(self, args: dict) -> dict:
        self.swaps.append('/dev/' + args['device'].replace('/dev/', ''))
        self.deleted_swaps.discard(self.swaps[-1])
        self.fabric.mark_dirty('/proc/swaps')
        return {'swaps': self.swaps}

    def ev_swapoff(self, args: dict) -> dict:
        self.swaps = [s for s in self.swaps if s != '/dev/' + args['device'].replace('/dev/', '')]
        self.deleted_swaps &= set(self.swaps)
        self.fabric.mark_dirty('/proc/swaps')
        return {'swaps': self.swaps}

    def ev_holder_add(self, args: dict) -> dict:
        """holder-add holder=dm-0 device=sdb1: device-mapper (or md) now holds the disk or partition."""
        name = args['device'].replace('/dev/', '')
        sdev = self.by_disk(name)
        if sdev is None:
            raise ValueError('no disk %s' % name)
        self.dm.setdefault(args['holder'], []).append((sdev.disk, None if name == sdev.disk else name))
        self._dirty(sdev)
        return {'holder': args['holder'], 'holds': name}

    def ev_holder_remove(self, args: dict) -> dict:
        self.dm.pop(args['holder'], None)
        for sdev in self.devices.values():
            self._dirty(sdev)
        return {'removed': args['holder']}

    def ev_host_state(self, args: dict) -> dict:
        host = self.hosts[int(args['host'])]
        host.state = args['state']
        self.fabric.mark_dirty('/sys/' + host.path)
        return {'host': host.number, 'state': host.state}

    # -- tools and state ---------------------------------------------------------------
    def tools(self) -> dict:
        return {'blockdev': self.tool_blockdev}

    def tool_blockdev(self, argv: list) -> tuple:
        """blockdev --flushbufs /dev/sdX: counted, as the flush before a removal."""
        if len(argv) == 2 and argv[0] == '--flushbufs':
            if self.by_disk(argv[1].replace('/dev/', '')) is None:
                return 1, '', 'blockdev: cannot open %s: No such file or directory\n' % argv[1]
            self.flushes += 1
            return 0, '', ''
        return 1, '', 'Usage: blockdev --flushbufs <device>\n'

    def state(self) -> dict:
        return {
            'hosts': {n: {'proc_name': h.proc_name, 'state': h.state, 'hotplug': h.hotplug,
                          'luns': ['%d:%d:%d' % (lu.channel, lu.target, lu.lun) for lu in h.lus if lu.present]}
                      for n, h in sorted(self.hosts.items())},
            'devices': {a: {'disk': s.disk, 'sg': s.sg, 'state': s.state, 'busy': s.busy, 'inflight': s.inflight,
                            'wwid': s.lu.wwid} for a, s in sorted(self.devices.items(), key=lambda i: _sort_key(i[0]))},
            'mounts': self.mounts, 'swaps': self.swaps, 'holders': {dm: [list(s) for s in v] for dm, v in self.dm.items()},
            'flushes': self.flushes,
        }


def _sort_key(address: str) -> tuple:
    return tuple(int(part) for part in address.split(':'))


def _as_uint(value):
    """scsi_scan_host_selected() takes channel and id as unsigned int, where ~0 is SCAN_WILD_CARD."""
    if value is WILD:
        return WILD
    value &= 0xffffffff
    return WILD if value == SCAN_WILD_CARD else value


def _target_name(sdev: Sdev) -> str:
    return 'target%d:%d:%d' % (sdev.host.number, sdev.lu.channel, sdev.lu.target)
