# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse dcbtool and lldptool output (lldpad's clients) into plain values.

PRIVATE to the collection. dcbtool separates labels and values with spaces and a TAB;
parsing splits at the first ':' and strips both, so the exact spacing never matters.
Anything that is not a known shape raises ParseError with the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError

STATUS_CODES = {'Successful': 0, 'Failed': 1, 'Device not found, link down or DCB not enabled': 2,
                'Invalid command': 4, 'Invalid parameters': 5, 'Peer feature not present': 6,
                'Version not compatible': 7, 'Device not capable': 8,
                'Command not applicable in IEEE-DCBX modes': 9, 'Access denied': 10, 'Unknown status': -1}
LLDPAD_DOWN = ('Failed to connect to lldpad', 'Connection refused')
_KNOWN = {'Command', 'Feature', 'Port', 'Status', 'Enable', 'Advertise', 'Willing', 'Oper Version', 'Max Version',
          'Errors', 'Oper Mode', 'Syncd', 'Error', 'DCBX Subtype', 'DCB State', 'DCBX Version', 'pfcup', "num TC's",
          'appcfg', 'Link status', 'up2tc', 'pgpct', 'pgid', 'uppct', 'pg strict', 'PGID', 'Description'}
FCOE_ETHERTYPE = 0x8906


@dataclass
class DcbtoolReply:
    status: int
    fields: dict = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        value = self.fields.get(name)
        if value not in ('true', 'false'):
            raise ParseError('dcbtool output', '%s is %r, not true or false' % (name, value))
        return value == 'true'

    def bitmap(self) -> int:
        """pfcup (8 flags, priority 0 first) or appcfg (hex bytes) as a priority bitmap."""
        if 'pfcup' in self.fields:
            flags = self.fields['pfcup'].split()
            if len(flags) != 8 or set(flags) - {'0', '1'}:
                raise ParseError('dcbtool output', 'pfcup %r is not eight 0/1 flags' % self.fields['pfcup'])
            return sum(1 << index for index, flag in enumerate(flags) if flag == '1')
        if 'appcfg' in self.fields:
            try:
                return int(self.fields['appcfg'], 16)
            except ValueError:
                raise ParseError('dcbtool output', 'appcfg %r is not hex' % self.fields['appcfg']) from None
        raise ParseError('dcbtool output', 'no pfcup or appcfg in the reply')

    def errors(self) -> int:
        text = self.fields.get('Errors', '0x00')
        try:
            return int(text.split()[0], 16)
        except (ValueError, IndexError):
            raise ParseError('dcbtool output', 'Errors %r is not 0x..' % text) from None


def parse_dcbtool(stdout: str) -> DcbtoolReply:
    fields: dict = {}
    for number, raw in enumerate(stdout.splitlines(), 1):
        if not raw.strip():
            continue
        key, sep, value = raw.partition(':')
        key = key.strip()
        if not sep or key not in _KNOWN:
            raise ParseError('dcbtool output', 'unexpected line %r' % raw[:80], number)
        fields.setdefault(key, value.strip(' \t'))
    if 'Status' not in fields:
        raise ParseError('dcbtool output', 'no Status line')
    if fields['Status'] not in STATUS_CODES:
        raise ParseError('dcbtool output', 'unknown status %r' % fields['Status'])
    return DcbtoolReply(STATUS_CODES[fields['Status']], fields)


def lldpad_down(stderr: str) -> bool:
    return any(text in stderr for text in LLDPAD_DOWN)


def parse_lldptool_config(stdout: str) -> dict:
    """``name=value`` lines of ``lldptool -t -i IF -V TLV -c``; the APP value spans lines."""
    values: dict = {}
    current = None
    for number, raw in enumerate(stdout.splitlines(), 1):
        if not raw.strip():
            continue
        if current == 'APP' and re.fullmatch(r'\s*\d+:\(\d+,\d+,(0x[0-9a-fA-F]+|\d+)\).*', raw):
            values['APP'].append(raw.strip())
            continue
        key, sep, value = raw.partition('=')
        if not sep or not re.fullmatch(r'[A-Za-z][A-Za-z0-9_-]*', key):
            raise ParseError('lldptool output', 'unexpected line %r' % raw[:80], number)
        current = key
        values[key] = [] if key == 'APP' else value
    return values


def fcoe_priorities_from_app(entries: list) -> int:
    """Priority bitmap of the FCoE ethertype (selector 1, 0x8906) in ``-V APP -c app`` entries."""
    bitmap = 0
    for entry in entries:
        # lldptool prints the protocol in hex for selector 1 (ethertype), in decimal otherwise.
        # Priorities are 0-7 (one bit each of a byte); a number in hex only with its 0x, decimal otherwise
        # (int(x, 0) would refuse a decimal with a leading zero).
        match = re.match(r'[0-9]+:\(([0-7]),([0-9]+),(0x[0-9a-fA-F]+|[0-9]+)\)', entry)
        if match is None or int(match.group(2)) != 1:
            continue
        protocol = match.group(3)
        if int(protocol, 16 if protocol.startswith('0x') else 10) == FCOE_ETHERTYPE:
            bitmap |= 1 << int(match.group(1))
    return bitmap
