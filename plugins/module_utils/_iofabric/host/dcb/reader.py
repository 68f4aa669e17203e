# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read an interface's DCB state the way fcoemon does, with a fallback to the kernel.

PRIVATE to the collection. Source order:
1. lldpad over its client socket (host/dcb/clif.py), as fcoemon asks it, CEE query sequence:
   DCB state, PFC config, App:FCoE config, PFC oper, App:FCoE oper; no process is started.
   In IEEE-DCBX mode the oper queries answer status 9; then lldptool gives the IEEE PFC
   bitmap and the APP table.
2. When the socket cannot be used for another reason than lldpad not running (EPERM, a
   socket error): the same sequence through dcbtool, as before the socket.
3. When lldpad is not running (nothing listens on its socket, or dcbtool cannot connect),
   or neither the socket nor dcbtool can be used: the kernel's dcbnl over rtnetlink
   (capability, DCB state, IEEE PFC and APP).
Nothing here raises for a device or tool problem: the state says why it is not usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.dcb import clif as _clif, dcbnl as _dcbnl
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
    """Reads DCB state; ``queries`` counts the requests sent on lldpad's socket (no process each)."""

    def __init__(self, runner, netns: str | None = None, socket_first: bool = True):
        self.runner = runner
        self.netns = netns
        self.socket_first = socket_first   # False: dcbtool only, as before the socket (comparisons, fallback tests)
        self.queries = 0

    def read(self, ifname: str) -> DcbState:
        if self.socket_first:
            try:
                return self.lldpad_socket(ifname)
            except _clif.LldpadNotRunning:
                return self.kernel(ifname, 'lldpad is not running')
            except _clif.ClifUnusable:
                pass   # dcbtool may still reach lldpad (it opens the socket its own way)
            except IofabricError as exc:
                return unreadable(CEE, 'DCB query failed: %s' % exc)
        return self.dcbtool_path(ifname)

    def dcbtool_path(self, ifname: str) -> DcbState:
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

    def _timeout(self) -> float:
        """lldpad's own reply timeout, or the tool timeout when that is shorter (IOFABRIC_TOOL_TIMEOUT)."""
        tool_timeout = getattr(self.runner, 'timeout', None)
        return min(_clif.RESPONSE_TIMEOUT, tool_timeout) if tool_timeout else _clif.RESPONSE_TIMEOUT

    def lldpad_socket(self, ifname: str) -> DcbState:
        """fcoemon's CEE sequence on lldpad's socket; the same states and reasons as the dcbtool path."""
        _clif.checked_ifname(ifname)
        with _clif.Client(self.netns, self._timeout()) as client:
            try:
                replies = self._cee_sequence(client, ifname)
            finally:
                self.queries += client.queries
        if isinstance(replies, DcbState):
            return replies
        if replies is None:                    # GET_OPER not applicable: lldpad is in IEEE-DCBX mode
            if self.runner.sysroot.tool('lldptool') is None:
                # lldpad in IEEE-DCBX mode programs the kernel's dcbnl: the same PFC and APP, read there.
                return self.kernel(ifname, 'lldpad is in IEEE-DCBX mode and lldptool is not installed')
            return self.lldpad_ieee(ifname)
        result, pfc_cfg, app_cfg, pfc_oper, app_oper = replies
        for reply in (pfc_cfg, app_cfg, pfc_oper, app_oper):
            if reply.status != 0:
                return unreadable(CEE, 'lldpad: %s' % reply.status_text)
        result.pfc = _socket_feature(pfc_cfg, pfc_oper, _clif.FEATURE_PFC)
        result.app = _socket_feature(app_cfg, app_oper, _clif.FEATURE_APP)
        return result

    @staticmethod
    def _cee_sequence(client, ifname: str):
        """The five requests, stopping where fcoemon stops: a final DcbState, None for IEEE mode, or the replies."""
        def ask(command: int, feature: int) -> _clif.ClifReply:
            return client.query(command, feature, _clif.SUBTYPE_FCOE, ifname)
        state = ask(_clif.CMD_GET_CONFIG, _clif.FEATURE_DCB)
        if state.status == _clif.STATUS_NOT_CAPABLE:
            return DcbState(CEE, capable=False, reason='%s is not DCB-capable (lldpad: Device not capable)' % ifname)
        if state.status != 0:
            return unreadable(CEE, 'lldpad: %s' % state.status_text)
        result = DcbState(CEE, dcb_on=_clif.dcb_state(state))
        if not result.dcb_on:
            return result
        pfc_cfg, app_cfg = ask(_clif.CMD_GET_CONFIG, _clif.FEATURE_PFC), ask(_clif.CMD_GET_CONFIG, _clif.FEATURE_APP)
        pfc_oper = ask(_clif.CMD_GET_OPER, _clif.FEATURE_PFC)
        if pfc_oper.status == _clif.STATUS_NOT_APPLICABLE:
            return None
        return result, pfc_cfg, app_cfg, pfc_oper, ask(_clif.CMD_GET_OPER, _clif.FEATURE_APP)

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


def _socket_feature(config_reply, oper_reply, feature: int) -> Feature:
    enable, advertise, willing = _clif.config(config_reply)
    oper = _clif.oper(oper_reply, feature)
    return Feature(enable=enable, advertise=advertise, willing=willing, oper=oper.mode, syncd=oper.syncd,
                   error=oper.error, priorities=oper.priorities)
