"""The QLogic VNIC driver (qlgc_vnic) and the InfiniBand fabric behind it.

Facts: ../shared/reference/ib_vnic_eoib.md part 1. The fabric is HCAs with ports, IO units
(EVIC/VEx modules, each with a port GID that is the DGID of its IOCs) and IOCs (GUID,
IOC string, P_Key). A VNIC path connects, asynchronously, when its IOC GUID, DGID and
P_Key match an IOC visible on its port; a port going down or a hot swap disconnects it.
"""

from __future__ import annotations

import errno

from fabricsim import vfs
from fabricsim.drivers import qlgc_query
from fabricsim.drivers.qlgc_parser import CreateStringError, parse

CLASS = '/sys/class/infiniband_qlgc_vnic'
CONNECTED = 'VIPORT_CONNECTED'
DISCONNECTED = 'VIPORT_DISCONNECTED'
FIRSTCONNECT = 'INVALID STATE'      # LINK_FIRSTCONNECT is not in the driver's switch
RETRYWAIT = 'LINK_RETRYWAIT'        # guess: what a configured path shows while its IOC is absent
# guess: the viport state machine retries a connection that did not complete (the reference names
# LINK_RETRYWAIT but not its period); a lost completion costs one attempt, not the path.
RETRY_SECONDS = 2.0
IDLING = 'LINK_IDLING'
MULTICAST_JOINED = 'state=Joined & Attached MGID:ff12:401b:ffff:0000:0000:0000:ffff:ffff MLID:C001'
CONNECT_DELAY = 0.05
IFNAMSIZ = 16
# The viport learns that its IOC is gone only when heartbeats stop being answered: hb_timeout is
# 64 heartbeat intervals (the reference, §1.4: heartbeat=v gives hb_timeout = v*64*10 ms; 64 s by
# default), measured on the real driver as a hot swap noticed that late, not at once.
HEARTBEAT_TIMEOUT_BEATS = 64


def einval(message: str) -> OSError:
    return OSError(errno.EINVAL, 'qlgc_vnic: ' + message)


def swap16(value: int) -> int:
    return ((value & 0xff) << 8) | (value >> 8)


class Port:
    def __init__(self, hca: str, hca_no: int, number: int, guid: int, state: str = 'Active'):
        self.hca, self.hca_no, self.number, self.guid, self.state = hca, hca_no, number, guid, state

    @property
    def key(self) -> str:
        return '%s:%d' % (self.hca, self.number)

    @property
    def active(self) -> bool:
        return self.state == 'Active'


class Ioc:
    def __init__(self, ident: str, unit, slot: int, guid: int, string: str, pkey: int, present: bool):
        self.id, self.unit, self.slot, self.guid = ident, unit, slot, guid
        self.string, self.pkey, self.present = string, pkey, present


class IoUnit:
    def __init__(self, ident: str, port_gid: str, lid: int, change_id: int, reachable: list, max_controllers: int):
        self.id, self.port_gid, self.lid, self.change_id = ident, port_gid, lid, change_id
        self.max_controllers = max_controllers
        self.reachable = list(reachable)
        self.iocs: list = []


class VPath:
    def __init__(self, which: str, port: Port, params: dict, vnic):
        self.which, self.port, self.vnic = which, port, vnic
        self.ioc_guid, self.dgid, self.pkey = params['ioc_guid'], params['dgid'], params['pkey']
        self.ioc_string = params.get('ioc_string', '')
        self.instance = params.get('instance', 0)
        self.heartbeat = params.get('heartbeat') or 100
        self.viport_state = DISCONNECTED
        self.link_state = FIRSTCONNECT
        self.generation = 0
        self.unnoticed_until: float | None = None   # a hot swap not yet noticed: heartbeats time out then

    @property
    def heartbeat_timeout(self) -> float:
        """Seconds: heartbeat is in 1/100 s, hb_timeout = 64 heartbeats."""
        return self.heartbeat * HEARTBEAT_TIMEOUT_BEATS / 100.0

    @property
    def complete(self) -> bool:
        return bool(self.ioc_guid) and int(self.dgid, 16) != 0 and bool(self.pkey)


class Vnic:
    def __init__(self, name: str, params: dict):
        self.name = name
        self.rx_csum = params.get('rx_csum', True)
        self.tx_csum = params.get('tx_csum', True)
        self.ib_multicast = params.get('ib_multicast', True)
        self.registered = False
        self.failover = False
        self.paths: dict = {}

    @property
    def current_path(self) -> str:
        order = ('secondary', 'primary') if self.failover else ('primary', 'secondary')
        for which in order:
            path = self.paths.get(which)
            if path is not None and path.viport_state == CONNECTED:
                return 'primary_path' if which == 'primary' else 'secondary path'
        return 'none'


class QlgcDriver:
    name = 'qlgc'

    def __init__(self, fabric, config: dict):
        self.fabric = fabric
        self.connect_delay = float(config.get('connect_delay', CONNECT_DELAY))
        self.little_endian = bool(config.get('little_endian', True))
        self.ports: list = []
        self.units: list = []
        self.iocs: dict = {}
        self.vnics: dict = {}
        for hca_no, hca in enumerate(config.get('hcas', [])):
            for port in hca.get('ports', []):
                self.ports.append(Port(hca['name'], hca_no, int(port['port']), int(str(port['guid']), 16),
                                       port.get('state', 'Active')))
        for unit_conf in config.get('io_units', []):
            unit = IoUnit(unit_conf['id'], str(unit_conf['port_gid']).lower(), int(unit_conf.get('lid', 1)),
                          int(unit_conf.get('change_id', 1)), unit_conf.get('reachable', []),
                          int(unit_conf.get('max_controllers', len(unit_conf.get('iocs', [])) or 1)))
            for slot, ioc_conf in enumerate(unit_conf.get('iocs', []), 1):
                ioc = Ioc(ioc_conf['id'], unit, int(ioc_conf.get('slot', slot)), int(str(ioc_conf['guid']), 16),
                          ioc_conf['string'], int(str(ioc_conf.get('pkey', 'ffff')), 16),
                          bool(ioc_conf.get('present', True)))
                unit.iocs.append(ioc)
                self.iocs[ioc.id] = ioc
            self.units.append(unit)
        fabric.root.get('sys').mount(CLASS.replace('/sys/', ''), self._class_dir())

    # -- the fabric ------------------------------------------------------------------
    def port(self, key: str) -> Port | None:
        for port in self.ports:
            if port.key == key:
                return port
        return None

    def visible(self, port: Port) -> list:
        """IOCs visible through a port, in unit order."""
        if not port.active:
            return []
        return [ioc for unit in self.units if port.key in unit.reachable for ioc in unit.iocs if ioc.present]

    def matches(self, path: VPath) -> bool:
        return path.complete and any(
            ioc.guid == path.ioc_guid and ioc.unit.port_gid == path.dgid and ioc.pkey == path.pkey
            for ioc in self.visible(path.port))

    def refresh(self, path: VPath) -> None:
        """Re-evaluate a path after a change: drop it, or start an asynchronous connect."""
        if path.viport_state == CONNECTED and not self.matches(path) and self._unnoticed(path):
            return  # the IOC was swapped out, but its heartbeats have not timed out yet
        if path.viport_state == CONNECTED and not self.matches(path):
            path.viport_state = DISCONNECTED
            path.link_state = RETRYWAIT
            self._dirty(path.vnic)
        if path.viport_state != CONNECTED:
            if path.complete and path.link_state == FIRSTCONNECT:
                path.link_state = RETRYWAIT
                self._dirty(path.vnic)
            if self.matches(path):
                path.generation += 1
                generation = path.generation
                delay = self.fabric.completion_delay('qlgc-connect', self.connect_delay)
                if delay is None:
                    self.fabric.schedule(RETRY_SECONDS, lambda: self._retry(path, generation))
                else:
                    self.fabric.schedule(delay, lambda: self._connect(path, generation))

    def _unnoticed(self, path: VPath) -> bool:
        """A hot swap the driver has not noticed: the heartbeat window is open and the port is up
        (a port going down is an IB event the driver sees at once)."""
        return path.unnoticed_until is not None and path.port.active and self.fabric.clock.time() < path.unnoticed_until

    def _heartbeat_timeout(self, path: VPath) -> None:
        if path.unnoticed_until is not None and self.fabric.clock.time() >= path.unnoticed_until:
            path.unnoticed_until = None
            if self.vnics.get(path.vnic.name) is path.vnic:
                self.refresh(path)

    def _retry(self, path: VPath, generation: int) -> None:
        """The attempt was lost: try again, unless the path changed or went away meanwhile."""
        if self.vnics.get(path.vnic.name) is path.vnic and path.generation == generation:
            self.refresh(path)

    def _connect(self, path: VPath, generation: int) -> None:
        vnic = path.vnic
        if self.vnics.get(vnic.name) is not vnic or path.generation != generation or not self.matches(path):
            return
        if path.viport_state != CONNECTED:
            path.viport_state = CONNECTED
            path.link_state = IDLING
            vnic.registered = True
            self._dirty(vnic)

    def refresh_all(self) -> None:
        for vnic in self.vnics.values():
            for path in vnic.paths.values():
                self.refresh(path)

    def _dirty(self, vnic: Vnic) -> None:
        self.fabric.mark_dirty('%s/interfaces/%s' % (CLASS, vnic.name))

    # -- the sysfs writes ----------------------------------------------------------------
    def create(self, which: str, port: Port, data: bytes) -> None:
        try:
            params = parse(data)
        except CreateStringError as exc:
            raise einval(str(exc)) from None
        name = params['name']
        vnic = self.vnics.get(name)
        if which == 'secondary' and vnic is None:
            raise einval("primary connection with name '%s' does not exist" % name)
        if vnic is not None and which in vnic.paths:
            self._update(vnic.paths[which], params)
            return
        self._check_in_use(params)
        if vnic is None:
            vnic = Vnic(name, params)
            self.vnics[name] = vnic
        path = VPath(which, port, params, vnic)
        vnic.paths[which] = path
        self._dirty(vnic)
        self.refresh(path)

    def _check_in_use(self, params: dict) -> None:
        if not params['ioc_guid']:
            return
        for other in self.vnics.values():
            for path in other.paths.values():
                if path.ioc_guid == params['ioc_guid'] and path.instance == params['instance']:
                    raise einval('GUID %x, INSTANCE %d already in use' % (params['ioc_guid'], params['instance']))

    def _update(self, path: VPath, params: dict) -> None:
        label = path.which.capitalize()
        if not params['dgid'].strip('0') or not params['ioc_guid'] or not params['pkey']:
            raise einval('Either dgid, iocguid, pkey is zero. No update.')
        if (params['dgid'], params['ioc_guid'], params['pkey']) == (path.dgid, path.ioc_guid, path.pkey):
            raise einval('All of the dgid, ioc_guid and pkeys are same as the existing one. Not updating values.')
        if path.viport_state == CONNECTED:
            raise einval('%s path of %s interface is already in connected state. Not updating values.'
                         % (label, path.vnic.name))
        path.dgid, path.ioc_guid, path.pkey = params['dgid'], params['ioc_guid'], params['pkey']
        path.ioc_string = params.get('ioc_string', '')
        self._dirty(path.vnic)
        self.refresh(path)

    def delete(self, data: bytes) -> None:
        if len(data) > IFNAMSIZ:
            raise einval('invalid vnic interface name')
        name = data.decode('latin-1')
        if name not in self.vnics:  # strcmp against the raw buffer: a newline makes it miss
            raise einval("vnic interface '%s' does not exist" % name)
        del self.vnics[name]
        self.fabric.mark_dirty('%s/interfaces/%s' % (CLASS, name))

    def failover(self, data: bytes, on: bool) -> None:
        name = data.decode('latin-1')
        vnic = self.vnics.get(name)
        if len(data) > IFNAMSIZ or vnic is None:
            raise einval("vnic interface '%s' does not exist" % name)
        vnic.failover = on
        self._dirty(vnic)

    # -- the sysfs tree ----------------------------------------------------------------
    def _class_dir(self) -> vfs.Dir:
        return vfs.Dir(names=lambda: ['interfaces'] + ['vnic-%s-%d' % (p.hca, p.number) for p in self.ports],
                       child=self._class_child)

    def _class_child(self, name: str):
        if name == 'interfaces':
            return vfs.Dir({
                'delete_vnic': vfs.Attr(write=self.delete),
                'force_failover': vfs.Attr(write=lambda data: self.failover(data, True)),
                'unfailover': vfs.Attr(write=lambda data: self.failover(data, False)),
            }, names=lambda: sorted(self.vnics), child=self._vnic_dir)
        for port in self.ports:
            if name == 'vnic-%s-%d' % (port.hca, port.number):
                return vfs.Dir({
                    'create_primary': vfs.Attr(write=lambda data, p=port: self.create('primary', p, data)),
                    'create_secondary': vfs.Attr(write=lambda data, p=port: self.create('secondary', p, data)),
                })
        return None

    def _vnic_dir(self, name: str):
        vnic = self.vnics.get(name)
        if vnic is None:
            return None
        entries = {
            'vnic_state': vfs.text_attr(lambda: 'VNIC_REGISTERED' if vnic.registered else 'VNIC_UNINITIALIZED'),
            'rx_csum': vfs.text_attr(lambda: 'true' if vnic.rx_csum else 'false'),
            'tx_csum': vfs.text_attr(lambda: 'true' if vnic.tx_csum else 'false'),
            'current_path': vfs.text_attr(lambda: vnic.current_path),
        }
        for which, path in vnic.paths.items():
            entries[which + '_path'] = self._path_dir(path)
        return vfs.Dir(entries)

    def _path_dir(self, path: VPath) -> vfs.Dir:
        def pkey() -> str:
            return '%x' % (swap16(path.pkey) if self.little_endian else path.pkey)
        return vfs.Dir({
            'viport_state': vfs.text_attr(lambda: path.viport_state),
            'link_state': vfs.text_attr(lambda: path.link_state),
            'heartbeat': vfs.text_attr(lambda: path.heartbeat),
            'ioc_guid': vfs.text_attr(lambda: '%x' % path.ioc_guid),
            'dgid': vfs.text_attr(lambda: path.dgid),
            'pkey': vfs.text_attr(pkey),
            'hca_info': vfs.text_attr(lambda: 'vnic-%s-%d' % (path.port.hca, path.port.number)),
            'ioc_string': vfs.text_attr(lambda: path.ioc_string),
            'multicast_state': vfs.text_attr(lambda: self._multicast(path)),
        })

    def _multicast(self, path: VPath) -> str:
        # Guess: the EVIC grants the feature when the VNIC asked for it; joined while connected.
        if not path.vnic.ib_multicast:
            return 'feature not enabled'
        return MULTICAST_JOINED if path.viport_state == CONNECTED else 'state=Invalid'

    # -- events ----------------------------------------------------------------------
    def events(self) -> dict:
        return {'ioc-add': self.ev_ioc_add, 'ioc-remove': self.ev_ioc_remove, 'hot-swap': self.ev_hot_swap,
                'port-up': lambda args: self.ev_port(args, 'Active'),
                'port-down': lambda args: self.ev_port(args, 'Down')}

    def _ioc(self, args: dict) -> Ioc:
        ident = args.get('ioc')
        if ident in self.iocs:
            return self.iocs[ident]
        for ioc in self.iocs.values():
            if args.get('string') == ioc.string or (args.get('guid') and int(args['guid'], 16) == ioc.guid):
                return ioc
        raise ValueError('no IOC matches %s (known: %s)' % (args, ', '.join(sorted(self.iocs))))

    def ev_ioc_add(self, args: dict) -> dict:
        ioc = self._ioc(args)
        ioc.present = True
        self.refresh_all()
        return {'ioc': ioc.id, 'guid': '%016x' % ioc.guid, 'dgid': ioc.unit.port_gid}

    def ev_ioc_remove(self, args: dict) -> dict:
        ioc = self._ioc(args)
        ioc.present = False
        self.refresh_all()
        return {'ioc': ioc.id}

    def ev_hot_swap(self, args: dict) -> dict:
        """The module in the slot is replaced: its IOCs keep their strings, GUIDs and DGID change."""
        ioc = self._ioc(args)
        unit = ioc.unit
        old = {'guid': '%016x' % ioc.guid, 'dgid': unit.port_gid}
        unit.port_gid = str(args['dgid']).lower() if args.get('dgid') else '%032x' % (int(unit.port_gid, 16) + 0x100)
        for member in unit.iocs:
            if member is ioc and args.get('guid'):
                member.guid = int(args['guid'], 16)
            else:
                member.guid += 0x1000000
        self._start_heartbeat_windows(old_gid=old['dgid'])
        self.refresh_all()
        return {'ioc': ioc.id, 'old': old, 'new': {'guid': '%016x' % ioc.guid, 'dgid': unit.port_gid}}

    def _start_heartbeat_windows(self, old_gid: str) -> None:
        """Paths connected to the swapped unit keep VIPORT_CONNECTED until their heartbeats time out."""
        for vnic in self.vnics.values():
            for path in vnic.paths.values():
                if path.viport_state == CONNECTED and path.dgid == old_gid and path.unnoticed_until is None:
                    path.unnoticed_until = self.fabric.clock.time() + path.heartbeat_timeout
                    self.fabric.schedule(path.heartbeat_timeout, lambda p=path: self._heartbeat_timeout(p))

    def ev_port(self, args: dict, state: str) -> dict:
        key = args.get('port') if ':' in str(args.get('port', '')) else '%s:%s' % (args.get('hca'), args.get('port'))
        port = self.port(key)
        if port is None:
            raise ValueError('no port %s' % key)
        port.state = state
        self.refresh_all()
        return {'port': key, 'state': state}

    # -- tools and state -----------------------------------------------------------------
    def tools(self) -> dict:
        return {'ib_qlgc_vnic_query': lambda argv: qlgc_query.run(self, argv)}

    def state(self) -> dict:
        return {
            'ports': [{'port': p.key, 'hca_no': p.hca_no, 'guid': '0x%016x' % p.guid, 'state': p.state}
                      for p in self.ports],
            'iocs': [{'id': i.id, 'guid': '%016x' % i.guid, 'dgid': i.unit.port_gid, 'string': i.string,
                      'pkey': '%04x' % i.pkey, 'present': i.present, 'reachable': i.unit.reachable}
                     for i in self.iocs.values()],
            'vnics': {name: {'registered': v.registered, 'current_path': v.current_path,
                             'paths': {w: {'port': p.port.key, 'ioc_guid': '%016x' % p.ioc_guid, 'dgid': p.dgid,
                                           'pkey': '%04x' % p.pkey, 'ioc_string': p.ioc_string,
                                           'instance': p.instance, 'viport_state': p.viport_state,
                                           'link_state': p.link_state}
                                       for w, p in v.paths.items()}}
                      for name, v in sorted(self.vnics.items())},
        }
