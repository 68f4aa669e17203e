# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse ib_qlgc_vnic_query output (every documented mode) into ports and visible IOCs.

PRIVATE to the collection. Whitespace-tolerant (the tool indents with a TAB or with
8 spaces depending on the mode and on how the text was captured); IOC strings keep
their commas. Anything not understood raises ParseError with the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError

SOURCE = 'ib_qlgc_vnic_query output'
_HEADER = re.compile(r'^HCA No = (\d+), HCA = (\S+), Port = (\d+)'
                     r'(?:, Port GUID = (0x[0-9a-fA-F]{1,16}), State = (\w+))?$')
_EXTENDED = re.compile(r'^ioc_guid=([0-9a-fA-F]{1,16}),dgid=([0-9a-fA-F]{32}),pkey=([0-9a-fA-F]{1,4})(?:,"(.*)")?$')
_STRING = re.compile(r'^"(.*)"$')
_LOCAL_PORT = re.compile(r'^(\d+),([^,\s]+),(\d+),(0x[0-9a-fA-F]{1,16})$')
_DOWN = 'Port State is Down. Skipping search of DM nodes on this port.'
# A DM field is 'name : value', the name letters and spaces. It is split on the first ':' with
# str.partition and the name checked with one anchored class (no second quantifier after it
# that could match the same characters), so a hostile line costs one pass: the old
# r'^([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$' backtracked quadratically (11 s on 80,000 spaces).
_DM_NAME = re.compile(r'[A-Za-z][A-Za-z ]*')
_CONTROLLER = re.compile(r'^controller\[\s*(\d+)\]$')
_SERVICE = re.compile(r'^service\[\s*\d+\]: [0-9a-fA-F]{16} / \S+$')


@dataclass
class VisibleIoc:
    """An IOC as the query shows it from one local port."""

    ioc_guid: str
    dgid: str
    pkey: int | None = None
    ioc_string: str | None = None


@dataclass
class QueryPort:
    """One local HCA port and the IOCs visible through it."""

    hca_no: int | None
    hca: str | None
    port: int | None
    port_guid: str | None = None
    state: str | None = None
    iocs: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return '%s:%s' % (self.hca, self.port)

    @property
    def active(self) -> bool:
        return self.state in (None, 'Active')


def parse(text: str) -> list:
    """Parse any documented output mode; return the ports in output order.

    Header-less output (``-C``/``-P``) goes to one port with unknown identity.
    """
    ports: list = []
    current: QueryPort | None = None
    unit_gid: str | None = None
    controller: dict | None = None

    def port() -> QueryPort:
        nonlocal current
        if current is None:
            current = QueryPort(None, None, None)
            ports.append(current)
        return current

    def flush_controller() -> None:
        nonlocal controller
        if controller is not None:
            if 'guid' not in controller or unit_gid is None:
                raise ParseError(SOURCE, 'controller block without GUID or IO unit port GID', controller['line'])
            port().iocs.append(VisibleIoc(controller['guid'], unit_gid, None, controller.get('string')))
            controller = None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            flush_controller()
            hca_no, hca, port_no, guid, state = header.groups()
            current = QueryPort(int(hca_no), hca, int(port_no), _guid(guid) if guid else None, state)
            ports.append(current)
            unit_gid = None
            continue
        extended = _EXTENDED.match(line)
        if extended:
            flush_controller()
            guid, dgid, pkey, string = extended.groups()
            port().iocs.append(VisibleIoc(_guid(guid), dgid.lower(), int(pkey, 16), string))
            continue
        quoted = _STRING.match(line)
        if quoted:
            port().iocs.append(VisibleIoc('', '', None, quoted.group(1)))
            continue
        local = _LOCAL_PORT.match(line)
        if local:
            hca_no, hca, port_no, guid = local.groups()
            ports.append(QueryPort(int(hca_no), hca, int(port_no), _guid(guid)))
            current = None
            continue
        if line == _DOWN:
            port().state = 'Down'
            continue
        if line == 'IO Unit Info:':
            flush_controller()
            unit_gid = None
            continue
        start = _CONTROLLER.match(line)
        if start:
            flush_controller()
            controller = {'line': number}
            continue
        if _SERVICE.match(line):
            continue
        dm_field = dm_field_of(line)
        if dm_field:
            name, value = dm_field
            if name == 'port GID':
                if not re.fullmatch(r'[0-9a-fA-F]{32}', value):
                    raise ParseError(SOURCE, 'bad port GID %r' % value, number)
                unit_gid = value.lower()
            elif name == 'GUID' and controller is not None:
                controller['guid'] = _guid(value)
            elif name == 'ID' and controller is not None:
                controller['string'] = value
            elif name not in ('port LID', 'change ID', 'max controllers', 'vendor ID', 'device ID', 'IO class',
                              'service entries', 'GUID', 'ID'):
                raise ParseError(SOURCE, 'unexpected field %r' % name, number)
            continue
        raise ParseError(SOURCE, 'unexpected line %r' % line[:80], number)
    flush_controller()
    return ports


def dm_field_of(line: str) -> tuple | None:
    """``(name, value)`` of a ``name : value`` line, both stripped; None when it is not one.

    Linear by construction: one partition, one strip, one fullmatch of a single class.
    """
    name, colon, value = line.partition(':')
    name = name.rstrip()
    if not colon or not _DM_NAME.fullmatch(name):
        return None
    return name.strip(), value.strip()


def _guid(text: str) -> str:
    text = text[2:] if text[:2].lower() == '0x' else text
    return text.lower().zfill(16)
