"""The Mellanox EoIB driver (mlx4_vnic): vNics, their child MACs, the flat /sys/module files.

Facts: ../shared/reference/ib_vnic_eoib.md part 2. Every file is flat in
/sys/module/mlx4_vnic/: host_add_/host_del_/gws_<ibdev>_<port>, vnic<N>-info/-child/-neigh/
-qps/-member per login (N is a global counter, never reused) and vnic-<name>-cmd per
host-administered vNic, child vNics included. A child login is created when the parent,
promiscuous, transmits a frame from a MAC it does not know; "+mac"/"-mac" writes always
succeed and complete asynchronously, visible only in the cmd files.
"""

from __future__ import annotations

import errno
import itertools
import re

from fabricsim import vfs

MODULE = '/sys/module/mlx4_vnic'
CHILD_DELAY = 0.05
CHILD_ID_BASE = 16384
VNIC_CHILD_MAX = 128
FIELDS = ('name', 'mac', 'vnic_id', 'vid', 'bxname', 'bxguid', 'eport', 'ipv4', 'ipv6', 'emac', 'pkey', 'parent')
MAC = re.compile(r'[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}')


def norm_mac(text: str) -> str:
    return ':'.join('%02x' % int(part, 16) for part in text.split(':'))


def unicast(mac: str) -> bool:
    octets = [int(part, 16) for part in mac.split(':')]
    return any(octets) and not octets[0] & 1


class Login:
    """A vNic login: a parent (host-admin, with a netdev) or a child (a guest MAC under a parent)."""

    def __init__(self, number: int, fields: dict, port: str, parent=None):
        self.number = number
        self.fields = dict(fields)
        self.port = port
        self.parent = parent

    @property
    def name(self) -> str:
        return self.fields['name']

    @property
    def mac(self) -> str:
        return self.fields['mac']

    def cmd_line(self) -> str:
        return ' '.join('%s=%s' % (key, self.fields.get(key, 'N/A')) for key in FIELDS) + ' ib_port=%s\n' % self.port


class Mlx4Driver:
    name = 'mlx4_vnic'

    def __init__(self, fabric, config: dict):
        self.fabric = fabric
        self.child_delay = float(config.get('child_delay', CHILD_DELAY))
        self.child_max = int(config.get('vnic_child_max', VNIC_CHILD_MAX))
        self.learn_tx_mac = bool(config.get('learn_tx_mac', True))
        self.ports = list(config.get('ports', ['mlx4_0:1']))
        self.gateways = list(config.get('gateways', []))
        self._logins = itertools.count(1)
        self._child_ids = itertools.count(CHILD_ID_BASE + 1)
        self.parents: dict = {}   # netdev name -> Login
        self.children: dict = {}  # parent name -> {mac: Login}
        self.pending: list = []   # (op, parent, mac) queued, for state()
        self._changes = 0         # bumped whenever a login comes or goes (the file table's key)
        self._files_cache: dict = {}
        self._files_key: tuple = ()
        for conf in config.get('vnics', []):
            fields = {key: str(conf.get(key, 'N/A')) for key in FIELDS}
            fields['mac'] = norm_mac(fields['mac']) if MAC.fullmatch(fields['mac']) else fields['mac']
            self.parents[conf['name']] = Login(next(self._logins), fields, conf.get('port', self.ports[0]))
            self.children[conf['name']] = {}
        for conf in config.get('vnics', []):
            # Children already logged in when the scenario starts (guests that transmitted earlier).
            for mac in conf.get('children', []):
                self._add_child(self.parents[conf['name']], norm_mac(mac))
        # NETDEV_LINK and UCAST_PROMISC follow the netdevs: drop cached pages when any changes.
        fabric.drivers['netdevs'].subscribers.append(lambda name, before, after: fabric.mark_dirty(MODULE))
        fabric.root.get('sys').mount('module/mlx4_vnic', vfs.Dir(
            {'parameters': vfs.Dir({'vnic_child_max': vfs.text_attr(lambda: self.child_max),
                                    'learn_tx_mac': vfs.text_attr(lambda: 1 if self.learn_tx_mac else 0)})},
            names=self._names, child=self._child))

    # -- the files ---------------------------------------------------------------------
    def _port_files(self) -> dict:
        files = {}
        for port in self.ports:
            ibdev, number = port.split(':')
            files['host_add_%s_%s' % (ibdev, number)] = vfs.Attr(read=self._syntax, write=lambda d, p=port: self.host_add(
                p, d), mode=0o644)
            files['host_del_%s_%s' % (ibdev, number)] = vfs.Attr(read=self._syntax, write=lambda d, p=port: self.host_del(
                p, d), mode=0o644)
            files['gws_%s_%s' % (ibdev, number)] = vfs.Attr(read=lambda p=port: self._gws(p))
        return files

    def _login_files(self) -> dict:
        files = {}
        for parent in self.parents.values():
            number = parent.number
            files['vnic%d-info' % number] = vfs.Attr(read=lambda p=parent: self._info(p))
            files['vnic%d-child' % number] = vfs.Attr(write=lambda d, p=parent: self.child_write(p, d))
            files['vnic%d-neigh' % number] = vfs.Attr(read=lambda: '')
            files['vnic%d-qps' % number] = vfs.Attr(read=lambda: '')
            files['vnic%d-member' % number] = vfs.Attr(read=lambda: '')
            files['vnic-%s-cmd' % parent.name] = vfs.Attr(read=lambda p=parent: p.cmd_line())
            for child in self.children[parent.name].values():
                files['vnic-%s-cmd' % child.name] = vfs.Attr(read=lambda c=child: c.cmd_line())
        return {name: node for name, node in files.items() if len(name) <= 32}  # VNIC_SYSFS_FLEN

    def _files(self) -> dict:
        """Every flat file, built once per change of the logins: the lookup of one file among the
        4,096 cmd files of a full set of children would otherwise build all of them."""
        key = (len(self.parents), sum(len(children) for children in self.children.values()), self._changes)
        if self._files_key != key:
            self._files_cache, self._files_key = dict(self._port_files(), **self._login_files()), key
        return self._files_cache

    def _names(self) -> list:
        return sorted(self._port_files()) + sorted(self._login_files())

    def _child(self, name: str):
        return self._files().get(name)

    @staticmethod
    def _syntax() -> str:
        return ' '.join('%s=%%s' % key for key in FIELDS) + '\n'

    def _gws(self, port: str) -> str:
        out = []
        for gw in self.gateways:
            if gw.get('port', self.ports[0]) != port:
                continue
            values = (port, gw.get('bx_name', 'N/A'), gw.get('bx_guid', 'N/A'), gw.get('eport', 'A10'),
                      gw.get('eport_id', 63))
            out.append('IOA_PORT      %s\nBX_NAME       %s\nBX_GUID       %s\nEPORT_NAME    %s\nEPORT_ID      %s\n'
                       'STATE         FIP_GW_CONNECTED\nGW_TYPE       LEGACY\nPKEY          0xffff\nALL_VLAN      no\n'
                       'CTRL_SL       0\nDATA_SL       0\n\n' % values)
        return ''.join(out)

    def _info(self, login: Login) -> str:
        device = self.fabric.drivers['netdevs'].devices.get(login.name)
        up = bool(device and device.up)
        rows = [('NETDEV_NAME', login.name), ('NETDEV_LINK', 'up' if up else 'down'), ('NETDEV_OPEN', 'yes'),
                ('NETDEV_QSTOP', 'no'), ('NETDEV_MTU', '1500/4034'), ('IOA_PORT', login.port),
                ('IOA_NAME', 'host-%s' % login.port.replace(':', '-P')), ('IOA_LID', '0x0001'),
                ('EPORT_STATE', 'up'), ('EPORT_NAME', login.fields.get('eport', 'N/A')),
                ('BX_NAME', login.fields.get('bxname', 'N/A')), ('BX_GUID', login.fields.get('bxguid', 'N/A')),
                ('GW_TYPE', 'LEGACY'), ('UCAST_PROMISC', 'yes' if self._promisc(login) else 'no'),
                ('CHILD_VNICS', '%d/%d' % (len(self.children[login.name]), self.child_max)),
                ('PKEY', '0xffff'), ('MAC', login.mac), ('VNIC_ID', login.fields.get('vnic_id', 'N/A')),
                ('ADMIN_MODE', 'host'), ('VLAN', 'N/A')]
        return ''.join('%-14s%s\n' % row for row in rows)

    def _promisc(self, login: Login) -> bool:
        """IFF_PROMISC on the parent: a bridge port is; so is a parent with macvtaps on it.
        Guess, stated: an EoIB netdev has no unicast filter, so the extra unicast address a
        macvtap adds turns on promiscuity (__dev_set_rx_mode without IFF_UNICAST_FLT)."""
        netdevs = self.fabric.drivers['netdevs']
        device = netdevs.devices.get(login.name)
        if device is None:
            return False
        uppers = [d for d in netdevs.devices.values() if d.lower == device.index and d.kind in ('macvtap', 'macvlan')]
        return device.master is not None or device.promisc or bool(uppers)

    # -- writes ------------------------------------------------------------------------
    def child_write(self, parent: Login, data: bytes) -> None:
        """vnic_child_write(): '+mac' or '-mac'; EINVAL only for a bad op or MAC; otherwise success."""
        text = data.decode('latin-1').strip()
        if text[:1] not in ('+', '-') or not MAC.fullmatch(text[1:]) or not unicast(norm_mac(text[1:])):
            raise OSError(errno.EINVAL, 'mlx4_vnic: bad child request %r' % text)
        self.learn(parent, norm_mac(text[1:]), remove=text[0] == '-')

    def learn(self, parent: Login, mac: str, remove: bool) -> None:
        """vnic_learn_mac(): the parent's own MAC is ignored; the FIP login/logout runs later."""
        if mac == parent.mac:
            return
        delay = self.fabric.completion_delay('mlx4-child', self.child_delay)
        self.pending.append(('-' if remove else '+', parent.name, mac))
        self.fabric.schedule(delay, lambda: self._complete(parent, mac, remove))

    def _complete(self, parent: Login, mac: str, remove: bool) -> None:
        if ('-' if remove else '+', parent.name, mac) in self.pending:
            self.pending.remove(('-' if remove else '+', parent.name, mac))
        children = self.children.get(parent.name)
        if children is None:
            return
        if remove:
            self._changes += 1
            if children.pop(mac, None) is None:
                return  # an unknown MAC: -ENODATA, swallowed
        elif mac not in children:
            if not self._add_child(parent, mac):
                return
        else:
            return
        self.fabric.mark_dirty(MODULE)

    def _add_child(self, parent: Login, mac: str) -> bool:
        children = self.children[parent.name]
        if len(children) >= self.child_max:
            return False  # "too many child vNics": a kernel warning, nothing else
        vnic_id = next(self._child_ids)
        # Guess, stated: a child login takes the next value of the global login counter
        # too (it is a login; only its netdev is skipped), so later parents' N skip it.
        fields = dict(parent.fields, name='eth%d.c%d' % (parent.number, vnic_id), mac=mac, vnic_id=str(vnic_id),
                      parent=parent.name, ipv4='N/A', ipv6='N/A', emac='N/A', pkey='N/A')
        children[mac] = Login(next(self._logins), fields, parent.port, parent)
        self._changes += 1
        return True

    def _parse_admin(self, data: bytes) -> dict:
        values = dict(token.split('=', 1) for token in data.decode('latin-1').split() if '=' in token)
        if sorted(values) != sorted(FIELDS) or any(len(v) > 64 for v in values.values()):
            raise OSError(errno.EINVAL, 'mlx4_vnic: all 12 fields are required')
        return values

    def host_add(self, port: str, data: bytes) -> None:
        """A host-administered vNic (guess: its netdev is not created; scenario parents are real links)."""
        values = self._parse_admin(data)
        if not MAC.fullmatch(values['mac']) or not values['vnic_id'].isdigit():
            raise OSError(errno.EINVAL, 'mlx4_vnic: bad mac or vnic_id')
        values['mac'] = norm_mac(values['mac'])
        if values['name'] not in self.parents:
            self.parents[values['name']] = Login(next(self._logins), values, port)
            self.children[values['name']] = {}
            self._changes += 1
            self.fabric.mark_dirty(MODULE)

    def host_del(self, port: str, data: bytes) -> None:
        values = self._parse_admin(data)
        if self.parents.pop(values['name'], None) is not None:
            self.children.pop(values['name'], None)
            self._changes += 1
            self.fabric.mark_dirty(MODULE)

    # -- events, tools, state ----------------------------------------------------------
    def transmit(self, parent_name: str, mac: str, immediate: bool = False) -> bool:
        """A frame from ``mac`` leaves through the parent: learned when the parent is promiscuous.
        ``immediate`` completes the login at once (frames sent before the scenario starts)."""
        parent = self.parents.get(parent_name)
        if parent is None or not self.learn_tx_mac or not self._promisc(parent):
            return False
        mac = norm_mac(mac)
        if mac not in self.children[parent.name] and mac != parent.mac:
            if immediate:
                self._complete(parent, mac, remove=False)
            else:
                self.learn(parent, mac, remove=False)
        return True

    def events(self) -> dict:
        return {}

    def tools(self) -> dict:
        return {}

    def state(self) -> dict:
        return {name: {'vnic': 'vnic%d' % parent.number, 'mac': parent.mac, 'promisc': self._promisc(parent),
                       'children': {mac: child.name for mac, child in sorted(self.children[name].items())}}
                for name, parent in sorted(self.parents.items())} | {'pending': [list(p) for p in self.pending]}
