"""Keep the model's netdev view equal to the real links of the simulator's network namespace.

A thread listens for RTM_NEWLINK/RTM_DELLINK (link up/down, rename, create, delete, made
by anyone: events, the modules, ip) and hands a fresh dump to the model each time, so a
missed message (ENOBUFS) can never leave the view stale.
"""

from __future__ import annotations

import threading

from pyroute2 import IPRoute
from pyroute2.netlink.rtnl import RTMGRP_LINK

from fabricsim.drivers.netdevs import Netdev

IFF_UP = 0x1
IFF_PROMISC = 0x100


def dump(ipr) -> list:
    devices = []
    for msg in ipr.get_links():
        kind = msg.get(('linkinfo', 'kind'))
        operstate = msg.get('operstate')
        up = bool(msg['flags'] & IFF_UP) and operstate in ('UP', 'UNKNOWN')
        promisc = bool(msg['flags'] & IFF_PROMISC) or (msg.get('promiscuity') or 0) > 0
        devices.append(Netdev(name=msg.get('ifname'), index=msg['index'], up=up, kind=kind, lower=msg.get('link'),
                              address=msg.get('address') or '00:00:00:00:00:00', mtu=msg.get('mtu') or 1500,
                              master=msg.get('master'), promisc=promisc))
    return devices


class NetMonitor:
    def __init__(self, netns: str, current_fabric):
        self.netns = netns
        self.current_fabric = current_fabric  # a callable: the daemon swaps fabrics on reset
        self._stop = threading.Event()
        self._ipr = None

    def sync(self, notify: bool = True) -> None:
        """Take a fresh dump. notify=False is for callers that hold the fabric lock (a driver
        that just changed links): they notify after releasing it, never while holding it."""
        with IPRoute(netns=self.netns) as ipr:
            devices = dump(ipr)
        fabric = self.current_fabric()
        with fabric.lock:
            fabric.drivers['netdevs'].replace(devices)
        if notify:
            fabric.notify()

    def start(self) -> None:
        self.sync()
        self._ipr = IPRoute(netns=self.netns)
        self._ipr.bind(groups=RTMGRP_LINK)
        threading.Thread(target=self._loop, name='fabricsim-netmonitor', daemon=True).start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._ipr.get()
            except Exception:  # noqa: BLE001 - socket closed on stop, or ENOBUFS: resync either way
                if self._stop.is_set():
                    return
                messages = [None]
            if messages:
                try:
                    self.sync()
                except Exception:  # noqa: BLE001 - the namespace is being torn down
                    if self._stop.is_set():
                        return

    def stop(self) -> None:
        self._stop.set()
        if self._ipr is not None:
            self._ipr.close()
