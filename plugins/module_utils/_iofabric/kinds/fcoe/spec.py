# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate and normalise fcoe_interface declarations.

PRIVATE to the collection. Defaults are those of fcoe-utils' shipped template cfg-ethx:
FCoE enabled, DCB required, no VLAN discovery, fabric mode, no FIP responder.
"""

from __future__ import annotations

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core import validate as v
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ValidationError

FIELDS = ('interface', 'enabled', 'dcb_required', 'auto_vlan', 'mode', 'fip_resp')
DEFAULTS = {'enabled': True, 'dcb_required': True, 'auto_vlan': False, 'mode': 'fabric', 'fip_resp': False}
MODES = ('fabric', 'vn2vn')


def normalize(item: dict, field: str) -> tuple:
    unknown = sorted(key for key, value in item.items() if value is not None and key not in FIELDS)
    if unknown:
        raise ValidationError('%s.%s' % (field, unknown[0]), 'is not an option (%s)' % ', '.join(FIELDS))
    if item.get('interface') is None:
        raise ValidationError(field + '.interface', 'the network interface is required')
    spec = {'interface': v.ifname(item['interface'], field + '.interface')}
    if spec['interface'].startswith('ethx'):
        raise ValidationError(field + '.interface', 'fcoemon skips cfg-ethx* files (the template); '
                                                    'an interface named %s cannot be configured' % spec['interface'])
    for key in ('enabled', 'dcb_required', 'auto_vlan', 'fip_resp'):
        value = item.get(key)
        if value is not None and not isinstance(value, bool):
            raise ValidationError('%s.%s' % (field, key), 'must be true or false')
        spec[key] = value
    spec['mode'] = v.choice(item['mode'], field + '.mode', MODES) if item.get('mode') is not None else None
    base, dot, vlan = spec['interface'].rpartition('.')
    if dot and base and vlan.isdigit() and not 1 <= int(vlan) <= 4094:
        raise ValidationError(field + '.interface', '%s names VLAN %s of %s, which 802.1Q does not allow (VLAN IDs '
                                                    'are 1-4094)' % (spec['interface'], vlan, base))
    if spec.get('auto_vlan') and '.' in spec['interface']:
        raise ValidationError(field + '.auto_vlan', '%s is a VLAN interface; VLAN discovery applies to the base '
                                                    'interface (fcoemon ignores AUTO_VLAN on a VLAN)' % spec['interface'])
    return spec['interface'], spec
