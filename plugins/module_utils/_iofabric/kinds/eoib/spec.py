# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate eoib_gc settings: which parents, which guest sources, the grace, the vendor daemon.

PRIVATE to the collection. The result is also what the state store keeps per parent, so
that the reconciler collects with the same settings.
"""

from __future__ import annotations

import re

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.libvirt_domains import check_uri
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.guests.sources import SOURCES
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.eoib.mlx4_vnicd import STATES

ALL = 'all'
LOG_LEVELS = ('debug', 'info', 'warning', 'error', 'critical')
DEFAULT_GRACE = {'seconds': 120, 'observations': 2}
DEFAULT_CONFIRM_TIMEOUT = 11.0  # mlx4_vnicd polls 11 times, 1 s apart
_PATH = re.compile(r'/[A-Za-z0-9_./+-]*')


def _names(value, field: str) -> list:
    if value is None:
        return [ALL]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValidationError(field, 'give a list of EoIB interface names, or all')
    if ALL in value:
        if len(value) > 1:
            raise ValidationError(field, 'all cannot be combined with interface names')
        return [ALL]
    names = [v.ifname(name, '%s[%d]' % (field, number)) for number, name in enumerate(value)]
    if len(set(names)) != len(names):
        raise ValidationError(field, 'names an interface twice')
    return sorted(names)


def _sources(value) -> list:
    value = [value] if isinstance(value, str) else (value or ['auto'])
    for number, source in enumerate(value):
        v.choice(source, 'source[%d]' % number, SOURCES)
    if 'auto' in value and len(value) > 1:
        raise ValidationError('source', 'auto picks the sources itself; it cannot be combined with others')
    return sorted(set(value))


def _grace(value) -> dict:
    value = dict(DEFAULT_GRACE, **{key: item for key, item in (value or {}).items() if item is not None})
    unknown = sorted(set(value) - set(DEFAULT_GRACE))
    if unknown:
        raise ValidationError('grace.%s' % unknown[0], 'is not an option (seconds, observations)')
    return {'seconds': v.int_range(value['seconds'], 'grace.seconds', 0, 30 * 86400),
            'observations': v.int_range(value['observations'], 'grace.observations', 1, 10000)}


def _vendor(value) -> dict:
    value = dict(value or {})
    settings = {'state': v.choice(value.get('state') or 'unmanaged', 'vendor_daemon.state', STATES)}
    if value.get('interval') is not None:
        settings['interval'] = v.int_range(value['interval'], 'vendor_daemon.interval', 1, 86400)
    if value.get('vif_detect') is not None:
        if not isinstance(value['vif_detect'], bool):
            raise ValidationError('vendor_daemon.vif_detect', 'must be true or false')
        settings['vif_detect'] = value['vif_detect']
    if value.get('log_level') is not None:
        settings['log_level'] = v.choice(value['log_level'], 'vendor_daemon.log_level', LOG_LEVELS)
    if value.get('log_file') is not None:
        # One token of a space-separated opt=value line: no spaces, no =, no newline.
        if not isinstance(value['log_file'], str) or not _PATH.fullmatch(value['log_file']):
            raise ValidationError('vendor_daemon.log_file', 'must be an absolute path of letters, digits and '
                                                            '_./+- (it becomes one token of the mlx4_vnicd= line)')
        settings['log_file'] = value['log_file']
    if settings['state'] in ('unmanaged', 'disabled'):
        extra = sorted(set(settings) - {'state'})
        if extra and settings['state'] == 'unmanaged':
            raise ValidationError('vendor_daemon.%s' % extra[0], 'is only used when vendor_daemon.state manages '
                                                                 'the daemon (collector_off, collector_on)')
    return settings


def normalize(params: dict) -> dict:
    """The module's options, validated; raises ValidationError naming the field."""
    uri = params.get('libvirt_uri')
    if uri is not None:
        check_uri(uri, 'libvirt_uri')  # local read-only transports only: a store must not run a command
    timeout = params.get('confirm_timeout')
    timeout = DEFAULT_CONFIRM_TIMEOUT if timeout is None else float(timeout)
    if not 0 <= timeout <= 600:
        raise ValidationError('confirm_timeout', 'must be between 0 and 600 seconds')
    return {
        'parents': _names(params.get('parents'), 'parents'),
        'source': _sources(params.get('source')),
        'libvirt_uri': uri,
        'grace': _grace(params.get('grace')),
        'confirm_timeout': timeout,
        'vendor_daemon': _vendor(params.get('vendor_daemon')),
    }
