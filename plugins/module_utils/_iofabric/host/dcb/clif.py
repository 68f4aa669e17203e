# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lldpad's client interface (clif), spoken directly as fcoemon does: no dcbtool process per query.

PRIVATE to the collection. Facts: ../shared/reference/fcoe_dcb.md §1.6 and §4.1.
An AF_UNIX datagram socket, autobound, connected to the abstract name ``\\0/com/intel/lldpad``
(in the network namespace the socket was created in: abstract names are per namespace).
A request is ``C`` + ``3`` + 2-hex command, feature, subtype, ifname length, then the ifname; the
reply is ``R`` + 2-hex status + that request echoed + data. One request in flight; the reply is
waited for at most CMD_RESPONSE_TIMEOUT (2 s) as lldpad's own clients do; event datagrams
(``E...``) that arrive meanwhile are skipped. The data is read as fcoemon's dcb_rsp_parser reads it.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import IofabricError, ParseError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.rtnl import open_socket

LLDPAD_ADDRESS = b'\0/com/intel/lldpad'
CLIF_VERSION = 3
CMD_GET_CONFIG, CMD_GET_OPER = 0x01, 0x03
FEATURE_DCB, FEATURE_PFC, FEATURE_APP = 0x01, 0x03, 0x05
SUBTYPE_FCOE = 0x00                     # APP subtype 0 is FCoE
RESPONSE_TIMEOUT = 2.0                  # CMD_RESPONSE_TIMEOUT of lldpad's clif.h
MAX_REPLY = 4096                        # MAX_CLIF_MSGBUF: lldpad never sends more
SOURCE = 'lldpad reply'
# lldpad's cmd_status (lldpad_status.h), in dcbtool's words so that reasons read as they did with dcbtool.
STATUS_TEXT = {0: 'Successful', 1: 'Failed', 2: 'Device not found, link down or DCB not enabled',
               3: 'Agent instance for device not found', 4: 'Invalid command', 5: 'Invalid parameters',
               6: 'Peer feature not present', 7: 'Version not compatible', 8: 'Device not capable',
               9: 'Command not applicable in IEEE-DCBX modes', 10: 'Access denied',
               11: 'TLV does not support agent type'}
STATUS_NOT_CAPABLE, STATUS_NOT_APPLICABLE = 8, 9
_FIELD = 'DCB interface'


class LldpadNotRunning(IofabricError):
    """Nothing listens on lldpad's socket (connection refused): lldpad is not running in this namespace."""


class ClifUnusable(IofabricError):
    """The socket itself could not be used (EPERM, a namespace that cannot be entered, ...): try dcbtool."""


class LldpadTimeout(IofabricError):
    """lldpad took the request but did not answer within the timeout."""


@dataclass
class ClifReply:
    status: int
    data: str

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, 'Unknown status %d' % self.status)


@dataclass
class Oper:
    version: int
    error: int
    mode: bool
    syncd: bool
    priorities: int


def checked_ifname(ifname: str) -> str:
    """core/validate's interface-name rule; a leading '-' is no option risk on a socket (lldpad takes the name
    from the length field), so only that rule is lifted. The length fits %02x and IFNAMSIZ."""
    validate.ifname('_' + ifname[1:] if isinstance(ifname, str) and ifname.startswith('-') else ifname, _FIELD)
    return ifname


def request(command: int, feature: int, subtype: int, ifname: str) -> bytes:
    """The request fcoemon and dcbtool send (``"%c%x%2.2x%2.2x%2.2x%2.2x%s"``), e.g. ``C301010004eth2``."""
    checked_ifname(ifname)
    for name, value in (('command', command), ('feature', feature), ('subtype', subtype)):
        if not isinstance(value, int) or not 0 <= value <= 0xff:
            raise ValueError('%s %r is not a byte' % (name, value))
    return ('C%x%02x%02x%02x%02x%s' % (CLIF_VERSION, command, feature, subtype, len(ifname), ifname)).encode('ascii')


def parse_reply(sent: bytes, reply: bytes) -> ClifReply:
    """``R`` + 2-hex status + the request echoed + data; anything else is a ParseError saying what is wrong."""
    try:
        text = reply.decode('ascii')
    except UnicodeDecodeError:
        raise ParseError(SOURCE, 'not ASCII: %r' % reply[:40]) from None
    header = sent.decode('ascii')
    if not text.startswith('R'):
        raise ParseError(SOURCE, 'does not begin with R: %r' % text[:40])
    status_text = text[1:3]
    if len(status_text) != 2 or any(char not in '0123456789abcdefABCDEF' for char in status_text):
        raise ParseError(SOURCE, 'status %r is not two hex digits' % status_text)
    status, rest = int(status_text, 16), text[3:]
    if not rest and status != 0:
        # lldpad answers a request it rejects before reading the port with the status alone.
        return ClifReply(status, '')
    if not rest.startswith(header):
        raise ParseError(SOURCE, 'answers %r, not the request %r' % (rest[:len(header)], header))
    return ClifReply(status, rest[len(header):])


def _flag(data: str, index: int, what: str) -> bool:
    if len(data) <= index or data[index] not in '01':
        raise ParseError(SOURCE, '%s is %r, not 0 or 1' % (what, data[index:index + 1]))
    return data[index] == '1'


def _hex(data: str, start: int, end: int, what: str) -> int:
    digits = data[start:end]
    if len(digits) != end - start or any(char not in '0123456789abcdefABCDEF' for char in digits):
        raise ParseError(SOURCE, '%s %r is not %d hex digits' % (what, digits, end - start))
    return int(digits, 16)


def dcb_state(reply: ClifReply) -> bool:
    """GET_CONFIG DCB: one digit, the DCB state."""
    return _flag(reply.data, 0, 'DCB state')


def config(reply: ClifReply) -> tuple:
    """GET_CONFIG PFC/APP: (enable, advertise, willing), one digit each."""
    return tuple(_flag(reply.data, index, what) for index, what in enumerate(('enable', 'advertise', 'willing')))


def oper(reply: ClifReply, feature: int) -> Oper:
    """GET_OPER PFC/APP: 2-hex oper and max version, 2-hex error bits, oper mode and syncd digits, then for PFC
    eight pfcup digits (priority 0 first), for APP a 2-hex length and that many hex digits of appcfg."""
    data = reply.data
    result = Oper(version=_hex(data, 0, 2, 'oper version'), error=_hex(data, 4, 6, 'error flags'),
                  mode=_flag(data, 6, 'oper mode'), syncd=_flag(data, 7, 'syncd'), priorities=0)
    _hex(data, 2, 4, 'max version')
    if feature == FEATURE_PFC:
        result.priorities = sum(1 << index for index in range(8) if _flag(data, 8 + index, 'pfcup[%d]' % index))
    else:
        length = _hex(data, 8, 10, 'appcfg length')
        if not 1 <= length <= 2:
            raise ParseError(SOURCE, 'appcfg length %d is not that of a priority bitmap (1-2 hex digits)' % length)
        result.priorities = _hex(data, 10, 10 + length, 'appcfg')
    return result


class Client:
    """One connection to lldpad, created in ``netns``; use as a context manager."""

    def __init__(self, netns: str | None = None, timeout: float = RESPONSE_TIMEOUT):
        self.netns = netns
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.queries = 0

    def __enter__(self) -> Client:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def open(self) -> None:
        try:
            sock = open_socket(self.netns, socket.AF_UNIX, socket.SOCK_DGRAM, 0)
        except OSError as exc:
            raise ClifUnusable('no socket for lldpad in %s: %s' % (self.netns or 'this namespace', exc)) from None
        # A send blocks while lldpad's receive queue is full (a hung lldpad that stopped reading): bounded too.
        sock.settimeout(self.timeout)
        try:
            sock.bind(b'')                      # autobind: the kernel picks an abstract name, as for fcoemon
            sock.connect(LLDPAD_ADDRESS)
        except (ConnectionRefusedError, FileNotFoundError):
            sock.close()
            raise LldpadNotRunning('nothing listens on @/com/intel/lldpad') from None
        except OSError as exc:
            sock.close()
            raise ClifUnusable('lldpad socket: %s' % exc) from None
        self.sock = sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def query(self, command: int, feature: int, subtype: int, ifname: str) -> ClifReply:
        """Send one request and wait for its reply; events that arrive meanwhile are skipped."""
        sent = request(command, feature, subtype, ifname)
        if self.sock is None:
            self.open()
        self.queries += 1
        try:
            self.sock.send(sent)
            deadline = time.monotonic() + self.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                    self.close()    # a late reply must never be taken for the next request's
                    raise LldpadTimeout('lldpad did not answer %s within %.1f s' % (sent.decode('ascii'), self.timeout))
                reply = self.sock.recv(MAX_REPLY)
                if not reply.startswith(b'E'):
                    return parse_reply(sent, reply)
        except ConnectionRefusedError:
            self.close()
            raise LldpadNotRunning('lldpad went away (connection refused)') from None
        except TimeoutError:
            self.close()
            raise LldpadTimeout('lldpad did not take %s within %.1f s (its queue is full)'
                                % (sent.decode('ascii'), self.timeout)) from None
        except OSError as exc:
            self.close()
            raise ClifUnusable('lldpad socket: %s' % exc) from None
