"""DCB as lldpad sees it, per interface, and the dcbtool / lldptool clients that ask lldpad.

Facts: ../shared/reference/fcoe_dcb.md §4. lldpad's own socket is served by dcbclif (the daemon binds
it in the namespace while lldpad runs). An interface lldpad has no DCB state for
(veth, say, or a netdev that does not exist) answers "Device not capable" (status 8);
with lldpad stopped the tools cannot connect (exit 255); in IEEE-DCBX mode the CEE
"Get Oper/Peer" commands answer status 9.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fabricsim.drivers import dcbclif, dcbtext


@dataclass
class Feature:
    enable: bool = True
    advertise: bool = True
    willing: bool = True
    oper: bool = True
    syncd: bool = True
    error: int = 0
    data: int = 0x08  # PFC: priority bitmap (bit i = priority i); APP: appcfg priority bitmap


@dataclass
class DcbPort:
    dcb_on: bool = True
    pfc: Feature = field(default_factory=Feature)
    app: Feature = field(default_factory=Feature)
    num_tcs: int = 8


def _bool(text) -> bool:
    return str(text).lower() in ('1', 'true', 'yes', 'on')


def _bitmap(text) -> int:
    """'00010000' (priority 0 first, as pfcup prints) or a hex byte ('08', '0x08')."""
    text = str(text).lower()
    if len(text) == 8 and set(text) <= {'0', '1'}:
        return sum(1 << index for index, char in enumerate(text) if char == '1')
    return int(text, 16)


def port_from_config(conf: dict) -> DcbPort:
    port = DcbPort(dcb_on=_bool(conf.get('dcb', 'on')), num_tcs=int(conf.get('num_tcs', 8)))
    for key in ('pfc', 'app'):
        feature = getattr(port, key)
        for name, value in (conf.get(key) or {}).items():
            apply_field(feature, name, value)
    return port


def apply_field(feature: Feature, name: str, value) -> None:
    if name in ('enable', 'advertise', 'willing', 'oper', 'syncd'):
        setattr(feature, name, _bool(value))
    elif name == 'error':
        feature.error = int(str(value), 0)
    elif name in ('pfcup', 'appcfg', 'data'):
        feature.data = _bitmap(value)
    else:
        raise ValueError('unknown DCB field %r' % name)


class DcbDriver:
    name = 'dcb'

    def __init__(self, fabric, config: dict):
        self.fabric = fabric
        self.lldpad = config.get('lldpad', 'running') == 'running'
        self.mode = config.get('mode', 'cee')
        self.ports = {name: port_from_config(conf or {}) for name, conf in (config.get('interfaces') or {}).items()}
        self.netdevs = fabric.drivers['netdevs']
        self.clif_requests = 0   # datagrams lldpad's socket was sent (the daemon serves it while lldpad runs)
        self.lldpad_listeners: list = []   # called with the new state when lldpad starts or stops (under the lock)

    def port(self, ifname: str) -> DcbPort | None:
        """DCB state for a netdev lldpad can drive: it must exist and have DCB (dcbnl) ops."""
        if ifname not in self.netdevs.devices:
            return None
        return self.ports.get(ifname)

    def link_up(self, ifname: str) -> bool:
        device = self.netdevs.devices.get(ifname)
        return bool(device and device.up)

    # -- events ------------------------------------------------------------------------
    def events(self) -> dict:
        return {'dcb-set': self.ev_set, 'lldpad-stop': lambda args: self._lldpad(False),
                'lldpad-start': lambda args: self._lldpad(True), 'dcb-mode': self.ev_mode}

    def ev_set(self, args: dict) -> dict:
        """dcb-set iface=eth2 [capable=no] [dcb=on|off] [pfc.enable=false] [app.appcfg=08] ..."""
        args = dict(args)
        ifname = args.pop('iface')
        if 'capable' in args and not _bool(args.pop('capable')):
            self.ports.pop(ifname, None)
        port = self.ports.setdefault(ifname, DcbPort())
        for key, value in args.items():
            if key == 'dcb':
                port.dcb_on = _bool(value)
            elif key == 'num_tcs':
                port.num_tcs = int(value)
            else:
                feature, _dot, name = key.partition('.')
                if feature not in ('pfc', 'app'):
                    raise ValueError('unknown DCB setting %r' % key)
                apply_field(getattr(port, feature), name, value)
        return {'iface': ifname, 'state': self._port_state(self.ports.get(ifname))}

    def _lldpad(self, running: bool) -> dict:
        self.lldpad = running
        for listener in self.lldpad_listeners:
            listener(running)
        return {'lldpad': 'running' if running else 'stopped'}

    def ev_mode(self, args: dict) -> dict:
        if args.get('mode') not in ('cee', 'ieee'):
            raise ValueError('mode must be cee or ieee')
        self.mode = args['mode']
        return {'mode': self.mode}

    # -- tools and state -----------------------------------------------------------------
    def tools(self) -> dict:
        return {'dcbtool': lambda argv: dcbtext.dcbtool(self, argv),
                'lldptool': lambda argv: dcbtext.lldptool(self, argv)}

    def clif(self, request: bytes) -> bytes | None:
        """lldpad's answer on its client socket (None: no answer); the caller holds the fabric's lock."""
        return dcbclif.answer(self, request)

    @staticmethod
    def _port_state(port: DcbPort | None) -> dict | None:
        if port is None:
            return None
        return {'dcb': port.dcb_on, 'pfc': vars(port.pfc), 'app': vars(port.app), 'num_tcs': port.num_tcs}

    def state(self) -> dict:
        return {'lldpad': 'running' if self.lldpad else 'stopped', 'mode': self.mode, 'clif_requests': self.clif_requests,
                'interfaces': {name: self._port_state(port) for name, port in sorted(self.ports.items())}}
