# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the qlgc_vnic driver's live state from /sys/class/infiniband_qlgc_vnic.

PRIVATE to the collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.sysfs import list_dir, read_attr_or

CLASS_DIR = '/sys/class/infiniband_qlgc_vnic'
INTERFACES = 'interfaces'
CONTROL_FILES = ('delete_vnic', 'force_failover', 'unfailover')
PATH_DIRS = {'primary': 'primary_path', 'secondary': 'secondary_path'}
CONNECTED = 'VIPORT_CONNECTED'
# What the driver prints (reference ib_vnic_eoib.md); anything else (a value read mid-change, NUL padding,
# garbage) is refused with the attribute's path rather than guessed at.
_HEX_GUID = re.compile(r'[0-9a-fA-F]{1,16}')
_HEX_GID = re.compile(r'[0-9a-fA-F]{32}')
_HEX = re.compile(r'[0-9a-fA-F]{1,8}')
_DECIMAL = re.compile(r'[0-9]{1,9}')
_BOOLEANS = ('true', 'false')


@dataclass
class LivePath:
    viport_state: str = ''
    link_state: str = ''
    heartbeat: int | None = None
    ioc_guid: str = '0' * 16
    dgid: str = '0' * 32
    pkey: int | None = None
    ibdev: str | None = None
    port: int | None = None
    ioc_string: str = ''

    @property
    def connected(self) -> bool:
        return self.viport_state == CONNECTED

    @property
    def idle(self) -> bool:
        return int(self.ioc_guid, 16) == 0 or int(self.dgid, 16) == 0 or not self.pkey


@dataclass
class LiveVnic:
    name: str
    vnic_state: str = ''
    rx_csum: bool | None = None
    tx_csum: bool | None = None
    current_path: str = ''
    paths: dict = field(default_factory=dict)
    error: str = ''   # an attribute could not be understood: the VNIC is reported failed, never acted on


def swap16(value: int) -> int:
    return ((value & 0xff) << 8) | (value >> 8)


def pkey_equal(live: int | None, want: int) -> bool:
    """The driver prints the P_Key it keeps in network order with %x, so a little-endian
    host may show it byte-swapped; both readings mean the same key."""
    return live is not None and (live == want or live == swap16(want))


def _malformed(path: str, text: str, expected: str) -> ParseError:
    return ParseError(path, 'malformed value %r (expected %s)' % (text, expected))


def _checked(path: str, text: str | None, pattern, expected: str) -> str | None:
    if text is not None and not pattern.fullmatch(text):
        raise _malformed(path, text, expected)
    return text


def _bool(path: str, text: str | None) -> bool | None:
    if text is not None and text not in _BOOLEANS:
        raise _malformed(path, text, 'true or false')
    return None if text is None else text == 'true'


def _int(text: str | None, base: int = 10) -> int | None:
    return int(text, base) if text else None


def read_path(directory: str) -> LivePath:
    """One path's attributes; raises ParseError naming the attribute whose value is malformed."""
    def attr(name: str) -> str | None:
        return read_attr_or(directory + '/' + name)

    def checked(name: str, pattern, expected: str) -> str | None:
        return _checked(directory + '/' + name, attr(name), pattern, expected)
    path = LivePath(viport_state=attr('viport_state') or '', link_state=attr('link_state') or '',
                    heartbeat=_int(checked('heartbeat', _DECIMAL, 'a decimal number')), ioc_string=attr('ioc_string') or '')
    guid = checked('ioc_guid', _HEX_GUID, 'up to 16 hex digits')
    if guid:
        path.ioc_guid = guid.lower().zfill(16)
    dgid = checked('dgid', _HEX_GID, '32 hex digits')
    if dgid:
        path.dgid = dgid.lower()
    path.pkey = _int(checked('pkey', _HEX, 'a hex P_Key'), 16)
    hca_info = attr('hca_info') or ''
    if hca_info.startswith('vnic-') and '-' in hca_info[5:]:
        ibdev, _sep, port = hca_info[5:].rpartition('-')
        path.ibdev, path.port = ibdev, _int(_checked(directory + '/hca_info', port, _DECIMAL, 'vnic-<ibdev>-<port>'))
    return path


def read_vnic(name: str, directory: str) -> LiveVnic:
    """One VNIC; a malformed attribute leaves it with ``error`` set (naming the attribute) and the
    defaults for what could not be read, so that only this VNIC is reported failed."""
    vnic = LiveVnic(name=name)
    try:
        vnic.vnic_state = read_attr_or(directory + '/vnic_state') or ''
        vnic.rx_csum = _bool(directory + '/rx_csum', read_attr_or(directory + '/rx_csum'))
        vnic.tx_csum = _bool(directory + '/tx_csum', read_attr_or(directory + '/tx_csum'))
        vnic.current_path = read_attr_or(directory + '/current_path') or ''
        for which, dirname in PATH_DIRS.items():
            if read_attr_or(directory + '/' + dirname + '/viport_state') is not None:
                vnic.paths[which] = read_path(directory + '/' + dirname)
    except ParseError as exc:
        vnic.error = str(exc)
    return vnic


def read_vnics(sysroot, only: set | None = None) -> dict:
    """Every VNIC the driver knows, by name; with ``only``, just those of these names that exist."""
    base = sysroot.path(CLASS_DIR, INTERFACES)
    vnics = {}
    for name in list_dir(base):
        if name in CONTROL_FILES or (only is not None and name not in only):
            continue
        vnics[name] = read_vnic(name, base + '/' + name)
    return vnics


def read_port_dirs(sysroot) -> list:
    """(ibdev, port) of every vnic-<ibdev>-<port> control directory."""
    ports = []
    for name in list_dir(sysroot.path(CLASS_DIR)):
        if name.startswith('vnic-'):
            ibdev, _sep, port = name[5:].rpartition('-')
            if ibdev and port.isdigit():
                ports.append((ibdev, int(port)))
    return ports


def viport_states(sysroot, names: list) -> dict:
    """(name, path) -> viport_state, reading only what the connect wait needs."""
    base = sysroot.path(CLASS_DIR, INTERFACES)
    states = {}
    for name, which in names:
        states[(name, which)] = read_attr_or('%s/%s/%s/viport_state' % (base, name, PATH_DIRS[which])) or ''
    return states
