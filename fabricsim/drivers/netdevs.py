"""The network devices drivers hang off, as the simulated kernel sees them.

In the daemon this view follows the real links of the simulator's network namespace
(a netlink monitor feeds it, so renames and deletions made by anyone are seen); in
process, tests add and change devices directly. Drivers subscribe to changes
(FCoE destroys an instance when its netdev goes away, marks its fc_host Linkdown, ...).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from fabricsim import vfs

# The kernel the scenario stands for (``kernel:`` at its top; Debian 12's 6.1 by default).
DEFAULT_KERNEL = '6.1'
# dev_change_name() in 6.1 refuses a link that is up (EBUSY); this host's 6.18 renames it. Guess: the
# first kernel to allow it is 6.2 (net/core "allow live renaming when an interface is up", as we recall).
LIVE_RENAME_SINCE = (6, 2)


@dataclass
class Netdev:
    name: str
    index: int
    up: bool = True
    kind: str | None = None
    lower: int | None = None
    address: str = '00:00:00:00:00:00'
    mtu: int = 1500
    master: int | None = None   # IFLA_MASTER: the bridge or bond this device is a port of
    promisc: bool = False       # promiscuity > 0 (a bridge port always is)
    # ethtool speed in Mb/s, which fcoe reports as its fc_host speed: veth's get_link_ksettings says
    # 10000; guess: the same for the bridges and macvlans of a scenario unless it says otherwise.
    speed: int = 10000


class Netdevs:
    """Devices by name; callbacks run under the fabric lock on every change."""

    name = 'netdevs'

    def __init__(self, fabric, links: list):
        self.fabric = fabric
        self.devices: dict = {}
        self.subscribers: list = []
        self.extra_entries: list = []  # callables(name) -> {entry: node} that drivers add under a netdev
        # In process (no namespace) the scenario's links are simulated; the daemon replaces
        # this view with the real namespace's links as soon as its monitor starts.
        for index, link in enumerate(links or [], 2):
            self.devices[link['name']] = Netdev(link['name'], index, link.get('state', 'up') == 'up',
                                                link.get('kind', 'veth'),
                                                address=link.get('address') or '02:00:00:00:00:%02x' % index,
                                                mtu=int(link.get('mtu', 1500)), speed=int(link.get('speed', 10000)))
        for link in links or []:
            master = self.devices.get(link.get('master') or '')
            if master is not None:
                self.devices[link['name']].master = master.index
                self.devices[link['name']].promisc = True

        fabric.root.get('sys').mount('class/net', vfs.Dir(names=lambda: sorted(self.devices), child=self._class_entry))
        fabric.root.get('sys').mount('devices/virtual/net', vfs.Dir(names=lambda: sorted(self.devices),
                                                                    child=self._device_dir))

    def by_index(self, index: int | None) -> Netdev | None:
        for device in self.devices.values():
            if device.index == index:
                return device
        return None

    def real_device(self, name: str) -> Netdev | None:
        """The device a VLAN or macvlan sits on (IFLA_LINK), or the device itself."""
        device = self.devices.get(name)
        if device is not None and device.lower is not None and device.kind in ('vlan', 'macvlan', 'macvtap'):
            return self.by_index(device.lower) or device
        return device

    def replace(self, devices: list) -> None:
        """Take a full new view (a netlink dump); report the differences to subscribers."""
        new = {device.name: device for device in devices}
        old = self.devices
        self.devices = new
        for name in set(old) | set(new):
            before, after = old.get(name), new.get(name)
            if before != after:
                self.fabric.mark_dirty('/sys/class/net/' + name)
                self.fabric.mark_dirty('/sys/devices/virtual/net/' + name)
                for callback in self.subscribers:
                    callback(name, before, after)

    def set(self, name: str, **changes) -> None:
        """In-process change (tests): add a device or change fields of one."""
        devices = {n: Netdev(**vars(d)) for n, d in self.devices.items()}
        if name in devices:
            for key, value in changes.items():
                setattr(devices[name], key, value)
        else:
            devices[name] = Netdev(name=name, index=changes.pop('index', 1000 + len(devices)), **changes)
        self.replace(list(devices.values()))

    def remove(self, name: str) -> None:
        self.replace([device for device in self.devices.values() if device.name != name])

    def _class_entry(self, name: str):
        return vfs.Link('../../devices/virtual/net/' + name) if name in self.devices else None

    def _device_dir(self, name: str):
        device = self.devices.get(name)
        if device is None:
            return None
        entries = {
            'ifindex': vfs.text_attr(lambda: device.index),
            'operstate': vfs.text_attr(lambda: 'up' if device.up else 'down'),
            'address': vfs.text_attr(lambda: device.address),
            'mtu': vfs.text_attr(lambda: device.mtu),
        }
        for extra in self.extra_entries:
            entries.update(extra(name))
        return vfs.Dir(entries)

    # -- in-process link events (the daemon makes real netlink changes instead) ----------
    def events(self) -> dict:
        return {'link-up': lambda args: self._link(args, up=True), 'link-down': lambda args: self._link(args, up=False),
                'link-delete': self._delete, 'link-add': self._add, 'link-rename': self._rename}

    def _link(self, args: dict, up: bool) -> dict:
        self.set(args['name'], up=up)
        return {'link': args['name'], 'up': up}

    def _delete(self, args: dict) -> dict:
        self.remove(args['name'])
        return {'link': args['name'], 'deleted': True}

    def _add(self, args: dict) -> dict:
        lower = self.devices.get(args.get('lower', ''))
        self.set(args['name'], kind=args.get('kind', 'veth'), lower=lower.index if lower else None)
        return {'link': args['name']}

    def check_live_rename(self, name: str) -> None:
        """A rename that keeps the link up (``live=yes``): EBUSY on the scenario's kernel when it predates
        live renames; fabricsim's links are the host kernel's, which would allow it."""
        version = tuple(int(part) for part in str(self.fabric.scenario.get('kernel', DEFAULT_KERNEL)).split('.')[:2])
        device = self.devices.get(name)
        if device is not None and device.up and version < LIVE_RENAME_SINCE:
            raise OSError(errno.EBUSY, 'Device or resource busy: %s is up (kernel %s)' % (
                name, self.fabric.scenario.get('kernel', DEFAULT_KERNEL)))

    def _rename(self, args: dict) -> dict:
        if is_yes(args.get('live')):
            self.check_live_rename(args['name'])
        device = self.devices[args['name']]
        self.replace([Netdev(**dict(vars(d), name=args['to'])) if d is device else d for d in self.devices.values()])
        return {'link': args['name'], 'to': args['to']}

    def tools(self) -> dict:
        return {}

    def state(self) -> dict:
        return {name: {'index': d.index, 'up': d.up, 'kind': d.kind, 'lower': d.lower, 'master': d.master,
                       'address': d.address, 'promisc': d.promisc}
                for name, d in sorted(self.devices.items())}


def is_yes(value) -> bool:
    return str(value).lower() in ('yes', 'true', '1')
