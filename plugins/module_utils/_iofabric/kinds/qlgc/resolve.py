# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve a declared qlgc path to the kernel parameters it should hold right now.

PRIVATE to the collection. Input: the path as declared and one ib_qlgc_vnic_query run.
Output: the local port, the IOC GUID/DGID/P_Key to write, and whether that IOC is
visible. Rules (vendor configuration): a DGID makes the GUID/DGID explicit; otherwise an
IOC string wins over an IOC GUID; an IOC that is not visible resolves to zeros for what
is unknown, which the kernel accepts and keeps idle. An IOC string that two IOCs advertise
at once on the port (during a swap in a chassis) is ambiguous: the candidates are kept and
nothing is picked, whatever order the query lists them in. An IOC string that no visible IOC
carries keeps the visible strings close to it (nearmatch.py): a likely typo, only for a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.createstr import ZERO_GID, ZERO_GUID
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.qlgc.nearmatch import near_matches

VISIBLE = 'visible'
LATE = 'late'
PORT_DOWN = 'port-down'
NO_PORT = 'no-port'
UNRESOLVED = 'unresolved'
AMBIGUOUS = 'ambiguous'


@dataclass
class Target:
    ibdev: str | None
    port: int | None
    port_guid: str | None
    ioc_guid: str = ZERO_GUID
    dgid: str = ZERO_GID
    pkey: int = 0xffff
    ioc_string: str | None = None
    instance: int = 0
    status: str = UNRESOLVED
    reason: str = ''
    stale_explicit: bool = False
    candidates: tuple = ()   # AMBIGUOUS: every visible IOC that carries the declared string
    near: tuple = ()         # LATE by string: NearMatch of the visible IOC strings close to it (never connected to)

    @property
    def port_key(self) -> str:
        return '%s:%s' % (self.ibdev, self.port)


class PortIndex:
    """Lookup of local ports from one query run (or only from sysfs when the query failed)."""

    def __init__(self, ports: list | None, port_dirs: list, query_error: str = ''):
        self.ports = ports or []
        self.port_dirs = set(port_dirs)
        self.query_error = query_error

    @property
    def available(self) -> bool:
        return not self.query_error

    def find(self, path: dict):
        """Return (QueryPort or None, ibdev, port, port_guid, error)."""
        port_no = path.get('port')
        if path.get('port_guid'):
            for port in self.ports:
                if port.port_guid == path['port_guid']:
                    return port, port.hca, port.port, port.port_guid, ''
            return None, None, None, path['port_guid'], self._missing('no local port has GUID 0x%s' % path['port_guid'])
        hca = path.get('hca') if path.get('hca') is not None else '0'
        for port in self.ports:
            if port.port == port_no and (port.hca == hca or str(port.hca_no) == hca):
                return port, port.hca, port.port, port.port_guid, ''
        if not hca.isdigit() and (hca, port_no) in self.port_dirs:
            return None, hca, port_no, None, ''
        return None, None, port_no, None, self._missing('no local port HCA %s port %s' % (hca, port_no))

    def _missing(self, text: str) -> str:
        return text + ('' if self.available else ' (ib_qlgc_vnic_query failed: %s)' % self.query_error)


def resolve(path: dict, index: PortIndex) -> Target:
    port, ibdev, port_no, port_guid, error = index.find(path)
    pkey = int(path.get('pkey') or 'ffff', 16)
    target = Target(ibdev, port_no, port_guid, pkey=pkey, instance=path.get('instance') or 0,
                    ioc_string=path.get('ioc_string'))
    if path.get('ioc_guid'):
        target.ioc_guid = path['ioc_guid']
    if path.get('dgid'):
        target.dgid = path['dgid']
    if error:
        target.status, target.reason = (NO_PORT if index.available else UNRESOLVED), error
        return target
    if port is None:
        if path.get('dgid'):
            target.status, target.reason = UNRESOLVED, 'IOC visibility unknown: %s' % index.query_error
        else:
            target.status, target.reason = UNRESOLVED, 'cannot resolve the IOC: ib_qlgc_vnic_query failed: %s' % index.query_error
        return target
    if not port.active:
        target.status, target.reason = PORT_DOWN, 'local port %s is %s' % (target.port_key, port.state)
        return target
    iocs = port.iocs
    found = None
    if path.get('dgid'):
        found = _first(iocs, lambda ioc: ioc.ioc_guid == path['ioc_guid'] and ioc.dgid == path['dgid'])
        if found is None and path.get('ioc_string'):
            found = _by_string(iocs, path['ioc_string'], target)
            target.stale_explicit = found is not None
    elif path.get('ioc_string'):
        found = _by_string(iocs, path['ioc_string'], target)
    else:
        found = _first(iocs, lambda ioc: ioc.ioc_guid == path['ioc_guid'])
    if target.candidates:
        target.status = AMBIGUOUS
        target.reason = 'IOC string "%s" is advertised by %d IOCs on %s: %s; nothing is changed until only one ' \
                        'carries it' % (path['ioc_string'], len(target.candidates), target.port_key, ', '.join(
                            'GUID %s DGID %s' % (ioc.ioc_guid, ioc.dgid) for ioc in target.candidates))
        return target
    if found is None:
        target.status = LATE
        target.reason = 'IOC %s is not visible on %s yet' % (_describe(path), target.port_key)
        if path.get('ioc_string'):
            target.near = tuple(near_matches(path['ioc_string'], [ioc.ioc_string for ioc in iocs]))
        return target
    if found.pkey is not None and found.pkey != pkey:
        target.status = LATE
        target.reason = 'IOC %s is visible on %s only with P_Key 0x%04x, not 0x%04x' % (
            _describe(path), target.port_key, found.pkey, pkey)
        return target
    target.ioc_guid, target.dgid = found.ioc_guid, found.dgid
    target.ioc_string = path.get('ioc_string') or found.ioc_string
    target.status = VISIBLE
    return target


def _by_string(iocs: list, ioc_string: str, target: Target):
    """The one IOC carrying ``ioc_string``; with two or more, none (their list is target.candidates)."""
    matches, seen = [], set()
    for ioc in iocs:
        if ioc.ioc_string == ioc_string and (ioc.ioc_guid, ioc.dgid) not in seen:
            seen.add((ioc.ioc_guid, ioc.dgid))
            matches.append(ioc)
    if len(matches) > 1:
        target.candidates = tuple(matches)
        return None
    return matches[0] if matches else None


def _first(iocs: list, predicate):
    for ioc in iocs:
        if predicate(ioc):
            return ioc
    return None


def _describe(path: dict) -> str:
    if path.get('ioc_string'):
        return '"%s"' % path['ioc_string']
    return 'GUID %s' % path['ioc_guid']
