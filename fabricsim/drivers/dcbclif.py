"""lldpad's client interface, the datagrams as lldpad answers them (what fcoemon, dcbtool and lldptool send).

Facts: ../shared/reference/fcoe_dcb.md §1.6 (request and reply formats, lldpad's data strings, status codes)
and §4.1 (ping, attach, detach). The answers come from the same live model that dcbtext renders for
dcbtool, in the same order of checks (not capable, IEEE mode, invalid), so that the socket and dcbtool
always agree. Faults: the "lldpad" tool fault applies here (timeout: no reply at all, as a hung lldpad;
garbage: a garbage datagram; rc: the fault's value as the reply's status).
"""

from __future__ import annotations

import os

from fabricsim.drivers import dcbtext
from fabricsim.fabric import GARBAGE

FAULT_TARGET = 'lldpad'
CLIF_VERSION = '3'
GET_CONFIG, SET_CONFIG, GET_OPER, GET_PEER = 0x01, 0x02, 0x03, 0x04
FEATURE_DCB, FEATURE_PG, FEATURE_PFC, FEATURE_APP = 0x01, 0x02, 0x03, 0x05
SUCCESS, INVALID, VERSION_NOT_COMPATIBLE, NOT_CAPABLE, NOT_APPLICABLE = 0x00, 0x04, 0x07, 0x08, 0x09
HEADER = 10   # C, version, cmd, feature, subtype, ifname length: 1 + 1 + 2 + 2 + 2 + 2


def _reply(status: int, echo: str = '', data: str = '') -> bytes:
    return ('R%02x' % status + echo + data).encode('ascii', 'replace')


def answer(driver, request: bytes) -> bytes | None:
    """lldpad's reply to one datagram, or None when lldpad sends nothing (a hung lldpad, or a stopped one)."""
    if not driver.lldpad:
        return None
    driver.clif_requests += 1
    fault = driver.fabric.faults.for_tool(FAULT_TARGET)
    if fault is not None and fault.mode == 'timeout':
        return None
    if fault is not None and fault.mode == 'garbage':
        return GARBAGE.encode('utf-8')
    text = request.decode('ascii', 'replace')
    if fault is not None and fault.mode == 'rc':
        return _reply(int(fault.value) & 0xff, text[:HEADER + _length(text)])
    kind = text[:1]
    if kind == 'P':
        return _reply(SUCCESS, 'PPONG%d' % os.getpid())
    if kind in ('A', 'D'):
        # Attach subscribes the client to DCBX events; no event is sent by this model (guess: none is needed
        # until something in the collection attaches).
        return _reply(SUCCESS, kind)
    if kind == 'C':
        return _command(driver, text)
    # 'M' (lldptool's module commands) and anything else are not modelled here: lldptool's stand-in
    # answers those. Guess: an unknown request gets "invalid command" with nothing echoed.
    return _reply(INVALID)


def _length(text: str) -> int:
    try:
        return int(text[8:10], 16)
    except ValueError:
        return 0


def _command(driver, text: str) -> bytes:
    """dcbx_clif_cmd: C + version + cmd, feature, subtype, ifname length (2 hex each) + ifname."""
    try:
        command, feature, subtype, length = (int(text[index:index + 2], 16) for index in (2, 4, 6, 8))
    except ValueError:
        return _reply(INVALID)
    if len(text) < HEADER + length:
        return _reply(INVALID)   # guess: lldpad rejects a request shorter than its length field says
    echo, ifname = text[:HEADER + length], text[HEADER:HEADER + length]
    if text[1] != CLIF_VERSION:
        return _reply(VERSION_NOT_COMPATIBLE, echo)
    port = driver.port(ifname)
    if port is None:                       # get_hw_state fails: no DCB ops, or no such netdev
        return _reply(NOT_CAPABLE, echo)
    if command in (GET_OPER, GET_PEER) and driver.mode == 'ieee':
        return _reply(NOT_APPLICABLE, echo)   # lldpad checks IEEE mode first (as dcbtext does)
    if command == GET_OPER and feature == FEATURE_DCB:
        return _reply(INVALID, echo)
    if command == GET_CONFIG:
        return _reply(SUCCESS, echo, _config(port, feature, subtype))
    if command == GET_OPER:
        return _reply(SUCCESS, echo, _oper(driver, port, ifname, feature, subtype))
    # SET_CONFIG and GET_PEER reach lldpad only from dcbtool, whose stand-in models them; guess: invalid here.
    return _reply(INVALID, echo)


def _flags(*values: bool) -> str:
    return ''.join('1' if value else '0' for value in values)


def _pfcup(bitmap: int) -> str:
    return ''.join(str((bitmap >> index) & 1) for index in range(8))


def _config(port, feature: int, subtype: int) -> str:
    """lldpad's GET_CONFIG data: DCB "%01x"; PFC "%1x%1x%1x" + 8 pfcup + "%1x" num_tcs; APP "%1x%1x%1x" + "%02x" + hex."""
    if feature == FEATURE_DCB:
        return _flags(port.dcb_on)
    if feature == FEATURE_PFC:
        return _flags(port.pfc.enable, port.pfc.advertise, port.pfc.willing) + _pfcup(port.pfc.data) + '%1x' % port.num_tcs
    if feature == FEATURE_APP and subtype == 0:
        return _flags(port.app.enable, port.app.advertise, port.app.willing) + '02%02x' % port.app.data
    return ''   # guess: the other features are not modelled (dcbtext prints their headers only)


def _oper(driver, port, ifname: str, feature: int, subtype: int) -> str:
    """lldpad's GET_OPER data: "%02x%02x%02x%1x%1x" versions, error flags, oper mode, syncd; PFC 8 pfcup + "x";
    APP "%02x" + hex."""
    if feature not in (FEATURE_PFC, FEATURE_APP) or (feature == FEATURE_APP and subtype != 0):
        return ''   # guess, as in _config
    data = port.pfc if feature == FEATURE_PFC else port.app
    oper, syncd = dcbtext.oper_state(driver, port, data, ifname)
    head = '%02x%02x%02x' % (0, 0, data.error) + _flags(oper, syncd)
    return head + (_pfcup(data.data) + 'x' if feature == FEATURE_PFC else '02%02x' % data.data)
