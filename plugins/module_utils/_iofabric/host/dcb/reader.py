# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read an interface's DCB state the way fcoemon does, with a fallback to the kernel.

PRIVATE to the collection. Source order:
1. lldpad through dcbtool, CEE query sequence (fcoemon's): DCB state, PFC config, App:FCoE
   config, PFC oper, App:FCoE oper. In IEEE-DCBX mode the oper queries answer status 9;
   then lldptool gives the IEEE PFC bitmap and the APP table.
2. When lldpad is not running or dcbtool is not installed: the kernel's dcbnl over
   rtnetlink (capability, DCB state, IEEE PFC and APP).
Nothing here raises for a device or tool problem: the state says why it is not usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb import dcbnl as _dcbnl
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb.dcbtool import (
    fcoe_priorities_from_app,
    lldpad_down,
    parse_dcbtool,
    parse_lldptool_config,
)
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError

CEE, IEEE, KERNEL = 'lldpad (CEE)', 'lldpad (IEEE)', 'kernel dcbnl'


@dataclass
class Feature:
    enable: bool
    oper: bool
    priorities: int
    advertise: bool = True
    willing: bool = True
    syncd: bool = True
    error: int = 0


@dataclass
class DcbState:
    source: str
    readable: bool = True
    capable: bool = True
    reason: str = ''
    dcb_on: bool = False
    pfc: Feature | None = None
    app: Feature | None = None

    def as_dict(self) -> dict:
        result = {'source': self.source, 'readable': self.readable, 'capable': self.capable, 'dcb': self.dcb_on}
        if self.reason:
            result['reason'] = self.reason
        for name in ('pfc', 'app'):
            feature = getattr(self, name)
            if feature is not None:
                result[name] = {'enable': feature.enable, 'oper': feature.oper, 'syncd': feature.syncd,
                                'priorities': '%02x' % feature.priorities, 'errors': '%02x' % feature.error,
                                'willing': feature.willing, 'advertise': feature.advertise}
        return result


def unreadable(source: str, reason: str) -> DcbState:
    return DcbState(source, readable=False, reason=reason)


class DcbReader:
    def __init__(self, runner, netns: str | None = None):
        self.runner = runner
        self.netns = netns

    def read(self, ifname: str) -> DcbState:
        if ifname.startswith('-'):   # a name the kernel allows (a VLAN's real device) that dcbtool would take for an option
            return unreadable(CEE, 'not queried: %r would reach dcbtool as an option' % ifname)
        if self.runner.sysroot.tool('dcbtool') is None:
            return self.kernel(ifname, 'dcbtool is not installed')
        try:
            return self.lldpad(ifname)
        except LldpadDown:
            return self.kernel(ifname, 'lldpad is not running')
        except IofabricError as exc:
            return unreadable(CEE, 'DCB query failed: %s' % exc)

    def _dcbtool(self, *args: str):
        run = self.runner.run('dcbtool', list(args), check=False)
        if run.rc == 255 and lldpad_down(run.stderr):
            raise LldpadDown()
        return parse_dcbtool(run.stdout)

    def lldpad(self, ifname: str) -> DcbState:
        state = self._dcbtool('gc', ifname, 'dcb')
        if state.status == 8:
            return DcbState(CEE, capable=False, reason='%s is not DCB-capable (lldpad: Device not capable)' % ifname)
        if state.status != 0:
            return unreadable(CEE, 'lldpad: %s' % state.fields['Status'])
        result = DcbState(CEE, dcb_on=state.fields.get('DCB State') == 'on')
        if not result.dcb_on:
            return result
        pfc_cfg, app_cfg = self._dcbtool('gc', ifname, 'pfc'), self._dcbtool('gc', ifname, 'app:fcoe')
        pfc_oper = self._dcbtool('go', ifname, 'pfc')
        if pfc_oper.status == 9:
            return self.lldpad_ieee(ifname)
        app_oper = self._dcbtool('go', ifname, 'app:fcoe')
        for reply in (pfc_cfg, app_cfg, pfc_oper, app_oper):
            if reply.status != 0:
                return unreadable(CEE, 'lldpad: %s' % reply.fields['Status'])
        result.pfc = _feature(pfc_cfg, pfc_oper)
        result.app = _feature(app_cfg, app_oper)
        return result

    def lldpad_ieee(self, ifname: str) -> DcbState:
        pfc = parse_lldptool_config(self.runner.run('lldptool', ['-t', '-i', ifname, '-V', 'PFC', '-c', 'enabled']).stdout)
        app = parse_lldptool_config(self.runner.run('lldptool', ['-t', '-i', ifname, '-V', 'APP', '-c', 'app']).stdout)
        text = pfc.get('enabled') or '0'
        # lldptool prints the PFC priorities as a decimal bitmask of one byte (enabled=8 for priority 3).
        if not (isinstance(text, str) and text.isascii() and text.isdigit() and int(text) <= 0xff):
            return unreadable(IEEE, 'lldptool printed PFC enabled=%r, not a priority bitmask (0-255)' % (text,))
        enabled = int(text)
        fcoe = fcoe_priorities_from_app(app.get('APP', []))
        return DcbState(IEEE, dcb_on=True, pfc=Feature(enable=enabled != 0, oper=True, priorities=enabled),
                        app=Feature(enable=fcoe != 0, oper=True, priorities=fcoe))

    def kernel(self, ifname: str, why: str) -> DcbState:
        try:
            found = _dcbnl.query(ifname, self.netns)
        except (IofabricError, OSError) as exc:
            return unreadable(KERNEL, '%s, and the kernel query failed: %s' % (why, exc))
        if not found.capable:
            return DcbState(KERNEL, capable=False, reason='%s is not DCB-capable (%s; the kernel has no DCB for it)'
                            % (ifname, why))
        return DcbState(KERNEL, dcb_on=found.dcb_on,
                        pfc=Feature(enable=found.pfc_enabled != 0, oper=True, priorities=found.pfc_enabled),
                        app=Feature(enable=found.fcoe_priorities != 0, oper=True, priorities=found.fcoe_priorities))


class LldpadDown(Exception):
    """dcbtool could not reach lldpad."""


def _feature(config, oper) -> Feature:
    return Feature(enable=config.flag('Enable'), advertise=config.flag('Advertise'), willing=config.flag('Willing'),
                   oper=oper.flag('Oper Mode'), syncd=oper.flag('Syncd'), error=oper.errors(),
                   priorities=oper.bitmap())
