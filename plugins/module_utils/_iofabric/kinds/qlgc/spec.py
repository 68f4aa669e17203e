# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate and normalise qlgc VNIC declarations (the vendor's configuration rules).

PRIVATE to the collection. A normalised spec is config-shaped; None means "not given".
"""

from __future__ import annotations

import re

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.resource import clone

PATH_FIELDS = ('ioc_string', 'ioc_guid', 'dgid', 'pkey', 'instance', 'hca', 'port', 'port_guid')
IFACE_FIELDS = ('name', 'type', 'primary', 'secondary', 'heartbeat', 'rx_csum', 'tx_csum', 'ib_multicast')
IFACE_DEFAULTS = {'heartbeat': 100, 'rx_csum': True, 'tx_csum': True, 'ib_multicast': True}
PATH_DEFAULTS = {'pkey': 'ffff', 'instance': 0}
PATHS = ('primary', 'secondary')
_HCA_NAME = re.compile(r'[A-Za-z][A-Za-z0-9_]{0,31}')


def normalize_path(raw, field: str, require_port: bool = True) -> dict:
    """Validate one path; apply the vendor's addressing rules."""
    if not isinstance(raw, dict):
        raise ValidationError(field, 'a path must be a mapping')
    unknown = sorted(set(raw) - set(PATH_FIELDS))
    if unknown:
        raise ValidationError('%s.%s' % (field, unknown[0]), 'is not a path option (%s)' % ', '.join(PATH_FIELDS))
    path = dict.fromkeys(PATH_FIELDS)
    if raw.get('ioc_string') is not None:
        path['ioc_string'] = v.ioc_string(raw['ioc_string'], field + '.ioc_string')
    if raw.get('ioc_guid') is not None:
        path['ioc_guid'] = v.guid(raw['ioc_guid'], field + '.ioc_guid')
    if raw.get('dgid') is not None:
        path['dgid'] = v.gid(raw['dgid'], field + '.dgid')
    if raw.get('pkey') is not None:
        path['pkey'] = '%04x' % v.pkey(raw['pkey'], field + '.pkey')
    if raw.get('instance') is not None:
        path['instance'] = v.int_range(raw['instance'], field + '.instance', 0, 255)
    if raw.get('port_guid') is not None:
        path['port_guid'] = v.guid(raw['port_guid'], field + '.port_guid')
    if raw.get('port') is not None:
        path['port'] = v.int_range(raw['port'], field + '.port', 1, 255)
    if raw.get('hca') is not None:
        path['hca'] = _hca(raw['hca'], field + '.hca')
    if path['ioc_guid'] is None and path['ioc_string'] is None:
        raise ValidationError(field, 'an IOC GUID or an IOC string is required (ioc_guid or ioc_string)')
    if path['dgid'] is not None and path['ioc_guid'] is None:
        raise ValidationError(field + '.dgid', 'a DGID needs an IOC GUID (ioc_guid)')
    if path['port_guid'] is not None and (path['port'] is not None or path['hca'] is not None):
        raise ValidationError(field + '.port_guid', 'give the local port either by port_guid or by hca and port, not both')
    if require_port and path['port_guid'] is None and path['port'] is None:
        raise ValidationError(field, 'the local port is required (port, with optional hca; or port_guid)')
    return path


def _hca(value, field: str) -> str:
    text = str(value).strip() if not isinstance(value, bool) else ''
    if text.isdigit():
        return str(v.int_range(text, field, 0, 255))
    if not _HCA_NAME.fullmatch(text):
        raise ValidationError(field, '%r is neither an HCA number nor an HCA device name' % (value,))
    return text


def normalize(item: dict, field: str, require_port: bool = True) -> tuple:
    """Return (object id, spec) for one qlgc item of the vnic_interface config."""
    foreign = sorted(key for key, value in item.items() if value is not None and key not in IFACE_FIELDS)
    if foreign:
        raise ValidationError('%s.%s' % (field, foreign[0]), 'is not an option of type qlgc')
    if item.get('name') is None:
        raise ValidationError(field + '.name', 'a qlgc VNIC needs a name')
    spec = {'type': 'qlgc', 'name': v.ifname(item['name'], field + '.name')}
    for key in PATHS:
        spec[key] = (normalize_path(item[key], '%s.%s' % (field, key), require_port)
                     if item.get(key) is not None else None)
    if item.get('heartbeat') is not None:
        spec['heartbeat'] = v.int_range(item['heartbeat'], field + '.heartbeat', 1, 6000)
    else:
        spec['heartbeat'] = None
    for key in ('rx_csum', 'tx_csum', 'ib_multicast'):
        value = item.get(key)
        if value is not None and not isinstance(value, bool):
            raise ValidationError('%s.%s' % (field, key), 'must be true or false')
        spec[key] = value
    return spec['name'], spec


def require_primary(spec: dict, field: str) -> None:
    if spec.get('primary') is None:
        raise ValidationError(field + '.primary', 'a new qlgc VNIC needs a primary path')


def defaults(spec: dict) -> dict:
    base = dict(IFACE_DEFAULTS)
    for key in PATHS:
        if spec.get(key) is not None:
            base[key] = dict(PATH_DEFAULTS)
    return base


def merge(spec: dict, live: dict) -> dict:
    """merged: options not given keep their live values; a given path replaces the live one."""
    result = clone(spec)
    for key, value in live.items():
        if result.get(key) is None and value is not None:
            result[key] = clone(value)
    return result
